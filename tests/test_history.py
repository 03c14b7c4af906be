"""Price history as evidence (issue 11.6): the observed yearly change per model and across models,
by hand on a made-up history and on the pinned genai-prices data."""

import datetime as dt
import json
import math

import numpy as np
import pytest

from pricing import bulk, history
from pricing.history import PricePoint

AS_OF = dt.date(2026, 11, 10)


def record(*entries, provider="made-up", model="m"):
    """A bulk record with the given history entries: (from, scheduled, input, output)."""
    rows = [{"from": start, "scheduled": scheduled, "input_usd_per_mtok": i, "output_usd_per_mtok": o}
            for start, scheduled, i, o in entries]
    return {"provider": provider, "id": model, "history": rows, "prices": {}}


MADE_UP = record(
    (None, False, 1.0, 4.0),            # the starting price: no date
    ("2026-01-01", False, 0.8, 4.0),
    ("2026-03-01", False, 0.5, 3.0),    # in effect on the layer's date
    ("2027-01-01", True, 0.25, 1.5),    # scheduled: announced, not observed
)


def test_a_made_up_history_by_hand():
    h = history.history_of(MADE_UP, AS_OF)
    # The window: 2026-01-01 (first dated price) to 2026-11-10 = 313 days = 313 / 365.25 years.
    assert h.span_days == 313 and h.excluded is None
    years = 313 / 365.25
    # Input 1.0 -> 0.5: 0.5 ** (1 / 0.857) - 1 = -55.46 %/year; output 4.0 -> 3.0: -28.52 %/year.
    assert h.input_pct_per_year == pytest.approx(100 * (0.5 ** (1 / years) - 1)) == pytest.approx(-55.463, abs=1e-3)
    assert h.output_pct_per_year == pytest.approx(-28.517, abs=1e-3)
    # The model: the geometric mean of both, sqrt(0.5 x 0.75) = 0.6124 over the window: -43.58 %/year.
    assert h.pct_per_year == pytest.approx(100 * (math.sqrt(0.5 * 0.75) ** (1 / years) - 1))
    assert h.pct_per_year == pytest.approx(-43.576, abs=1e-3)
    # The scheduled price is kept for the chart, not counted: counting it would give 0.25 and 1.5.
    assert h.points[-1] == PricePoint("2027-01-01", True, 0.25, 1.5)


def test_an_undated_price_is_only_ever_the_starting_price():
    # Only a start price and a scheduled one: nothing observed, so nothing counted.
    h = history.history_of(record((None, False, 1.0, 2.0), ("2027-01-01", True, 2.0, 4.0)), AS_OF)
    assert (h.pct_per_year, h.span_days, h.excluded) == (None, None, history.ONLY_SCHEDULED)
    # All dated: the first dated price is the start price and its date the window's start.
    h = history.history_of(record(("2025-11-10", False, 2.0, 2.0), ("2026-05-10", False, 1.0, 1.0)), AS_OF)
    assert h.span_days == 365 and h.pct_per_year == pytest.approx(100 * (0.5 ** (365.25 / 365) - 1))


def test_a_change_two_weeks_old_is_not_read_as_a_yearly_trend():
    # A 20% cut 14 days before the layer's date would read 0.8 ** (365.25 / 14) - 1 = -99.7 %/year.
    recent = record((None, False, 1.0, 1.0), ("2026-10-27", False, 0.8, 0.8))
    h = history.history_of(recent, AS_OF)
    assert (h.pct_per_year, h.span_days, h.excluded) == (None, 14, history.TOO_SHORT)
    # At the minimum span a halving reads -75 %/year at most: one change counted squared, no more.
    start = (AS_OF - dt.timedelta(days=history.MIN_SPAN_DAYS)).isoformat()
    h = history.history_of(record((None, False, 1.0, 1.0), (start, False, 0.5, 0.5)), AS_OF)
    assert h.excluded is None and h.pct_per_year == pytest.approx(100 * (0.5 ** (365.25 / 180) - 1))
    assert -76 < h.pct_per_year < -75


def test_a_free_price_or_a_missing_one():
    h = history.history_of(record((None, False, 0.0, 1.0), ("2026-01-01", False, 1.0, 1.0)), AS_OF)
    assert (h.pct_per_year, h.excluded) == (None, history.FREE)
    # An embedding model has no output price: its input price's change is the model's.
    h = history.history_of(record((None, False, 1.0, None), ("2026-01-01", False, 0.5, None)), AS_OF)
    assert h.output_pct_per_year is None and h.pct_per_year == h.input_pct_per_year < 0


def test_the_summary_of_five_models_by_hand():
    changes = [-50.0, -10.0, 0.0, 20.0, 100.0]
    models = [history.ModelHistory("p", f"m{i}", (), 365, c, c, c) for i, c in enumerate(changes)]
    models.append(history.ModelHistory("p", "short", (), 14, None, None, None, history.TOO_SHORT))
    s = history.summary(models, "2026-11-10", "9.9.9")
    # Linear interpolation between order statistics: p10 sits 0.4 of the way from -50 to -10.
    assert s.quantiles == pytest.approx({"p05": -42.0, "p10": -34.0, "p50": 0.0, "p90": 68.0, "p95": 84.0})
    assert s.quantiles == pytest.approx({f"p{q:02d}": np.percentile(changes, q) for q in history.QUANTILES})
    assert (s.low, s.likely, s.high) == pytest.approx((-34.0, 0.0, 68.0))  # p10, 0, p90
    assert (s.models, s.with_history, s.excluded) == (5, 6, {history.TOO_SHORT: 1})
    assert s.source == "genai-prices==9.9.9 data.py: dated prices of 5 models" and s.as_of == "2026-11-10"


