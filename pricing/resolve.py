"""Names users type -> catalog entries: curated first, then any chat model of the bulk layer.

A scenario names an API model as its provider's SDK does (``claude-haiku-4-5``, ``gpt-5-mini``) or
by an alias (a dated snapshot, a spelling the catalog used before), and may name the provider that
sells it (``aws`` for Bedrock, ``azure``, ``google`` for Gemini and Vertex, ``together``, ...).
:func:`llm_key` finds the entry:

1. a curated entry (``data/llm_models.yaml``) of that provider, or of any provider when none is
   named, whose id or one of whose aliases is the name;
2. else a chat model of the bulk layer (:mod:`pricing.bulk`) of that provider whose id or alias is
   the name; when no provider is named, the first provider in :data:`pricing.bulk.PROVIDERS`'
   order that has it (the makers come first, then clouds, hosts and routers). When that record is
   a curated model's own (``gpt-4o-2024-08-06`` is ``gpt-4o``'s), the curated entry wins.

A curated entry's key is its id; a bulk entry's is ``<provider>/<id>``, which its figures carry
(``llm.aws/regional.anthropic.claude-sonnet-5-v1:0.prices.input_usd_per_mtok``). :func:`with_llms`
adds the bulk entries a scenario names to a catalog, each built by :func:`bulk_llm` from the
record's prices and, for what genai-prices does not have (tokenizer, caching rules, latency, a
missing context window), the rules of ``data/bulk_defaults.yaml``; what those rules assume says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from . import bulk
from .catalog import Catalog, CatalogError, EmbeddingModel, Figure, LlmModel, Reasoning
from .checks import provider_rules

RULES_FILE = Path(__file__).parent / "data" / "bulk_defaults.yaml"
# OpenAI's GPT-5 and later models keep part of the window for output: gpt-5 accepts 272,000 prompt
# tokens of its 400,000 (https://openai.com/index/introducing-gpt-5-for-developers/). Their caps come
# from the pinned LiteLLM release's Azure entry of the same id (pricing.bulk.prompt_caps).
SPLIT_WINDOW = re.compile(r"^gpt-[5-9]")
LISTING_HINT = "`crossover catalog models --search WORDS` finds a model"


@dataclasses.dataclass(frozen=True)
class Rule:
    match: re.Pattern
    figures: dict[str, Any]  # figure name -> Figure, or the tokenizer id


@functools.cache
def rules() -> tuple[Rule, ...]:
    """``data/bulk_defaults.yaml``'s rules in order."""
    with RULES_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    out = []
    for raw in data["rules"]:
        raw = dict(raw)
        pattern = re.compile(raw.pop("match"))
        out.append(Rule(pattern, {name: value if name == "tokenizer" else
                                  Reasoning.model_validate(value) if name == "reasoning" else Figure.model_validate(value)
                                  for name, value in raw.items()}))
    return tuple(out)


def rule_value(subject: str, name: str, required: bool = True) -> Any:
    """The first rule's ``name`` among the rules that match ``subject`` ("<provider>/<id>"); None
    when no rule gives it and it is not ``required``."""
    for rule in rules():
        if name in rule.figures and rule.match.search(subject):
            return rule.figures[name]
    if not required:
        return None
    raise CatalogError(f"{RULES_FILE.name}: no rule gives {name} for {subject}")


@functools.cache
def _bulk_embeddings() -> tuple[dict[str, dict], dict[str, dict]]:
    """key ("<provider>/<id>") -> record, and id or alias -> the first provider's record."""
    order = {p: i for i, p in enumerate(bulk.PROVIDERS)}
    by_key: dict[str, dict] = {}
    by_name: dict[str, dict] = {}
    for record in sorted((m for m in bulk.bulk_models() if m["kind"] == "embedding"), key=lambda m: order[m["provider"]]):
        by_key[bulk_key(record)] = record
        for name in (record["id"], *record["aliases"]):
            by_name.setdefault(name, record)
    return by_key, by_name


def embedding_key(catalog: Catalog, name: str) -> str:
    """The catalog key of the embedding model ``name``: a curated id or alias, else a bulk model's
    key ``<provider>/<id>`` (the editor writes it), else a bulk id (the first provider that has it)."""
    key = catalog.key_of("embedding", name)
    if key is not None:
        return key
    by_key, by_name = _bulk_embeddings()
    record = by_key.get(name) or by_name.get(name)
    if record is None:
        known = sorted({*catalog.embedding, *by_key, *by_name})
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CatalogError(f"unknown embedding model {name!r}{hint} "
                           "(`crossover catalog models --capability embedding` lists them)")
    curated = catalog.key_of("embedding", record["id"])  # a bulk copy of a curated model is that model
    if curated is not None and catalog.embedding[curated].provider == record["provider"]:
        return curated
    return bulk_key(record)


