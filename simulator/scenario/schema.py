"""Scenario files: one YAML document describes one decision (workload, knowledge, four setups).

The pydantic models of a scenario file and the reflection over them (a field's bounds, whether a
path takes a range). Reading files is in ``loading.py``, the checks against the catalog in
``checks.py``, dotted-path helpers in ``paths.py``.

Longer than 400 lines because the pydantic models of one file format belong together: each class
is a section of the YAML, and the reflection below reads them.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal, get_args

import yaml
from annotated_types import Ge, Gt, Le, Lt
from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_serializer,
                      model_validator)

from pricing.history import observed_drift

from simulator.units import LENGTH_QUANTILES, UPLOAD_MB

from .paths import OVERRIDES, copy_tree, model_in, set_in

SCHEMA_VERSION = 4
# Limits checked while the YAML is read, before any validation, so no input can make loading slow
# or large: an alias bomb or a deeply nested document is refused at the first step over the line.
MAX_FILE_MB = 2  # also the library's upload widget's limit, which the browser enforces
MAX_FILE_BYTES = MAX_FILE_MB * UPLOAD_MB
MAX_ALIASES = 10
MAX_DEPTH = 20
MAX_NODES = 100_000
MAX_STRING_CHARS = 1_000_000
# A number as written (digits, sign, point, exponent). The longest float repr is 24 characters and
# every bound is below 1e13; Python refuses int() of more than 4,300 digits with a ValueError.
MAX_NUMBER_CHARS = 100
MAX_OVERRIDE = 1e9  # larger than any price, size or speed in the catalog; keeps every product finite
SETUPS = ("prompt_only", "rag", "fine_tuned", "hybrid")
SETUP_LABELS = {"prompt_only": "Prompt-only", "rag": "RAG", "fine_tuned": "Fine-tuned", "hybrid": "Hybrid"}


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
    quantiles: list[Annotated[float, Field(ge=0, le=10_000_000)]] | None = Field(
        None, min_length=LENGTH_QUANTILES, max_length=LENGTH_QUANTILES,
        description="The length's distribution as 21 quantiles (0, 5 %, ..., 100 %) in o200k_base tokens, "
                    "as `crossover traffic --apply` fits them from a log.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> "Length":
        given = [n for n in ("tokens", "text", "samples", "quantiles") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of tokens, text, samples or quantiles (got {', '.join(given) or 'none'})")
        if self.quantiles is not None and any(b < a for a, b in zip(self.quantiles, self.quantiles[1:])):
            raise ValueError("quantiles must not decrease (0 %, 5 %, ..., 100 %, in order)")
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


def horizon_end(start_date: dt.date, horizon_months: int) -> dt.date:
    """The first day after the horizon: the first of the month ``horizon_months`` months after the start's
    month (the start's month is the first month). A model retiring before it retires inside the horizon."""
    year, month = divmod(start_date.month - 1 + horizon_months, 12)
    return dt.date(start_date.year + year, month + 1, 1)


class TrafficSource(Strict):
    """Where a workload's fitted inputs came from: written by `crossover traffic FILE --apply`."""

    file: str = Field(min_length=1, max_length=255, description="The log's file name (no path).")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    rows: int = Field(ge=1, le=10**12, description="Requests fitted [rows].")
    model: str = Field(min_length=1, max_length=200, description="The log's model whose requests were fitted.")
    first: dt.datetime
    last: dt.datetime
    fields: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50, description="The scenario inputs set from the log (dotted paths).")


Carry = Literal["full", "last_n", "summary"]
CARRY = get_args(Carry)


