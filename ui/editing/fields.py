"""The editor's inputs: widget keys, labels with units, bounds from the schema, help, defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
import re

from simulator.scenario import SETUP_LABELS, SETUPS, schema_bounds, schema_field


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
LENGTH_MODE_LABELS = {"tokens": "Token count", "text": "Text", "samples": "Sample texts",
                      "quantiles": "From traffic (21 quantiles)"}
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
CONVERSATION = "workload.conversation"  # the editor's switch between single questions and conversations
CARRY_LABELS = {"full": "Every earlier turn", "last_n": "The last N turns", "summary": "A running summary"}
# Where the conversation inputs start when a scenario has none (the switch is off): a typical support chat.
CONVERSATION_START = {"turns": 6.0, "last_n": 3, "summary_tokens": 300.0}


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
    # Conversations (shown when the workload is multi-turn)
    Number("workload.conversation.turns", "Turns per conversation (turns)", step=1.0, format="%.1f",
           help="Each turn is one query: conversations/month = queries/month / turns. Every turn re-sends "
                "what earlier turns carry, so the cost per query grows with the turn."),
    Number("workload.conversation.last_n", "Turns kept (turns)", integer=True, optional=True,
           empty_means="needed with carry last_n",
           help="With carry last_n: each turn re-sends only the last this many turns."),
    Number("workload.conversation.summary_tokens", "Summary length (tokens)", optional=True, step=50.0,
           format="%.0f", empty_means="needed with carry summary",
           help="With carry summary: each turn after the first re-sends a running summary of this length."),
    Number("workload.conversation.gap_minutes", "Gap between turns (minutes)", step=1.0, format="%.1f",
           help="Compared with the provider's cache lifetime: a longer gap makes the history a cache miss."),
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
    Number("fine_tuned.training.sequence_length", "Training sequence length (tokens)", integer=True,
           optional=True, default_figure="defaults.training.sequence_length_tokens", step=512,
           help="Self-hosted training only: examples are packed into sequences of this length. Activation "
                "memory grows with it (Korthikanti et al. 2022)."),
    Number("fine_tuned.training.micro_batch", "Micro-batch (sequences per GPU per step)", integer=True,
           optional=True, default_figure="defaults.training.micro_batch",
           help="Self-hosted training only: activation memory grows with it."),
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
