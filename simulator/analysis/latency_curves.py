"""Latency curves for the dashboard: end-to-end latency as the prompt grows, and under load.

Both take the latency inputs the cost model recorded for a setup (``SetupModel.latency_inputs``:
the same draws, catalog figures and GPU) and call the one latency computation the cost model uses
(``latency.latency_parts``), vectorized over the points of the curve: every array below is
(points x ``latency.SAMPLES`` draws) and the percentiles are taken over the draws. With no extra
prompt tokens the curves reproduce ``Evaluation.setups[name].latency``.

Prompt growth (``latency_vs_prompt_size``): ``E`` extra prompt tokens per query (``o200k_base``
tokens like every token count in a scenario, converted with the model's tokenizer ratio), sent
uncached alongside the query:

- API model: ``TTFT = ttft draw + max(0, prompt tokens + E - ttft_prompt_tokens) /
  prefill_tokens_per_s x 1e3 + reasoning tokens / output_tokens_per_s x 1e3``, a cache hit's prefix
  counted at ``cached_prefill_time_share``; ``generation = answer tokens / output_tokens_per_s x 1e3``.
- Self-hosted model: the chunked-prefill roofline of ``serving``: ``TTFT`` = the step that carries
  the prompt (+ E) beside the operating batch's decode tokens and prefill chunks
  (``chunked_step``) plus one chunked step per reasoning token, ``generation = answer tokens x
  chunked step(operating batch, context + E)``, where the operating batch is the sequences decoding at once when queries arrive at the target
  utilisation of the replica's capacity (Little's law, ``concurrent_sequences``, at most the batch
  that fits), and the batch that fits shrinks as longer sequences need more KV cache
  (``replica_performance``). This is what the cost model does with a longer prompt: where fewer
  sequences fit, it buys more replicas, each decodes fewer sequences at once and latency steps
  *down* (``batch`` says where).

Load (``self_hosted_latency_vs_load``), self-hosted only: see its docstring.

Points where the prompt no longer fits (the average query exceeds the context window, or a single
sequence no longer fits beside the weights) are NaN, with ``fits`` False.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pricing.catalog import Figure

from simulator.model import latency as lat
from simulator.model.evaluate import Evaluation
from simulator.scenario import figures_in_words

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
    fits: np.ndarray  # False where the prompt exceeds the context window, the prompt cap or the GPU memory
    batch: np.ndarray | None = None  # self-hosted: sequences decoding together (None for an API)


@dataclass(frozen=True)
class LoadCurve(LatencyCurve):
    """A self-hosted replica as its load grows; ``x`` is the load (share of capacity)."""

    queries_per_s: np.ndarray | None = None  # per replica
    queue_wait_ms: np.ndarray | None = None  # mean M/M/1 wait, included in time to first token
    capacity_queries_per_s: float = 0.0  # per replica at full load
    target_utilisation: float = 0.0  # the scenario's operating point


def _inputs(ev: Evaluation, setup: str) -> lat.LatencyInputs:
    """The latency inputs the cost model recorded for a feasible setup."""
    if setup not in ev.setups:
        raise ValueError(f"unknown setup {setup!r} (known: {', '.join(ev.setups)})")
    model = ev.setups[setup]
    if not model.feasible:
        raise ValueError(f"{setup} is infeasible: {'; '.join(model.problems) or 'no cost curve'}")
    return model.latency_inputs


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
    e = x[:, None] * inp.ratio  # points down, draws across; model tokens
    window = ev.setups[setup].details["context_window_tokens"]
    within = np.mean(inp.static_tokens + inp.dynamic_draws + e + inp.output_draws, axis=-1) <= window
    cap = ev.setups[setup].details.get("max_prompt_tokens")  # the provider's prompt cap, apart from the window
    if cap is not None:
        within &= np.mean(inp.static_tokens + inp.dynamic_draws + e, axis=-1) <= cap
    parts, operating = lat.latency_parts(inp, e)
    if operating is None:
        return _reshaped(_summarise(setup, x, parts, within), shape)
    curve = _summarise(setup, x, parts, within & operating.performance.fits[:, 0], batch=operating.batch[:, 0])
    return _reshaped(curve, shape)


# --- Load -------------------------------------------------------------------------------------------


def self_hosted_latency_vs_load(ev: Evaluation, setup: str, utilisation) -> LoadCurve:
    """p50/p95 end-to-end latency [ms] and queries/s of one replica as its load ``u`` (share of its
    capacity, 0 < u <= 1; scalar or array) grows, at the scenario's prompt size.

    - Operating batch: ``b(u)`` solves Little's law ``b = u x capacity x output x step(b)``
      (``serving.concurrent_sequences``), between 1 and ``B``, the batch that fits (``max_batch`` or
      what memory holds); ``b(1) = B``. Below full load the batch stays on the memory floor of the
      roofline: a fuller batch would serve more queries than arrive.
    - Generation: ``output tokens x chunked step(b(u), context)``: more sequences per step, more
      KV cache read and more prompt chunks per step, slower tokens.
    - Time to first token: the chunked step that also carries the query's prompt, ``+ W(u)``, with
      the M/M/1 mean wait
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
    shape, x = u.shape, u.reshape(-1)
    load = x[:, None]
    # Capacity first (the wait needs it), then the latency with the wait included.
    _, full = lat.latency_parts(inp, load=1.0)
    capacity = float(np.asarray(full.performance.queries_per_s).reshape(-1)[0])
    with np.errstate(divide="ignore"):
        factor = np.minimum(np.where(load < 1, load / (1 - load), np.inf), MAX_WAIT_FACTOR)
    wait = factor / capacity * 1e3
    parts, operating = lat.latency_parts(inp, load=load, wait_ms=wait)
    fits = np.broadcast_to(np.asarray(operating.performance.fits).reshape(-1)[:1], x.shape)
    curve = _summarise(setup, x, parts, fits, cls=LoadCurve,
                       batch=operating.batch[:, 0], queries_per_s=x * capacity, queue_wait_ms=wait[:, 0],
                       capacity_queries_per_s=capacity, target_utilisation=inp.timing.utilisation)
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
        notes.append(f"{len(assumed)} {what}, not published: {figures_in_words(assumed)}")
    return notes
