"""The price and hardware catalog: YAML data files in ``pricing/data`` loaded into typed models.

Every number in the catalog is a :class:`Figure` that carries its ``source`` (a URL, or
``assumption: <rationale>``) and ``as_of`` (the date it was checked, YYYY-MM-DD or YYYY-MM).
A data file may give ``source``/``as_of`` once for a group of figures; a figure written as a
mapping ``{value, source, as_of}`` overrides the group's provenance. No price lives in code.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

DATA_DIR = Path(__file__).parent / "data"
OVERRIDE_SOURCE = "override"  # the source of a figure a scenario overrides
STALE_AFTER_MONTHS = 12  # a price older than this at the start date gets a warning
_AS_OF = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


class CatalogError(ValueError):
    """A catalog file is malformed, or a lookup or override names something that is not there."""


def as_of_text(value: Any) -> str:
    """A figure's ``as_of``: a date, or text as YYYY-MM-DD or YYYY-MM."""
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.strftime("%Y-%m-%d")
    if not isinstance(value, str) or not _AS_OF.match(value):
        raise ValueError(f"as_of must be YYYY-MM-DD or YYYY-MM, got {value!r}")
    return value


def source_present(value: str) -> str:
    if not value.strip():
        raise ValueError("source must not be empty (a URL, or 'assumption: <why>')")
    return value


class Figure(BaseModel):
    """One number with its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float
    source: str
    as_of: str
    note: str | None = None
    overridden: bool = False
    layer: Literal["curated", "bulk"] = "curated"  # bulk: taken from genai-prices (pricing/bulk.py)

    _as_of_text = field_validator("as_of", mode="before")(classmethod(lambda cls, value: as_of_text(value)))
    _source_present = field_validator("source")(classmethod(lambda cls, value: source_present(value)))

    @property
    def is_assumption(self) -> bool:
        return self.source.lower().startswith("assumption")

    @property
    def as_of_date(self) -> dt.date:
        """The ``as_of`` date; a month-only date counts as the first of that month."""
        parts = [int(p) for p in self.as_of.split("-")]
        return dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)

    def age_months(self, on: dt.date) -> float:
        """Months between ``as_of`` and ``on`` (30.44-day months)."""
        return (on - self.as_of_date).days / 30.44


class FigureGroup(BaseModel):
    """A group of figures that may share one ``source`` and ``as_of``.

    Plain numbers inherit the group's provenance; mappings keep their own.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _inherit_provenance(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        shared = {k: data.pop(k) for k in ("source", "as_of", "note") if k in data}
        for name, field in cls.model_fields.items():
            if name not in data or data[name] is None:
                continue
            value = data[name]
            if _is_group_tuple(field.annotation) and isinstance(value, (list, tuple)):
                # A tuple of groups (prompt-length tiers) inherits the group's provenance item by item.
                inherited = {k: v for k, v in shared.items() if k != "note"}
                data[name] = [{**inherited, **item} if isinstance(item, dict) else item for item in value]
                continue
            if not _is_figure_field(field.annotation):
                continue
            if isinstance(value, dict):
                data[name] = {**{k: v for k, v in shared.items() if k != "note"}, **value}
            else:
                if "source" not in shared or "as_of" not in shared:
                    raise ValueError(f"{name}: no source/as_of for this figure or its group")
                data[name] = {"value": value, **shared}
        return data


def _is_figure_field(annotation: Any) -> bool:
    return annotation is Figure or (getattr(annotation, "__args__", None) or ()) == (Figure, type(None))


def _is_group_tuple(annotation: Any) -> bool:
    """``tuple[SomeFigureGroup, ...]``."""
    args = getattr(annotation, "__args__", None) or ()
    return (getattr(annotation, "__origin__", None) is tuple and len(args) == 2 and args[1] is Ellipsis
            and isinstance(args[0], type) and issubclass(args[0], FigureGroup))


# --- LLM APIs -------------------------------------------------------------------------------------


class LlmFacts(FigureGroup):
    context_window_tokens: Figure
    max_output_tokens: Figure | None = None
    # The longest prompt the API accepts [model tokens], where it is below the window (gpt-5: 272,000
    # of 400,000; the rest is kept for output). None: the window alone bounds the prompt.
    max_prompt_tokens: Figure | None = None


TIER_PRICES = ("input_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_usd_per_mtok", "output_usd_per_mtok")


