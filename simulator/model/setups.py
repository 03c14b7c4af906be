"""The four setups: each becomes a cost curve over volume, a one-time cost, tokens, latency,
feasibility and warnings. :func:`build_setup` only wires the pure part builders of ``parts.py``,
``retrieval.py`` and the checks of ``feasibility.py`` together.

Price drift: with a drift of ``d`` %/year every provider price (each catalog figure under
``prices`` in USD) is multiplied by its average over the horizon, ``mean((1 + d/100)^(m/12))``
for months ``m = 0 .. H-1``, so the monthly cost is the horizon's average month.

Monte Carlo: every number may also be an array of draws of shape (draws, 1) (see
``analysis/montecarlo.py``); the same code then yields curves whose coefficients are arrays. Such
a "sampled" build reports per-draw infeasibility in ``infeasible_draws`` instead of messages.

Provenance: every catalog figure a setup reads goes through one :class:`FigureRecorder`, so
``figures_used`` is what the code read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from pricing.catalog import Catalog, Figure
from pricing.provenance import FigureRecorder, figure_rows
from simulator.scenario import ModelChoice, Scenario, api_model_keys, embedding_model_key, horizon_end, with_scenario_models
from simulator.units import MONTHS_PER_YEAR, SECONDS_PER_MONTH

from . import feasibility
from . import latency as lat
from .curves import Affine, CostCurve, Part
from .feasibility import AGED_WARNING, ASSUMPTIONS_WARNING
from .conversation import is_multi_turn, longest_turn_prompt_tokens, self_hosted_history_tokens
from .parts import (PARTS, CostParts, amortised_part, api_conversation_token_parts, api_token_parts, api_training_parts,
                    billed_reasoning_tokens, gpu_hosting_parts, num, people_parts, refusal, self_hosted_training_parts)
from .retrieval import RetrievalPlan, plan_retrieval
from .serving import Architecture, Hardware
from .tokens import CountedLength, count_length, quantile_points


def price_drift_factor(pct_per_year, months: int):
    """Average price multiplier over ``months`` for a drift of ``pct_per_year`` [%/year]."""
    growth = 1.0 + np.asarray(pct_per_year, float) / 100.0
    factor = np.mean(growth[..., None] ** (np.arange(months) / MONTHS_PER_YEAR), axis=-1)
    return num(factor) if np.ndim(factor) else float(factor)


@dataclass(frozen=True)
class SetupModel:
    """Everything the simulator knows about one setup of one scenario. Immutable: the dashboard
    shares one cached evaluation between its users."""

    name: str
    model: str
    hosting: str  # "api" or "self-hosted on <gpu> (<cloud>)"
    problems: tuple[str, ...] = ()  # reasons it cannot work
    warnings: tuple[str, ...] = ()  # risks it works with
    curve: CostCurve | None = None
    one_time_usd: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))  # [USD]
    tokens: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))  # per query, model tokens
    encoding: str = ""
    latency: lat.Latency | None = None
    latency_inputs: lat.LatencyInputs | None = None
    details: Mapping[str, float | str] = field(default_factory=lambda: MappingProxyType({}))
    figures_used: Mapping[str, Figure] = field(default_factory=lambda: MappingProxyType({}))  # key -> figure, as read
    figures_compared: frozenset[str] = frozenset()  # read only to choose (the cheapest cloud)
    infeasible_draws: np.ndarray | bool = False  # sampled builds: draws in which the setup cannot work

    @property
    def assumed_figures(self) -> dict[str, Figure]:
        """Catalog figures this setup relied on that are assumptions, not published figures."""
        return {k: f for k, f in sorted(self.figures_used.items()) if f.is_assumption}

    @property
    def figure_rows(self) -> list[dict]:
        """``figures_used`` as rows of key, value, source, as_of, assumption and layer."""
        return figure_rows(self.figures_used)

    @property
    def risks(self) -> list[str]:
        """Warnings other than those about assumed and out-of-date figures (pages show them on their
        own, each figure linked to its catalog row)."""
        return [w for w in self.warnings if ASSUMPTIONS_WARNING not in w and AGED_WARNING not in w]

    @property
    def feasible(self) -> bool:
        return not self.problems and self.curve is not None

    @property
    def one_time_cost_usd(self) -> float:
        return num(sum(self.one_time_usd.values()))

    @property
    def input_tokens_per_query(self) -> float:
        return sum(v for k, v in self.tokens.items() if k not in ("answer", "reasoning"))

    @property
    def output_tokens_per_query(self) -> float:
        return self.tokens.get("answer", 0.0) + self.tokens.get("reasoning", 0.0)


@dataclass
class _Draft:
    """A setup while :func:`build_setup` wires its parts together; frozen into a :class:`SetupModel`."""

    name: str
    model: str
    hosting: str = "api"
    parts: dict[str, tuple[Part, ...]] = field(default_factory=lambda: {name: (Affine(),) for name in PARTS})
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    one_time_usd: dict[str, float] = field(default_factory=dict)
    details: dict[str, float | str] = field(default_factory=dict)
    infeasible_draws: np.ndarray | bool = False

    def add(self, contribution: CostParts) -> None:
        """Take a part builder's contribution."""
        self.parts.update(contribution.parts)
        self.one_time_usd.update(contribution.one_time_usd)
        self.details.update(contribution.details)
        self.warnings.extend(contribution.warnings)
        self.problems.extend(contribution.problems)
        self.infeasible_draws = self.infeasible_draws | contribution.infeasible


