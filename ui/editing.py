"""The scenario editor's logic without the UI: inputs <-> scenario dicts, catalog choices, figures.

The dashboard's editor page draws one widget per scenario field. Its widget values live in a flat
mapping keyed ``"ed_" + dotted field path`` (``ed_workload.queries_per_month``); a length has four
keys (``.mode``, ``.tokens``, ``.text``, ``.samples``), the corpus four (``.mode``, ``.tokens``,
``.documents``, ``.document_count``). This module

- describes the numeric inputs (label with unit, bounds taken from the pydantic schema, help text,
  the catalog figure an empty optional input falls back to): :data:`NUMBERS`;
- fills the mapping from a scenario (:func:`widget_values`) and builds a plain scenario dict back
  from it (:func:`build_scenario`), so the page only draws;
- lists the catalog choices (models, GPUs and their clouds, ...) and the catalog figures that the
  chosen models, GPUs, embedding model and vector store use (:func:`relevant_figures`);
- validates an edit completely before it is applied (:func:`apply`);
- turns the Uncertainty tab's entries into ranges (:func:`range_from_inputs`) and describes them in
  the units the widgets show (:func:`range_rows`, :func:`describe_range`).

A ranged input keeps its widget, which shows the range's point value; the ranges themselves are
kept apart (``{dotted path: range dict}``, like the overrides) and go into the scenario dict whole.

Percentages are shown as % in the editor and stored as fractions (0.05 = 5 %).
No Streamlit here: everything is unit-tested.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import BaseModel

from pricing.catalog import Catalog, Figure

from simulator.scenario import (OVERRIDES as OVERRIDE_PATH, POINT_ONLY, SCHEMA_VERSION, SETUP_LABELS, SETUPS, Range, Scenario,
                       ScenarioError, field_bounds, get_in, range_target, schema_bounds, schema_field,
                       validate_scenario)

PREFIX = "ed_"
ORIGIN = "editor"
FILLED_FROM = PREFIX + "filled_from"   # the scenario YAML the widgets were filled from
OVERRIDES = PREFIX + "overrides"       # pending overrides {dotted key: value}
RANGES = PREFIX + "ranges"             # pending ranges {dotted path: range dict in schema units}

GROUPS = {  # editor tab for the first part of a field path
    "name": "Scenario", "description": "Scenario", "schema_version": "Scenario",
    "workload": "Workload", "knowledge": "Knowledge", "people": "People", **SETUP_LABELS,
    "overrides": "Overrides", "uncertainty": "Uncertainty",
}

LENGTH_MODES = ("tokens", "text", "samples")
LENGTH_MODE_LABELS = {"tokens": "Token count", "text": "Text", "samples": "Sample texts"}
CORPUS_MODES = ("tokens", "documents")
CORPUS_MODE_LABELS = {"tokens": "Size in tokens", "documents": "Sample documents"}
DOCUMENT_SEPARATOR = "---"  # a line holding only this separates sample documents

# Lengths the editor shows; query and answer may also be given as samples.
LENGTHS = {
    "workload.query": ("Query length", "The user's question as it reaches the model (without prompts or retrieved text)."),
    "workload.answer": ("Answer length", "The model's visible answer per query (reasoning tokens are set separately)."),
    "prompt_only.system_prompt": ("System prompt", "Instructions sent with every query; part of the cacheable static prefix."),
    "prompt_only.few_shot": ("Few-shot examples", "Worked examples sent with every query; part of the cacheable static prefix."),
    "rag.system_prompt": ("System prompt", "Instructions sent with every query, before the retrieved chunks."),
    "fine_tuned.system_prompt": ("System prompt", "Instructions sent with every query to the fine-tuned model (usually short: the behaviour is trained in)."),
    "hybrid.system_prompt": ("System prompt", "Instructions sent with every query to the fine-tuned model, before the retrieved chunks."),
}
SAMPLE_LENGTHS = ("workload.query", "workload.answer")


# --- Numeric inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """One numeric input: its scenario path, label with unit, and how widget values map to the schema."""

    path: str
    label: str
    integer: bool = False
    scale: float = 1.0              # widget value = schema value x scale (100 for percentages)
    optional: bool = False          # may be left empty (schema value None)
    default_figure: str | None = None  # the catalog figure used when left empty
    empty_means: str | None = None  # what empty means when no catalog figure stands in
    step: float | None = None
    format: str | None = None
    help: str = ""                  # written help; the schema's description comes first

    @property
    def key(self) -> str:
        return key(self.path)

    def bounds(self) -> tuple[float, float]:
        """Widget (min, max): the schema's bounds in widget units."""
        lo, lo_exclusive, hi = schema_bounds(self.path)
        low = lo * self.scale
        if lo_exclusive:  # the smallest value the widget shows above the bound ("%.1f": 0.1 above)
            low += 1 if self.integer else 10 ** -self.decimals()
        high = hi * self.scale
        if self.integer:
            return int(low), int(high)
        return float(low), float(high)

    def decimals(self) -> int:
        """Decimals the widget shows (from its ``%.Nf`` format; 2 without one, as Streamlit does)."""
        found = re.fullmatch(r"%\.(\d+)f", self.format or "%.2f")
        return int(found.group(1)) if found else 2

    def help_text(self) -> str:
        description = schema_field(self.path).description or ""
        return " ".join(p for p in (description, self.help) if p).strip()

    def to_widget(self, value: Any) -> Any:
        if value is None:
            return None
        if self.integer:
            return int(round(value * self.scale))
        return float(round(float(value) * self.scale, 9))

    def from_widget(self, value: Any) -> Any:
        if value is None:
            return None
        if self.integer and self.scale == 1:
            return int(value)
        return float(value) / self.scale


def _pct(path: str, label: str, **kw) -> Number:
    return Number(path, label, scale=100.0, step=kw.pop("step", 1.0), format=kw.pop("format", "%.1f"), **kw)


_CACHE_HELP = ("Requests that reuse the static prefix (system prompt, few-shot) within the provider's cache "
               "lifetime pay the cached price; 0 % turns caching off.")