class Conversation(Strict):
    """A multi-turn conversation: every turn re-sends what earlier turns carry forward.

    Queries stay the volume axis: each turn is one query, so conversations/month =
    queries_per_month / turns. The cost rule is in ``simulator.model.conversation``.
    """

    turns: float = Field(ge=1, le=1000, description="Mean turns (queries) per conversation [turns]; "
                                                     "a non-integer mean mixes conversations of the two nearest counts.")
    carry: Carry = Field("full", description="What each turn carries forward: every earlier turn (full), "
                                              "the last last_n turns (last_n), or a running summary (summary).")
    last_n: int | None = Field(None, ge=1, le=1000, description="Earlier turns kept with carry last_n [turns].")
    summary_tokens: float | None = Field(
        None, ge=0, le=1_000_000, description="Length of the running summary with carry summary [o200k_base tokens].")
    keep_retrieval: bool = Field(
        False, description="RAG and hybrid: earlier turns' retrieved chunks stay in the history (default: only "
                           "queries and answers do).")
    gap_minutes: float = Field(
        2.0, ge=0, le=10_080, description="Typical time between two turns of a conversation [minutes]; longer than "
                                          "the provider's cache lifetime, the history is no cache hit.")

    @model_validator(mode="after")
    def _carry_has_its_number(self) -> "Conversation":
        if self.carry == "last_n" and self.last_n is None:
            raise ValueError("carry last_n needs last_n: how many earlier turns each turn keeps")
        if self.carry != "last_n" and self.last_n is not None:
            raise ValueError(f"last_n goes with carry: last_n (carry is {self.carry}): remove last_n or set carry: last_n")
        if self.carry == "summary" and self.summary_tokens is None:
            raise ValueError("carry summary needs summary_tokens: the running summary's length in tokens")
        if self.carry != "summary" and self.summary_tokens is not None:
            raise ValueError(f"summary_tokens goes with carry: summary (carry is {self.carry}): "
                             "remove summary_tokens or set carry: summary")
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
    conversation: Conversation | None = Field(
        None, description="Multi-turn conversations (none: every query is a conversation of its own).")
    traffic: TrafficSource | None = None


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
    """An API model by the provider's model id (or an alias), or an open model self-hosted on rented GPUs."""

    name: str = Field(min_length=1, max_length=200)
    provider: str | None = Field(
        None, max_length=100,
        description="API models: who sells it (openai, anthropic, aws, azure, google, together, ...); "
                    "none: the catalog's curated entry, else the model's maker first.")
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
    sequence_length: int | None = Field(
        None, ge=1, le=1_048_576,
        description="Self-hosted: tokens per training sequence, examples packed (None: catalog default).")
    micro_batch: int | None = Field(
        None, ge=1, le=4096, description="Self-hosted: sequences per GPU per step (None: catalog default).")
    recompute: bool | None = Field(
        None, description="Self-hosted: recompute activations in the backward pass (None: catalog default).")


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


MIN_DRAWS, MAX_DRAWS = 100, 100_000
# Inputs that cannot take a range: the questionnaire's answers, the Monte Carlo's own settings and
# the horizon (it sets how many months there are, not how much each costs).
# The training memory settings are choices of the run, not uncertain quantities: single values only.
POINT_ONLY = ("schema_version", "decision.", "uncertainty.seed", "uncertainty.draws", "workload.horizon_months",
              "fine_tuned.training.sequence_length", "fine_tuned.training.micro_batch")
PRICE_DRIFT = "uncertainty.price_drift_pct_per_year"  # the one input an observed range exists for
RANGE_NUMBERS = ("low", "likely", "high", "p05", "p95")