class PromptTier(FigureGroup):
    """The prices of a request whose prompt (input and cached input) is longer than
    ``above_prompt_tokens`` [model tokens]: the whole request pays them, input, cache reads and
    writes and output alike (Anthropic, Google, OpenAI and genai-prices' TieredPrices all bill so)."""

    above_prompt_tokens: Figure
    input_usd_per_mtok: Figure
    cached_input_usd_per_mtok: Figure | None = None
    cache_write_usd_per_mtok: Figure | None = None
    output_usd_per_mtok: Figure


class LlmPrices(FigureGroup):
    input_usd_per_mtok: Figure
    cached_input_usd_per_mtok: Figure | None = None
    cache_write_usd_per_mtok: Figure | None = None
    output_usd_per_mtok: Figure
    batch_discount: Figure | None = None
    # Share of the batch discount that cache reads and writes get too: 1 where it stacks (Anthropic,
    # OpenAI), 0 where batch requests' cache hits pay the normal cached price (Gemini).
    batch_discount_on_cache: Figure | None = None
    min_cacheable_prefix_tokens: Figure | None = None
    # A prefix is cached in steps of this many tokens above the minimum (OpenAI: 128); None: whole.
    cache_increment_tokens: Figure | None = None
    cache_ttl_s: Figure | None = None
    # Prices above a prompt length, by rising threshold; none: one price for every prompt length.
    prompt_tiers: tuple[PromptTier, ...] = ()

    @model_validator(mode="after")
    def _tiers_match_the_prices(self) -> "LlmPrices":
        starts = [t.above_prompt_tokens.value for t in self.prompt_tiers]
        if starts != sorted(set(starts)) or any(v <= 0 for v in starts):
            raise ValueError(f"prompt_tiers: above_prompt_tokens must be positive and rise from tier to tier, got {starts}")
        for i, tier in enumerate(self.prompt_tiers):
            for name in ("cached_input_usd_per_mtok", "cache_write_usd_per_mtok"):
                if (getattr(self, name) is None) != (getattr(tier, name) is None):
                    has = "has" if getattr(self, name) is not None else "has no"
                    raise ValueError(f"prompt_tiers.{i}: the base price {has} {name}; give the tier the same prices")
        return self


class LlmLatency(FigureGroup):
    ttft_ms: Figure
    output_tokens_per_s: Figure
    prefill_tokens_per_s: Figure
    # The prompt length the TTFT figure was measured at [tokens]: only the prompt beyond it adds
    # prefill time. Missing: 0, the whole prompt adds prefill time (the rule before issue 12).
    ttft_prompt_tokens: Figure | None = None


REASONING_MODES = ("none", "optional", "default_on")


class Reasoning(BaseModel):
    """Whether a model thinks before it answers (issue 12.4): ``none`` (it cannot), ``optional``
    (off unless the request turns it on: Claude's extended thinking, Gemini 2.5 Flash-Lite's
    thinking budget, Mistral's reasoning_effort) or ``default_on`` (it thinks unless told not to,
    or always: gpt-5, Gemini 2.5 Flash and Pro). Reasoning tokens are billed on the last two."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["none", "optional", "default_on"]
    source: str
    as_of: str

    _as_of_text = field_validator("as_of", mode="before")(classmethod(lambda cls, value: as_of_text(value)))
    _source_present = field_validator("source")(classmethod(lambda cls, value: source_present(value)))

    @property
    def reasons(self) -> bool:
        return self.mode != "none"

    @property
    def is_assumption(self) -> bool:
        return self.source.lower().startswith("assumption")


class FineTuningOffer(FigureGroup):
    training_usd_per_mtok: Figure
    input_usd_per_mtok: Figure
    cached_input_usd_per_mtok: Figure | None = None
    output_usd_per_mtok: Figure
    batch_discount: Figure | None = None
    hosting_usd_per_hour: Figure | None = None


class FineTuning(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    new_customers: bool
    training_until: dt.date | None = None
    availability_source: str
    availability_as_of: str
    prices: FineTuningOffer

    @field_validator("availability_as_of", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> str:
        return Figure._as_of_text(value)


class PriceChange(BaseModel):
    """A price the provider has announced for a later day [USD per million tokens]."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    starts: dt.date
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    source: str


class LlmModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str  # the provider's API model id, the name passed to its SDK
    provider: str  # who sells it: the maker, a host of open models or a cloud (aws, azure, google)
    aliases: tuple[str, ...] = ()  # dated snapshots and spellings users type; each names this entry
    tokenizer: str
    available_until: dt.date | None = None
    availability_source: str | None = None
    successor: str | None = None  # the model the provider names as the replacement
    reasoning: Reasoning | None = None  # None: not stated, billed as "none" (a warning says so)
    facts: LlmFacts
    prices: LlmPrices
    latency: LlmLatency
    fine_tuning: FineTuning | None = None
    price_changes: tuple[PriceChange, ...] = ()  # announced after the prices above took effect

    @model_validator(mode="after")
    def _cap_inside_the_window(self) -> "LlmModel":
        cap, window = self.facts.max_prompt_tokens, self.facts.context_window_tokens
        if cap is not None and cap.value > window.value:
            raise ValueError(f"facts.max_prompt_tokens ({cap.value:,.0f}) exceeds context_window_tokens ({window.value:,.0f})")
        return self


# --- Embeddings, rerankers, vector stores ----------------------------------------------------------


class EmbeddingPrices(FigureGroup):
    usd_per_mtok: Figure
    batch_usd_per_mtok: Figure | None = None
    dimensions: Figure


class EmbeddingLatency(FigureGroup):
    query_ms_p50: Figure
    query_ms_p95: Figure


class EmbeddingModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str  # the provider's API model id
    provider: str
    aliases: tuple[str, ...] = ()
    tokenizer: str
    prices: EmbeddingPrices
    latency: EmbeddingLatency


class RerankerPrices(FigureGroup):
    usd_per_1k_searches: Figure | None = None
    usd_per_mtok: Figure | None = None
    max_documents_per_search: Figure | None = None
    # Billing length of one document, the query's tokens included (Cohere: 500); a longer document is
    # split and each piece counts as a document. None: every candidate counts as one document.
    max_tokens_per_document: Figure | None = None


class RerankerLatency(FigureGroup):
    ms_p50_base: Figure
    ms_per_document: Figure
    p95_over_p50: Figure