def _model_numbers(setup: str) -> list[Number]:
    p = f"{setup}.model"
    return [
        Number(f"{p}.gpus_per_replica", "GPUs per replica (GPUs)", integer=True,
               help="Self-hosted only: GPUs that serve one copy of the model together (tensor parallel). "
                    "Large models need several to fit in memory."),
        Number(f"{p}.min_replicas", "Minimum replicas (replicas)", integer=True,
               help="Self-hosted only: replicas kept running at any volume (2 for redundancy; 0 allows "
                    "scaling to zero). More are added as the peak query rate needs them."),
        _pct(f"{p}.target_utilisation", "Target utilisation at peak (%)", optional=True,
             default_figure="defaults.serving.target_utilisation",
             help="Lower values leave headroom for bursts and keep queueing delay low."),
        Number(f"{p}.max_batch", "Maximum batch (concurrent sequences)", integer=True, optional=True,
               default_figure="defaults.serving.max_batch",
               help="Self-hosted only: concurrent sequences one replica decodes together (vLLM max_num_seqs); "
                    "bigger batches raise throughput and per-token latency."),
    ]


NUMBERS: list[Number] = [
    # Workload
    Number("workload.queries_per_month", "Queries per month (queries/month)", step=50_000,
           format="%.0f", help="The volume you plan for; charts sweep around it."),
    _pct("workload.monthly_growth", "Monthly growth (%/month)",
         help="Shown as a percentage: 5 = +5 %/month, -10 = shrinking 10 %/month. Compounds over the horizon."),
    Number("workload.peak_to_average", "Peak-to-average ratio (× average rate)", step=0.5, format="%.1f",
           help="Sizes self-hosted GPU fleets and instance-based vector stores: 3 means the busiest hour "
                "sees three times the average rate."),
    _pct("workload.batch_share", "Batchable share (% of queries)",
         help="That share gets the provider's batch discount where the catalog lists one."),
    Number("workload.reasoning_tokens", "Reasoning tokens per query (tokens)", step=100.0, format="%.0f",
           help="Hidden 'thinking' tokens of reasoning models, billed as output and adding to latency."),
    Number("workload.length_cv", "Length spread (coefficient of variation, × mean)", optional=True,
           default_figure="defaults.workload.length_cv", format="%.2f",
           help="Standard deviation / mean of query and answer lengths given as counts or a single text; "
                "sample texts give their own spread. Drives p95 latency and context-window checks."),
    Number("workload.horizon_months", "Horizon (months)", integer=True,
           help="Months over which one-time costs are amortised and growth is followed."),
    # Knowledge
    Number("knowledge.corpus.tokens", "Corpus size (tokens)", step=100_000, format="%.0f",
           help="All the text retrieval searches, in o200k_base tokens (about 4 characters of English each)."),
    Number("knowledge.corpus.document_count", "Documents in the corpus (documents)",
           step=100.0, format="%.0f",
           help="How many documents the whole corpus has; the samples' mean length times this is its size."),
    _pct("knowledge.monthly_change_share", "Corpus changed per month (% of the corpus)",
         help="That share is re-embedded and re-written to the vector store every month."),
    # People
    Number("people.day_rate_usd", "Engineer day rate (USD/day)", optional=True,
           default_figure="defaults.people.day_rate_usd", step=50, format="%.0f",
           help="Loaded cost of one engineer-day; prices building and running every setup."),
    *[Number(f"people.build_days.{s}", f"Build effort: {SETUP_LABELS[s]} (engineer-days)", optional=True,
             default_figure=f"defaults.people.build_days_{s}", step=1.0, format="%.1f",
             help=f"One-time work to build the {SETUP_LABELS[s]} setup, amortised over the horizon.")
      for s in SETUPS],
    *[Number(f"people.ops_days_per_month.{s}", f"Running effort: {SETUP_LABELS[s]} (engineer-days/month)",
             optional=True, default_figure=f"defaults.people.ops_days_per_month_{s}", step=0.5, format="%.1f",
             help=f"Monthly upkeep of the {SETUP_LABELS[s]} setup (monitoring, updates, evaluation).")
      for s in SETUPS],
    Number("people.self_hosting_ops_days_per_month", "Self-hosting effort (engineer-days/month per self-hosted setup)",
           optional=True, default_figure="defaults.people.self_hosting_ops_days_per_month", step=0.5, format="%.1f",
           help="Added to each setup that serves an open model on rented GPUs (on-call, upgrades, capacity)."),
    # Prompt-only
    *_model_numbers("prompt_only"),
    _pct("prompt_only.cache_hit_rate", "Cache hit rate (% of requests)", help=_CACHE_HELP),
    # RAG
    *_model_numbers("rag"),
    Number("rag.chunk_tokens", "Chunk size (tokens per chunk)", integer=True, step=50,
           help="Size of the pieces the corpus is split into; each is one vector."),
    Number("rag.top_k", "Chunks per query, top_k (chunks)", integer=True,
           help="Retrieved chunks added to each prompt: top_k × chunk size input tokens per query."),
    Number("rag.reranker.candidates", "Reranker candidates (chunks)", integer=True, step=10,
           help="The reranker picks top_k of them, so give at least top_k."),
    _pct("rag.cache_hit_rate", "Cache hit rate (% of requests)", help=_CACHE_HELP),
    # Fine-tuned
    *_model_numbers("fine_tuned"),
    Number("fine_tuned.training.examples", "Training examples (examples)", integer=True, step=100,
           help="Labelled input/output pairs in one training run."),
    Number("fine_tuned.training.tokens_per_example", "Tokens per example (tokens)", step=50,
           format="%.0f", help="Prompt plus answer of one example, in o200k_base tokens."),
    Number("fine_tuned.training.epochs", "Epochs (passes over the data)", integer=True,
           help="Training cost grows linearly with epochs."),
    Number("fine_tuned.training.retrain_every_months", "Retrain every (months)", optional=True,
           empty_means="never retrained", step=1.0, format="%.1f",
           help="Leave empty if the model is trained once. Each retraining costs one training run."),
    Number("fine_tuned.training.labelling_usd_per_example", "Labelling cost (USD/example)", step=0.5,
           format="%.2f", help="One-time cost to collect or label one example (0 if you have them)."),
    Number("fine_tuned.training.gpus", "Training GPUs (GPUs)", integer=True,
           help="Self-hosted training only: GPUs the run is sharded over (FSDP / ZeRO-3). More GPUs give "
                "more memory; the GPU-hours stay about the same."),
    _pct("fine_tuned.cache_hit_rate", "Cache hit rate (% of requests)", help=_CACHE_HELP),
    # Hybrid
    Number("hybrid.top_k", "Chunks per query, top_k (chunks)", integer=True, optional=True,
           empty_means="the RAG setup's top_k",
           help="Fewer chunks are often enough once the model is fine-tuned."),
    _pct("hybrid.cache_hit_rate", "Cache hit rate (% of requests)", help=_CACHE_HELP),
    # Uncertainty
    Number("uncertainty.seed", "Random seed (integer)", integer=True, step=1,
           help="Another seed gives another set of draws: how much the results move shows the sampling noise."),
    Number("uncertainty.draws", "Draws (Monte Carlo samples)", integer=True, step=500,
           help="How many times every range is sampled; more draws give steadier percentiles and take longer."),
    Number("uncertainty.price_drift_pct_per_year", "Price drift (%/year)", step=5, format="%.1f",
           help="Every catalog price in USD is taken at its average over the horizon under this drift "
                "(-20: prices fall 20 % a year). It may itself be a range."),
]
NUMBER = {n.path: n for n in NUMBERS}


