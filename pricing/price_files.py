"""Reading a price file a user supplies, for ``crossover catalog diff`` (:mod:`pricing.diff`).

Two formats are read, detected from the content and named in the result:

- ``genai-prices``: the ``genai_prices/data.py`` of a genai-prices wheel, Python source that builds
  the package's objects (``providers = [Provider(id=..., models=[ModelInfo(...), ...]), ...]``). It
  is never executed or imported: a user's file could hold any code, and importing even the genuine
  one takes about a second. :func:`ast.parse` turns it into a syntax tree without running anything,
  and only literal values are read from it: strings, numbers, lists, dicts, ``Decimal('1.5')``,
  ``datetime.date(2026, 1, 1)``, ``datetime.time(...)`` and calls of capitalised names with keyword
  arguments, which become plain records of those arguments (:class:`_Node`), never calls. Anything
  else (a variable, an attribute, arithmetic, ``__import__(...)``) is refused with its line. The
  records then go through the bulk layer's own derivation (:func:`pricing.bulk._record`), so the
  same providers, kinds and dated prices are taken as for the pinned copy, with the prices in
  effect on the day asked for.
- ``litellm``: LiteLLM's ``model_prices_and_context_window.json``, an object of model keys. Costs
  there are USD per token and are converted to USD per million tokens; ``max_input_tokens`` is the
  context window compared (the prompt cap, which is what the simulator checks prompts against).
  The entry's ``litellm_provider`` names the route; :data:`LITELLM_PROVIDERS` maps each route to
  the catalog's provider id, and the key, less its route prefix (``bedrock/``, ``vertex_ai/``,
  ``together_ai/``...), is the provider's API id. Keys of a regional or committed-throughput price
  list (``bedrock/us-gov-west-1/...``, ``azure/eu/...``, ``bedrock/*/1-month-commitment/...``,
  ``bedrock/claude_platform/...``) are not the list price the catalog holds and are skipped, as are
  ``sample_spec``, LiteLLM's fallback prices by model size (``together-ai-4.1b-8b``) and modes other
  than chat, responses, completion and embedding. The kind is decided by the bulk layer's rule
  (:func:`pricing.bulk._kind`), after an embedding entry's zero output price is dropped.

Every figure is checked: a wrong type, a negative price or one above :data:`MAX_FIGURE` is a
:class:`PriceFileError` naming the file, the model and the field.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from . import bulk

MAX_FILE_BYTES = 10_000_000  # 6x genai-prices 0.2.3's data.py, 3x LiteLLM 1.110.2's map
MAX_FIGURE = 1_000_000_000_000  # a price [USD per million tokens] or a context window [tokens] above it is refused
MAX_NAME_CHARS = 120  # a model key as shown in a message
FORMATS = {"genai-prices": "genai-prices data.py", "litellm": "LiteLLM model_prices_and_context_window.json"}

# LiteLLM's route (``litellm_provider``) -> (the catalog's provider id, rank: lower is preferred when
# two routes sell one model). Routes not listed are providers the catalog does not take.
LITELLM_PROVIDERS: dict[str, tuple[str, int]] = {
    "openai": ("openai", 0), "text-completion-openai": ("openai", 1),
    "anthropic": ("anthropic", 0),
    "gemini": ("google", 0),  # Google AI Studio
    **{route: ("google", 1) for route in (  # Vertex AI, whose Claude and Gemini genai-prices files under google
        "vertex_ai", "vertex_ai-language-models", "vertex_ai-anthropic_models", "vertex_ai-embedding-models",
        "vertex_ai-mistral_models", "vertex_ai-llama_models", "vertex_ai-deepseek_models", "vertex_ai-qwen_models",
        "vertex_ai-zai_models", "vertex_ai-openai_models", "vertex_ai-ai21_models", "vertex_ai-minimax_models",
        "vertex_ai-moonshot_models", "vertex_ai-text-models")},
    "bedrock": ("aws", 0), "bedrock_converse": ("aws", 0), "bedrock_mantle": ("aws", 1),
    "azure": ("azure", 0), "azure_text": ("azure", 0), "azure_ai": ("azure", 1),
    "together_ai": ("together", 0),
    "fireworks_ai": ("fireworks", 0), "fireworks_ai-embedding-models": ("fireworks", 0),
    "groq": ("groq", 0),
    "mistral": ("mistral", 0), "codestral": ("mistral", 1), "text-completion-codestral": ("mistral", 1),
    "cohere": ("cohere", 0), "cohere_chat": ("cohere", 0),
    "voyage": ("voyageai", 0),
    "deepseek": ("deepseek", 0),
    "xai": ("x-ai", 0),
    "cerebras": ("cerebras", 0),
    "databricks": ("databricks", 0),
    "perplexity": ("perplexity", 0),
    "moonshot": ("moonshotai", 0),
    "minimax": ("minimax", 0),
    "zai": ("zai", 0), "bigmodel": ("zhipuai", 0),
    "meta_llama": ("meta", 0), "meta": ("meta", 0),
    "cloudflare": ("cloudflare", 0),
    "ovhcloud": ("ovhcloud", 0),
    "baseten": ("baseten", 0),
    "novita": ("novita", 0),
    "openrouter": ("openrouter", 0),
}
# The first path segment of a LiteLLM key that names its route, not the model (``gemini/gemini-2.5-flash``).
ROUTE_PREFIXES = frozenset({
    "openai", "anthropic", "gemini", "vertex_ai", "bedrock", "bedrock_mantle", "azure", "azure_ai", "together_ai",
    "fireworks_ai", "groq", "mistral", "codestral", "cohere", "cohere_chat", "voyage", "deepseek", "xai", "cerebras",
    "databricks", "perplexity", "moonshot", "minimax", "zai", "bigmodel", "meta_llama", "meta", "cloudflare",
    "ovhcloud", "baseten", "novita", "openrouter",
})
AZURE_ZONES = frozenset({"us", "eu", "apac", "global", "global-standard", "us-gov"})  # data-zone price lists
LITELLM_PRICES = {  # LiteLLM's field [USD per token] -> the catalog's figure [USD per million tokens]
    "input_cost_per_token": "input_usd_per_mtok",
    "output_cost_per_token": "output_usd_per_mtok",
    "cache_read_input_token_cost": "cached_input_usd_per_mtok",
    "cache_creation_input_token_cost": "cache_write_usd_per_mtok",
}
TEXT_MODES = frozenset({"chat", "responses", "completion", "embedding"})

AWS_GEO = re.compile(r"^(global|regional|us|us-gov|eu|apac|au|jp|in|ca)\.")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SIZE_BAND = re.compile(r"^(together|fireworks)-ai-")  # LiteLLM's fallback price by parameter count: no model


class PriceFileError(ValueError):
    """The file is not one of the two formats, or a field in it has the wrong type; the message
    names the file and, where there is one, the model and the field."""


@dataclass(frozen=True)
class TheirModel:
    """One chat or embedding model of their file, in the catalog's terms."""

    key: str  # as their file names it: LiteLLM's key, or genai-prices' provider/id
    provider: str  # the catalog's provider id
    id: str  # the provider's API id
    kind: str  # chat or embedding
    figures: dict[str, float]  # the catalog's figure names: USD per million tokens; context window [tokens]
    aliases: tuple[str, ...] = ()
    retires_on: dt.date | None = None  # LiteLLM's deprecation_date
    deprecated: bool = False  # genai-prices' flag (no date)
    successor: str | None = None
    rank: int = 0

    def retired(self, on: dt.date) -> bool:
        return self.deprecated or (self.retires_on is not None and self.retires_on <= on)