class Range(Strict):
    """An uncertain input: ``{dist: pert|triangular, low, likely, high}`` or ``{dist: lognormal, p05, p95}``.

    The point value every deterministic result uses is ``likely`` (the median for a lognormal).

    ``{dist: observed}`` (price drift only) is drawn as a PERT whose low, likely and high are the
    yearly price changes observed in the bulk layer's dated prices (``pricing.history``: p10, 0,
    p90). It takes no numbers and is written back as ``{dist: observed}``, so a scenario follows the
    pinned price data instead of keeping a copy of it; :attr:`source` cites what it rests on.
    """

    dist: Literal["pert", "triangular", "lognormal", "observed"]
    low: float | None = None
    likely: float | None = None
    high: float | None = None
    p05: float | None = None
    p95: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _observed_numbers(cls, data: Any) -> Any:
        if not (isinstance(data, dict) and data.get("dist") == "observed"):
            return data
        given = [n for n in RANGE_NUMBERS if data.get(n) is not None]
        if given:
            raise ValueError(f"an observed range takes no numbers (got {', '.join(given)}): they are the yearly "
                             "price changes of the catalog's price history; write dist: pert to give your own")
        drift = observed_drift()
        return {**data, "low": drift.low, "likely": drift.likely, "high": drift.high}

    @model_serializer(mode="wrap")
    def _dump(self, handler) -> dict[str, Any]:
        return {"dist": "observed"} if self.dist == "observed" else handler(self)

    @model_validator(mode="after")
    def _complete(self) -> "Range":
        given = {n for n in RANGE_NUMBERS if getattr(self, n) is not None}
        if self.dist == "lognormal":
            if given != {"p05", "p95"}:
                raise ValueError(f"a lognormal range takes p05 and p95 (got {', '.join(sorted(given)) or 'nothing'})")
            if not 0 < self.p05 <= self.p95:
                raise ValueError(f"a lognormal range needs 0 < p05 <= p95 (got p05 {self.p05:g}, p95 {self.p95:g})")
        else:
            if given != {"low", "likely", "high"}:
                raise ValueError(f"a {self.dist} range takes low, likely and high (got {', '.join(sorted(given)) or 'nothing'})")
            if not self.low <= self.likely <= self.high:
                raise ValueError(f"a {self.dist} range needs low <= likely <= high "
                                 f"(got {self.low:g}, {self.likely:g}, {self.high:g})")
        return self

    @property
    def point(self) -> float:
        if self.dist != "lognormal":
            return self.likely
        return self.p05 if self.p05 == self.p95 else math.sqrt(self.p05 * self.p95)

    @property
    def swing(self) -> tuple[float, float]:
        """The ends a sensitivity analysis swings the input between."""
        return (self.p05, self.p95) if self.dist == "lognormal" else (self.low, self.high)

    @property
    def is_point(self) -> bool:
        low, high = self.swing
        return low == high

    @property
    def source(self) -> str | None:
        """What the range rests on, to cite beside results (an observed range); None: the user's own."""
        return observed_drift().describe() if self.dist == "observed" else None

    def describe(self) -> str:
        if self.dist == "observed":
            return f"observed (pert {self.low:,.4g} / {self.likely:,.4g} / {self.high:,.4g})"
        if self.dist == "lognormal":
            return f"lognormal, 90% between {self.p05:,.4g} and {self.p95:,.4g}"
        return f"{self.dist} {self.low:,.4g} / {self.likely:,.4g} / {self.high:,.4g}"


class Uncertainty(Strict):
    """Monte Carlo settings; the ranges themselves sit in place of the point values they replace."""

    seed: int = Field(1, ge=0, le=2**32 - 1, description="Seed of the random draws: same seed, same numbers.")
    draws: int = Field(2000, ge=MIN_DRAWS, le=MAX_DRAWS, description="Monte Carlo draws.")
    price_drift_pct_per_year: float = Field(
        0.0, ge=-90, le=200,
        description="Change of every provider price per year over the horizon [%/year] (-20: prices fall 20% a year).")


