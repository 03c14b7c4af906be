"""Volume, growth and peaks from counts over time: pure NumPy.

Growth is a Poisson log-linear trend of daily counts with one factor per weekday (maximum likelihood
by iteratively reweighted least squares): a weekday pattern moves the weekday factors, not the
slope, whichever weekday the log starts or ends on. The monthly volume is the weekday-averaged daily
rate at the last observed day times the days in a month (730 hours / 24, as everywhere in Crossover).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.units import HOURS_PER_MONTH

DAYS_PER_MONTH = HOURS_PER_MONTH / 24  # 30.417 days
MIN_TREND_DAYS = 14  # two of each weekday: fewer cannot tell a weekday pattern from a trend
PEAK_PERCENTILE = 99
QUANTILES = np.linspace(0.0, 1.0, 21)  # the 21 quantiles a fitted length keeps (0, 5%, ..., 100%)


@dataclass(frozen=True)
class Trend:
    queries_per_month: float   # at the end of the observed days [queries/month]
    monthly_growth: float      # 0.05 = +5 %/month
    weekday_factors: np.ndarray  # Monday..Sunday, mean 1


def fit_trend(counts: np.ndarray, weekdays: np.ndarray, *, iterations: int = 50) -> Trend:
    """Poisson ML fit of ``log E[count_d] = a + b*d + c[weekday_d]`` (Monday's c = 0).

    ``counts``: requests on consecutive whole days [requests/day]; ``weekdays``: 0 = Monday, one per day.
    """
    counts = np.asarray(counts, dtype=float)
    n = counts.size
    if n < MIN_TREND_DAYS:
        raise ValueError(f"a trend needs {MIN_TREND_DAYS} whole days, got {n}")
    if counts.sum() <= 0:
        raise ValueError("no requests on the whole days")
    days = np.arange(n, dtype=float) - (n - 1)  # 0 on the last day: the intercept is the rate at the end
    dummies = (np.asarray(weekdays)[:, None] == np.arange(1, 7)[None, :]).astype(float)
    x = np.column_stack([np.ones(n), days / DAYS_PER_MONTH, dummies])
    beta = np.zeros(x.shape[1])
    beta[0] = np.log(max(counts.mean(), 1e-9))
    for _ in range(iterations):
        mu = np.exp(np.clip(x @ beta, -700, 700))
        # IRLS step for the Poisson log link: weights mu, working response eta + (y - mu) / mu.
        z = x @ beta + (counts - mu) / np.maximum(mu, 1e-12)
        w = mu
        xtw = x.T * w
        step = np.linalg.lstsq(xtw @ x, xtw @ z, rcond=None)[0]
        if np.max(np.abs(step - beta)) < 1e-12:
            beta = step
            break
        beta = step
    factors = np.exp(np.concatenate([[0.0], beta[2:]]))
    mean_factor = factors.mean()
    return Trend(queries_per_month=float(np.exp(beta[0]) * mean_factor * DAYS_PER_MONTH),
                 monthly_growth=float(np.expm1(beta[1])), weekday_factors=factors / mean_factor)


def peak_to_average(hourly_counts: np.ndarray) -> float:
    """The 99th percentile of hourly request counts over their mean (hours with no request count as 0)."""
    hourly = np.asarray(hourly_counts, dtype=float)
    mean = hourly.mean()
    if mean <= 0:
        raise ValueError("no requests in the whole hours")
    return float(max(np.percentile(hourly, PEAK_PERCENTILE) / mean, 1.0))


def hour_weekday_profile(hourly_counts: np.ndarray, first_hour_weekday: int, first_hour_of_day: int) -> np.ndarray:
    """Mean requests per hour as a 7 x 24 array (Monday first, hour 0 UTC first) [requests/hour]; NaN
    where the log has no such hour."""
    hourly = np.asarray(hourly_counts, dtype=float)
    index = first_hour_weekday * 24 + first_hour_of_day + np.arange(hourly.size)
    slot = index % (7 * 24)
    sums = np.bincount(slot, weights=hourly, minlength=7 * 24)
    seen = np.bincount(slot, minlength=7 * 24)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen > 0, sums / np.maximum(seen, 1), np.nan).reshape(7, 24)


def daily_rate(queries_per_month: float, monthly_growth: float, days_before_end) -> np.ndarray:
    """The fitted trend's weekday-averaged rate [requests/day] ``days_before_end`` days before the last
    whole day (0 on it, negative before): ``queries_per_month / DAYS_PER_MONTH`` there, growing by
    ``monthly_growth`` a month, as :func:`fit_trend` models it."""
    days = np.asarray(days_before_end, dtype=float)
    return queries_per_month / DAYS_PER_MONTH * (1.0 + monthly_growth) ** (days / DAYS_PER_MONTH)
