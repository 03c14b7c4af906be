"""The four setups: each becomes a cost curve over volume, a one-time cost, tokens, latency,
feasibility and warnings.

Token billing (API models), per query, in the model's own tokens:
  static prefix S (system prompt, few-shot), dynamic D (query, retrieved chunks), output O
  (answer + reasoning). The prefix is cacheable when S >= the provider's minimum; a share h of
  requests (the cache hit rate) reads it at the cached price, the rest write it (at the cache-write
  price where the provider charges one, else the input price):
    input  = (S - S_cacheable + D) x p_in + S_cacheable x (1 - h) x p_write
    cached = S_cacheable x h x p_cached
    output = O x p_out
  The batchable share b of queries gets the batch discount d on all three: x (1 - b x d).

Self-hosted models: GPU replicas as a step function of the peak query rate (serving.py), plus
people to run them. One-time costs (building days, first training, labelling, first embedding)
are amortised over the horizon in ``one_time_amortised``.

Price drift: with a drift of ``d`` %/year every provider price (each catalog figure under
``prices`` in USD) is multiplied by its average over the horizon, ``mean((1 + d/100)^(m/12))``
for months ``m = 0 .. H-1``, so the monthly cost is the horizon's average month.

Monte Carlo: every number may also be an array of draws of shape (draws, 1) (see
``montecarlo.py``); the same code then yields curves whose coefficients are arrays. Such a
"sampled" build reports per-draw infeasibility in ``infeasible_draws`` instead of messages.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from pricing.catalog import STALE_AFTER_MONTHS, Catalog, Figure, LlmModel
from simulator.units import HOURS_PER_MONTH, MONTHS_PER_YEAR, SECONDS_PER_MONTH

from . import latency as lat
from .curves import Affine, CostCurve, Part, Staircase
from .retrieval import RetrievalPlan, plan_retrieval
from simulator.scenario import ModelChoice, Scenario
from .serving import Architecture, Hardware
from .tokens import CountedLength, count_length
from .training import api_training_cost_usd, gpu_price, self_hosted_training

PARTS = (
    "input_tokens", "cached_input_tokens", "output_tokens", "query_embeddings", "vector_store",
    "reranking", "corpus_reembedding", "retraining", "gpu_hosting", "fine_tuned_hosting",
    "operations", "one_time_amortised",
)
ASSUMPTIONS_WARNING = "are assumptions, not published"


def _num(x):
    """A Python float for a point value; arrays of Monte Carlo draws pass through."""
    return x if isinstance(x, np.ndarray) and x.ndim else float(x)


def _where(condition, if_true, if_false):
    """``if_true if condition else if_false``, element-wise when the condition is an array."""
    return np.where(condition, if_true, if_false) if isinstance(condition, np.ndarray) else (if_true if condition else if_false)


def price_drift_factor(pct_per_year, months: int):
    """Average price multiplier over the horizon for a drift of ``pct_per_year`` [%/year]."""
    growth = 1.0 + np.asarray(pct_per_year, float) / 100.0
    factor = np.mean(growth[..., None] ** (np.arange(months) / MONTHS_PER_YEAR), axis=-1)
    return _num(factor) if np.ndim(factor) else float(factor)


@dataclass
class SetupModel:
    """Everything the simulator knows about one setup of one scenario."""

    name: str
    model: str
    hosting: str  # "api" or "self-hosted on <gpu> (<cloud>)"
    problems: list[str] = field(default_factory=list)  # reasons it cannot work
    warnings: list[str] = field(default_factory=list)  # risks it works with
    curve: CostCurve | None = None
    one_time_usd: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)  # per-query composition, model tokens
    encoding: str = ""
    latency: lat.Latency | None = None
    latency_inputs: lat.LatencyInputs | None = None
    details: dict[str, float | str] = field(default_factory=dict)
    figures_used: dict[str, Figure] = field(default_factory=dict)
    infeasible_draws: np.ndarray | bool = False  # sampled builds: draws in which the setup cannot work

    @property
    def assumed_figures(self) -> dict[str, Figure]:
        """Catalog figures this setup relied on that are assumptions, not published figures."""
        return {k: f for k, f in sorted(self.figures_used.items()) if f.is_assumption}

    @property
    def risks(self) -> list[str]:
        """Warnings other than the list of assumed figures (which pages show on their own)."""
        return [w for w in self.warnings if ASSUMPTIONS_WARNING not in w]

    @property
    def feasible(self) -> bool:
        return not self.problems and self.curve is not None

    @property
    def one_time_cost_usd(self) -> float:
        return _num(sum(self.one_time_usd.values()))

    @property
    def input_tokens_per_query(self) -> float:
        return sum(v for k, v in self.tokens.items() if k not in ("answer", "reasoning"))

    @property
    def output_tokens_per_query(self) -> float:
        return self.tokens.get("answer", 0.0) + self.tokens.get("reasoning", 0.0)


class Context:
    """A scenario resolved against the catalog: counted texts, length draws, overrides applied.

    ``figure_values`` (dotted key -> value or array of draws) and ``sampled`` serve the Monte
    Carlo; ``samples`` is how many query lengths latency percentiles are computed from (1 when
    only costs are wanted).
    """

    def __init__(self, scenario: Scenario, catalog: Catalog, figure_values: dict | None = None,
                 sampled: bool = False, samples: int = lat.SAMPLES):
        self.scenario = scenario
        self.sampled = sampled
        self.samples = samples
        w = scenario.workload
        catalog = catalog.with_overrides(scenario.overrides)
        values = dict(figure_values or {})
        drift = price_drift_factor(scenario.uncertainty.price_drift_pct_per_year, w.horizon_months)
        if isinstance(drift, np.ndarray) or drift != 1.0:
            for key, figure in catalog.figures():
                if ".prices." in key and "usd" in key.rsplit(".", 1)[-1]:
                    values[key] = values.get(key, figure.value) * drift
        self.catalog = catalog.with_values(values) if values else catalog
        self._keys = {id(f): k for k, f in self.catalog.figures()}
        self.query = _count(w.query)
        self.answer = _count(w.answer)
        corpus = scenario.knowledge.corpus
        if corpus.tokens is not None:
            self.corpus_tokens = _num(corpus.tokens)
        else:
            self.corpus_tokens = count_length(samples=corpus.documents).mean * _num(corpus.document_count)
        self.length_cv = w.length_cv if w.length_cv is not None else self.catalog.defaults.workload.length_cv.value
        rng = np.random.default_rng(lat.SEED)
        self.query_draws = lat.length_draws(rng, self.query.counts, self.length_cv, samples, self.query.mean)
        self.answer_draws = lat.length_draws(rng, self.answer.counts, self.length_cv, samples, self.answer.mean)
        self.end_date = _add_months(w.start_date, w.horizon_months)

    def key(self, figure: Figure) -> str:
        return self._keys.get(id(figure), "?")

    def rng(self, stream: int = 0) -> np.random.Generator:
        """The same draws for every setup (common random numbers), one stream per latency part."""
        return np.random.default_rng([lat.SEED, stream])


@dataclass(frozen=True)
class _Length:
    mean: float | np.ndarray  # o200k_base tokens (draws in a sampled build)
    counts: np.ndarray | None  # one count per sample text; None for a length typed as a number


def _count(length) -> _Length:
    if length.tokens is not None:
        return _Length(_num(length.tokens), None)
    counted: CountedLength = count_length(text=length.text, samples=length.samples)
    return _Length(counted.mean, counted.o200k)


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, 1)


# --- Building a setup ------------------------------------------------------------------------------


def build_setup(ctx: Context, setup: str) -> SetupModel:
    s = ctx.scenario
    section = getattr(s, setup if setup != "hybrid" else "fine_tuned")
    choice: ModelChoice = section.model
    out = SetupModel(name=setup, model=choice.name, hosting="api")

    def use(figure: Figure) -> float:
        out.figures_used[ctx.key(figure)] = figure
        return figure.value

    people = ctx.catalog.defaults.people
    day_rate = s.people.day_rate_usd if s.people.day_rate_usd is not None else use(people.day_rate_usd)
    build_days = _per_setup(s.people.build_days, setup, getattr(people, f"build_days_{setup}"), use)
    ops_days = _per_setup(s.people.ops_days_per_month, setup, getattr(people, f"ops_days_per_month_{setup}"), use)

    # Per-query token composition in o200k_base tokens; converted to the model's tokenizer below.
    own = getattr(s, setup)
    composition = {"system_prompt": _count(own.system_prompt).mean}
    if setup == "prompt_only":
        composition["few_shot"] = _count(s.prompt_only.few_shot).mean
    static_o200k = sum(composition.values())
    retrieval: RetrievalPlan | None = None
    if setup in ("rag", "hybrid"):
        top_k = s.hybrid.top_k if setup == "hybrid" and s.hybrid.top_k is not None else s.rag.top_k
        rr = s.rag.reranker
        retrieval = plan_retrieval(
            ctx.catalog, use, embedding_model=s.rag.embedding_model, vector_store=s.rag.vector_store,
            reranker=rr.model if rr else None, candidates=rr.candidates if rr else top_k,
            chunk_tokens=s.rag.chunk_tokens, top_k=top_k, corpus_tokens_o200k=ctx.corpus_tokens,
            query_tokens_o200k=ctx.query.mean, monthly_change_share=s.knowledge.monthly_change_share,
            peak_to_average=s.workload.peak_to_average,
        )
        composition["retrieved_chunks"] = retrieval.retrieved_tokens_o200k
    composition["query"] = ctx.query.mean
    composition["answer"] = ctx.answer.mean
    dynamic_draws = ctx.query_draws + (retrieval.retrieved_tokens_o200k if retrieval else 0.0)

    parts: dict[str, tuple[Part, ...]] = {name: (Affine(),) for name in PARTS}
    if retrieval is not None:
        parts.update(retrieval.parts)
        out.one_time_usd["first_embedding"] = retrieval.first_embedding_usd
        out.details.update(vectors=retrieval.vectors, index_gb=retrieval.index_gb)

    if choice.name in ctx.catalog.llm:
        llm = ctx.catalog.llm[choice.name]
        ratio = _tokenizer_ratio(ctx, llm.tokenizer, use)
        out.encoding = _encoding_label(ctx, llm.tokenizer)
        tokens = {k: v * ratio for k, v in composition.items()}
        tokens["reasoning"] = s.workload.reasoning_tokens
        _check_api_availability(ctx, out, llm)
        _api_token_parts(ctx, out, llm, parts, tokens, own.cache_hit_rate, use,
                         fine_tuned=setup in ("fine_tuned", "hybrid"))
        context_window = use(llm.facts.context_window_tokens)
        ttft_ms = use(llm.latency.ttft_ms)
        timing = lat.ApiTiming(
            ttft_draws=lat.lognormal_from_median_p95(
                ctx.rng(1), ttft_ms, ttft_ms * use(ctx.catalog.defaults.workload.api_ttft_p95_over_p50), ctx.samples),
            prefill_tokens_per_s=use(llm.latency.prefill_tokens_per_s),
            output_tokens_per_s=use(llm.latency.output_tokens_per_s),
        )
    else:
        open_model = ctx.catalog.get("open_model", choice.name)
        ratio = _tokenizer_ratio(ctx, open_model.tokenizer, use)
        out.encoding = _encoding_label(ctx, open_model.tokenizer)
        tokens = {k: v * ratio for k, v in composition.items()}
        tokens["reasoning"] = s.workload.reasoning_tokens
        context_window = use(open_model.architecture.context_window_tokens)
        timing = _gpu_timing(ctx, out, choice, open_model, use)
        ops_days += s.people.self_hosting_ops_days_per_month if s.people.self_hosting_ops_days_per_month is not None \
            else use(people.self_hosting_ops_days_per_month)
    out.tokens = tokens

    rng = ctx.rng()
    retrieval_draws = (
        lat.lognormal_from_median_p95(rng, *retrieval.embed_ms, ctx.samples)
        + lat.lognormal_from_median_p95(rng, *retrieval.search_ms, ctx.samples)
        + lat.lognormal_from_median_p95(rng, *retrieval.rerank_ms, ctx.samples)
    ) if retrieval is not None else np.zeros(ctx.samples)
    out.latency_inputs = lat.LatencyInputs(
        static_tokens=static_o200k * ratio, dynamic_draws=dynamic_draws * ratio,
        dynamic_tokens=tokens["query"] + tokens.get("retrieved_chunks", 0.0),
        output_draws=ctx.answer_draws * ratio + s.workload.reasoning_tokens,
        output_tokens=tokens["answer"] + tokens["reasoning"], retrieval_draws=retrieval_draws,
        hit_rate=own.cache_hit_rate, ratio=ratio, timing=timing,
    )
    latency_parts, operating = lat.latency_parts(out.latency_inputs)
    if operating is not None:
        _gpu_hosting(ctx, out, choice, parts, operating)

    if setup in ("fine_tuned", "hybrid"):
        _training(ctx, out, parts, use)

    out.one_time_usd["building"] = build_days * day_rate
    parts["operations"] = (Affine(ops_days * day_rate, 0.0),)
    parts["one_time_amortised"] = (Affine(out.one_time_cost_usd / s.workload.horizon_months, 0.0),)

    out.details["context_window_tokens"] = context_window
    _check_context(ctx, out, context_window, out.latency_inputs)
    if not ctx.sampled:
        _check_cache_traffic(ctx, out, own.cache_hit_rate)
        _figure_warnings(ctx, out)
        out.latency = lat.summarise(latency_parts)
    out.curve = CostCurve(parts)
    return out


def _fails(ctx: Context, out: SetupModel, condition, message) -> bool:
    """Record that the setup cannot work where ``condition`` holds: per draw when sampled, else a
    problem (``message()`` is only formatted then). Returns whether it fails outright."""
    if ctx.sampled:
        out.infeasible_draws = out.infeasible_draws | np.asarray(condition, bool)
        return False
    if condition:
        out.problems.append(message())
        return True
    return False


def _per_setup(given, setup: str, default: Figure, use) -> float:
    value = getattr(given, setup)
    return _num(value) if value is not None else use(default)


def _tokenizer_ratio(ctx: Context, tokenizer: str, use) -> float:
    tok = ctx.catalog.get("tokenizer", tokenizer)
    return use(tok.ratio) if tok.ratio is not None else 1.0


def _encoding_label(ctx: Context, tokenizer: str) -> str:
    tok = ctx.catalog.get("tokenizer", tokenizer)
    if tok.ratio is None or isinstance(tok.ratio.value, np.ndarray):
        return tok.encoding
    return f"{tok.encoding} x {tok.ratio.value:g} ({tok.id} tokenizer, ratio from {tok.ratio.source.split(' ')[0]})"


def _api_token_parts(ctx: Context, out: SetupModel, llm: LlmModel, parts, tokens, hit_rate, use,
                     fine_tuned: bool) -> None:
    base = llm.prices
    prices = llm.fine_tuning.prices if fine_tuned and llm.fine_tuning else base
    p_in = use(prices.input_usd_per_mtok) / 1e6
    p_out = use(prices.output_usd_per_mtok) / 1e6
    p_cached = use(prices.cached_input_usd_per_mtok) / 1e6 if prices.cached_input_usd_per_mtok else None
    write = getattr(prices, "cache_write_usd_per_mtok", None)
    p_write = use(write) / 1e6 if write else p_in
    min_prefix = use(base.min_cacheable_prefix_tokens) if base.min_cacheable_prefix_tokens else math.inf
    discount = use(prices.batch_discount) if prices.batch_discount else 0.0
    batch_share = ctx.scenario.workload.batch_share
    if not ctx.sampled and batch_share > 0 and discount == 0:
        out.warnings.append(f"{llm.id} has no batch discount in the catalog; the batchable share pays full price")
    static = sum(v for k, v in tokens.items() if k in ("system_prompt", "few_shot"))
    dynamic = sum(v for k, v in tokens.items() if k in ("retrieved_chunks", "query"))
    output = tokens["answer"] + tokens["reasoning"]
    cacheable = _where(static >= min_prefix, static, 0.0) if p_cached is not None else 0.0
    if not ctx.sampled and p_cached is not None and 0 < static < min_prefix and hit_rate > 0:
        out.warnings.append(f"the {static:,.0f}-token static prefix is below {llm.id}'s {min_prefix:,.0f}-token caching minimum: no cache discount")
    factor = 1.0 - batch_share * discount
    parts["input_tokens"] = (Affine(0.0, factor * ((static - cacheable + dynamic) * p_in + cacheable * (1 - hit_rate) * p_write)),)
    parts["cached_input_tokens"] = (Affine(0.0, factor * cacheable * hit_rate * (p_cached if p_cached is not None else 0.0)),)
    parts["output_tokens"] = (Affine(0.0, factor * output * p_out),)
    out.details["cacheable_prefix_tokens"] = cacheable


def _gpu_timing(ctx: Context, out: SetupModel, choice: ModelChoice, open_model, use) -> lat.GpuTiming:
    catalog = ctx.catalog
    gpu = catalog.get("gpu", choice.gpu)
    for fig in (open_model.architecture.parameters_billion, gpu.spec.peak_bf16_tflops,
                gpu.spec.memory_bandwidth_tb_per_s, gpu.spec.memory_gb):
        use(fig)
    d = catalog.defaults.serving
    return lat.GpuTiming(
        arch=Architecture.from_catalog(open_model), hw=Hardware.from_catalog(gpu), gpus=choice.gpus_per_replica,
        flops_efficiency=use(d.flops_efficiency), bandwidth_efficiency=use(d.bandwidth_efficiency),
        memory_utilisation=use(d.gpu_memory_utilisation),
        max_batch=choice.max_batch if choice.max_batch is not None else use(d.max_batch),
        utilisation=choice.target_utilisation if choice.target_utilisation is not None else use(d.target_utilisation),
    )


def _gpu_hosting(ctx: Context, out: SetupModel, choice: ModelChoice, parts, operating: lat.GpuOperatingPoint) -> None:
    """GPU replicas for the peak load, as a staircase over volume."""
    timing: lat.GpuTiming = out.latency_inputs.timing
    cloud, usd_per_gpu_hour = gpu_price(ctx.catalog, choice.gpu, choice.cloud)
    out.figures_used[ctx.key(ctx.catalog.gpu[choice.gpu].prices[cloud].usd_per_gpu_hour)] = \
        ctx.catalog.gpu[choice.gpu].prices[cloud].usd_per_gpu_hour
    out.hosting = f"self-hosted on {choice.gpus_per_replica} x {choice.gpu} ({cloud})"
    perf = operating.performance
    inp = out.latency_inputs
    full_context = inp.static_tokens + inp.dynamic_tokens + inp.output_tokens
    need = (timing.arch.weight_bytes + full_context * timing.arch.kv_bytes_per_token) / 1e9
    if _fails(ctx, out, _num(perf.fits) == 0, lambda: (
            f"{choice.name} does not fit {choice.gpus_per_replica} x {choice.gpu}: weights and one "
            f"{full_context:,.0f}-token sequence need {need:,.0f} GB, {timing.memory_utilisation:.0%} of "
            f"{timing.hw.memory_bytes * choice.gpus_per_replica / 1e9:,.0f} GB is usable")):
        return
    qps = _num(perf.queries_per_s) * timing.utilisation
    queries_per_replica = qps * SECONDS_PER_MONTH / ctx.scenario.workload.peak_to_average
    replica_usd = choice.gpus_per_replica * usd_per_gpu_hour * HOURS_PER_MONTH
    parts["gpu_hosting"] = (Staircase(replica_usd, queries_per_replica, choice.min_replicas),)
    out.details.update(
        batch=_num(perf.batch), queries_per_s_per_replica=qps,
        queries_per_month_per_replica=queries_per_replica, usd_per_replica_month=replica_usd, cloud=cloud,
    )


def _training(ctx: Context, out: SetupModel, parts, use) -> None:
    s = ctx.scenario
    ft, training = s.fine_tuned, s.fine_tuned.training
    catalog = ctx.catalog
    if ft.model.name in catalog.llm:
        llm = catalog.llm[ft.model.name]
        offer = llm.fine_tuning
        ratio = _tokenizer_ratio(ctx, llm.tokenizer, use)
        run_usd = api_training_cost_usd(use(offer.prices.training_usd_per_mtok),
                                        training.examples * training.tokens_per_example * ratio, training.epochs)
        if offer.prices.hosting_usd_per_hour:
            parts["fine_tuned_hosting"] = (Affine(use(offer.prices.hosting_usd_per_hour) * HOURS_PER_MONTH, 0.0),)
        if not offer.new_customers and not ft.existing_customer:
            out.problems.append(
                f"{llm.provider} no longer offers fine-tuning of {llm.id} to new customers "
                f"({offer.availability_source}); set fine_tuned.existing_customer: true if your organisation still can"
            )
        if offer.training_until is not None:
            if offer.training_until <= s.workload.start_date:
                out.problems.append(f"{llm.provider} accepts no new fine-tuning jobs after {offer.training_until}, before the start date {s.workload.start_date}")
            elif not ctx.sampled and training.retrain_every_months is not None and offer.training_until < ctx.end_date:
                out.warnings.append(f"retraining every {training.retrain_every_months:g} months is impossible after {offer.training_until}: {llm.provider} ends new fine-tuning jobs then")
        out.details["training_usd_per_run"] = run_usd
    else:
        serving_gpu = ft.model.gpu
        estimate = self_hosted_training(
            catalog, ft.model.name, training.gpu or serving_gpu, method=training.method,
            training_tokens=training.examples * training.tokens_per_example
            * _tokenizer_ratio(ctx, catalog.open_model[ft.model.name].tokenizer, use),
            epochs=training.epochs, gpus=training.gpus, cloud=training.cloud or ft.model.cloud,
        )
        t = catalog.defaults.training
        for fig in (t.model_flops_utilisation, t.adam_bytes_per_parameter, t.activation_overhead, t.overhead_gpu_hours_per_run,
                    t.full_flops_per_parameter_token if training.method == "full" else t.lora_flops_per_parameter_token):
            use(fig)
        _fails(ctx, out, estimate.memory_needed_gb > estimate.memory_available_gb, estimate.refusal)
        run_usd = estimate.cost_usd
        out.details.update(training_gpu_hours=estimate.gpu_hours, training_usd_per_run=run_usd)
    out.one_time_usd["first_training"] = run_usd
    out.one_time_usd["labelling"] = training.examples * training.labelling_usd_per_example
    if training.retrain_every_months is not None:
        parts["retraining"] = (Affine(run_usd / training.retrain_every_months, 0.0),)


# --- Feasibility and warnings ----------------------------------------------------------------------


def _check_api_availability(ctx: Context, out: SetupModel, llm: LlmModel) -> None:
    until = llm.available_until
    if until is None:
        return
    start = ctx.scenario.workload.start_date
    if until <= start:
        out.problems.append(f"{llm.id} is retired on {until}, before the start date {start} ({llm.availability_source})")
    elif until < ctx.end_date:
        out.warnings.append(f"{llm.id} retires on {until}, within the {ctx.scenario.workload.horizon_months}-month horizon: plan a migration")


def _check_context(ctx: Context, out: SetupModel, window: float, inp: lat.LatencyInputs) -> None:
    mean = inp.static_tokens + inp.dynamic_tokens + inp.output_tokens
    if _fails(ctx, out, mean > window,
              lambda: f"an average query needs {mean:,.0f} tokens of context; {out.model} has {window:,.0f}") or ctx.sampled:
        return
    p95 = float(np.percentile(inp.static_tokens + inp.dynamic_draws + inp.output_draws, 95))
    if p95 > window:
        out.warnings.append(f"1 query in 20 needs more than {p95:,.0f} tokens of context; {out.model} has {window:,.0f}")


def _check_cache_traffic(ctx: Context, out: SetupModel, hit_rate: float) -> None:
    if hit_rate <= 0 or not out.details.get("cacheable_prefix_tokens") or out.model not in ctx.catalog.llm:
        return
    ttl = ctx.catalog.llm[out.model].prices.cache_ttl_s
    if ttl is None:
        return
    gap_s = SECONDS_PER_MONTH / ctx.scenario.workload.queries_per_month
    if gap_s > ttl.value:
        out.warnings.append(
            f"at {ctx.scenario.workload.queries_per_month:,.0f} queries/month a request arrives every {gap_s:,.0f} s on average, "
            f"longer than the {ttl.value:,.0f} s cache lifetime: a {hit_rate:.0%} cache hit rate is optimistic"
        )


def _figure_warnings(ctx: Context, out: SetupModel) -> None:
    start = ctx.scenario.workload.start_date
    assumed = list(out.assumed_figures)
    # Prices go stale; a model's architecture or a GPU's spec sheet does not.
    stale = sorted(k for k, f in out.figures_used.items()
                   if ".prices." in k and not f.overridden and not f.is_assumption
                   and f.age_months(start) > STALE_AFTER_MONTHS)
    if assumed:
        out.warnings.append(f"{len(assumed)} figures {ASSUMPTIONS_WARNING}: {', '.join(assumed)}")
    if stale:
        out.warnings.append(f"{len(stale)} catalog figures are over {STALE_AFTER_MONTHS} months older than the start date: {', '.join(stale)}")
