"""The bulk price layer: the chat and embedding models of genai-prices, as plain records.

genai-prices (MIT) ships 2,330 models of 47 providers inside its package (``genai_prices/data.py``):
prices per million tokens, cache read and write prices, prompt-length tiers, batch prices, context
windows for about 60% of them and dated price changes. Importing that module takes about a second,
so :func:`bulk_models` derives plain records once, stores them as a JSON snapshot keyed by the
package's version and by this file and ``data/bulk.yaml`` (``.cache/``; ``scripts/dev.sh`` builds it
at set-up), and later processes read the snapshot. A test checks the snapshot equals a fresh
derivation. The package's live update (``UpdatePrices``) downloads: nothing here calls it, and a
test loads the layer with every socket refused.

What is taken (and, for Azure OpenAI, which genai-prices barely lists, the models of one pinned
release of LiteLLM's price map: :func:`azure_records`, ``data/litellm_subset.json``, which also
gives embedding models' vector sizes, :func:`vector_sizes`):
- providers in :data:`PROVIDERS` only, an explicit list: API providers, clouds and routers that sell
  text tokens. The others (coding tools' plans, audio, a GPU platform) are in :data:`LEFT_OUT` with
  the reason, and a test fails when a new version of the package brings a provider in neither;
- kind: a model with an input and an output token price is a *chat* model; one with an input
  token price, no output price and the name of an embedding family (``embed``, ``bge``, ``gte``,
  ``voyage``: :data:`EMBEDDING`; not a reranker) is an *embedding* model. Everything else is left
  out: a model whose id names audio, speech, image, video, OCR or realtime work (:data:`NOT_TEXT`),
  one without an input token price, and input-only models of no embedding family (classifiers,
  routers' tools, legacy completion models);
- prompt-length tiers of every token price (genai-prices' ``TieredPrices``), as tiers of the whole
  request (:func:`request_tiers`), in ``prompt_tiers`` and in each dated price of ``history``;
- prices in effect on the layer's ``as_of`` date: among dated prices the latest that started on or
  before it; time-of-day prices are left out (none of them is a standard rate). Later-dated prices
  are kept in ``history`` with the earlier ones, marked ``scheduled``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from decimal import Decimal
from functools import cache
from importlib.metadata import PackageNotFoundError, version as installed_version
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data" / "bulk.yaml"
LITELLM = Path(__file__).parent / "data" / "litellm_subset.json"  # scripts/pin_litellm.py writes it
AZURE_PRICING_URL = "https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/"
CACHE_DIR = Path(os.environ.get("CROSSOVER_CACHE_DIR") or Path(__file__).resolve().parents[1] / ".cache")

PROVIDERS = (  # every provider of the package's data that sells text tokens through an API
    "anthropic", "openai", "google", "mistral", "cohere", "voyageai", "aws", "azure", "together",
    "fireworks", "groq", "deepseek", "x-ai", "cerebras", "databricks", "baseten", "novita", "moonshotai",
    "minimax", "zai", "zhipuai", "perplexity", "meta", "arcee", "avian", "cloudflare", "doubleword",
    "ovhcloud", "quicksilverpro", "openrouter",
    # Hugging Face's router: one provider per host behind it, each at its own price.
    "huggingface_cerebras", "huggingface_fireworks-ai", "huggingface_groq", "huggingface_hyperbolic",
    "huggingface_nebius", "huggingface_novita", "huggingface_nscale", "huggingface_ovhcloud",
    "huggingface_publicai", "huggingface_sambanova", "huggingface_together",
)
LEFT_OUT = {  # the package's other providers, and why
    "cursor": "a coding tool's subscription, not an API a product calls",
    "github-copilot": "a coding tool's subscription, not an API a product calls",
    "openai-decisions": "one special-purpose OpenAI endpoint, not a model",
    "elevenlabs": "audio only",
    "modal": "a GPU platform: self-hosting is modelled from GPU prices",
    "typesafe": "its two models are priced on input only and are neither chat nor embedding models",
}
NOT_TEXT = re.compile(r"audio|realtime|tts|transcribe|whisper|speech|voxtral|image|dall-e|sora|video|ocr|live", re.I)
EMBEDDING = re.compile(r"embed|bge|gte|voyage", re.I)  # the families of embedding models in the data
PRICE_KEYS = {  # genai-prices' key -> the catalog's figure name
    "input_mtok": "input_usd_per_mtok",
    "output_mtok": "output_usd_per_mtok",
    "cache_read_mtok": "cached_input_usd_per_mtok",
    "cache_write_mtok": "cache_write_usd_per_mtok",
}


class BulkError(ValueError):
    """The bulk layer cannot be read (its package is missing or its data has an unexpected shape)."""


def settings() -> dict[str, Any]:
    """``data/bulk.yaml``: the package, its pinned version and the day its data is dated to."""
    with DATA.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    data["as_of"] = str(data["as_of"])
    return data


def source_of(provider: str, model: str, version: str) -> str:
    """Every bulk figure's source: the pinned file of the pinned package, and the record in it."""
    return f"genai-prices=={version} data.py: {provider}/{model}"


