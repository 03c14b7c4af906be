"""Latency curves for the dashboard: end-to-end latency as the prompt grows, and under load.

Both start from an evaluated scenario and redo the latency arithmetic of ``costs.build_setup`` with
the same draws (common random numbers, ``Context``), the same catalog figures and the same
functions (``latency``, ``serving``), vectorized over the points of the curve: every array below
is (points x ``latency.SAMPLES`` draws) and the percentiles are taken over the draws. With no extra
prompt tokens the curves reproduce ``Evaluation.setups[name].latency``.

Prompt growth (``latency_vs_prompt_size``): ``E`` extra prompt tokens per query (``o200k_base``
tokens like every token count in a scenario, converted with the model's tokenizer ratio), sent
uncached alongside the query:

- API model: ``TTFT = ttft draw + (prompt tokens + E) / prefill_tokens_per_s x 1e3``,
  ``generation = output tokens / output_tokens_per_s x 1e3`` (``latency.api_generation``).
- Self-hosted model: the roofline of ``serving``: ``TTFT = prefill_ms(prompt + E) + one decode
  step``, ``generation = output tokens x decode_ms_per_step(operating batch, context + E)``, where
  the operating batch is ``max(1, round(batch that fits x target utilisation))`` and the batch that
  fits shrinks as longer sequences need more KV cache (``replica_performance``). This is what the
  cost model does with a longer prompt: where fewer sequences fit, it buys more replicas, each
  decodes fewer sequences at once and latency steps *down* (``batch`` says where).

Load (``self_hosted_latency_vs_load``), self-hosted only: see its docstring.

Points where the prompt no longer fits (the average query exceeds the context window, or a single
sequence no longer fits beside the weights) are NaN, with ``fits`` False.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pricing.catalog import Figure

from . import latency as lat
from .costs import Context, SetupModel, _count, _tokenizer_ratio
from .evaluate import Evaluation
from .retrieval import plan_retrieval
from .serving import Architecture, Hardware, decode_ms_per_step, prefill_ms, replica_performance

PART_NAMES = ("retrieval", "time_to_first_token", "generation")
# The M/M/1 wait factor load / (1 - load) is capped at the value it has at 99% load (99), so a
# replica at 100% load shows a long but finite wait instead of infinity.
MAX_WAIT_FACTOR = 99

# Catalog keys (SetupModel.figures_used) that feed latency, by the part of the key that says so.
_LATENCY_KEYS = (".latency.", "defaults.serving.", ".spec.", ".architecture.", "tokenizer.",
                 "defaults.workload.api_ttft")


@dataclass(frozen=True)
class LatencyCurve:
    """End-to-end latency [ms] at each point of ``x``; arrays have the shape of ``x``."""

    setup: str
    x: np.ndarray
    p50: np.ndarray
    p95: np.ndarray
    parts_p50: dict[str, np.ndarray]  # each part's own percentile, as in latency.Latency
    parts_p95: dict[str, np.ndarray]
    fits: np.ndarray  # False where the prompt exceeds the context window or the GPU memory
    batch: np.ndarray | None = None  # self-hosted: sequences decoding together (None for an API)


@dataclass(frozen=True)
class LoadCurve(LatencyCurve):
    """A self-hosted replica as its load grows; ``x`` is the load (share of capacity)."""

    queries_per_s: np.ndarray | None = None  # per replica
    queue_wait_ms: np.ndarray | None = None  # mean M/M/1 wait, included in time to first token
    capacity_queries_per_s: float = 0.0  # per replica at full load
    target_utilisation: float = 0.0  # the scenario's operating point


# --- The inputs build_setup used --------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    ctx: Context
    model: SetupModel
    ratio: float  # model tokens per o200k_base token
    static_o200k: float  # system prompt (+ few-shot)
    dynamic_o200k: np.ndarray  # query (+ retrieved chunks) draws, (SAMPLES,)
    retrieval: np.ndarray  # retrieval latency draws [ms], (SAMPLES,)
    hit_rate: float


def _inputs(ev: Evaluation, setup: str) -> _Inputs:
    if setup not in ev.setups:
        raise ValueError(f"unknown setup {setup!r} (known: {', '.join(ev.setups)})")
    model = ev.setups[setup]
    if not model.feasible:
        raise ValueError(f"{setup} is infeasible: {'; '.join(model.problems) or 'no cost curve'}")
    ctx = Context(ev.scenario, ev.catalog)
    s = ctx.scenario
    own = getattr(s, setup)

    def use(figure: Figure) -> float:
        return figure.value

    composition = {"system_prompt": _count(own.system_prompt).mean}
    if setup == "prompt_only":
        composition["few_shot"] = _count(s.prompt_only.few_shot).mean
    static_o200k = sum(composition.values())
    dynamic = ctx.query_draws
    retrieval = np.zeros(lat.SAMPLES)
    if setup in ("rag", "hybrid"):
        top_k = s.hybrid.top_k or s.rag.top_k if setup == "hybrid" else s.rag.top_k
        rr = s.rag.reranker
        plan = plan_retrieval(
            ctx.catalog, use, embedding_model=s.rag.embedding_model, vector_store=s.rag.vector_store,
            reranker=rr.model if rr else None, candidates=rr.candidates if rr else top_k,
            chunk_tokens=s.rag.chunk_tokens, top_k=top_k, corpus_tokens_o200k=ctx.corpus_tokens,
            query_tokens_o200k=ctx.query.mean, monthly_change_share=s.knowledge.monthly_change_share,
            peak_to_average=s.workload.peak_to_average,
        )
        dynamic = ctx.query_draws + plan.retrieved_tokens_o200k
        rng = ctx.rng()
        retrieval = (lat.lognormal_from_median_p95(rng, *plan.embed_ms, lat.SAMPLES)
                     + lat.lognormal_from_median_p95(rng, *plan.search_ms, lat.SAMPLES)
                     + lat.lognormal_from_median_p95(rng, *plan.rerank_ms, lat.SAMPLES))
    if model.model in ctx.catalog.llm:
        tokenizer = ctx.catalog.llm[model.model].tokenizer
    else:
        tokenizer = ctx.catalog.get("open_model", model.model).tokenizer
    return _Inputs(ctx=ctx, model=model, ratio=_tokenizer_ratio(ctx, tokenizer, use), static_o200k=static_o200k,
                   dynamic_o200k=dynamic, retrieval=retrieval, hit_rate=own.cache_hit_rate)


@dataclass(frozen=True)
class _Serving:
    arch: Architecture
    hw: Hardware
    gpus: int
    fe: float
    be: float
    memory: float
    max_batch: float
    utilisation: float


def _serving(inp: _Inputs) -> _Serving:
    s, catalog = inp.ctx.scenario, inp.ctx.catalog
    choice = getattr(s, inp.model.name if inp.model.name != "hybrid" else "fine_tuned").model
    d = catalog.defaults.serving
    return _Serving(
        arch=Architecture.from_catalog(catalog.get("open_model", choice.name)),
        hw=Hardware.from_catalog(catalog.get("gpu", choice.gpu)), gpus=choice.gpus_per_replica,
        fe=d.flops_efficiency.value, be=d.bandwidth_efficiency.value, memory=d.gpu_memory_utilisation.value,
        max_batch=choice.max_batch if choice.max_batch is not None else d.max_batch.value,
        utilisation=choice.target_utilisation if choice.target_utilisation is not None else d.target_utilisation.value,
    )


def _summarise(setup: str, x: np.ndarray, parts: dict[str, np.ndarray], fits: np.ndarray, cls=LatencyCurve,
               **extra) -> LatencyCurve:
    """Percentiles over the draws (last axis), NaN where the point does not fit, shaped like ``x``."""
    total = sum(parts.values())
    fits = np.broadcast_to(np.asarray(fits, dtype=bool), x.shape)

    def pct(values: np.ndarray, q: int) -> np.ndarray:
        out = np.percentile(np.broadcast_to(values, (x.shape[0], lat.SAMPLES)), q, axis=-1)
        return np.where(fits, out, np.nan)

    return cls(setup=setup, x=x, p50=pct(total, 50), p95=pct(total, 95),
               parts_p50={k: pct(v, 50) for k, v in parts.items()},
               parts_p95={k: pct(v, 95) for k, v in parts.items()}, fits=fits.copy(), **extra)


def _reshaped(curve: LatencyCurve, shape: tuple) -> LatencyCurve:
    """The curve with every per-point array in the caller's shape (a scalar in, 0-d arrays out)."""
    changes = {}
    for name, value in vars(curve).items():
        if isinstance(value, np.ndarray):
            changes[name] = value.reshape(shape)
        elif isinstance(value, dict):
            changes[name] = {k: v.reshape(shape) for k, v in value.items()}
    return type(curve)(**{**vars(curve), **changes})