def with_embeddings(catalog: Catalog, keys: Iterable[str]) -> Catalog:
    """``catalog`` with the bulk embedding models among ``keys`` added."""
    missing = sorted({k for k in keys if k not in catalog.embedding})
    if not missing:
        return catalog
    by_key, _ = _bulk_embeddings()
    return catalog.model_copy(update={"embedding": {**catalog.embedding, **{k: bulk_embedding(by_key[k]) for k in missing}}})


def bulk_embedding(record: dict) -> EmbeddingModel:
    """An embedding model of the bulk layer as a catalog entry: its price with the layer's source,
    its vector size from the pinned LiteLLM release (else an assumption), latency from the rules."""
    subject = bulk_key(record)

    def figure(value: float, source: str = record["source"], as_of: str = record["as_of"]) -> dict:
        return {"value": value, "source": source, "as_of": as_of, "layer": "bulk"}

    prices: dict[str, Any] = {"usd_per_mtok": figure(record["prices"]["input_usd_per_mtok"])}
    batch = (record["batch_prices"] or {}).get("input_usd_per_mtok")
    if batch is not None:
        prices["batch_usd_per_mtok"] = figure(batch)
    size = bulk.vector_sizes().get(record["id"])
    prices["dimensions"] = (figure(size, bulk.litellm_source(f"{record['id']} (output_vector_size)"),
                                   bulk.litellm_subset()["uploaded"])
                            if size else rule_value(subject, "dimensions").model_dump())
    return EmbeddingModel(
        id=record["id"], provider=record["provider"], aliases=tuple(record["aliases"]),
        tokenizer=rule_value(subject, "tokenizer"), prices=prices,
        latency={name: rule_value(subject, name).model_dump() for name in ("query_ms_p50", "query_ms_p95")},
    )


@functools.cache
def _bulk_chat() -> tuple[dict[tuple[str, str], dict], dict[str, list[dict]], dict[str, dict]]:
    """(provider, id or alias) -> record; id or alias -> records in PROVIDERS order; key -> record."""
    order = {p: i for i, p in enumerate(bulk.PROVIDERS)}
    by_pair: dict[tuple[str, str], dict] = {}
    by_name: dict[str, list[dict]] = {}
    by_key: dict[str, dict] = {}
    for record in sorted((m for m in bulk.bulk_models() if m["kind"] == "chat"), key=lambda m: order[m["provider"]]):
        by_key[bulk_key(record)] = record
        for name in (record["id"], *record["aliases"]):
            by_pair.setdefault((record["provider"], name), record)
            by_name.setdefault(name, []).append(record)
    return by_pair, by_name, by_key


def bulk_key(record: dict) -> str:
    return f"{record['provider']}/{record['id']}"


def bulk_record(key: str) -> dict | None:
    """The chat model of the bulk layer whose key is ``key`` ("<provider>/<id>"), if any."""
    return _bulk_chat()[2].get(key)


def llm_key(catalog: Catalog, name: str, provider: str | None = None) -> str:
    """The catalog key of the API model ``name`` sold by ``provider`` (any, when None)."""
    for key, model in catalog.llm.items():
        if (provider is None or model.provider == provider) and (name == key or name == model.id or name in model.aliases):
            return key
    by_pair, by_name, _ = _bulk_chat()
    record = by_name[name][0] if provider is None and name in by_name else by_pair.get((provider, name))
    if record is None:
        raise CatalogError(_unknown(catalog, name, provider))
    names = {record["id"], *record["aliases"]}
    for key, model in catalog.llm.items():  # a dated snapshot of a curated model is that model
        if model.provider == record["provider"] and names & {model.id, *model.aliases}:
            return key
    return bulk_key(record)