@dataclass(frozen=True)
class PriceFile:
    path: str
    format: str  # a key of FORMATS
    version: str | None
    models: int  # every model in the file
    entries: tuple[TheirModel, ...]  # the chat and embedding models of the allowed providers

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "version": self.version, "models": self.models,
                "compared": len(self.entries)}


def read_price_file(data: bytes, path: str, on: dt.date) -> PriceFile:
    """Their file's bytes -> its models; ``path`` names it in messages. Raises :class:`PriceFileError`."""
    if len(data) > MAX_FILE_BYTES:
        raise PriceFileError(f"{path}: over the limit of {MAX_FILE_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PriceFileError(f"{path}: not UTF-8 text (invalid byte at position {exc.start})") from None
    if "\x00" in text:
        raise PriceFileError(f"{path}: holds NUL bytes: not a genai-prices data.py or a LiteLLM price map")
    if text.lstrip()[:1] in ("{", "["):
        return _litellm(text, path)
    return _genai_prices(text, data, path, on)


def _kind_of(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def _litellm(text: str, path: str) -> PriceFile:
    try:
        doc = json.loads(text)
    except RecursionError:
        raise PriceFileError(f"{path}: JSON nested too deeply") from None
    except ValueError as exc:
        where = f"line {exc.lineno}, column {exc.colno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise PriceFileError(f"{path}: not valid JSON ({where})") from None
    if not isinstance(doc, dict):
        raise PriceFileError(f"{path}: JSON, but not LiteLLM's price map: expected an object of model keys, got {_kind_of(doc)}")
    if not any(isinstance(v, dict) and "litellm_provider" in v for v in doc.values()):
        raise PriceFileError(f"{path}: JSON, but not LiteLLM's price map: no entry has a litellm_provider")
    entries = []
    for key, entry in doc.items():
        if key == "sample_spec":
            continue
        if not isinstance(entry, dict):
            raise PriceFileError(f"{path}: {short(key)}: expected an object of fields, got {_kind_of(entry)}")
        model = _litellm_entry(path, key, entry)
        if model is not None:
            entries.append(model)
    return PriceFile(path, "litellm", None, sum(k != "sample_spec" for k in doc), tuple(entries))


def _litellm_entry(path: str, key: str, entry: dict[str, Any]) -> TheirModel | None:
    where = f"{path}: {short(key)}"  # how messages name the entry
    route = entry.get("litellm_provider")
    if route is None:
        return None  # LiteLLM's aliases (alias_of) and tools name no provider
    if not isinstance(route, str):
        raise PriceFileError(f"{where}: litellm_provider: expected text, got {_kind_of(route)}")
    if route not in LITELLM_PROVIDERS:
        return None
    provider, rank = LITELLM_PROVIDERS[route]
    mode = _text(where, entry, "mode")
    if mode is not None and mode not in TEXT_MODES:
        return None
    model = litellm_id(key, provider)
    if model is None or _SIZE_BAND.match(key):
        return None
    figures: dict[str, float] = {}
    for name, ours in LITELLM_PRICES.items():
        value = _number(where, entry, name, 1e6)
        if value is not None:
            figures[ours] = float(f"{value:.12g}")  # per million tokens, without the float noise of * 1e6
    if mode == "embedding":
        figures.pop("output_usd_per_mtok", None)  # LiteLLM writes 0: an embedding has no output tokens
    kind = bulk._kind(model, figures)
    if kind is None:
        return None
    window = _number(where, entry, "max_input_tokens", 1)
    if window is not None:
        if window != int(window):
            raise PriceFileError(f"{where}: max_input_tokens: expected a whole number of tokens, got {window!r}")
        figures["context_window_tokens"] = int(window)
    retires = _text(where, entry, "deprecation_date")
    retires_on = None
    if retires is not None:
        try:
            retires_on = dt.date.fromisoformat(retires) if _DATE.match(retires) else None
        except ValueError:
            pass
        if retires_on is None:
            raise PriceFileError(f"{where}: deprecation_date: expected a date YYYY-MM-DD, got {retires[:40]!r}")
    geo = provider == "aws" and bool(AWS_GEO.match(model)) and not model.startswith("global.")
    return TheirModel(key=key, provider=provider, id=model, kind=kind, figures=figures, retires_on=retires_on,
                      successor=_text(where, entry, "successor_model"), rank=rank + geo)


def short(name: str) -> str:
    """A name from their file as a message shows it: at most :data:`MAX_NAME_CHARS` characters."""
    return name if len(name) <= MAX_NAME_CHARS else name[:MAX_NAME_CHARS - 3] + "..."


def litellm_id(key: str, provider: str) -> str | None:
    """The provider's API id in a LiteLLM key; None for a key of a regional or committed price list."""
    route, _, rest = key.partition("/")
    model = rest if rest and route in ROUTE_PREFIXES else key
    head, _, tail = model.partition("/")
    if provider == "aws":
        if head in ("converse", "invoke") and tail:
            model = tail
        if "/" in model:  # <region>/, */1-month-commitment/, claude_platform/, image sizes
            return None
    elif provider == "azure" and tail and head in AZURE_ZONES:
        return None
    return model


def _text(where: str, entry: dict[str, Any], name: str) -> str | None:
    value = entry.get(name)
    if value is not None and not isinstance(value, str):
        raise PriceFileError(f"{where}: {name}: expected text, got {_kind_of(value)}")
    return value


def _number(where: str, entry: dict[str, Any], name: str, scale: float) -> float | None:
    """The field times ``scale`` (1e6: per token -> per million tokens), from 0 to :data:`MAX_FIGURE`."""
    value = entry.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PriceFileError(f"{where}: {name}: expected a number, got {_kind_of(value)}")
    try:
        scaled = value * scale
    except OverflowError:  # an integer beyond any float
        scaled = math.inf
    if not 0 <= scaled <= MAX_FIGURE:  # NaN fails too
        raise PriceFileError(f"{where}: {name}: {str(value)[:40]} is out of range (0 to {MAX_FIGURE / scale:g})")
    return scaled


class _Node:
    """A constructor call of a data.py, kept as its keyword arguments; nothing is called. Arguments
    the file leaves out read as the package's defaults (:data:`_DEFAULTS`); others do not exist."""

    __slots__ = ("_type", "_fields")

    def __init__(self, type_: str, fields: dict[str, Any]):
        self._type, self._fields = type_, fields

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            defaults = _DEFAULTS.get(self._type, {})
            if name in defaults:
                return defaults[name]
            raise AttributeError(f"{self._type} has no {name}") from None


_DEFAULTS: dict[str, dict[str, Any]] = {  # genai_prices.types' defaults for the fields bulk.py reads
    "Provider": {"pricing_urls": None, "models": []},
    "ModelInfo": {"name": None, "context_window": None, "deprecated": None, "prices": [], "price_variants": None},
    "ConditionalPrice": {"constraint": None},
    "PriceVariant": {"constraint": None},
}


class _Refused(ValueError):
    def __init__(self, node: ast.AST, why: str):
        super().__init__(f"line {getattr(node, 'lineno', '?')}: {why}")


def _literal(node: ast.expr) -> Any:
    """A value of the syntax tree, read without running anything (see the module's docstring)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _Refused(node, "a ** in a dict is not a literal value")
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) in (int, float)):
        return -node.operand.value
    if isinstance(node, ast.Call):
        return _call(node)
    if isinstance(node, ast.Attribute) and ast.unparse(node) in ("datetime.UTC", "datetime.timezone.utc"):  # a time-of-day price's zone
        return dt.timezone.utc
    raise _Refused(node, f"only literal values are read, not {_shown(node)}")


def _call(node: ast.Call) -> Any:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else (
        f"{func.value.id}.{func.attr}" if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None)
    if name == "Decimal":
        args = [_literal(a) for a in node.args]
        if node.keywords or len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], (str, int)):
            raise _Refused(node, f"{_shown(node)}: expected Decimal of one string or whole number")
        try:
            value = Decimal(args[0])
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite():
            raise _Refused(node, f"{_shown(node)}: not a finite number")
        return value
    if name in ("datetime.date", "datetime.time"):
        args = [_literal(a) for a in node.args]
        keywords = {k.arg: _literal(k.value) for k in node.keywords if k.arg is not None}
        plain = [*args, *(v for k, v in keywords.items() if k != "tzinfo")]
        try:
            if len(keywords) != len(node.keywords) or not all(type(a) is int for a in plain):
                raise TypeError("expected whole numbers")
            if not isinstance(keywords.get("tzinfo", dt.timezone.utc), dt.tzinfo):
                raise TypeError("tzinfo must be datetime.UTC")
            return (dt.date if name == "datetime.date" else dt.time)(*args, **keywords)
        except (ValueError, TypeError, OverflowError) as exc:
            raise _Refused(node, f"{_shown(node)}: {exc}") from None
    if name is None or "." in name or not name[:1].isupper():
        raise _Refused(node, f"only the package's constructors are read, not a call of {_shown(func)}")
    if node.args or any(k.arg is None for k in node.keywords):
        raise _Refused(node, f"{name}(...) with positional or ** arguments is not read; the package writes keywords")
    return _Node(name, {k.arg: _literal(k.value) for k in node.keywords})


def _shown(node: ast.AST) -> str:
    text = ast.unparse(node)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _providers_list(tree: ast.Module) -> ast.List | None:
    for statement in tree.body:
        targets = (statement.targets if isinstance(statement, ast.Assign)
                   else [statement.target] if isinstance(statement, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == "providers" for t in targets) and isinstance(statement.value, ast.List):
            return statement.value
    return None


def _genai_prices(text: str, data: bytes, path: str, on: dt.date) -> PriceFile:
    try:
        with warnings.catch_warnings():  # an invalid escape in their file is not our warning to print
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise PriceFileError(f"{path}: neither JSON nor Python (line {exc.lineno}: {exc.msg}): "
                             "not a genai-prices data.py or a LiteLLM price map") from None
    except (RecursionError, MemoryError):
        raise PriceFileError(f"{path}: Python nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise PriceFileError(f"{path}: cannot be read as Python ({str(exc)[:200]})") from None
    listed = _providers_list(tree)
    if listed is None:
        raise PriceFileError(f"{path}: Python, but not a genai-prices data.py: no `providers = [Provider(...), ...]` list")
    version = _pinned_version_if_identical(data)
    entries, count = [], 0
    for i, element in enumerate(listed.elts):
        try:
            provider = _literal(element)
        except _Refused as exc:
            raise PriceFileError(f"{path}: providers[{i}]: {exc}") from None
        except RecursionError:
            raise PriceFileError(f"{path}: providers[{i}]: nested too deeply to read") from None
        if not isinstance(provider, _Node) or provider._type != "Provider":
            raise PriceFileError(f"{path}: providers[{i}]: expected Provider(...), got {_shown(element)}")
        pid = _field(path, f"providers[{i}]", provider, "id", str)
        models = _field(path, short(pid), provider, "models", list)
        count += len(models)
        if pid not in bulk.PROVIDERS:
            continue
        urls = _field(path, short(pid), provider, "pricing_urls", list, optional=True)
        for j, model in enumerate(models):
            entries += _genai_prices_model(path, pid, j, model, on, (urls or [None])[0])
    return PriceFile(path, "genai-prices", version, count, tuple(entries))


def _genai_prices_model(path: str, pid: str, j: int, model: Any, on: dt.date, url: Any) -> list[TheirModel]:
    if not isinstance(model, _Node) or model._type != "ModelInfo":
        raise PriceFileError(f"{path}: {short(pid)}: models[{j}]: expected ModelInfo(...)")
    mid = _field(path, f"{short(pid)}: models[{j}]", model, "id", str)
    where = short(f"{pid}/{mid}")
    window = _field(path, where, model, "context_window", int, optional=True)
    if isinstance(window, bool):
        raise PriceFileError(f"{path}: {where}: context_window: expected a whole number, got true/false")
    _field(path, where, model, "deprecated", bool, optional=True)
    try:
        record = bulk._record(pid, model, on, "unknown", url)
    except (bulk.BulkError, AttributeError, TypeError, ValueError, InvalidOperation) as exc:
        raise PriceFileError(f"{path}: {where}: prices: unexpected shape ({str(exc)[:200]})") from None
    if record is None:
        return []
    figures = {**record["prices"]}
    if window is not None:
        figures["context_window_tokens"] = window
    for name, value in figures.items():
        if not 0 <= value <= MAX_FIGURE:  # NaN fails too
            raise PriceFileError(f"{path}: {where}: {name}: {value:g} is out of range (0 to {MAX_FIGURE:g})")
    return [TheirModel(key=f"{pid}/{mid}", provider=pid, id=mid, kind=record["kind"], figures=figures,
                       aliases=tuple(a for a in record["aliases"] if isinstance(a, str)), deprecated=record["deprecated"])]


def _field(path: str, where: str, node: _Node, name: str, kind: type, optional: bool = False) -> Any:
    try:
        value = getattr(node, name)
    except AttributeError:
        raise PriceFileError(f"{path}: {where}: {name}: missing") from None
    if (value is None and optional) or isinstance(value, kind):
        return value
    raise PriceFileError(f"{path}: {where}: {name}: expected {kind.__name__}, got {_kind_of(value)}")


def _pinned_version_if_identical(data: bytes) -> str | None:
    """The pinned genai-prices version when the file is byte for byte the installed package's
    data.py (found without importing the package); None otherwise: data.py states no version."""
    try:
        spec = find_spec(bulk.settings()["package"].replace("-", "_"))
        installed_path = Path(next(iter(spec.submodule_search_locations))) / "data.py"  # type: ignore[union-attr]
        if installed_path.stat().st_size != len(data):
            return None
        installed = installed_path.read_bytes()
    except (ImportError, AttributeError, StopIteration, TypeError, ValueError, OSError):
        return None
    return bulk.settings()["version"] if installed == data else None