# --- Prompt size ------------------------------------------------------------------------------------


def latency_vs_prompt_size(ev: Evaluation, setup: str, extra_prompt_tokens) -> LatencyCurve:
    """p50 and p95 end-to-end latency [ms] and their parts when every prompt grows by
    ``extra_prompt_tokens`` (o200k_base tokens, >= 0; scalar or array) of uncached content.

    Raises ValueError for an unknown or infeasible setup, or a negative or non-finite token count.
    """
    extra = np.asarray(extra_prompt_tokens, dtype=float)
    if not np.all(np.isfinite(extra)) or np.any(extra < 0):
        raise ValueError("extra prompt tokens must be finite and not negative")
    inp = _inputs(ev, setup)
    shape, x = extra.shape, extra.reshape(-1)
    e = x[:, None]  # points down, draws across
    s = inp.ctx.scenario
    m = inp.model
    reasoning = s.workload.reasoning_tokens
    dynamic = inp.dynamic_o200k[None, :] + e  # (points, SAMPLES), o200k_base tokens
    output = inp.ctx.answer_draws * inp.ratio + reasoning
    window = m.details["context_window_tokens"]
    within = np.mean(inp.static_o200k * inp.ratio + dynamic * inp.ratio + output, axis=-1) <= window

    if m.model in inp.ctx.catalog.llm:
        llm = inp.ctx.catalog.llm[m.model]
        p95_over_p50 = inp.ctx.catalog.defaults.workload.api_ttft_p95_over_p50.value
        ttft_ms = llm.latency.ttft_ms.value
        ttft = lat.lognormal_from_median_p95(inp.ctx.rng(1), ttft_ms, ttft_ms * p95_over_p50, lat.SAMPLES)
        # latency.api_generation, with the input tokens as (points, draws)
        input_tokens = (inp.static_o200k + dynamic) * inp.ratio
        parts = {
            "retrieval": inp.retrieval[None, :],
            "time_to_first_token": ttft[None, :] + input_tokens / llm.latency.prefill_tokens_per_s.value * 1e3,
            "generation": (output / llm.latency.output_tokens_per_s.value * 1e3)[None, :],
        }
        curve = _summarise(setup, x, parts, within)
    else:
        sv = _serving(inp)
        static = inp.static_o200k * inp.ratio
        dynamic_draws = dynamic * inp.ratio
        ttft, generation, fits_memory, (batch, _) = _self_hosted_draws(inp, sv, static, dynamic_draws,
                                                                      sv.utilisation)
        parts = {"retrieval": inp.retrieval[None, :], "time_to_first_token": ttft, "generation": generation}
        curve = _summarise(setup, x, parts, within & fits_memory, batch=batch)
    return _reshaped(curve, shape)


