"""End-to-end latency per setup: retrieval + time to first token + generation, p50 and p95.

Percentiles come from a fixed-seed sample of query and answer lengths (the scenario's sample
texts, or a lognormal with the scenario's mean and spread) pushed through the latency formulas,
with retrieval steps drawn from lognormals fitted to their catalog p50 and p95.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.units import Z95

from .serving import Architecture, Hardware, ReplicaPerformance, chunked_step, concurrent_sequences, replica_performance

SAMPLES = 4000
SEED = 20261123


@dataclass(frozen=True)
class Latency:
    """Latency percentiles [ms]: the total and its parts (each part's own percentile)."""

    p50: float
    p95: float
    parts_p50: dict[str, float]
    parts_p95: dict[str, float]


def lognormal_from_median_p95(rng: np.random.Generator, median, p95, n: int) -> np.ndarray:
    """Draws with the given median and 95th percentile [same unit as the inputs].

    ``median`` and ``p95`` may be Monte Carlo draws of shape (draws, 1): the result is then
    (draws, n), every row pushed through the same standard normals (common random numbers).
    """
    median, p95 = np.asarray(median, float), np.asarray(p95, float)
    if np.all(median <= 0):
        return np.zeros(np.broadcast_shapes(median.shape, (n,)))
    positive = median > 0
    safe = np.where(positive, median, 1.0)
    sigma = np.log(np.maximum(p95, safe) / safe) / Z95
    return np.where(positive, median * np.exp(sigma * rng.standard_normal(n)), 0.0)


def length_draws(rng: np.random.Generator, counts: np.ndarray, cv, n: int, mean=None) -> np.ndarray:
    """Token lengths: resampled from sample counts, or lognormal with the mean and ``cv`` [tokens].

    ``mean`` (with ``cv``, possibly (draws, 1) arrays) replaces a single count: a length typed as
    a number, or drawn from its range.
    """
    counts = np.asarray(counts, float)
    if counts.size > 1:
        return rng.choice(counts, size=n, replace=True)
    mean = np.asarray(counts[0] if mean is None else mean, float)
    cv = np.asarray(cv, float)
    spread = (mean > 0) & (cv > 0)
    if not np.any(spread):
        return np.broadcast_to(mean, np.broadcast_shapes(mean.shape, (n,))).astype(float)
    sigma2 = np.log1p(cv**2)
    return np.where(spread, mean * np.exp(np.sqrt(sigma2) * rng.standard_normal(n) - sigma2 / 2), mean)


def summarise(parts: dict[str, np.ndarray]) -> Latency:
    """p50 and p95 of the summed part draws, and of each part [ms]."""
    total = sum(parts.values())
    return Latency(
        p50=float(np.percentile(total, 50)),
        p95=float(np.percentile(total, 95)),
        parts_p50={k: float(np.percentile(v, 50)) for k, v in parts.items()},
        parts_p95={k: float(np.percentile(v, 95)) for k, v in parts.items()},
    )


# --- What one setup's latency rests on, and the one computation both the cost model and the
# --- dashboard's latency curves use -----------------------------------------------------------------


@dataclass(frozen=True)
class ApiTiming:
    """A provider's measured speed: TTFT draws [ms], prompt and output rates [tokens/s], the prompt
    length the TTFT was measured at [tokens] and a cached token's share of an uncached one's
    prefill time [fraction]."""

    ttft_draws: np.ndarray
    prefill_tokens_per_s: float
    output_tokens_per_s: float
    ttft_prompt_tokens: float = 0.0
    cached_prefill_time_share: float = 1.0


@dataclass(frozen=True)
class GpuTiming:
    """A self-hosted replica: model, GPU and the efficiencies and batch it runs with."""

    arch: Architecture
    hw: Hardware
    gpus: int
    flops_efficiency: float
    bandwidth_efficiency: float
    memory_utilisation: float
    max_batch: float
    utilisation: float  # the target share of capacity the fleet is sized for
    # The scenario's peak-hour rate and smallest fleet: latency is taken at the load they put on each
    # replica (:func:`peak_load`); no rate: at the target utilisation.
    peak_queries_per_s: float | None = None
    min_replicas: int = 1


@dataclass(frozen=True)
class LatencyInputs:
    """One setup's per-query token draws (in its model's tokens) and timing figures."""

    static_tokens: float  # cacheable prefix: system prompt (+ few-shot)
    dynamic_draws: np.ndarray  # query (+ retrieved chunks), one per draw
    dynamic_tokens: float  # their mean as the cost model counts it (sizes the GPU fleet)
    output_draws: np.ndarray  # answer + reasoning, one per draw
    output_tokens: float  # their mean as the cost model counts it
    retrieval_draws: np.ndarray  # [ms]
    hit_rate: float
    ratio: float  # model tokens per o200k_base token
    timing: ApiTiming | GpuTiming
    reasoning_tokens: float = 0.0  # the thinking in output_draws, generated before the first visible token
    cached_prefix_tokens: float = 0.0  # the part of the static prefix a cache hit reads (API)


@dataclass(frozen=True)
class GpuOperatingPoint:
    performance: ReplicaPerformance  # at the batch that fits
    batch: np.ndarray  # sequences decoding together at the given load
    load: np.ndarray  # the share of its capacity the replica serves [fraction]


def cache_hits(hit_rate, n: int) -> np.ndarray:
    """Which of ``n`` sampled queries hit the prompt cache: the first ``hit_rate x n`` (rounded), so
    the share of hits is exact; the length and TTFT draws they pair with are independent [bool]."""
    return (np.arange(n) + 0.5) / n < np.asarray(hit_rate, float)


def api_prefill_tokens(inp: LatencyInputs, dynamic, hits) -> np.ndarray:
    """The prompt tokens a query's prefill time counts: the uncached prompt, plus the cached prefix
    at its share of an uncached token's time on a cache hit [model tokens]."""
    t = inp.timing
    cached = np.where(hits, inp.cached_prefix_tokens, 0.0)
    return inp.static_tokens - cached + dynamic + cached * t.cached_prefill_time_share


def peak_load(peak_queries_per_s, capacity_queries_per_s, utilisation, min_replicas):
    """The share of its capacity each replica serves at the peak rate [queries/s], on the replicas
    the cost model buys for it: ``max(min_replicas, 1, ceil(peak / (capacity x utilisation)))``, so at
    most ``utilisation`` [fraction; scalars or draws]. A fleet sized for a small volume runs far
    below its target utilisation, and its sequences decode in smaller batches."""
    peak, capacity = np.asarray(peak_queries_per_s, float), np.asarray(capacity_queries_per_s, float)
    safe = np.where(capacity > 0, capacity, 1.0)
    replicas = np.maximum(max(min_replicas, 1), np.ceil(peak / (safe * utilisation)))
    return np.where(capacity > 0, np.minimum(utilisation, peak / (replicas * safe)), utilisation)


def latency_parts(inp: LatencyInputs, extra_tokens=0.0, load=None, wait_ms=0.0
                  ) -> tuple[dict[str, np.ndarray], GpuOperatingPoint | None]:
    """Latency draws [ms] per part: retrieval, time to first token, generation.

    ``extra_tokens`` (model tokens, scalar or (points, 1)) are added to every prompt, uncached.
    Reasoning tokens are generated before the first visible token: their time is in time to first
    token, and generation is the answer's alone (issue 12.4).
    API: ``TTFT = ttft draw + max(0, prefill tokens - ttft_prompt_tokens) / prefill rate
    + reasoning / output rate`` with a cache hit's prefix counted at the cached share
    (:func:`api_prefill_tokens`, hits from :func:`cache_hits`), ``generation = answer / output rate``.
    Self-hosted, under chunked-prefill continuous batching (``serving.chunked_step``): at load ``u``
    (share of the replica's capacity; default: :func:`peak_load`, else the target utilisation) queries arrive at
    ``u x capacity`` and ``b`` sequences decode together by Little's law
    (``serving.concurrent_sequences``, between 1 and the batch that fits; that batch at ``u = 1``).
    Every step carries ``b`` decode tokens and ``b x prompt / output`` tokens of other queries' prompts;
    ``generation = answer x step``; time to first token is the step that also carries this query's
    uncached prompt (and emits its first token) plus one step per reasoning token; ``wait_ms`` is
    added to it (queueing, for load curves).
    """
    dynamic = inp.dynamic_draws + extra_tokens
    answer_draws = inp.output_draws - inp.reasoning_tokens
    if isinstance(inp.timing, ApiTiming):
        t = inp.timing
        n = np.shape(t.ttft_draws)[-1] if np.ndim(t.ttft_draws) else 1
        prompt = api_prefill_tokens(inp, dynamic, cache_hits(inp.hit_rate, n))
        prompt_ms = np.maximum(0.0, prompt - t.ttft_prompt_tokens) / t.prefill_tokens_per_s * 1e3
        parts = {
            "retrieval": inp.retrieval_draws,
            "time_to_first_token": t.ttft_draws + prompt_ms + inp.reasoning_tokens / t.output_tokens_per_s * 1e3,
            "generation": answer_draws / t.output_tokens_per_s * 1e3,
        }
        return parts, None
    g = inp.timing
    static, output = inp.static_tokens, inp.output_tokens
    mean_dynamic = inp.dynamic_tokens + extra_tokens
    uncached_static = static * (1 - inp.hit_rate)  # vLLM's prefix caching skips a cached prefix
    perf = replica_performance(g.arch, g.hw, prefill_tokens=mean_dynamic + uncached_static, output_tokens=output,
                               context_tokens=static + mean_dynamic + output / 2, gpus=g.gpus,
                               max_batch=g.max_batch, flops_efficiency=g.flops_efficiency,
                               bandwidth_efficiency=g.bandwidth_efficiency, memory_utilisation=g.memory_utilisation)
    if load is None:
        load = g.utilisation if g.peak_queries_per_s is None else peak_load(
            g.peak_queries_per_s, perf.queries_per_s, g.utilisation, g.min_replicas)
    u = np.asarray(load, float)
    shape = dict(prefill_tokens=mean_dynamic + uncached_static, output_tokens=output, gpus=g.gpus,
                 flops_efficiency=g.flops_efficiency, bandwidth_efficiency=g.bandwidth_efficiency)
    arriving = concurrent_sequences(g.arch, g.hw, queries_per_s=u * perf.queries_per_s,
                                    context_tokens=static + mean_dynamic + output / 2, **shape)
    # At full load the queue keeps every slot filled; one sequence at least: the query's own.
    batch = np.where(u >= 1, perf.batch, np.clip(arriving, 1.0, np.maximum(perf.batch, 1.0)))
    shape["context_tokens"] = static + mean_dynamic + output
    step = chunked_step(g.arch, g.hw, batch=batch, **shape).ms
    ttft = chunked_step(g.arch, g.hw, batch=batch, extra_prompt_tokens=dynamic + uncached_static, **shape).ms + inp.reasoning_tokens * step + wait_ms
    parts = {"retrieval": inp.retrieval_draws, "time_to_first_token": ttft,
             "generation": answer_draws * step}
    return parts, GpuOperatingPoint(perf, batch, u)