def _unknown(catalog: Catalog, name: str, provider: str | None) -> str:
    providers = {m.provider for m in catalog.llm.values()} | set(bulk.PROVIDERS)
    if provider is not None and provider not in providers:
        close = difflib.get_close_matches(provider, sorted(providers), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"unknown provider {provider!r}{hint} (providers: {', '.join(sorted(providers))})"
    by_pair, by_name, _ = _bulk_chat()
    names = {n for m in catalog.llm.values() if provider in (None, m.provider) for n in (m.id, *m.aliases)}
    names |= {n for (p, n) in by_pair if provider in (None, p)}
    close = difflib.get_close_matches(name, sorted(names), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    elsewhere = sorted({m["provider"] for m in by_name.get(name, ())} |
                       {m.provider for m in catalog.llm.values() if name in (m.id, *m.aliases)})
    sold = f"; {name} is sold by {', '.join(elsewhere)}" if elsewhere else ""
    seller = f" of provider {provider!r}" if provider else ""
    return f"unknown API model {name!r}{seller}{hint}{sold} ({LISTING_HINT})"


def with_llms(catalog: Catalog, keys: Iterable[str], on: dt.date | None = None) -> Catalog:
    """``catalog`` with the bulk entries among ``keys`` added (curated keys are there already), at
    the prices in effect on ``on`` (default: the bulk layer's date)."""
    missing = sorted({k for k in keys if k not in catalog.llm})
    if not missing:
        return catalog
    _, _, by_key = _bulk_chat()
    unknown = [k for k in missing if k not in by_key]
    if unknown:
        raise CatalogError(f"no bulk model has the key {unknown[0]!r} ({LISTING_HINT})")
    return catalog.model_copy(update={"llm": {**catalog.llm, **{k: bulk_llm(by_key[k], on) for k in missing}}})


def prices_on(record: dict, on: dt.date | None) -> tuple[dict[str, Any], list[dict]]:
    """A bulk record's prices in effect on ``on`` (None: the layer's date) and the dated prices
    after it. genai-prices dates some changes ahead (Gemini 3.6-3.8 Flash double on 2027-01-01).
    The prices hold ``prompt_tiers`` (a list, :func:`pricing.bulk.request_tiers`) where they have any."""
    if on is None or not record["history"]:
        tiers = record.get("prompt_tiers") or []
        prices = {**record["prices"], "prompt_tiers": tiers} if tiers else record["prices"]
        return prices, [h for h in record["history"] if h["scheduled"]]
    day = on.isoformat()
    dated = sorted(record["history"], key=lambda h: h["from"] or "")
    in_effect = [h for h in dated if h["from"] is None or h["from"] <= day]
    if not in_effect:
        return prices_on(record, None)[0], [h for h in dated if h["from"] is not None and h["from"] > day]
    prices = {k: v for k, v in in_effect[-1].items() if k not in ("from", "scheduled")}
    return prices, [h for h in dated if h["from"] is not None and h["from"] > day]


def bulk_llm(record: dict, on: dt.date | None = None) -> LlmModel:
    """A chat model of the bulk layer as a catalog entry: its prices in effect on ``on`` with the
    bulk layer's source, everything else from the rules (their own sources; an assumption says so)."""
    subject = bulk_key(record)
    current, later = prices_on(record, on)

    def figure(value: float, note: str | None = None) -> dict:
        return {"value": value, "source": record["source"], "as_of": record["as_of"], "layer": "bulk", "note": note}

    def ruled(name: str) -> dict:
        return rule_value(subject, name).model_dump()

    current = dict(current)
    tiers = current.pop("prompt_tiers", [])
    prices: dict[str, Any] = {name: figure(value) for name, value in current.items()}
    if tiers:  # genai-prices' TieredPrices, as tiers of the whole request (pricing.bulk.request_tiers)
        prices["prompt_tiers"] = [{name: figure(value) for name, value in tier.items()} for tier in tiers]
    batch = (record["batch_prices"] or {}).get("input_usd_per_mtok")
    share = provider_rules()["batch_share"].get(record["provider"])
    if batch is not None and record["prices"]["input_usd_per_mtok"] > 0:  # the batch share of the layer's price
        prices["batch_discount"] = figure(round(1 - batch / record["prices"]["input_usd_per_mtok"], 6))
    elif share is not None:
        prices["batch_discount"] = {**share.model_dump(), "value": 1 - share.value}
    if "cached_input_usd_per_mtok" in prices:
        prices["min_cacheable_prefix_tokens"] = ruled("min_cacheable_prefix_tokens")
        prices["cache_ttl_s"] = ruled("cache_ttl_s")
        for name in ("cache_increment_tokens", "batch_discount_on_cache"):
            found = rule_value(subject, name, required=False)
            if found is not None and (name != "batch_discount_on_cache" or "batch_discount" in prices):
                prices[name] = found.model_dump()
    window = record["context_window_tokens"]
    facts = {"context_window_tokens": figure(window) if window else ruled("context_window_tokens")}
    cap = bulk.prompt_caps().get(record["id"]) if record["provider"] in ("openai", "azure") and SPLIT_WINDOW.match(record["id"]) else None
    if cap is not None and cap < facts["context_window_tokens"]["value"]:
        facts["max_prompt_tokens"] = {
            "value": cap, "source": bulk.litellm_source(f"azure/{record['id']} (max_input_tokens, the same model on Azure OpenAI)"),
            "as_of": bulk.litellm_subset()["uploaded"], "layer": "bulk"}
    until, why = bulk.retirement(record)
    retirement = {} if until is None else {"available_until": until, "availability_source": why,
                                           "successor": record.get("successor")}
    return LlmModel(
        id=record["id"], provider=record["provider"], aliases=tuple(record["aliases"]),
        tokenizer=rule_value(subject, "tokenizer"), facts=facts, prices=prices,
        latency={name: ruled(name) for name in ("ttft_ms", "output_tokens_per_s", "prefill_tokens_per_s",
                                                "ttft_prompt_tokens")},
        reasoning=rule_value(subject, "reasoning"),
        price_changes=[{"starts": h["from"], "input_usd_per_mtok": h["input_usd_per_mtok"],
                        "output_usd_per_mtok": h["output_usd_per_mtok"], "source": record["source"]}
                       for h in later if "input_usd_per_mtok" in h and "output_usd_per_mtok" in h],
        **retirement,
    )
