"""Scenario files: one YAML document describes one decision (workload, knowledge, four setups).

Validated with pydantic; every problem is reported as ``file: field.path: what is wrong``.
Catalog names (models, GPUs, stores) are checked against the catalog after the schema, so a
typo gets "did you mean" help. YAML is read with ``safe_load`` only.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from pricing.catalog import Catalog

from .migrations import migrate

SCHEMA_VERSION = 2
# Limits checked while the YAML is read, before any validation, so no input can make loading slow
# or large: an alias bomb or a deeply nested document is refused at the first step over the line.
MAX_FILE_BYTES = 2_000_000
MAX_ALIASES = 10
MAX_DEPTH = 20
MAX_NODES = 100_000
MAX_STRING_CHARS = 1_000_000
MAX_OVERRIDE = 1e9  # larger than any price, size or speed in the catalog; keeps every product finite
SETUPS = ("prompt_only", "rag", "fine_tuned", "hybrid")


class ScenarioError(ValueError):
    """A scenario cannot be used; ``problems`` holds one message per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Length(Strict):
    """A length in tokens: a count, one text, or sample texts counted with tiktoken."""

    tokens: float | None = Field(None, ge=0, le=10_000_000, description="Token count (o200k_base tokens).")
    text: str | None = Field(None, max_length=1_000_000, description="A text counted with tiktoken.")
    samples: list[str] | None = Field(
        None, min_length=1, max_length=10_000,
        description="Sample texts: their counts give the mean and the spread of lengths.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> "Length":
        given = [n for n in ("tokens", "text", "samples") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of tokens, text or samples (got {', '.join(given) or 'none'})")
        return self


class Corpus(Strict):
    """The knowledge base: its size in tokens, or sample documents and how many documents there are."""

    tokens: float | None = Field(None, ge=0, le=1e13)
    documents: list[str] | None = Field(None, min_length=1, max_length=10_000)
    document_count: float | None = Field(None, ge=1, le=1e10)

    @model_validator(mode="after")
    def _one_form(self) -> "Corpus":
        if (self.tokens is None) == (self.documents is None):
            raise ValueError("give either tokens, or documents with document_count")
        if self.documents is not None and self.document_count is None:
            raise ValueError("documents need document_count: how many documents the corpus has in all")
        if self.tokens is not None and self.document_count is not None:
            raise ValueError("document_count goes with documents, not with tokens")
        return self


class Workload(Strict):
    queries_per_month: float = Field(ge=1, le=1e12, description="Queries per month at the start [queries/month].")
    monthly_growth: float = Field(0.0, ge=-0.5, le=2.0, description="Volume growth per month (0.05 = +5%/month).")
    peak_to_average: float = Field(3.0, ge=1, le=100, description="Peak hourly rate / average rate.")
    batch_share: float = Field(0.0, ge=0, le=1, description="Share of queries that can go through a batch API.")
    query: Length
    answer: Length
    reasoning_tokens: float = Field(0.0, ge=0, le=1_000_000, description="Reasoning tokens per query, billed as output.")
    length_cv: float | None = Field(None, ge=0, le=5, description="Spread of lengths without samples (catalog default).")
    start_date: dt.date
    horizon_months: int = Field(24, ge=1, le=120)


class Knowledge(Strict):
    corpus: Corpus
    monthly_change_share: float = Field(0.0, ge=0, le=1, description="Share of the corpus changed each month.")


class PerSetup(Strict):
    prompt_only: float | None = Field(None, ge=0, le=10_000)
    rag: float | None = Field(None, ge=0, le=10_000)
    fine_tuned: float | None = Field(None, ge=0, le=10_000)
    hybrid: float | None = Field(None, ge=0, le=10_000)


class People(Strict):
    day_rate_usd: float | None = Field(None, ge=0, le=100_000)
    build_days: PerSetup = PerSetup()
    ops_days_per_month: PerSetup = PerSetup()
    self_hosting_ops_days_per_month: float | None = Field(None, ge=0, le=1_000)


class ModelChoice(Strict):
    """An API model by catalog name, or an open model self-hosted on rented GPUs."""

    name: str = Field(min_length=1, max_length=200)
    gpu: str | None = Field(None, max_length=200, description="Self-hosted only: GPU type.")
    cloud: str | None = Field(None, max_length=200, description="Self-hosted only: cloud whose price is used.")
    gpus_per_replica: int = Field(1, ge=1, le=64)
    min_replicas: int = Field(1, ge=0, le=10_000)
    target_utilisation: float | None = Field(None, ge=0.01, le=1, description="Share of a replica's capacity used at peak (catalog default).")
    max_batch: int | None = Field(None, ge=1, le=4096)


class PromptOnly(Strict):
    model: ModelChoice
    system_prompt: Length
    few_shot: Length = Length(tokens=0)
    cache_hit_rate: float = Field(0.0, ge=0, le=1, description="Share of requests that find the static prefix cached.")


class RerankerChoice(Strict):
    model: str = Field(min_length=1, max_length=200)
    candidates: int = Field(50, ge=1, le=10_000, description="Chunks retrieved for the reranker to score.")


class Rag(Strict):
    model: ModelChoice
    system_prompt: Length
    chunk_tokens: int = Field(512, ge=16, le=100_000)
    top_k: int = Field(5, ge=1, le=1_000)
    embedding_model: str = Field(min_length=1, max_length=200)
    vector_store: str = Field(min_length=1, max_length=200)
    reranker: RerankerChoice | None = None
    cache_hit_rate: float = Field(0.0, ge=0, le=1, description="Share of requests that find the static prefix cached.")


class Training(Strict):
    examples: int = Field(ge=1, le=100_000_000)
    tokens_per_example: float = Field(ge=1, le=1_000_000)
    epochs: int = Field(3, ge=1, le=50)
    method: Literal["lora", "full"] = "lora"
    retrain_every_months: float | None = Field(None, ge=0.1, le=120, description="None: never retrained.")
    labelling_usd_per_example: float = Field(0.0, ge=0, le=10_000)
    gpu: str | None = Field(None, max_length=200, description="Self-hosted: training GPU (default: serving GPU).")
    gpus: int = Field(1, ge=1, le=1024)
    cloud: str | None = Field(None, max_length=200)


class FineTuned(Strict):
    model: ModelChoice
    training: Training
    system_prompt: Length
    cache_hit_rate: float = Field(0.0, ge=0, le=1, description="Share of requests that find the static prefix cached.")
    existing_customer: bool = Field(
        False, description="Your organisation can still train with a provider closed to new customers."
    )


class Hybrid(Strict):
    system_prompt: Length
    top_k: int | None = Field(None, ge=1, le=1_000, description="None: the RAG setup's top_k.")
    cache_hit_rate: float = Field(0.0, ge=0, le=1, description="Share of requests that find the static prefix cached.")


KnowledgeChange = Literal["daily", "weekly", "monthly", "quarterly", "rarely"]
KNOWLEDGE_CHANGE = get_args(KnowledgeChange)


class Decision(Strict):
    """Answers to the decision questionnaire (None: not answered)."""

    needs_private_knowledge: bool | None = Field(
        None, description="Does the task need knowledge the base model lacks (private, recent or niche)?")
    behaviour_gap: bool | None = Field(
        None, description="Does it need a behaviour prompting does not reliably produce (format, tone, domain reasoning)?")
    knowledge_changes: KnowledgeChange | None = Field(
        None, description="How often the knowledge the answers rely on changes.")
    citations_required: bool | None = Field(None, description="Must answers show their sources?")
    labelled_examples: int | None = Field(
        None, ge=0, le=100_000_000, description="Good labelled examples available for fine-tuning.")
    latency_budget_ms: float | None = Field(
        None, ge=1, le=600_000, description="p95 end-to-end latency the product can accept [ms].")


class Scenario(Strict):
    schema_version: Literal[2]
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    workload: Workload
    knowledge: Knowledge
    people: People = People()
    prompt_only: PromptOnly
    rag: Rag
    fine_tuned: FineTuned
    hybrid: Hybrid
    decision: Decision = Decision()
    overrides: dict[str, float] = Field(default_factory=dict, max_length=1_000)
    _notices: list[str] = PrivateAttr(default_factory=list)

    @property
    def notices(self) -> list[str]:
        """What loading changed, e.g. an upgrade from an older schema version."""
        return list(self._notices)

    @field_validator("overrides")
    @classmethod
    def _override_values(cls, value: dict[str, float]) -> dict[str, float]:
        for key, number in value.items():
            if not 0 <= number <= MAX_OVERRIDE:
                raise ValueError(f"{key}: an override must be between 0 and {MAX_OVERRIDE:g}, got {number:g}")
        return value

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude_defaults=True)
        data = {"schema_version": self.schema_version, **data}
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# --- Loading ---------------------------------------------------------------------------------------


def parse_scenario(text: str | bytes, origin: str = "<scenario>", catalog: Catalog | None = None) -> Scenario:
    """Parse and validate YAML text; raise :class:`ScenarioError` listing every problem."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([f"{origin}: file is {len(text):,} bytes; the limit is {MAX_FILE_BYTES:,}"])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError([f"{origin}: not UTF-8 text (byte {exc.start})"]) from None
    try:
        data = _load_limited(text)
    except _TooBig as exc:
        raise ScenarioError([f"{origin}: {exc}"]) from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        raise ScenarioError([f"{origin}: not valid YAML{line}: {getattr(exc, 'problem', exc)}"]) from None
    return validate_scenario(data, origin, catalog)


class _TooBig(ValueError):
    pass


class _LimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that counts aliases, nesting and nodes while it composes the document."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = self._depth = self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooBig(f"more than {MAX_ALIASES} YAML aliases (*name); write the values out")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooBig(f"more than {MAX_NODES:,} YAML values; a scenario needs a few hundred")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _TooBig(f"nested more than {MAX_DEPTH} levels deep; a scenario needs 4")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_STRING_CHARS:
            raise _TooBig(f"a value of {len(node.value):,} characters at line {node.start_mark.line + 1}; "
                          f"the limit is {MAX_STRING_CHARS:,}")
        return node


def _load_limited(text: str) -> Any:
    loader = _LimitedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def validate_scenario(data: Any, origin: str = "<scenario>", catalog: Catalog | None = None) -> Scenario:
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError([f"{origin}: a scenario is a YAML mapping (key: value lines); this file is {kind}"])
    data, notices = migrate(data, SCHEMA_VERSION)
    version = data.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise ScenarioError([
            f"{origin}: schema_version: {version} is newer than this Crossover reads ({SCHEMA_VERSION}); "
            "update Crossover to open it"
        ])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([f"{origin}: {_describe(err)}" for err in exc.errors()]) from None
    if catalog is not None:
        problems = catalog_problems(scenario, catalog)
        if problems:
            raise ScenarioError([f"{origin}: {p}" for p in problems])
    scenario._notices = notices
    return scenario


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([f"{path}: file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"])
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    return parse_scenario(raw, str(path), catalog)


def _describe(err: dict[str, Any]) -> str:
    loc = [str(p) for p in err["loc"]]
    path = ".".join(p if len(p) <= 60 else _short(p) for p in loc) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = ".".join(loc[:-1]) or "the top level"
        allowed = _fields_at(loc[:-1])
        close = difflib.get_close_matches(loc[-1], allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{path}: unknown key{hint} (allowed in {parent}: {', '.join(allowed)})"
    if kind == "missing":
        return f"{path}: required field is missing"
    if kind == "literal_error" and loc == ["schema_version"]:
        return f"schema_version: must be {SCHEMA_VERSION} (got {_short(err.get('input'))})"
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if len(message) > 300:
        message = message[:297] + "..."
    return f"{path}: {message} (got {_short(err.get('input'))})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(loc: list[str]) -> list[str]:
    """Field names of the model found by following ``loc`` from :class:`Scenario`."""
    model: Any = Scenario
    for part in loc:
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return []
        model = _model_in(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation) if get_origin(annotation) is not None else ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# --- Checks against the catalog --------------------------------------------------------------------


def catalog_problems(scenario: Scenario, catalog: Catalog) -> list[str]:
    """Names that the catalog does not know, and self-hosting settings that do not fit together."""
    problems: list[str] = []

    def check(kind: str, name: str, where: str) -> None:
        try:
            catalog.get(kind, name)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")

    for setup in ("prompt_only", "rag", "fine_tuned"):
        choice: ModelChoice = getattr(scenario, setup).model
        where = f"{setup}.model"
        if choice.name in catalog.llm:
            for field in ("gpu", "cloud"):
                if getattr(choice, field) is not None:
                    problems.append(f"{where}.{field}: {choice.name} is an API model; {field} applies only to self-hosted open models")
        elif choice.name in catalog.open_model:
            if choice.gpu is None:
                problems.append(f"{where}.gpu: self-hosting {choice.name} needs a GPU type (known: {', '.join(sorted(catalog.gpu))})")
            else:
                _check_gpu_cloud(catalog, choice.gpu, choice.cloud, where, problems)
        else:
            known = sorted([*catalog.llm, *catalog.open_model])
            close = difflib.get_close_matches(choice.name, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            problems.append(f"{where}.name: unknown model {choice.name!r}{hint} (API models: {', '.join(sorted(catalog.llm))}; open models: {', '.join(sorted(catalog.open_model))})")

    ft = scenario.fine_tuned
    if ft.model.name in catalog.llm and catalog.llm[ft.model.name].fine_tuning is None:
        offered = sorted(n for n, m in catalog.llm.items() if m.fine_tuning is not None)
        problems.append(f"fine_tuned.model.name: {ft.model.name} cannot be fine-tuned through its API (models that can: {', '.join(offered)}; or self-host an open model)")
    if ft.training.gpu is not None or ft.training.cloud is not None:
        if ft.model.name in catalog.llm:
            problems.append("fine_tuned.training.gpu: API fine-tuning runs on the provider's hardware; remove gpu/cloud")
        elif ft.training.gpu is not None:
            _check_gpu_cloud(catalog, ft.training.gpu, ft.training.cloud or ft.model.cloud, "fine_tuned.training", problems)
        elif ft.model.gpu is not None and ft.model.gpu in catalog.gpu:
            _check_gpu_cloud(catalog, ft.model.gpu, ft.training.cloud, "fine_tuned.training", problems)

    check("embedding", scenario.rag.embedding_model, "rag.embedding_model")
    check("vector_store", scenario.rag.vector_store, "rag.vector_store")
    if scenario.rag.reranker is not None:
        check("reranker", scenario.rag.reranker.model, "rag.reranker.model")
        if scenario.rag.reranker.candidates < scenario.rag.top_k:
            problems.append(f"rag.reranker.candidates: {scenario.rag.reranker.candidates} is fewer than top_k ({scenario.rag.top_k}); the reranker picks top_k out of the candidates")
    try:
        catalog.with_overrides(scenario.overrides)
    except ValueError as exc:
        problems.append(f"overrides: {exc}")
    return problems


def _check_gpu_cloud(catalog: Catalog, gpu: str, cloud: str | None, where: str, problems: list[str]) -> None:
    try:
        spec = catalog.get("gpu", gpu)
    except ValueError as exc:
        problems.append(f"{where}.gpu: {exc}")
        return
    if cloud is not None and cloud not in spec.prices:
        problems.append(f"{where}.cloud: {gpu} has no price on {cloud!r} (clouds with a price: {', '.join(sorted(spec.prices))})")