def _self_hosted_draws(inp: _Inputs, sv: _Serving, static: float, dynamic_draws: np.ndarray, load,
                       wait_ms=0.0):
    """costs._self_hosted's latency at batch ``max(1, round(batch that fits x load))`` [ms].

    ``dynamic_draws`` is (points, SAMPLES) model tokens; ``load`` a scalar or (points, 1).
    Returns time to first token and generation draws, whether a sequence fits, and the batch."""
    tokens = inp.model.tokens
    dynamic = np.mean(dynamic_draws, axis=-1, keepdims=True)
    output = tokens["answer"] + tokens["reasoning"]
    prefill_tokens = dynamic + static * (1 - inp.hit_rate)
    full_context = static + dynamic + output
    perf = replica_performance(sv.arch, sv.hw, prefill_tokens=prefill_tokens, output_tokens=output,
                               context_tokens=static + dynamic + output / 2, gpus=sv.gpus,
                               max_batch=sv.max_batch, flops_efficiency=sv.fe, bandwidth_efficiency=sv.be,
                               memory_utilisation=sv.memory)
    batch = np.maximum(1.0, np.round(perf.batch * load))
    step = decode_ms_per_step(sv.arch, sv.hw, batch, full_context, sv.gpus, sv.fe, sv.be)
    answer = inp.ctx.answer_draws * (tokens["answer"] / max(inp.ctx.answer.mean, 1e-9)) + tokens["reasoning"]
    ttft = prefill_ms(sv.arch, sv.hw, 1, dynamic_draws + static * (1 - inp.hit_rate), sv.gpus, sv.fe, sv.be) + step
    if np.any(wait_ms):
        ttft = ttft + wait_ms
    return ttft, answer[None, :] * step, perf.fits[:, 0], (batch[:, 0], perf)