class Context:
    """A scenario resolved against the catalog: counted texts, length draws, overrides applied.

    ``figure_values`` (dotted key -> value or array of draws) and ``sampled`` serve the Monte
    Carlo; ``samples`` is how many query lengths latency percentiles are computed from (1 when
    only costs are wanted). ``read`` holds the figures the shared steps read (the length spread),
    which every setup relies on.
    """

    def __init__(self, scenario: Scenario, catalog: Catalog, figure_values: dict | None = None,
                 sampled: bool = False, samples: int = lat.SAMPLES):
        self.scenario = scenario
        self.sampled = sampled
        self.samples = samples
        w = scenario.workload
        catalog = with_scenario_models(scenario, catalog).with_overrides(scenario.overrides)
        self.llm_keys = api_model_keys(scenario, catalog)  # setup -> catalog key of its API model
        self.embedding_key = embedding_model_key(scenario, catalog)
        values = dict(figure_values or {})
        drift = price_drift_factor(scenario.uncertainty.price_drift_pct_per_year, w.horizon_months)
        self.price_drift = drift  # the horizon's average price multiplier every provider price carries
        if isinstance(drift, np.ndarray) or drift != 1.0:
            for key, figure in catalog.figures():
                if ".prices." in key and "usd" in key.rsplit(".", 1)[-1]:
                    values[key] = values.get(key, figure.value) * drift
        self.catalog = catalog.with_values(values) if values else catalog
        self.read = FigureRecorder(self.catalog)
        self.query = _count(w.query)
        self.answer = _count(w.answer)
        corpus = scenario.knowledge.corpus
        if corpus.tokens is not None:
            self.corpus_tokens = num(corpus.tokens)
        else:
            self.corpus_tokens = count_length(samples=corpus.documents).mean * num(corpus.document_count)
        self.length_cv = w.length_cv if w.length_cv is not None else self.read(self.catalog.defaults.workload.length_cv)
        rng = np.random.default_rng(lat.SEED)
        self.query_draws = lat.length_draws(rng, self.query.counts, self.length_cv, samples, self.query.mean)
        self.answer_draws = lat.length_draws(rng, self.answer.counts, self.length_cv, samples, self.answer.mean)
        self.end_date = horizon_end(w.start_date, w.horizon_months)

    def recorder(self) -> FigureRecorder:
        """A recorder for one setup, holding what the shared steps read."""
        return self.read.fork()

    def rng(self, stream: int = 0) -> np.random.Generator:
        """The same draws for every setup (common random numbers), one stream per latency part."""
        return np.random.default_rng([lat.SEED, stream])


@dataclass(frozen=True)
class _Length:
    mean: float | np.ndarray  # o200k_base tokens (draws in a sampled build)
    counts: np.ndarray | None  # one count per sample text; None for a length typed as a number


def _count(length) -> _Length:
    if length.tokens is not None:
        return _Length(num(length.tokens), None)
    if length.quantiles is not None:  # the latency draws resample its points like sample counts
        return _Length(float((points := quantile_points(length.quantiles)).mean()), points)
    counted: CountedLength = count_length(text=length.text, samples=length.samples)
    return _Length(counted.mean, counted.o200k)