def test_the_range_keeps_zero_inside_so_the_point_stays_zero():
    falling = [history.ModelHistory("p", f"m{i}", (), 365, c, c, c) for i, c in enumerate([-50.0, -30.0, -10.0])]
    s = history.summary(falling, "2026-11-10", "9.9.9")
    assert s.quantiles["p90"] < 0 and (s.low, s.likely, s.high) == (s.quantiles["p10"], 0.0, 0.0)
    empty = history.summary([], "2026-11-10", "9.9.9")
    assert (empty.models, empty.quantiles, empty.low, empty.high) == (0, {}, 0.0, 0.0)


def test_quantiles_agree_with_numpy():
    values = list(np.random.default_rng(3).normal(0, 40, 37))
    for q in (0, 5, 10, 33, 50, 90, 95, 100):
        assert history.quantile(values, q) == pytest.approx(np.percentile(values, q))


# --- The pinned data --------------------------------------------------------------------------------


def test_the_observed_range_of_the_pinned_data():
    """genai-prices 0.2.3 data.py: 222 models have several dated prices; 10 of them have a dated
    price at least 180 days before the layer's date (2026-11-10)."""
    s = history.observed_drift()
    config = bulk.settings()
    assert (s.models, s.with_history) == (10, 222)
    assert s.excluded == {history.TOO_SHORT: 206, history.ONLY_SCHEDULED: 6}
    assert s.source == f"genai-prices=={config['version']} data.py: dated prices of 10 models"
    assert s.as_of == config["as_of"] == "2026-11-10"
    assert s.quantiles["p50"] == 0.0  # half the models counted kept their price: likely 0 is what was seen
    assert (s.low, s.likely, s.high) == (s.quantiles["p10"], 0.0, s.quantiles["p90"])
    assert s.low == pytest.approx(-71.82, abs=0.01) and s.high == pytest.approx(61.75, abs=0.01)
    assert s.describe().startswith("observed range from 10 models of genai-prices (p10..p90): -72 / 0 / +62 %/year")


def test_o3_by_hand_from_the_pinned_data():
    """genai-prices 0.2.3 data.py, openai/o3: $10 / $40 per MTok, then $2 / $8 from 2025-06-10."""
    [o3] = history.find("openai/o3")
    assert [(p.start, p.input_usd_per_mtok, p.output_usd_per_mtok) for p in o3.points] == [
        (None, 10.0, 40.0), ("2025-06-10", 2.0, 8.0)]
    # 518 days to 2026-11-10: 0.2 ** (365.25 / 518) - 1 = -67.85 %/year.
    assert o3.span_days == 518 and o3.pct_per_year == pytest.approx(-67.853, abs=1e-3)


def test_every_model_with_a_history_is_found_and_time_of_day_prices_are_absent():
    records = [r for r in bulk.bulk_models() if r["history"]]
    assert len(history.bulk_histories()) == len(records)
    for h in history.bulk_histories():
        dated = [p.start for p in h.points if p.start is not None]
        assert dated == sorted(dated) and all(p.start is not None for p in h.points[1:])
        assert all(p.scheduled == (p.start is not None and p.start > "2026-11-10") for p in h.points)
    assert history.find("claude-opus-4-6") == [h for h in history.bulk_histories() if h.model == "claude-opus-4-6"]
    assert len(history.find("claude-opus-4-6")) == 2 and history.find("no-such-model") == []


# --- crossover catalog --history --------------------------------------------------------------------


def test_the_cli_prints_the_summary_and_one_models_history():
    from conftest import cli

    run = cli("catalog", "--history", "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    s = history.observed_drift()
    assert (data["models"], data["with_history"], data["low"], data["high"]) == (10, 222, s.low, s.high)
    assert [c["model"] for c in data["changes"]] == list(s.counted)
    assert data["source"] == "genai-prices==0.2.3 data.py: dated prices of 10 models"

    run = cli("catalog", "--history")
    assert run.returncode == 0, run.stderr
    assert "10 of 222 models with dated prices counted" in run.stdout
    assert "Monte Carlo price drift {dist: observed}: PERT -71.8 / 0 / +61.7 %/year (p10 / 0 / p90)" in run.stdout

    run = cli("catalog", "--history", "openai/o3", "--json")
    [o3] = json.loads(run.stdout)
    assert o3["model"] == "openai/o3" and o3["span_days"] == 518 and o3["pct_per_year"] == pytest.approx(-67.853, abs=1e-3)
    run = cli("catalog", "--history", "gemini-4-argon")
    assert "scheduled: not counted" in run.stdout and "not counted: only scheduled changes" in run.stdout

    run = cli("catalog", "--history", "gpt-5.6-lun")
    assert run.returncode == 2 and "did you mean gpt-5.6-luna" in run.stderr and "Traceback" not in run.stderr