@cache
def bulk_models() -> tuple[dict[str, Any], ...]:
    """Every chat and embedding model of the allowed providers, from the snapshot when it matches."""
    config = settings()
    package, pinned = config["package"], config["version"]
    try:
        have = installed_version(package)
    except PackageNotFoundError:
        have = None
    if have != pinned:
        found = "is not installed" if have is None else f"{have} is installed"
        raise BulkError(f"{package} {found}; the catalog is pinned to {pinned}: "
                        "run `bash scripts/dev.sh` to install the pinned version")
    path = snapshot_path(config)
    try:
        return tuple(json.loads(path.read_text(encoding="utf-8"))["models"])
    except (OSError, ValueError, KeyError):
        models = derive(config)
        _write_snapshot(path, models)
        return tuple(models)


def snapshot_path(config: dict[str, Any]) -> Path:
    """Keyed by the package's version and by what derives from it (this file, ``bulk.yaml``, the
    LiteLLM subset)."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + DATA.read_bytes() + LITELLM.read_bytes()).hexdigest()[:12]
    return CACHE_DIR / f"bulk-{config['package']}-{config['version']}-{digest}.json"


def _write_snapshot(path: Path, models: list[dict[str, Any]]) -> None:
    """Atomically, when the folder can be written; a read-only install derives in every process."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bulk.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"models": models}, fh, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        pass