# --- Building a setup ------------------------------------------------------------------------------


def build_setup(ctx: Context, setup: str) -> SetupModel:
    """One setup (``prompt_only``, ``rag``, ``fine_tuned`` or ``hybrid``) of the context's scenario:
    its cost curve [USD/month over queries/month], one-time costs [USD], tokens, latency, checks."""
    s = ctx.scenario
    section = getattr(s, setup if setup != "hybrid" else "fine_tuned")
    choice: ModelChoice = section.model
    out = _Draft(name=setup, model=choice.name if choice.provider is None else f"{choice.name} ({choice.provider})")
    read = ctx.recorder()
    catalog = ctx.catalog
    tuned = setup in ("fine_tuned", "hybrid")

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
            read, embedding_model=ctx.embedding_key, vector_store=s.rag.vector_store,
            reranker=rr.model if rr else None, candidates=rr.candidates if rr else top_k,
            chunk_tokens=s.rag.chunk_tokens, top_k=top_k, corpus_tokens_o200k=ctx.corpus_tokens,
            query_tokens_o200k=ctx.query.mean, monthly_change_share=s.knowledge.monthly_change_share,
            peak_to_average=s.workload.peak_to_average,
        )
        composition["retrieved_chunks"] = retrieval.retrieved_tokens_o200k
        out.add(CostParts(parts=retrieval.parts, one_time_usd={"first_embedding": retrieval.first_embedding_usd},
                          details={"vectors": retrieval.vectors, "index_gb": retrieval.index_gb},
                          warnings=list(retrieval.warnings)))
        if rr is not None:
            out.add(refusal(ctx.sampled, retrieval.query_fills_rerank_document, lambda: (
                f"the query fills reranker {rr.model}'s billing length of a document "
                f"({float(np.max(retrieval.rerank_document_tokens)):.0f} tokens, the query "
                "included): shorten the query or pick another reranker")))
    composition["query"] = ctx.query.mean
    composition["answer"] = ctx.answer.mean
    dynamic_draws = ctx.query_draws + (retrieval.retrieved_tokens_o200k if retrieval else 0.0)

    key = ctx.llm_keys.get("fine_tuned" if tuned else setup)
    llm = catalog.llm[key] if key is not None else None
    entry = llm if llm is not None else catalog.get("open_model", choice.name)
    ratio = _tokenizer_ratio(read, entry.tokenizer)
    encoding = _encoding_label(read, entry.tokenizer)
    tokens = {k: v * ratio for k, v in composition.items()}
    tokens["reasoning"] = s.workload.reasoning_tokens
    cacheable = 0.0
    conversation = s.workload.conversation if is_multi_turn(s.workload.conversation) else None
    history = 0.0  # mean history a turn re-sends [model tokens per query]
    if llm is not None:
        out.add(feasibility.api_availability(llm, s.workload.start_date, ctx.end_date, s.workload.horizon_months))
        out.add(feasibility.price_changes(llm, s.workload.start_date, ctx.end_date))
        tokens["reasoning"], reasoning = billed_reasoning_tokens(llm, s.workload.reasoning_tokens, sampled=ctx.sampled)
        out.add(reasoning)
        if conversation is None:
            token_parts = api_token_parts(read, llm, tokens, hit_rate=own.cache_hit_rate,
                                          batch_share=s.workload.batch_share, fine_tuned=tuned, sampled=ctx.sampled)
            cacheable = token_parts.details["cacheable_prefix_tokens"]
        else:
            token_parts = api_conversation_token_parts(
                read, llm, tokens, conversation, hit_rate=own.cache_hit_rate, batch_share=s.workload.batch_share,
                fine_tuned=tuned, ratio=ratio, sampled=ctx.sampled)
            history = token_parts.details["history_tokens_per_query"]
            # Latency takes the mean turn: its prefix with the mean history, the mean cache read on every query.
            cacheable = token_parts.details["cache_read_tokens_per_query"]
        out.add(token_parts)
        window = read(llm.facts.context_window_tokens)
        timing = _api_timing(ctx, read, llm)
        if not ctx.sampled and llm.latency.ttft_prompt_tokens is None:
            out.warnings.append(f"{llm.id}'s time to first token has no ttft_prompt_tokens: the whole prompt adds "
                                "prefill time")
    else:
        window = read(entry.architecture.context_window_tokens)
        timing = _gpu_timing(read, choice, entry, s.workload)

    static_tokens, dynamic_extra, hit_rate = static_o200k * ratio, 0.0, own.cache_hit_rate
    if conversation is not None and llm is not None:  # the mean turn's prefix, its mean cache read on every query
        static_tokens, hit_rate = static_tokens + history, 1.0
    elif conversation is not None:  # self-hosted: no cache prices; the history is prompt to prefill, uncached
        dynamic_extra = history = self_hosted_history_tokens(conversation, tokens, ratio)
        out.details.update(history_tokens_per_query=history,
                           longest_prompt_tokens=longest_turn_prompt_tokens(conversation, tokens, ratio))
    if conversation is not None:
        tokens["history"] = history
        out.details["turns_per_conversation"] = conversation.turns
    latency_inputs = lat.LatencyInputs(
        static_tokens=static_tokens, dynamic_draws=dynamic_draws * ratio + dynamic_extra,
        dynamic_tokens=tokens["query"] + tokens.get("retrieved_chunks", 0.0) + dynamic_extra,
        output_draws=ctx.answer_draws * ratio + tokens["reasoning"],
        output_tokens=tokens["answer"] + tokens["reasoning"], retrieval_draws=_retrieval_draws(ctx, retrieval),
        hit_rate=hit_rate, ratio=ratio, timing=timing, reasoning_tokens=tokens["reasoning"],
        cached_prefix_tokens=cacheable,
    )
    latency_parts, operating = lat.latency_parts(latency_inputs)
    if operating is not None:
        inp = latency_inputs
        hosting = gpu_hosting_parts(read, choice, timing, operating,
                                    inp.static_tokens + inp.dynamic_tokens + inp.output_tokens,
                                    peak_to_average=s.workload.peak_to_average, sampled=ctx.sampled)
        out.hosting = hosting.details.pop("hosting")
        out.add(hosting)

    if tuned:
        ft, training = s.fine_tuned, s.fine_tuned.training
        if llm is not None:
            out.add(api_training_parts(
                read, llm, training, tokenizer_ratio=ratio,
                existing_customer=ft.existing_customer, start_date=s.workload.start_date, end_date=ctx.end_date,
                horizon_months=s.workload.horizon_months, sampled=ctx.sampled))
        else:
            out.add(self_hosted_training_parts(
                read, ft.model, training,
                tokenizer_ratio=_tokenizer_ratio(read, catalog.open_model[ft.model.name].tokenizer),
                horizon_months=s.workload.horizon_months, sampled=ctx.sampled))

    out.add(people_parts(read, s.people, setup, self_hosted=llm is None))
    # One-time costs are paid in month 0, at today's prices: take out the drift the prices carry
    # (each is linear in them: tokens or GPU-hours times a price).
    for paid_now in ("first_training", "first_embedding"):
        if paid_now in out.one_time_usd:
            out.one_time_usd[paid_now] = out.one_time_usd[paid_now] / ctx.price_drift
    out.parts.update(amortised_part(num(sum(out.one_time_usd.values())), s.workload.horizon_months))

    out.details["context_window_tokens"] = window
    out.add(feasibility.context_window(out.model, window, latency_inputs, sampled=ctx.sampled))
    if conversation is not None and not ctx.sampled:
        out.warnings += feasibility.last_turn_window(out.model, window, conversation.turns,
                                                     out.details["longest_prompt_tokens"] + latency_inputs.output_tokens)
    if llm is not None and llm.facts.max_prompt_tokens is not None:
        cap = read(llm.facts.max_prompt_tokens)
        out.details["max_prompt_tokens"] = cap
        out.add(feasibility.prompt_cap(out.model, cap, window, latency_inputs, sampled=ctx.sampled))
    if llm is not None and not ctx.sampled:
        billed = llm.fine_tuning.prices if tuned and llm.fine_tuning else llm.prices
        out.warnings += feasibility.prompt_tiers(
            out.model, [read.compare(t.above_prompt_tokens) for t in getattr(billed, "prompt_tiers", ())], latency_inputs)
    latency = None
    if not ctx.sampled:
        if llm is not None and own.cache_hit_rate > 0 and out.details.get("cacheable_prefix_tokens") \
                and llm.prices.cache_ttl_s is not None:
            out.warnings += feasibility.cache_traffic(s.workload.queries_per_month, own.cache_hit_rate,
                                                      read(llm.prices.cache_ttl_s))
        out.warnings += feasibility.figure_warnings(read.used, s.workload.start_date)
        latency = lat.summarise(latency_parts)
    return SetupModel(
        name=out.name, model=out.model, hosting=out.hosting, problems=tuple(out.problems),
        warnings=tuple(out.warnings), curve=CostCurve(out.parts), one_time_usd=MappingProxyType(out.one_time_usd),
        tokens=MappingProxyType(tokens), encoding=encoding, latency=latency, latency_inputs=latency_inputs,
        details=MappingProxyType(out.details), figures_used=MappingProxyType(dict(read.used)),
        figures_compared=frozenset(read.compared), infeasible_draws=out.infeasible_draws,
    )