class Reranker(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str  # the provider's API model id
    provider: str
    aliases: tuple[str, ...] = ()
    tokenizer: str
    prices: RerankerPrices
    latency: RerankerLatency

    @model_validator(mode="after")
    def _one_price(self) -> "Reranker":
        if (self.prices.usd_per_1k_searches is None) == (self.prices.usd_per_mtok is None):
            raise ValueError("give exactly one of usd_per_1k_searches or usd_per_mtok")
        return self


class VectorStorePrices(FigureGroup):
    # Serverless: usage-priced.
    storage_usd_per_gb_month: Figure | None = None
    read_usd_per_million_units: Figure | None = None
    read_units_per_query_per_gb: Figure | None = None
    min_read_units_per_query: Figure | None = None
    write_usd_per_million_units: Figure | None = None
    write_units_per_kb: Figure | None = None
    min_write_units_per_request: Figure | None = None  # None: no per-request minimum
    upsert_batch_records: Figure | None = None  # records per upsert request; None: one record per request
    upsert_max_request_bytes: Figure | None = None  # a request's size limit; None: no limit
    # Metadata stored with each record besides the chunk's text (which is stored too); None: 0, said.
    metadata_bytes_per_record: Figure | None = None
    minimum_usd_per_month: Figure | None = None
    # Instance: capacity-priced.
    instance_usd_per_month: Figure | None = None
    capacity_gb_per_instance: Figure | None = None
    queries_per_s_per_instance: Figure | None = None


class VectorStoreLatency(FigureGroup):
    query_ms_p50_at_1m: Figure
    query_ms_p95_at_1m: Figure
    growth_per_10x_vectors: Figure


class VectorStore(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: Literal["serverless", "instance"]
    prices: VectorStorePrices
    latency: VectorStoreLatency

    @model_validator(mode="after")
    def _kind_has_prices(self) -> "VectorStore":
        p = self.prices
        needed = (
            ["storage_usd_per_gb_month", "read_usd_per_million_units", "read_units_per_query_per_gb",
             "min_read_units_per_query", "write_usd_per_million_units", "write_units_per_kb"]
            if self.kind == "serverless"
            else ["instance_usd_per_month", "capacity_gb_per_instance", "queries_per_s_per_instance"]
        )
        missing = [n for n in needed if getattr(p, n) is None]
        if missing:
            raise ValueError(f"{self.kind} vector store needs {', '.join(missing)}")
        return self


# --- Hardware and open models ----------------------------------------------------------------------


class GpuSpec(FigureGroup):
    peak_bf16_tflops: Figure
    memory_bandwidth_tb_per_s: Figure
    memory_gb: Figure


class GpuPrice(FigureGroup):
    usd_per_gpu_hour: Figure
    instance: str


class Gpu(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    spec: GpuSpec
    prices: dict[str, GpuPrice]


class OpenModelArchitecture(FigureGroup):
    parameters_billion: Figure
    layers: Figure
    hidden_size: Figure
    attention_heads: Figure
    kv_heads: Figure
    head_dim: Figure
    context_window_tokens: Figure
    bytes_per_parameter: Figure


class OpenModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    family: str
    tokenizer: str
    architecture: OpenModelArchitecture


class Tokenizer(BaseModel):
    """How a provider's tokenizer relates to tiktoken: an exact encoding, or a ratio to o200k_base."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    encoding: Literal["o200k_base", "cl100k_base"]
    ratio: Figure | None = None

    @model_validator(mode="before")
    @classmethod
    def _ratio_figure(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("ratio"), (int, float)):
            raise ValueError("ratio needs a source: write it as {value, source, as_of}")
        return data


# --- Defaults: efficiencies and people -------------------------------------------------------------


class ServingDefaults(FigureGroup):
    flops_efficiency: Figure
    bandwidth_efficiency: Figure
    gpu_memory_utilisation: Figure
    max_batch: Figure
    target_utilisation: Figure


class TrainingDefaults(FigureGroup):
    model_flops_utilisation: Figure
    full_flops_per_parameter_token: Figure
    lora_speed_vs_full: Figure                      # LoRA tokens/s / full fine-tuning tokens/s (measured)
    adam_bytes_per_parameter: Figure
    lora_trainable_share: Figure
    activation_bytes_per_layer: Figure              # x s b h per layer (Korthikanti et al. 2022: 34)
    attention_score_bytes: Figure                   # x s b h x a s / h per layer (5; 0 with flash attention)
    recomputed_activation_bytes_per_layer: Figure   # x s b h per layer with full recomputation (2)
    sequence_length_tokens: Figure
    micro_batch: Figure                             # sequences per GPU per step
    recompute_activations: Figure                   # 1: full recomputation, 0: none
    overhead_gpu_hours_per_run: Figure

    @model_validator(mode="before")
    @classmethod
    def _older_training_defaults(cls, data: Any) -> Any:
        """A defaults.yaml written before issue 12 (10, 11) still loads: the figures it lacks take the
        fallbacks below, marked as assumptions so every result that uses them warns; the two figures
        those rules replaced (a LoRA FLOP count, a fixed activation allowance) are no longer read."""
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if k not in _REPLACED_TRAINING_FIGURES}
        for name, (value, why) in _TRAINING_FALLBACKS.items():
            if name not in data:
                data[name] = {"value": value, "as_of": "2026-12-02",
                              "source": f"assumption: missing from this catalog's defaults.yaml; {why}"}
        return data


_REPLACED_TRAINING_FIGURES = ("lora_flops_per_parameter_token", "activation_overhead")
_TRAINING_FALLBACKS = {  # figure: (value, why) when a defaults.yaml does not give it
    "lora_speed_vs_full": (1.0, "LoRA taken as fast as full fine-tuning per token (the slow end of measurements)"),
    "activation_bytes_per_layer": (34, "Korthikanti et al. 2022 (arXiv 2205.05198): 34 s b h per layer"),
    "attention_score_bytes": (5, "attention scores stored, Korthikanti et al. 2022's 5 a s / h (no flash attention)"),
    "recomputed_activation_bytes_per_layer": (2, "Korthikanti et al. 2022: 2 s b h per layer with recomputation"),
    "sequence_length_tokens": (2048, "sequences of 2,048 tokens"),
    "micro_batch": (1, "one sequence per GPU per step"),
    "recompute_activations": (1, "full activation recomputation"),
}


class PeopleDefaults(FigureGroup):
    day_rate_usd: Figure
    build_days_prompt_only: Figure
    build_days_rag: Figure
    build_days_fine_tuned: Figure
    build_days_hybrid: Figure
    ops_days_per_month_prompt_only: Figure
    ops_days_per_month_rag: Figure
    ops_days_per_month_fine_tuned: Figure
    ops_days_per_month_hybrid: Figure
    self_hosting_ops_days_per_month: Figure


class WorkloadDefaults(FigureGroup):
    length_cv: Figure
    stored_bytes_per_token: Figure
    api_ttft_p95_over_p50: Figure
    # Prefill time of a cached prompt token as a share of an uncached one's (issue 12.12).
    # Missing: 1, a cache hit is read as fast as a miss.
    cached_prefill_time_share: Figure | None = None


class DecisionDefaults(FigureGroup):
    """Thresholds of the decision rules and what a knowledge change rate implies (assumptions)."""

    min_labelled_examples: Figure
    at_scale_queries_per_month: Figure
    change_share_daily: Figure
    change_share_weekly: Figure
    change_share_monthly: Figure
    change_share_quarterly: Figure
    change_share_rarely: Figure
    retrain_months_daily: Figure
    retrain_months_weekly: Figure
    retrain_months_monthly: Figure
    retrain_months_quarterly: Figure
    retrain_months_rarely: Figure


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    serving: ServingDefaults
    training: TrainingDefaults
    people: PeopleDefaults
    workload: WorkloadDefaults
    decision: DecisionDefaults


# --- The catalog -----------------------------------------------------------------------------------

_KINDS = {
    "llm": ("llm_models.yaml", "models", LlmModel),
    "embedding": ("embeddings.yaml", "models", EmbeddingModel),
    "reranker": ("rerankers.yaml", "models", Reranker),
    "vector_store": ("vector_stores.yaml", "stores", VectorStore),
    "gpu": ("gpus.yaml", "gpus", Gpu),
    "open_model": ("open_models.yaml", "models", OpenModel),
    "tokenizer": ("tokenizers.yaml", "tokenizers", Tokenizer),
}


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    llm: dict[str, LlmModel]
    embedding: dict[str, EmbeddingModel]
    reranker: dict[str, Reranker]
    vector_store: dict[str, VectorStore]
    gpu: dict[str, Gpu]
    open_model: dict[str, OpenModel]
    tokenizer: dict[str, Tokenizer]
    defaults: Defaults

    @model_validator(mode="after")
    def _references_resolve(self) -> "Catalog":
        problems = []
        for kind in ("llm", "embedding", "reranker", "open_model"):
            for entry in getattr(self, kind).values():
                if entry.tokenizer not in self.tokenizer:
                    problems.append(f"{kind} {entry.id}: unknown tokenizer {entry.tokenizer!r}")
        names = [n for kind in ("llm", "open_model") for n in getattr(self, kind)]
        clashes = {n for n in names if names.count(n) > 1}
        if clashes:
            problems.append(f"model ids used both as API and open model: {sorted(clashes)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- lookups with helpful errors --
    def key_of(self, kind: str, name: str) -> str | None:
        """The key of the entry of ``kind`` whose id or one of whose aliases is ``name``."""
        table = getattr(self, kind)
        if name in table:
            return name
        return next((key for key, entry in table.items() if name in getattr(entry, "aliases", ())), None)

    def get(self, kind: str, name: str) -> Any:
        table = getattr(self, kind)
        key = self.key_of(kind, name)
        if key is not None:
            return table[key]
        close = difflib.get_close_matches(name, list(table), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CatalogError(f"unknown {kind.replace('_', ' ')} {name!r}{hint} (known: {', '.join(sorted(table))})")

    @property
    def as_of(self) -> str:
        """The newest ``as_of`` among the catalog's figures: the date the catalog was last checked."""
        return max(f.as_of for _, f in self.figures())

    def figures(self) -> list[tuple[str, Figure]]:
        """Every figure with its dotted key, e.g. ``llm.gpt-4.1-mini.prices.input_usd_per_mtok``."""
        return [(".".join(path), figure) for path, figure in self._figure_paths()]

    def figure(self, key: str) -> Figure:
        """The figure a dotted key names, as :meth:`figures` and ``figures_used`` spell it (entry ids
        may hold dots: ``open_model.llama-3.1-8b.architecture.layers``)."""
        found = dict(self.figures()).get(key)
        if found is None:
            close = difflib.get_close_matches(key, [k for k, _ in self.figures()], n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise CatalogError(f"{key!r} names no catalog figure{hint}")
        return found

    def _figure_paths(self, include_empty: bool = False) -> list[tuple[tuple[str, ...], Figure | None]]:
        out: list[tuple[tuple[str, ...], Figure | None]] = []
        _walk(self, (), out, include_empty)
        return out

    def with_overrides(self, overrides: dict[str, float]) -> "Catalog":
        """A copy in which each dotted key's figure takes the given value, marked as overridden."""
        if not overrides:
            return self
        data = self.model_dump()
        # Optional figures the catalog leaves empty (a batch discount it has no source for) can be set too.
        known = {".".join(path): path for path, _ in self._figure_paths(include_empty=True)}
        for key, value in overrides.items():
            if key not in known:
                close = difflib.get_close_matches(key, known, n=3)
                hint = f"; did you mean {' or '.join(close)}?" if close else ""
                raise CatalogError(f"override {key!r} names no catalog figure{hint}")
            node = data
            *path, last = known[key]
            for part in path:
                node = node[int(part)] if isinstance(node, (list, tuple)) else node[part]
            node[last] = {**(node[last] or {"as_of": self.as_of}), "value": float(value),
                          "source": OVERRIDE_SOURCE, "overridden": True}
        return Catalog.model_validate(data)

    def with_values(self, values: dict[str, Any]) -> "Catalog":
        """A copy in which each dotted key's figure holds the given value, not validated.

        For the Monte Carlo: a value may be an array of draws. Keys must name existing figures
        (overrides, which can also fill empty ones, go through :meth:`with_overrides` first).
        """
        paths = dict(self._figure_paths())
        by_key = {".".join(path): path for path in paths}
        out: Any = self
        for key, value in values.items():
            out = _replaced(out, by_key[key], value)
        return out


def _replaced(node: Any, path: tuple[str, ...], value: Any) -> Any:
    if not path:
        return node.model_copy(update={"value": value})
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, head: _replaced(node[head], rest, value)}
    if isinstance(node, tuple):
        i = int(head)
        return (*node[:i], _replaced(node[i], rest, value), *node[i + 1:])
    return node.model_copy(update={head: _replaced(getattr(node, head), rest, value)})


def _walk(node: Any, path: tuple[str, ...], out: list, include_empty: bool = False) -> None:
    if isinstance(node, Figure):
        out.append((path, node))
    elif isinstance(node, BaseModel):
        for name, field in type(node).model_fields.items():
            value = getattr(node, name)
            if value is None and include_empty and _is_figure_field(field.annotation):
                out.append(((*path, name), None))
            else:
                _walk(value, (*path, name), out, include_empty)
    elif isinstance(node, dict):
        for key, value in node.items():
            _walk(value, (*path, key), out, include_empty)
    elif isinstance(node, tuple):  # prompt-length tiers: llm.<id>.prices.prompt_tiers.0.input_usd_per_mtok
        for i, value in enumerate(node):
            _walk(value, (*path, str(i)), out, include_empty)


def _load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path.name}: cannot read: {exc}") from exc


def load_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """Load and validate every data file; errors name the file and the field."""
    raw: dict[str, Any] = {}
    for kind, (filename, list_key, _) in _KINDS.items():
        doc = _load_yaml(data_dir / filename)
        if not isinstance(doc, dict) or not isinstance(doc.get(list_key), list):
            raise CatalogError(f"{filename}: expected a mapping with a list under {list_key!r}")
        entries: dict[str, Any] = {}
        for entry in doc[list_key]:
            name = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(name, str):
                raise CatalogError(f"{filename}: every entry needs a string id, got {entry!r:.80}")
            if name in entries:
                raise CatalogError(f"{filename}: duplicate id {name!r}")
            entries[name] = entry
        raw[kind] = entries
    raw["defaults"] = _load_yaml(data_dir / "defaults.yaml")
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = err["loc"]
            filename = _KINDS[loc[0]][0] if loc and loc[0] in _KINDS else "defaults.yaml"
            lines.append(f"{filename}: {'.'.join(str(p) for p in loc[1:])}: {err['msg']}")
        raise CatalogError("\n".join(lines)) from None


@functools.cache
def default_catalog() -> Catalog:
    """The shipped catalog, loaded once per process."""
    return load_catalog()