class Scenario(Strict):
    schema_version: Literal[4]
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
    uncertainty: Uncertainty = Uncertainty()
    # Dotted path -> range; written in place in the YAML (see ``to_yaml``), kept here so every
    # model_dump/model_validate round trip carries them.
    ranges: dict[str, Range] = Field(default_factory=dict, max_length=200)
    _notices: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _points_from_ranges(cls, data: Any) -> Any:
        """Each ranged input's point value is its range's likely value (rounded for a count)."""
        if not isinstance(data, dict) or not isinstance(data.get("ranges"), dict):
            return data
        data = copy_tree(data)
        for path, spec in data["ranges"].items():
            if not isinstance(path, str):
                continue
            try:
                parsed = Range.model_validate(spec)
            except ValidationError:
                continue  # reported by the field's own validation
            if parsed.dist == "observed" and path != PRICE_DRIFT:  # its point (0) would not be this input's
                raise ValueError(f"{path}: an observed range exists only for the price drift ({PRICE_DRIFT})")
            kind = range_target(path)
            if kind is None:
                continue
            point = parsed.point
            set_in(data, path, round(point) if kind is int else point)
        return data

    @model_validator(mode="after")
    def _ranges_fit(self) -> "Scenario":
        problems = []
        for path, spec in self.ranges.items():
            problem = _range_problem(self, path, spec)
            if problem:
                problems.append(f"{path}: range {spec.describe()}: {problem}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

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
        """YAML with every range written in place of the point value it replaces."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        data.pop("ranges", None)
        for path, spec in self.ranges.items():
            set_in(data, path, spec.model_dump(exclude_none=True))
        data = {"schema_version": self.schema_version, **data}
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    def with_point(self, path: str, value: float) -> "Scenario":
        """A copy with the point value at ``path`` set; a range there moves with it, keeping its
        spread relative to the point (low, high, p05 and p95 scaled by ``value / point``)."""
        data = self.model_dump()
        spec = self.ranges.get(path)
        if spec is not None:  # moved, an observed range is no longer the observation: it becomes a PERT
            factor = value / spec.point if spec.point else None
            moved = {k: (v * factor if factor is not None else v + value - spec.point)
                     for k in RANGE_NUMBERS if (v := getattr(spec, k)) is not None}
            data["ranges"][path] = {"dist": "pert" if spec.dist == "observed" else spec.dist, **moved}
        set_in(data, path, value)
        return Scenario.model_validate(data)

    def point_value(self, path: str) -> float:
        """The point value at a dotted path (an override's key follows ``overrides.``)."""
        if path.startswith(OVERRIDES):
            return self.overrides[path[len(OVERRIDES):]]
        node: Any = self
        for part in path.split("."):
            node = getattr(node, part)
        return node


# --- Ranges ----------------------------------------------------------------------------------------


def schema_field(path: str):
    """The pydantic ``FieldInfo`` of a dotted scenario path, e.g. ``rag.reranker.candidates``."""
    model: Any = Scenario
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            raise KeyError(f"no scenario field {path!r}")
        info = model.model_fields[part]
        if i == len(parts) - 1:
            return info
        model = model_in(info.annotation)
    raise KeyError(path)


def schema_bounds(path: str) -> tuple[float | None, bool, float | None]:
    """(lower bound, lower bound is exclusive, upper bound) of a numeric scenario field."""
    lo: float | None = None
    exclusive = False
    hi: float | None = None
    for item in schema_field(path).metadata:  # annotated_types Ge / Gt / Le / Lt
        if isinstance(item, Ge):
            lo, exclusive = item.ge, False
        elif isinstance(item, Gt):
            lo, exclusive = item.gt, True
        elif isinstance(item, Le):
            hi = item.le
        elif isinstance(item, Lt):
            hi = item.lt
    return lo, exclusive, hi


def range_target(path: str) -> type | None:
    """The number type (int or float) of the input a dotted path names, or None if it names none."""
    if path.startswith(OVERRIDES):
        return float if len(path) > len(OVERRIDES) else None
    try:
        field = schema_field(path)
    except KeyError:
        return None
    numbers = [t for t in (get_args(field.annotation) or (field.annotation,)) if t in (int, float)]
    return numbers[0] if numbers else None


def _range_problem(scenario: "Scenario", path: str, spec: Range) -> str | None:
    if any(path == p or path.startswith(p) and p.endswith(".") for p in POINT_ONLY):
        return "this input takes a single value, not a range"
    if range_target(path) is None:
        return "names no numeric input of the scenario"
    if path.startswith(OVERRIDES):
        if path[len(OVERRIDES):] not in scenario.overrides:
            return "names no override"
        lo, exclusive, hi = 0.0, False, MAX_OVERRIDE
    else:
        lo, exclusive, hi = schema_bounds(path)
    for value in spec.swing:
        if lo is not None and (value < lo or exclusive and value == lo):
            return f"{value:g} is below the smallest allowed value ({lo:g})"
        if hi is not None and value > hi:
            return f"{value:g} is above the largest allowed value ({hi:g})"
    return None


def takes_count(path: str) -> bool:
    """True when the input at ``path`` is a count (``top_k``, ``epochs``): its draws are rounded."""
    return range_target(path) is int


def field_bounds(path: str) -> tuple[float, float]:
    """The smallest and largest value a field accepts (draws from a lognormal are kept inside)."""
    if path.startswith(OVERRIDES):
        return 0.0, MAX_OVERRIDE
    lo, _, hi = schema_bounds(path)
    return (-math.inf if lo is None else float(lo)), (math.inf if hi is None else float(hi))