def _tokenizer_ratio(read: FigureRecorder, tokenizer: str) -> float:
    tok = read.catalog.get("tokenizer", tokenizer)
    return read(tok.ratio) if tok.ratio is not None else 1.0


def _encoding_label(read: FigureRecorder, tokenizer: str) -> str:
    """The encoding counts are made in, and the ratio to it (an array of draws shows none)."""
    tok = read.catalog.get("tokenizer", tokenizer)
    if tok.ratio is None:
        return tok.encoding
    ratio = read(tok.ratio)
    if isinstance(ratio, np.ndarray):
        return tok.encoding
    return f"{tok.encoding} x {ratio:g} ({tok.id} tokenizer, ratio from {tok.ratio.source.split(' ')[0]})"


def _api_timing(ctx: Context, read: FigureRecorder, llm) -> lat.ApiTiming:
    ttft_ms = read(llm.latency.ttft_ms)
    return lat.ApiTiming(
        ttft_draws=lat.lognormal_from_median_p95(
            ctx.rng(1), ttft_ms, ttft_ms * read(ctx.catalog.defaults.workload.api_ttft_p95_over_p50), ctx.samples),
        prefill_tokens_per_s=read(llm.latency.prefill_tokens_per_s),
        output_tokens_per_s=read(llm.latency.output_tokens_per_s),
        ttft_prompt_tokens=read(llm.latency.ttft_prompt_tokens) if llm.latency.ttft_prompt_tokens else 0.0,
        cached_prefill_time_share=read(share) if (share := ctx.catalog.defaults.workload.cached_prefill_time_share) else 1.0,
    )