def key(path: str) -> str:
    """The widget key of a scenario field path."""
    return PREFIX + path


# --- The schema -------------------------------------------------------------------------------------


def max_chars(path: str) -> int | None:
    """The schema's ``max_length`` of a text field."""
    for item in schema_field(path).metadata:
        if getattr(item, "max_length", None) is not None:
            return item.max_length
    return None


# --- Lengths: token count, text or sample texts -----------------------------------------------------


def split_samples(text: str) -> list[str]:
    """Sample texts separated by blank lines (one or more empty lines); each sample may span lines."""
    return [s.strip() for s in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")) if s.strip()]


def join_samples(samples: list[str]) -> str:
    return "\n\n".join(samples)


def split_documents(text: str) -> list[str]:
    """Sample documents separated by a line holding only ``---``."""
    parts = re.split(rf"(?m)^[ \t]*{re.escape(DOCUMENT_SEPARATOR)}[ \t]*$", text.replace("\r\n", "\n"))
    return [p.strip() for p in parts if p.strip()]


def join_documents(documents: list[str]) -> str:
    return f"\n{DOCUMENT_SEPARATOR}\n".join(documents)


def length_modes(path: str, current: str | None = None) -> tuple[str, ...]:
    """Query and answer take sample texts too; other lengths only if they already use samples."""
    if path in SAMPLE_LENGTHS or current == "samples":
        return LENGTH_MODES
    return ("tokens", "text")


def length_to_inputs(length: Mapping[str, Any] | BaseModel) -> dict[str, Any]:
    """Widget values (mode, tokens, text, samples) of a scenario length; unused ones get sensible fillers."""
    if isinstance(length, BaseModel):
        length = length.model_dump()
    tokens, text, samples = length.get("tokens"), length.get("text"), length.get("samples")
    if tokens is not None:
        return {"mode": "tokens", "tokens": float(tokens), "text": "", "samples": ""}
    if text is not None:
        return {"mode": "text", "tokens": float(_count_mean([text])), "text": text, "samples": text.strip()}
    samples = list(samples or [])
    return {"mode": "samples", "tokens": float(_count_mean(samples)), "text": samples[0] if samples else "",
            "samples": join_samples(samples)}


def length_from_inputs(mode: str, tokens: Any = None, text: Any = None, samples: Any = None) -> dict[str, Any]:
    """The schema dict of a length from the chosen mode: ``{"tokens": n}``, ``{"text": s}`` or ``{"samples": [...]}``.

    Samples are separated by blank lines. Nothing is checked here: validation reports what is wrong.
    """
    if mode == "text":
        return {"text": "" if text is None else str(text)}
    if mode == "samples":
        return {"samples": split_samples("" if samples is None else str(samples))}
    return {"tokens": None if tokens is None else float(tokens)}


def _count_mean(texts: list[str]) -> float:
    """Mean o200k_base token count, rounded (0 when there is nothing to count)."""
    texts = [t for t in texts if t]
    if not texts:
        return 0.0
    try:
        from simulator.model.tokens import count_many

        return float(round(float(count_many(texts).mean())))
    except Exception:  # tiktoken not usable: the filler value is only a starting point
        return 0.0


def count_preview(mode: str, text: str | None) -> str:
    """A one-line token count of what is typed in a text or samples box."""
    text = text or ""
    if mode == "text":
        texts = [text] if text else []
    elif mode == "samples":
        texts = split_samples(text)
    elif mode == "documents":
        texts = split_documents(text)
    else:
        return ""
    if not texts:
        return "Nothing to count yet."
    try:
        from simulator.model.tokens import count_many

        counts = count_many(texts)
    except Exception as exc:  # never fail the page over a preview
        return f"Could not count tokens here ({exc}); the simulator counts them when the scenario is applied."
    if len(texts) == 1:
        return f"{counts[0]:,.0f} tokens (o200k_base)."
    unit = "documents" if mode == "documents" else "samples"
    return (f"{len(texts)} {unit}: mean {counts.mean():,.0f} tokens (o200k_base), "
            f"from {counts.min():,.0f} to {counts.max():,.0f}.")


# --- Catalog choices --------------------------------------------------------------------------------


def is_open_model(name: str | None, catalog: Catalog) -> bool:
    return name in catalog.open_model


def model_options(catalog: Catalog, fine_tuning: bool = False, current: str | None = None) -> list[str]:
    """API models, then open models (self-hosted). For fine-tuning: API models with a fine-tuning offer."""
    api = [n for n, m in catalog.llm.items() if not fine_tuning or m.fine_tuning is not None]
    options = [*api, *catalog.open_model]
    if current and current not in options:
        options.insert(0, current)  # keep an unknown or unsuitable name visible: validation explains it
    return options


def model_label(name: str, catalog: Catalog, fine_tuning: bool = False) -> str:
    if name in catalog.llm:
        m = catalog.llm[name]
        label = f"{name} · API ({m.provider})"
        if fine_tuning and m.fine_tuning is not None:
            label += " · API fine-tuning"
            if not m.fine_tuning.new_customers:
                label += " closed to new customers"
            if m.fine_tuning.training_until is not None:
                label += f", jobs until {m.fine_tuning.training_until}"
        elif fine_tuning:
            label += " · no fine-tuning offer"
        if m.available_until is not None:
            label += f" · retires {m.available_until}"
        return label
    if name in catalog.open_model:
        params = catalog.open_model[name].architecture.parameters_billion.value
        return f"{name} · open model, self-hosted on GPUs ({params:g}B parameters)"
    return f"{name} · not in the catalog"


def gpu_options(catalog: Catalog) -> list[str]:
    return list(catalog.gpu)


def gpu_label(name: str, catalog: Catalog) -> str:
    if name not in catalog.gpu:
        return f"{name} · not in the catalog"
    spec = catalog.gpu[name].spec
    return f"{name} · {spec.memory_gb.value:g} GB, {spec.peak_bf16_tflops.value:g} TFLOPS bf16"


def cloud_options(catalog: Catalog, gpu: str | None) -> list[str]:
    """Clouds with a price for ``gpu``, cheapest first."""
    if gpu not in catalog.gpu:
        return []
    prices = catalog.gpu[gpu].prices
    return sorted(prices, key=lambda c: (prices[c].usd_per_gpu_hour.value, c))


def cheapest_cloud(catalog: Catalog, gpu: str | None) -> str | None:
    options = cloud_options(catalog, gpu)
    return options[0] if options else None


def cloud_label(cloud: str, catalog: Catalog, gpu: str | None) -> str:
    if gpu in catalog.gpu and cloud in catalog.gpu[gpu].prices:
        price = catalog.gpu[gpu].prices[cloud]
        return f"{cloud} · ${price.usd_per_gpu_hour.value:g}/GPU-hour ({price.instance})"
    return cloud


def default_gpu(catalog: Catalog) -> str:
    return next(iter(catalog.gpu))


# --- Catalog defaults of optional inputs -----------------------------------------------------------


_TABLES: dict[int, tuple[Catalog, dict[str, Figure]]] = {}


def figure_table(catalog: Catalog) -> dict[str, Figure]:
    """Every catalog figure by dotted key (computed once per catalog object)."""
    cached = _TABLES.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        if len(_TABLES) > 8:
            _TABLES.clear()
        cached = _TABLES[id(catalog)] = (catalog, dict(catalog.figures()))
    return cached[1]


def default_note(number: Number, catalog: Catalog) -> str:
    """What an empty optional input means, e.g. ``Empty: catalog default 1,000 (catalog default, assumption)``."""
    if number.default_figure:
        fig = figure_table(catalog).get(number.default_figure)
        if fig is None:
            return "Empty: the catalog default."
        kind = "catalog default, assumption" if fig.is_assumption else "catalog default"
        return f"Empty: {format_value(number.to_widget(fig.value))} ({kind}) · source: {fig.source} · as of {fig.as_of}"
    if number.empty_means:
        return f"Empty: {number.empty_means}."
    return ""


def placeholder(number: Number, catalog: Catalog) -> str | None:
    if number.default_figure:
        fig = figure_table(catalog).get(number.default_figure)
        if fig is not None:
            tag = " (catalog default, assumption)" if fig.is_assumption else " (catalog default)"
            return f"{format_value(number.to_widget(fig.value))}{tag}"
    if number.empty_means:
        return number.empty_means
    return None


def format_value(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    x = float(x)
    if x == int(x) and abs(x) < 1e12:
        return f"{int(x):,}"
    return f"{x:,.6g}" if abs(x) >= 1 else f"{x:.6g}"


# --- Scenario -> widget values -> scenario dict -----------------------------------------------------


def widget_values(scenario: Scenario, catalog: Catalog) -> dict[str, Any]:
    """Every editor widget's value for ``scenario`` (keys with the ``ed_`` prefix).

    Inputs that the scenario does not use (GPU fields of an API model, the text box of a length given
    as a count) get sensible starting values, so switching to them shows something usable.
    """
    data = scenario.model_dump()
    values: dict[str, Any] = {key("name"): scenario.name, key("description"): scenario.description,
                              key("workload.start_date"): scenario.workload.start_date}
    reranker = data["rag"].get("reranker")
    top_k = data["rag"]["top_k"]
    for number in NUMBERS:
        raw = get_in(data, number.path)
        if number.path == "rag.reranker.candidates" and reranker is None:
            raw = max(50, top_k)
        elif number.path.endswith(".model.gpus_per_replica") or number.path.endswith(".model.min_replicas"):
            raw = 1 if raw is None else raw
        elif number.path == "knowledge.corpus.tokens" and raw is None:
            corpus = data["knowledge"]["corpus"]
            raw = _count_mean(corpus["documents"] or []) * float(corpus["document_count"] or 0)
        elif number.path == "knowledge.corpus.document_count" and raw is None:
            raw = 1000.0
        values[number.key] = number.to_widget(raw)
    for path in LENGTHS:
        for part, value in length_to_inputs(get_in(data, path)).items():
            values[key(f"{path}.{part}")] = value
    corpus = data["knowledge"]["corpus"]
    values[key("knowledge.corpus.mode")] = "tokens" if corpus["tokens"] is not None else "documents"
    values[key("knowledge.corpus.documents")] = join_documents(corpus["documents"] or [])
    for setup in ("prompt_only", "rag", "fine_tuned"):
        choice = data[setup]["model"]
        values[key(f"{setup}.model.name")] = choice["name"]
        gpu = choice["gpu"] or (data["fine_tuned"]["training"]["gpu"] if setup == "fine_tuned" else None)
        values[key(f"{setup}.model.gpu")] = gpu if gpu in catalog.gpu else default_gpu(catalog)
        values[key(f"{setup}.model.cloud")] = choice["cloud"] or ""
    values[key("rag.embedding_model")] = data["rag"]["embedding_model"]
    values[key("rag.vector_store")] = data["rag"]["vector_store"]
    values[key("rag.reranker.model")] = reranker["model"] if reranker else ""
    training = data["fine_tuned"]["training"]
    values[key("fine_tuned.training.method")] = training["method"]
    values[key("fine_tuned.training.gpu")] = training["gpu"] or ""
    values[key("fine_tuned.training.cloud")] = training["cloud"] or ""
    values[key("fine_tuned.existing_customer")] = bool(data["fine_tuned"]["existing_customer"])
    return values


def merged_values(scenario: Scenario, catalog: Catalog, current: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario's widget values with whatever the widgets hold now on top (hidden widgets lose theirs)."""
    values = widget_values(scenario, catalog)
    for k in values:
        if k in current:
            values[k] = current[k]
    return values


def build_scenario(values: Mapping[str, Any], overrides: Mapping[str, float] | None,
                   catalog: Catalog, decision: Mapping[str, Any] | None = None,
                   ranges: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """A plain scenario dict (ready for :func:`validate_scenario`) from the editor's widget values.

    ``decision`` (the questionnaire's answers, edited on the Decision page) is carried over as given.
    ``ranges`` (dotted path -> range dict in schema units) go in under ``"ranges"``; validation puts
    each range's point value in place of the widget's.

    Inputs hidden by the choices (self-hosting fields of an API model, reranker candidates without a
    reranker, the inactive form of a length) are left out, and so are their ranges. Empty optional
    inputs are left out, so the catalog default applies. Never raises: whatever is wrong is for
    validation to report.
    """
    def v(path: str, default: Any = None) -> Any:
        return values.get(key(path), default)

    def num(path: str) -> Any:
        return NUMBER[path].from_widget(v(path))

    def length(path: str) -> dict[str, Any]:
        return length_from_inputs(v(f"{path}.mode", "tokens"), v(f"{path}.tokens"), v(f"{path}.text"), v(f"{path}.samples"))

    def optional(section: dict, name: str, path: str) -> None:
        value = num(path)
        if value is not None:
            section[name] = value

    def model(setup: str) -> dict[str, Any]:
        name = v(f"{setup}.model.name") or ""
        out: dict[str, Any] = {"name": name}
        if is_open_model(name, catalog):
            out["gpu"] = v(f"{setup}.model.gpu") or None
            out["cloud"] = v(f"{setup}.model.cloud") or None
            out["gpus_per_replica"] = num(f"{setup}.model.gpus_per_replica")
            out["min_replicas"] = num(f"{setup}.model.min_replicas")
            optional(out, "target_utilisation", f"{setup}.model.target_utilisation")
            optional(out, "max_batch", f"{setup}.model.max_batch")
        return out

    workload: dict[str, Any] = {
        "queries_per_month": num("workload.queries_per_month"),
        "monthly_growth": num("workload.monthly_growth"),
        "peak_to_average": num("workload.peak_to_average"),
        "batch_share": num("workload.batch_share"),
        "query": length("workload.query"),
        "answer": length("workload.answer"),
        "reasoning_tokens": num("workload.reasoning_tokens"),
        "start_date": v("workload.start_date"),
        "horizon_months": num("workload.horizon_months"),
    }
    optional(workload, "length_cv", "workload.length_cv")

    if v("knowledge.corpus.mode", "tokens") == "documents":
        corpus = {"documents": split_documents(v("knowledge.corpus.documents") or ""),
                  "document_count": num("knowledge.corpus.document_count")}
    else:
        corpus = {"tokens": num("knowledge.corpus.tokens")}

    people: dict[str, Any] = {"build_days": {}, "ops_days_per_month": {}}
    optional(people, "day_rate_usd", "people.day_rate_usd")
    optional(people, "self_hosting_ops_days_per_month", "people.self_hosting_ops_days_per_month")
    for s in SETUPS:
        optional(people["build_days"], s, f"people.build_days.{s}")
        optional(people["ops_days_per_month"], s, f"people.ops_days_per_month.{s}")

    rag: dict[str, Any] = {
        "model": model("rag"),
        "system_prompt": length("rag.system_prompt"),
        "chunk_tokens": num("rag.chunk_tokens"),
        "top_k": num("rag.top_k"),
        "embedding_model": v("rag.embedding_model") or "",
        "vector_store": v("rag.vector_store") or "",
        "cache_hit_rate": num("rag.cache_hit_rate"),
    }
    if v("rag.reranker.model"):
        rag["reranker"] = {"model": v("rag.reranker.model"), "candidates": num("rag.reranker.candidates")}

    ft_model = model("fine_tuned")
    training: dict[str, Any] = {
        "examples": num("fine_tuned.training.examples"),
        "tokens_per_example": num("fine_tuned.training.tokens_per_example"),
        "epochs": num("fine_tuned.training.epochs"),
        "method": v("fine_tuned.training.method") or "lora",
        "labelling_usd_per_example": num("fine_tuned.training.labelling_usd_per_example"),
    }
    optional(training, "retrain_every_months", "fine_tuned.training.retrain_every_months")
    if "gpu" in ft_model:  # self-hosted training: on rented GPUs
        training["gpu"] = v("fine_tuned.training.gpu") or None
        training["cloud"] = v("fine_tuned.training.cloud") or None
        training["gpus"] = num("fine_tuned.training.gpus")
    fine_tuned: dict[str, Any] = {
        "model": ft_model,
        "training": training,
        "system_prompt": length("fine_tuned.system_prompt"),
        "cache_hit_rate": num("fine_tuned.cache_hit_rate"),
    }
    if "gpu" not in ft_model:
        fine_tuned["existing_customer"] = bool(v("fine_tuned.existing_customer", False))

    hybrid: dict[str, Any] = {"system_prompt": length("hybrid.system_prompt"),
                              "cache_hit_rate": num("hybrid.cache_hit_rate")}
    optional(hybrid, "top_k", "hybrid.top_k")

    data = {
        "schema_version": SCHEMA_VERSION,
        "name": v("name") or "",
        "description": v("description") or "",
        "workload": workload,
        "knowledge": {"corpus": corpus, "monthly_change_share": num("knowledge.monthly_change_share")},
        "people": people,
        "prompt_only": {
            "model": model("prompt_only"),
            "system_prompt": length("prompt_only.system_prompt"),
            "few_shot": length("prompt_only.few_shot"),
            "cache_hit_rate": num("prompt_only.cache_hit_rate"),
        },
        "rag": rag,
        "fine_tuned": fine_tuned,
        "hybrid": hybrid,
        "decision": dict(decision or {}),
        "overrides": {str(k): v_ for k, v_ in (overrides or {}).items()},
        "uncertainty": {name: num(f"uncertainty.{name}") for name in ("seed", "draws", "price_drift_pct_per_year")},
    }
    data["ranges"] = {path: dict(spec) for path, spec in (ranges or {}).items() if _shown(data, path)}
    return data


def _shown(data: Mapping[str, Any], path: str) -> bool:
    """True if :func:`build_scenario` wrote the input at ``path`` (an empty optional one counts)."""
    if path.startswith(OVERRIDE_PATH):
        return path[len(OVERRIDE_PATH):] in (data.get("overrides") or {})
    parent, _, name = path.rpartition(".")
    section = get_in(data, parent)
    if not isinstance(section, Mapping):
        return False
    if name in section:
        return True
    if parent.endswith(".model") and "gpu" not in section:
        return False  # a self-hosting input of an API model
    return path in NUMBER and NUMBER[path].optional


# --- Validation -------------------------------------------------------------------------------------


def apply(data: dict[str, Any], catalog: Catalog) -> Scenario:
    """Validate an edited scenario completely (schema, catalog names, a trial evaluation).

    Raises :class:`ScenarioError` listing every problem; returns the scenario only when it can be used.
    """
    scenario = validate_scenario(data, ORIGIN, catalog)
    from simulator.model.evaluate import evaluate  # here: the editor's other helpers need no NumPy model

    try:
        evaluate(scenario, catalog)
    except ScenarioError:
        raise
    except Exception as exc:  # the simulator refuses it: report, never a traceback
        raise ScenarioError([f"{ORIGIN}: the simulator cannot evaluate this scenario: {exc}"]) from None
    return scenario


def problem_lines(error: ScenarioError) -> list[str]:
    """``field.path: message`` lines, without the ``editor:`` origin."""
    lines = []
    for problem in error.problems:
        lines.append(problem[len(ORIGIN) + 2:] if problem.startswith(ORIGIN + ": ") else problem)
    return lines


def problem_group(line: str, ranged: Collection[str] = ()) -> str:
    """The editor tab a ``field.path: message`` line belongs to; a ranged input's is Uncertainty."""
    path = line.split(":", 1)[0].strip()
    if path in ranged:
        return "Uncertainty"
    return GROUPS.get(path.split(".", 1)[0], "Scenario")


def same_as(data: dict[str, Any], scenario_yaml: str) -> bool | None:
    """True if the edited dict is the scenario whose canonical YAML is given; None if it is not valid yet."""
    try:
        return Scenario.model_validate(data).to_yaml() == scenario_yaml
    except Exception:
        return None


# --- Overrides --------------------------------------------------------------------------------------


def with_override(overrides: Mapping[str, float], figure_key: str, value: float) -> dict[str, float]:
    out = dict(overrides)
    out[figure_key.strip()] = float(value)
    return out


def without_override(overrides: Mapping[str, float], figure_key: str) -> dict[str, float]:
    return {k: v for k, v in overrides.items() if k != figure_key}


# --- Ranges -----------------------------------------------------------------------------------------

DISTRIBUTIONS: tuple[str, ...] = get_args(Range.model_fields["dist"].annotation)
DISTRIBUTION_LABELS = {"pert": "PERT (low / likely / high)", "triangular": "Triangular (low / likely / high)",
                       "lognormal": "Lognormal (5th and 95th percentiles)"}
RANGE_FACTOR = 5 / 4  # a new range starts from value / factor to value x factor: a guess to adjust


@dataclass(frozen=True)
class RangeRow:
    """One range as the Uncertainty tab lists it: values in the units its widget shows."""

    path: str
    label: str
    dist: str
    low: str        # low, or p05 of a lognormal
    likely: str     # "" for a lognormal
    high: str       # high, or p95 of a lognormal
    used: bool      # False when the choices hide the input (the range is then left out)


def scenario_ranges(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """The scenario's ranges as plain dicts, the form the editor keeps pending."""
    return {path: spec.model_dump(exclude_none=True) for path, spec in scenario.ranges.items()}


def point_only(path: str) -> bool:
    """True for the inputs that take a single value (the schema's ``POINT_ONLY``)."""
    return any(path == p or (p.endswith(".") and path.startswith(p)) for p in POINT_ONLY)


def range_label(path: str) -> str:
    """The input's label with its unit and tab, e.g. ``RAG: Cache hit rate (% of requests)``."""
    if path.startswith(OVERRIDE_PATH):
        return f"Override: {path[len(OVERRIDE_PATH):]}"
    if path in NUMBER:
        label = NUMBER[path].label
    else:  # the token count of a length
        label = f"{LENGTHS[path.rpartition('.')[0]][0]} (tokens)"
    return f"{GROUPS.get(path.split('.', 1)[0], 'Scenario')}: {label}"


def range_choices(data: Mapping[str, Any]) -> dict[str, str]:
    """Every input a range may replace in ``data`` (a :func:`build_scenario` dict): path -> label."""
    paths = [n.path for n in NUMBERS if not point_only(n.path)]
    paths += [f"{p}.tokens" for p in LENGTHS]
    paths += [OVERRIDE_PATH + k for k in data.get("overrides") or {}]
    return {p: range_label(p) for p in paths if _shown(data, p)}


def widget_scale(path: str) -> float:
    """Widget units per schema unit (100 for a percentage)."""
    return NUMBER[path].scale if path in NUMBER else 1.0


def _widget_units(path: str, value: float) -> float:
    return float(round(float(value) * widget_scale(path), 9))


def _widget_bounds(path: str) -> tuple[float, float]:
    """The smallest and largest value the schema accepts, in widget units."""
    low, high = field_bounds(path)
    return tuple(_widget_units(path, b) if math.isfinite(b) else b for b in (low, high))


def range_from_inputs(path: str, dist: str, low: float | None, likely: float | None,
                      high: float | None) -> dict[str, Any]:
    """A range dict in schema units from entries in the widget's units (% for percentages).

    A lognormal takes ``low`` and ``high`` as its 5th and 95th percentiles and ignores ``likely``.
    Raises ``ValueError`` naming the input and saying what to change.
    """
    label = range_label(path)
    if point_only(path) or range_target(path) is None:
        raise ValueError(f"{label}: this input takes a single value, not a range")
    if dist not in DISTRIBUTIONS:
        raise ValueError(f"{label}: choose a distribution ({', '.join(DISTRIBUTIONS)})")
    lognormal = dist == "lognormal"
    entries = {"p05": low, "p95": high} if lognormal else {"low": low, "likely": likely, "high": high}
    missing = [name for name, x in entries.items() if x is None]
    if missing:
        raise ValueError(f"{label}: enter {' and '.join(missing)}")
    shown = [float(x) for x in entries.values()]
    if shown != sorted(shown) or (lognormal and shown[0] <= 0):
        order = "0 < p05 <= p95" if lognormal else "low <= likely <= high"
        raise ValueError(f"{label}: a {dist} range needs {order} "
                         f"(got {' / '.join(format_value(x) for x in shown)})")
    smallest, largest = _widget_bounds(path)
    if shown[0] < smallest:
        raise ValueError(f"{label}: {format_value(shown[0])} is below the smallest allowed value "
                         f"({format_value(smallest)})")
    if shown[-1] > largest:
        raise ValueError(f"{label}: {format_value(shown[-1])} is above the largest allowed value "
                         f"({format_value(largest)})")
    return {"dist": dist, **{name: x / widget_scale(path) for name, x in zip(entries, shown)}}


def range_point(path: str, spec: Mapping[str, Any]) -> float:
    """The value a range stands in for, in schema units (rounded for a count, as validation does)."""
    point = Range.model_validate(spec).point
    return round(point) if range_target(path) is int else point


def widget_point(path: str, spec: Mapping[str, Any]) -> Any:
    """A range's point value in the units (and type) of the input's own widget."""
    if path in NUMBER:
        return NUMBER[path].to_widget(range_point(path, spec))
    return float(range_point(path, spec))


def range_inputs(path: str, spec: Mapping[str, Any]) -> tuple[str, float, float | None, float]:
    """(dist, low or p05, likely or None, high or p95) of a range, in the widget's units."""
    if spec["dist"] == "lognormal":
        return "lognormal", _widget_units(path, spec["p05"]), None, _widget_units(path, spec["p95"])
    low, likely, high = (_widget_units(path, spec[n]) for n in ("low", "likely", "high"))
    return spec["dist"], low, likely, high


def describe_range(path: str, spec: Mapping[str, Any]) -> str:
    """``pert 200,000 / 400,000 / 900,000`` or ``lognormal, 90 % between 600 and 1,400``, in widget units."""
    dist, low, likely, high = range_inputs(path, spec)
    if dist == "lognormal":
        return f"lognormal, 90 % between {format_value(low)} and {format_value(high)}"
    return f"{dist} {format_value(low)} / {format_value(likely)} / {format_value(high)}"


def range_rows(ranges: Mapping[str, Mapping[str, Any]], data: Mapping[str, Any]) -> list[RangeRow]:
    """The pending ranges, marked unused where ``data`` (a :func:`build_scenario` dict) left them out."""
    rows = []
    for path, spec in ranges.items():
        dist, low, likely, high = range_inputs(path, spec)
        rows.append(RangeRow(path, range_label(path), dist, format_value(low),
                             "" if likely is None else format_value(likely), format_value(high),
                             path in (data.get("ranges") or {})))
    return rows


def range_start(path: str, data: Mapping[str, Any], catalog: Catalog,
                ranges: Mapping[str, Mapping[str, Any]]) -> tuple[str, float, float | None, float]:
    """What the add-a-range form starts from: the input's range, or a PERT range around its value."""
    if path in ranges:
        return range_inputs(path, ranges[path])
    value = _current_value(path, data, catalog)
    smallest, largest = _widget_bounds(path)
    ends = sorted((value / RANGE_FACTOR, value * RANGE_FACTOR))  # sorted: a negative value swaps the ends
    low, high = (float(f"{x:.4g}") for x in ends)
    return "pert", max(low, smallest), value, min(high, largest)


def _current_value(path: str, data: Mapping[str, Any], catalog: Catalog) -> float:
    """The input's value in widget units; an empty optional input's catalog default; else 0."""
    if path.startswith(OVERRIDE_PATH):
        value = (data.get("overrides") or {}).get(path[len(OVERRIDE_PATH):])
    else:
        value = get_in(data, path)
    figure = NUMBER[path].default_figure if path in NUMBER else None
    if value is None and figure in figure_table(catalog):
        value = figure_table(catalog)[figure].value
    return _widget_units(path, value or 0.0)


def with_range(ranges: Mapping[str, Mapping[str, Any]], path: str, spec: Mapping[str, Any]) -> dict[str, dict]:
    out = {k: dict(v) for k, v in ranges.items()}
    out[path] = dict(spec)
    return out


def without_range(ranges: Mapping[str, Mapping[str, Any]], path: str) -> dict[str, dict]:
    return {k: dict(v) for k, v in ranges.items() if k != path}


# --- The catalog figures a scenario relies on ------------------------------------------------------


@dataclass
class EditorFigure:
    """A catalog figure as the editor lists it: with the setups that use it and a pending override."""

    key: str
    value: float
    source: str
    as_of: str
    assumption: bool
    override: float | None = None
    used_by: list[str] = field(default_factory=list)


@dataclass
class EditorFigureGroup:
    """The editor's figures of one catalog entry (a model, a GPU, a defaults group)."""

    title: str
    used_by: list[str] = field(default_factory=list)
    rows: list[EditorFigure] = field(default_factory=list)


def relevant_figures(data: Mapping[str, Any], catalog: Catalog, setup: str | None = None) -> list[EditorFigureGroup]:
    """The catalog figures the chosen models, GPUs, embedding model, store and reranker use, grouped.

    ``data`` is a scenario dict (as :func:`build_scenario` makes, possibly invalid: unknown names are
    skipped). Defaults appear only where the scenario leaves the input empty. ``setup`` keeps the
    groups one setup uses. Rows carry the pending override from ``data["overrides"]``.
    """
    table = figure_table(catalog)
    overrides = dict(data.get("overrides") or {})
    groups: dict[str, EditorFigureGroup] = {}

    def add(title: str, users: list[str], keys: list[str]) -> None:
        group = groups.setdefault(title, EditorFigureGroup(title))
        for user in users:
            if user not in group.used_by:
                group.used_by.append(user)
        rows = {r.key: r for r in group.rows}
        for k in keys:
            if k not in table:
                continue
            if k not in rows:
                fig = table[k]
                rows[k] = EditorFigure(k, fig.value, fig.source, fig.as_of, fig.is_assumption, overrides.get(k))
                group.rows.append(rows[k])
            rows[k].used_by.extend(u for u in users if u not in rows[k].used_by)

    def prefixed(prefix: str, exclude: str | None = None) -> list[str]:
        return [k for k in table if k.startswith(prefix) and not (exclude and k.startswith(exclude))]

    def gpu_keys(gpu: str, cloud: str | None) -> list[str]:
        cloud = cloud if cloud else cheapest_cloud(catalog, gpu)
        return [*prefixed(f"gpu.{gpu}.spec."), *prefixed(f"gpu.{gpu}.prices.{cloud}.")]

    people = data.get("people") or {}
    any_api = False
    for owner in ("prompt_only", "rag", "fine_tuned"):
        users = [owner] + (["hybrid"] if owner == "fine_tuned" else [])
        choice = get_in(data, f"{owner}.model") or {}
        name = choice.get("name")
        if name in catalog.llm:
            any_api = True
            llm = catalog.llm[name]
            tuned = owner == "fine_tuned"
            keys = prefixed(f"llm.{name}.", exclude=None if tuned else f"llm.{name}.fine_tuning.")
            add(f"{name} (API model, {llm.provider})", users, [*keys, *prefixed(f"tokenizer.{llm.tokenizer}.")])
        elif name in catalog.open_model:
            om = catalog.open_model[name]
            add(f"{name} (open model, self-hosted)", users,
                [*prefixed(f"open_model.{name}."), *prefixed(f"tokenizer.{om.tokenizer}.")])
            gpu = choice.get("gpu")
            if gpu in catalog.gpu:
                add(f"{gpu} GPU (serving)", users, gpu_keys(gpu, choice.get("cloud")))
            serving = ["defaults.serving.flops_efficiency", "defaults.serving.bandwidth_efficiency",
                       "defaults.serving.gpu_memory_utilisation"]
            for name_, figure_key in (("max_batch", "defaults.serving.max_batch"),
                                      ("target_utilisation", "defaults.serving.target_utilisation")):
                if choice.get(name_) is None:
                    serving.append(figure_key)
            if people.get("self_hosting_ops_days_per_month") is None:
                serving.append("defaults.people.self_hosting_ops_days_per_month")
            add("Self-hosted serving (catalog defaults)", users, serving)
            if owner == "fine_tuned":
                training = (data.get("fine_tuned") or {}).get("training") or {}
                tgpu = training.get("gpu") or gpu
                if tgpu in catalog.gpu:
                    add(f"{tgpu} GPU (training)", users, gpu_keys(tgpu, training.get("cloud") or choice.get("cloud")))
                method = "full" if training.get("method") == "full" else "lora"
                add("Self-hosted training (catalog defaults)", users, [
                    "defaults.training.model_flops_utilisation", f"defaults.training.{method}_flops_per_parameter_token",
                    "defaults.training.adam_bytes_per_parameter", "defaults.training.activation_overhead",
                    "defaults.training.overhead_gpu_hours_per_run",
                    *(["defaults.training.lora_trainable_share"] if method == "lora" else []),
                ])

    rag = data.get("rag") or {}
    retrieval_users = ["rag", "hybrid"]
    if rag.get("embedding_model") in catalog.embedding:
        add(f"{rag['embedding_model']} (embedding model)", retrieval_users, prefixed(f"embedding.{rag['embedding_model']}."))
    if rag.get("vector_store") in catalog.vector_store:
        add(f"{rag['vector_store']} (vector store)", retrieval_users,
            [*prefixed(f"vector_store.{rag['vector_store']}."), "defaults.workload.stored_bytes_per_token"])
    reranker = (rag.get("reranker") or {}).get("model")
    if reranker in catalog.reranker:
        add(f"{reranker} (reranker)", retrieval_users, prefixed(f"reranker.{reranker}."))

    for s in SETUPS:
        keys = []
        if people.get("day_rate_usd") is None:
            keys.append("defaults.people.day_rate_usd")
        if (people.get("build_days") or {}).get(s) is None:
            keys.append(f"defaults.people.build_days_{s}")
        if (people.get("ops_days_per_month") or {}).get(s) is None:
            keys.append(f"defaults.people.ops_days_per_month_{s}")
        if keys:
            add("People (catalog defaults)", [s], keys)
    workload = data.get("workload") or {}
    keys = []
    if workload.get("length_cv") is None:
        keys.append("defaults.workload.length_cv")
    if any_api:
        keys.append("defaults.workload.api_ttft_p95_over_p50")
    if keys:
        add("Workload (catalog defaults)", list(SETUPS), keys)

    out = [g for g in groups.values() if g.rows]
    if setup is not None:
        out = [EditorFigureGroup(g.title, [setup], [r for r in g.rows if setup in r.used_by])
               for g in out if setup in g.used_by]
    return out


def override_candidates(data: Mapping[str, Any], catalog: Catalog) -> list[str]:
    """Figure keys offered for overriding: those the scenario's choices use, then the ones overridden."""
    keys: list[str] = []
    for group in relevant_figures(data, catalog):
        keys.extend(r.key for r in group.rows if r.key not in keys)
    keys.extend(k for k in (data.get("overrides") or {}) if k not in keys)
    return keys


def known_figure(figure_key: str, catalog: Catalog) -> bool:
    """True if an override may name this key (including optional figures the catalog leaves empty)."""
    try:
        catalog.with_overrides({figure_key: 1.0})
    except Exception:
        return False
    return True