# --- Load -------------------------------------------------------------------------------------------


def self_hosted_latency_vs_load(ev: Evaluation, setup: str, utilisation) -> LoadCurve:
    """p50/p95 end-to-end latency [ms] and queries/s of one replica as its load ``u`` (share of its
    capacity, 0 < u <= 1; scalar or array) grows, at the scenario's prompt size.

    - Operating batch: ``b(u) = max(1, round(B x u))``, ``B`` the batch that fits (``max_batch`` or
      what memory holds); at the target utilisation this is the batch of the cost model.
    - Generation: ``output tokens x decode_ms_per_step(b(u), context)``: more sequences per step,
      more KV cache read per step, slower tokens.
    - Time to first token: ``prefill_ms(prompt) + one decode step + W(u)`` with the M/M/1 mean wait
      ``W(u) = min(u / (1 - u), 99) x S``, ``S = 1 / capacity`` the replica's mean service time
      (``capacity`` = queries/s at full load, ``replica_performance``). The same mean wait is added
      to every query, so the p95 understates the tail of queueing. The cost model's latency (the
      other charts) has no wait: at the target utilisation this curve is higher by ``W``.
    - Queries/s per replica: ``u x capacity``, as the cost model sizes replicas.

    Raises ValueError for an API setup, an unknown or infeasible one, or a load outside (0, 1].
    """
    u = np.asarray(utilisation, dtype=float)
    if not np.all(np.isfinite(u)) or np.any(u <= 0) or np.any(u > 1):
        raise ValueError("load (utilisation) must be in (0, 1]")
    if setup in ev.setups and ev.setups[setup].hosting == "api":
        raise ValueError(f"{setup} ({ev.setups[setup].model}) is served by an API; its latency under load is "
                         "the provider's")
    inp = _inputs(ev, setup)
    sv = _serving(inp)
    shape, x = u.shape, u.reshape(-1)
    load = x[:, None]
    static = inp.static_o200k * inp.ratio
    dynamic_draws = (inp.dynamic_o200k * inp.ratio)[None, :]
    # Capacity first (the wait needs it), then the latency with the wait included.
    _, _, _, (_, perf) = _self_hosted_draws(inp, sv, static, dynamic_draws, 1.0)
    capacity = float(perf.queries_per_s.reshape(-1)[0])
    with np.errstate(divide="ignore"):
        factor = np.minimum(np.where(load < 1, load / (1 - load), np.inf), MAX_WAIT_FACTOR)
    wait = factor / capacity * 1e3
    ttft, generation, fits, (batch, _) = _self_hosted_draws(inp, sv, static, dynamic_draws, load, wait)
    parts = {"retrieval": inp.retrieval[None, :], "time_to_first_token": ttft, "generation": generation}
    curve = _summarise(setup, x, parts, fits, cls=LoadCurve,
                       batch=batch, queries_per_s=x * capacity, queue_wait_ms=wait[:, 0],
                       capacity_queries_per_s=capacity, target_utilisation=sv.utilisation)
    return _reshaped(curve, shape)


# --- What the numbers rest on -----------------------------------------------------------------------


def latency_figures(ev: Evaluation, setup: str) -> dict[str, Figure]:
    """The catalog figures a setup's latency relies on (key -> figure), assumptions included."""
    used = ev.setups[setup].figures_used
    return {k: f for k, f in sorted(used.items()) if any(part in k for part in _LATENCY_KEYS)}


def latency_warnings(ev: Evaluation, setup: str) -> list[str]:
    """The setup's problems and warnings that bear on latency, one sentence each."""
    m = ev.setups[setup]
    notes = [*m.problems]
    notes += [w for w in m.warnings if "tokens of context" in w]
    assumed = [k for k, f in latency_figures(ev, setup).items() if f.is_assumption]
    if assumed:
        what = "latency figure is an assumption" if len(assumed) == 1 else "latency figures are assumptions"
        notes.append(f"{len(assumed)} {what}, not published: {', '.join(assumed)}")
    return notes