def derive(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The records, straight from the package's data (about a second to import), then Azure's
    models from the pinned LiteLLM subset that genai-prices does not list."""
    from genai_prices.data import providers  # the large module; its live update is never started

    on = dt.date.fromisoformat(config["as_of"])
    models = []
    for provider in providers:
        if provider.id not in PROVIDERS:
            continue
        url = (provider.pricing_urls or [None])[0]
        for model in provider.models:
            record = _record(provider.id, model, on, config["version"], url)
            if record is not None:
                models.append({**record, "as_of": config["as_of"]})
    return models + azure_records(models)


def retirement(record: dict[str, Any]) -> tuple[dt.date | None, str | None]:
    """(the day a bulk model retires, the source that says so): LiteLLM's date for Azure's models;
    genai-prices' deprecated flag has no date, so a flagged model counts as retired on the layer's date."""
    if record.get("available_until"):
        return dt.date.fromisoformat(record["available_until"]), record.get("availability_source") or record["source"]
    if record["deprecated"]:
        return (dt.date.fromisoformat(record["as_of"]),
                f"{record['source']} marks it deprecated without a date: taken as retired by {record['as_of']}, "
                "the layer's date")
    return None, None


@cache
def litellm_subset() -> dict[str, Any]:
    """``data/litellm_subset.json``: the pinned LiteLLM release's Azure models and vector sizes."""
    return json.loads(LITELLM.read_text(encoding="utf-8"))


def litellm_source(key: str) -> str:
    doc = litellm_subset()
    return f"{doc['package']}=={doc['version']} {doc['file']}: {key}"


def vector_sizes() -> dict[str, int]:
    """Embedding model id -> its vector size [dimensions], per the pinned LiteLLM release."""
    return litellm_subset()["embedding_vector_sizes"]


def prompt_caps() -> dict[str, int]:
    """Azure OpenAI model id -> the longest prompt it accepts [tokens] (``max_input_tokens``), per
    the pinned LiteLLM release."""
    return {model_id: entry["max_input_tokens"] for model_id, entry in litellm_subset()["azure_models"].items()
            if entry.get("max_input_tokens")}


def azure_records(taken: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Azure OpenAI's chat and embedding models from ``data/litellm_subset.json`` (LiteLLM's price map
    of one pinned release, USD per token), except those genai-prices already lists. LiteLLM dates
    Azure's retirements (``deprecation_date``) and names successors; genai-prices does neither."""
    doc = litellm_subset()
    have = {name for m in taken if m["provider"] == "azure" for name in (m["id"], *m["aliases"])}
    out = []
    for model_id, entry in doc["azure_models"].items():
        if model_id in have or NOT_TEXT.search(model_id) or entry.get("input_cost_per_token") is None:
            continue
        embedding = entry["mode"] == "embedding"
        if not embedding and not entry.get("output_cost_per_token"):  # model-router bills input only: not a model
            continue
        costs = {"input_usd_per_mtok": "input_cost_per_token", "cached_input_usd_per_mtok": "cache_read_input_token_cost",
                 "cache_write_usd_per_mtok": "cache_creation_input_token_cost"}
        if not embedding:
            costs["output_usd_per_mtok"] = "output_cost_per_token"
        prices = {name: round(entry[key] * 1e6, 9) for name, key in costs.items() if entry.get(key) is not None}
        batch = entry.get("input_cost_per_token_batches")
        source = litellm_source(f"azure/{model_id}")
        out.append({
            "provider": "azure", "id": model_id, "name": model_id, "kind": "embedding" if embedding else "chat",
            "aliases": [], "context_window_tokens": entry.get("max_input_tokens"), "deprecated": False,
            "prices": prices, "prompt_tiers": [],  # the subset keeps no long-context prices
            "batch_prices": None if batch is None else {"input_usd_per_mtok": round(batch * 1e6, 9)},
            "history": [], "source": source, "pricing_url": AZURE_PRICING_URL, "as_of": doc["uploaded"],
            "available_until": entry.get("deprecation_date"),
            "successor": (entry.get("successor_model") or "").removeprefix("azure/") or None,
            "availability_source": entry.get("deprecation_source"),
        })
    return out


def _record(provider: str, model: Any, on: dt.date, version: str, url: str | None) -> dict[str, Any] | None:
    dated = _dated_prices(model.prices)
    current = [p for start, p in dated if start is None or start <= on]
    if not current:
        return None
    prices, tiers = _prices(current[-1])
    kind = _kind(model.id, prices)
    if kind is None:
        return None
    batch = next((_prices(v.prices)[0] for v in model.price_variants or ()
                  if v.when == {"processing": "batch"} and _started(v.constraint, on)), None)
    return {
        "provider": provider,
        "id": model.id,
        "name": model.name or model.id,
        "kind": kind,
        "aliases": sorted(set(_equals(model.match)) - {model.id}),
        "context_window_tokens": model.context_window,
        "deprecated": bool(model.deprecated),
        "prices": prices,
        "prompt_tiers": tiers,
        "batch_prices": batch or None,
        "history": [_dated_entry(start, p, on) for start, p in dated] if len(dated) > 1 else [],
        "source": source_of(provider, model.id, version),
        "pricing_url": url,
    }


def _dated_prices(prices: Any) -> list[tuple[dt.date | None, Any]]:
    """(start date or None, ModelPrice) in order; time-of-day prices left out."""
    if not isinstance(prices, list):
        return [(None, prices)]
    out = []
    for conditional in prices:
        constraint = conditional.constraint
        if constraint is None:
            out.append((None, conditional.prices))
        elif hasattr(constraint, "start_date"):
            out.append((constraint.start_date, conditional.prices))
    return out


def _started(constraint: Any, on: dt.date) -> bool:
    return constraint is None or (hasattr(constraint, "start_date") and constraint.start_date <= on)


def _dated_entry(start: dt.date | None, model_price: Any, on: dt.date) -> dict[str, Any]:
    """One dated price of a record's history: its start, whether it starts after ``on``, its prices
    and (when it has any) its prompt-length tiers."""
    prices, tiers = _prices(model_price)
    entry = {"from": None if start is None else start.isoformat(), "scheduled": bool(start and start > on), **prices}
    return {**entry, "prompt_tiers": tiers} if tiers else entry


def _prices(model_price: Any) -> tuple[dict[str, float], list[dict[str, float]]]:
    """The token prices [USD per million tokens] below the first prompt-length tier, and the tiers
    as :func:`request_tiers` builds them."""
    prices: dict[str, float] = {}
    tiered: dict[str, list[tuple[int, float]]] = {}
    for key, name in PRICE_KEYS.items():
        value = getattr(model_price, key, None)
        if value is None:
            continue
        if hasattr(value, "tiers"):  # TieredPrices: the base price below the first tier
            tiered[name] = sorted((int(t.start), float(t.price)) for t in value.tiers)
            value = value.base
        if not isinstance(value, Decimal):
            raise BulkError(f"{key}: unexpected price {value!r}")
        prices[name] = float(value)
    return prices, request_tiers(prices, tiered)


def request_tiers(prices: dict[str, float], tiered: dict[str, list[tuple[int, float]]]) -> list[dict[str, float]]:
    """Per-price tiers as tiers of the whole request. genai-prices tiers each price on its own
    (``TieredPrices``: a tier starting at ``s`` prices a request whose input tokens, cached ones
    included, exceed ``s``, and all of its tokens of that kind); the catalog's tier lists every
    price of a request above one threshold: one tier per distinct start, each price the one in
    effect above it (its base where that price has no tier there)."""
    out = []
    for start in sorted({s for tiers in tiered.values() for s, _ in tiers}):
        tier: dict[str, float] = {"above_prompt_tokens": start}
        for name, base in prices.items():
            below = [price for s, price in tiered.get(name, ()) if s <= start]
            tier[name] = below[-1] if below else base
        out.append(tier)
    return out


def _kind(model_id: str, prices: dict[str, float]) -> str | None:
    if NOT_TEXT.search(model_id) or "input_usd_per_mtok" not in prices:
        return None
    if "output_usd_per_mtok" in prices:
        return "chat"
    return "embedding" if EMBEDDING.search(model_id) and "rerank" not in model_id else None


def _equals(match: Any) -> list[str]:
    """The exact names a model's match clause accepts (its aliases); patterns cannot be listed."""
    if hasattr(match, "equals"):
        return [match.equals]
    return [name for clause in getattr(match, "or_", ()) for name in _equals(clause)]