def _gpu_timing(read: FigureRecorder, choice: ModelChoice, open_model, workload) -> lat.GpuTiming:
    """Latency is taken in the peak hour of the scenario's volume on the replicas it buys, not at the
    utilisation the fleet is sized for: one replica serving a small volume decodes few sequences at once."""
    gpu = read.catalog.get("gpu", choice.gpu)
    d = read.catalog.defaults.serving
    return lat.GpuTiming(
        arch=Architecture.from_catalog(open_model, read), hw=Hardware.from_catalog(gpu, read),
        gpus=choice.gpus_per_replica, flops_efficiency=read(d.flops_efficiency),
        bandwidth_efficiency=read(d.bandwidth_efficiency), memory_utilisation=read(d.gpu_memory_utilisation),
        max_batch=choice.max_batch if choice.max_batch is not None else read(d.max_batch),
        utilisation=choice.target_utilisation if choice.target_utilisation is not None else read(d.target_utilisation),
        peak_queries_per_s=workload.queries_per_month * workload.peak_to_average / SECONDS_PER_MONTH,
        min_replicas=choice.min_replicas,
    )


def _retrieval_draws(ctx: Context, retrieval: RetrievalPlan | None) -> np.ndarray:
    """Retrieval latency per sampled query: embedding + search + rerank [ms]."""
    if retrieval is None:
        return np.zeros(ctx.samples)
    rng = ctx.rng()
    return (lat.lognormal_from_median_p95(rng, *retrieval.embed_ms, ctx.samples)
            + lat.lognormal_from_median_p95(rng, *retrieval.search_ms, ctx.samples)
            + lat.lognormal_from_median_p95(rng, *retrieval.rerank_ms, ctx.samples))
