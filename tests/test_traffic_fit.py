"""A generated trace with known volume, growth, weekday and hourly pattern, lengths, caching and
conversations is fitted back within a few percent; the trend's weekday factors keep a weekday pattern
out of the growth; an aggregated export gives no peaks or lengths, and says why."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys

import numpy as np
import pytest

from conftest import ROOT
from simulator.traffic import trend
from simulator.traffic.fit import FitError, fit_file
sys.path.insert(0, str(ROOT / "scripts"))
from synthetic_traffic import WORK_WEEK, TraceSpec, WRITERS, generate  # noqa: E402

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
SPEC = TraceSpec()  # 60 days from Tue 2026-09-01, 2,000 requests/day at the start, +10 %/month, seed 7


@pytest.fixture(scope="module")
def trace():
    return generate(SPEC)


@pytest.fixture(scope="module", params=["csv", "otlp"])
def fitted(request, trace, tmp_path_factory, catalog):
    path = tmp_path_factory.mktemp("trace") / f"trace.{request.param}"
    WRITERS[request.param](trace, path, SPEC.model)
    return fit_file(path, catalog, now=NOW).by_model[SPEC.model]


def test_volume_at_the_end_and_growth_are_fitted_back(fitted):
    # Truth: 2,000/day x 1.1^(59 days / 30.417) x 30.417 days = 73,187 queries/month at the last day;
    # the first day starts at 00:00 but its first request comes minutes later, so the fit leaves the
    # first and the last day out (58 whole days), which does not move the end rate.
    assert fitted.values["queries_per_month"]["value"] == pytest.approx(SPEC.end_queries_per_month(), rel=0.03)
    assert fitted.values["monthly_growth"]["value"] == pytest.approx(SPEC.monthly_growth, abs=0.02)
    assert fitted.values["queries_per_month"]["days"] == 58
    factors = fitted.values["weekday_factors"]["value"]
    assert factors == pytest.approx(WORK_WEEK, abs=0.03)  # Monday..Sunday, the weekend at 0.6


def test_peak_to_average_is_the_99th_percentile_hour_over_the_mean(fitted):
    # The expected hourly rates' own p99/mean is 2.44; Poisson noise at ~250 requests in a busy hour
    # adds about one standard deviation (6 %) at the 99th percentile.
    rate = SPEC.hourly_rate()
    expected = np.quantile(rate, 0.99) / rate.mean()
    assert fitted.values["peak_to_average"]["value"] == pytest.approx(expected, rel=0.05)
    # The heat map's busiest cell is a weekday at 10:00 UTC (the office profile's peak), its quietest a night.
    profile = fitted.profile
    assert profile.shape == (7, 24)
    day, hour = np.unravel_index(np.nanargmax(profile), profile.shape)
    assert day < 5 and 8 <= hour <= 15


def test_lengths_are_the_empirical_quantiles(fitted, trace):
    query = fitted.values["lengths"]["query"]
    assert len(query["value"]) == 21
    assert query["value"][10] == pytest.approx(SPEC.query_median, rel=0.02)  # lognormal median 900
    assert query["value"] == pytest.approx(np.quantile(trace["input_tokens"], trend.QUANTILES), rel=1e-6)
    answer = fitted.values["lengths"]["answer"]
    assert answer["value"][10] == pytest.approx(SPEC.answer_median, rel=0.02)
    assert query["mean"] == pytest.approx(trace["input_tokens"].mean(), abs=0.1)


def test_caching_and_conversations_are_fitted_back(fitted):
    assert fitted.values["cache_hit_rate"]["value"] == pytest.approx(SPEC.cache_hit_rate, abs=0.01)
    # cached share of input tokens: 0.4 of requests read 75 % of their input (lengths independent).
    assert fitted.values["cached_token_share"]["value"] == pytest.approx(0.4 * 0.75, abs=0.01)
    assert fitted.values["turns_per_conversation"]["value"] == pytest.approx(SPEC.turns_mean, rel=0.02)
    assert fitted.values["turns_per_conversation"]["conversations"] > 30_000


def test_a_weekday_pattern_does_not_bias_the_growth():
    # Flat traffic (no growth) with a strong weekday pattern over three weeks from a Saturday to a
    # Friday: a plain log-linear fit reads each week's quiet start and busy end as growth (+138 %/month).
    start = dt.date(2026, 9, 5)
    days = [start + dt.timedelta(days=i) for i in range(21)]
    pattern = np.array([1.3, 1.3, 1.3, 1.3, 1.3, 0.3, 0.3])
    counts = np.array([1000 * pattern[d.weekday()] for d in days])
    fit = trend.fit_trend(counts, np.array([d.weekday() for d in days]))
    assert fit.monthly_growth == pytest.approx(0.0, abs=1e-9)
    assert fit.queries_per_month == pytest.approx(1000 * pattern.mean() * trend.DAYS_PER_MONTH, rel=1e-9)
    naive = np.polyfit(np.arange(21), np.log(counts), 1)[0]
    assert np.expm1(naive * trend.DAYS_PER_MONTH) > 1.0  # what the weekday factors prevent


def test_exact_exponential_growth_is_recovered_exactly():
    # 500/day growing 20 %/month, no weekday pattern, no noise: the ML fit is exact.
    n = 30
    counts = 500 * 1.2 ** (np.arange(n) / trend.DAYS_PER_MONTH)
    fit = trend.fit_trend(counts, np.arange(n) % 7)
    assert fit.monthly_growth == pytest.approx(0.2, rel=1e-9)
    assert fit.queries_per_month == pytest.approx(counts[-1] * trend.DAYS_PER_MONTH, rel=1e-9)


def test_peak_to_average_by_hand():
    # 99 quiet hours of 10 and one busy hour of 110: mean 11, p99 (linear) = 10 + 0.01*99*... see numpy:
    hourly = np.array([10.0] * 99 + [110.0])
    assert trend.peak_to_average(hourly) == pytest.approx(np.quantile(hourly, 0.99) / 11.0)
    assert trend.peak_to_average(np.full(48, 7.0)) == 1.0


def test_a_short_log_has_volume_but_no_growth_and_says_why(tmp_path, catalog):
    spec = dataclasses.replace(SPEC, days=5, requests_per_day=500)
    path = tmp_path / "short.csv"
    WRITERS["csv"](generate(spec), path, spec.model)
    fit = fit_file(path, catalog, now=NOW).by_model[spec.model]
    assert "queries_per_month" in fit.values
    assert "14 whole days" in fit.absent["monthly_growth"]
    assert "168 whole hours" in fit.absent["peak_to_average"]


def test_a_usage_export_gives_volume_and_growth_but_no_peaks_or_lengths(tmp_path, catalog):
    spec = dataclasses.replace(SPEC, days=40, requests_per_day=800)
    columns = generate(spec)
    path = tmp_path / "usage.jsonl"
    WRITERS["openai-usage"](columns, path, spec.model)
    fit = fit_file(path, catalog, now=NOW)
    assert fit.report.format == "openai-usage" and fit.report.granularity == "buckets"
    model = fit.by_model[spec.model]
    assert model.values["queries_per_month"]["value"] == pytest.approx(spec.end_queries_per_month(), rel=0.05)
    assert model.values["monthly_growth"]["value"] == pytest.approx(0.10, abs=0.03)
    assert "24-hour buckets" in model.absent["peak_to_average"]
    assert "no distribution of lengths" in model.absent["lengths"]
    assert "lengths" not in model.values and "peak_to_average" not in model.values
    assert model.values["cached_token_share"]["value"] == pytest.approx(0.3, abs=0.01)


def test_several_models_are_fitted_each_and_model_picks_one(tmp_path, catalog):
    a = generate(dataclasses.replace(SPEC, days=20, requests_per_day=300, seed=1))
    b = generate(dataclasses.replace(SPEC, days=20, requests_per_day=100, seed=2))
    path = tmp_path / "two.csv"
    WRITERS["csv"](a, path, "gpt-4.1-mini")
    body = (tmp_path / "b.csv")
    WRITERS["csv"](b, body, "claude-haiku-4-5")
    with open(path, "a") as fh:
        fh.write("".join(body.read_text().splitlines(keepends=True)[1:]))
    fit = fit_file(path, catalog, now=NOW)
    assert [m for m, _ in fit.models] == ["gpt-4.1-mini", "claude-haiku-4-5"]
    assert set(fit.by_model) == {"gpt-4.1-mini", "claude-haiku-4-5"} and "workload" not in fit.to_json()
    haiku = fit_file(path, catalog, now=NOW, model="claude-haiku-4-5")
    assert list(haiku.by_model) == ["claude-haiku-4-5"] and "workload" in haiku.to_json()
    # Claude counts more tokens than o200k_base for the same text: lengths are converted by its ratio.
    note = haiku.by_model["claude-haiku-4-5"].tokens
    ratio = catalog.get("tokenizer", note.tokenizer).ratio.value
    assert note.ratio == ratio > 1 and note.source
    logged = np.quantile(b["input_tokens"], 0.5)
    assert haiku.by_model["claude-haiku-4-5"].values["lengths"]["query"]["value"][10] == pytest.approx(logged / ratio, abs=0.05)
    with pytest.raises(FitError, match="no requests of model 'gpt-5'.*gpt-4.1-mini"):
        fit_file(path, catalog, now=NOW, model="gpt-5")


def test_fit_json_has_value_requests_and_days_for_every_value(fitted):
    for key, value in fitted.to_json().items():
        if isinstance(value, dict) and "value" in value:
            assert {"value", "requests", "days"} <= set(value), key
