"""End-to-end latency per setup: retrieval + time to first token + generation, p50 and p95.

Percentiles come from a fixed-seed sample of query and answer lengths (the scenario's sample
texts, or a lognormal with the scenario's mean and spread) pushed through the latency formulas,
with retrieval steps drawn from lognormals fitted to their catalog p50 and p95.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLES = 4000
SEED = 20261123
Z95 = 1.6448536269514722  # standard normal 95th percentile


@dataclass(frozen=True)
class Latency:
    """Latency percentiles [ms]: the total and its parts (each part's own percentile)."""

    p50: float
    p95: float
    parts_p50: dict[str, float]
    parts_p95: dict[str, float]


def lognormal_from_median_p95(rng: np.random.Generator, median: float, p95: float, n: int) -> np.ndarray:
    """Draws with the given median and 95th percentile [same unit as the inputs]."""
    if median <= 0:
        return np.zeros(n)
    sigma = np.log(max(p95, median) / median) / Z95
    return median * np.exp(sigma * rng.standard_normal(n))


def length_draws(rng: np.random.Generator, counts: np.ndarray, cv: float, n: int) -> np.ndarray:
    """Token lengths: resampled from sample counts, or lognormal with the mean and ``cv`` [tokens]."""
    counts = np.asarray(counts, float)
    if counts.size > 1:
        return rng.choice(counts, size=n, replace=True)
    mean = float(counts[0])
    if mean <= 0 or cv == 0:
        return np.full(n, mean)
    sigma2 = np.log1p(cv**2)
    return mean * np.exp(np.sqrt(sigma2) * rng.standard_normal(n) - sigma2 / 2)


def summarise(parts: dict[str, np.ndarray]) -> Latency:
    total = sum(parts.values())
    return Latency(
        p50=float(np.percentile(total, 50)),
        p95=float(np.percentile(total, 95)),
        parts_p50={k: float(np.percentile(v, 50)) for k, v in parts.items()},
        parts_p95={k: float(np.percentile(v, 95)) for k, v in parts.items()},
    )


def api_generation(rng: np.random.Generator, input_tokens: np.ndarray, output_tokens: np.ndarray, *,
                   ttft_ms: float, ttft_p95_over_p50: float, prefill_tokens_per_s: float,
                   output_tokens_per_s: float) -> dict[str, np.ndarray]:
    """An API call: measured TTFT (lognormal around the median) plus prompt-size growth, then
    streaming at the measured speed [ms]."""
    ttft = lognormal_from_median_p95(rng, ttft_ms, ttft_ms * ttft_p95_over_p50, input_tokens.size)
    return {
        "time_to_first_token": ttft + input_tokens / prefill_tokens_per_s * 1e3,
        "generation": output_tokens / output_tokens_per_s * 1e3,
    }
