"""Across 1 to 1e12 queries/month, for every shipped scenario: no NaN or inf anywhere a user looks."""

import json
import math

import numpy as np
import pytest

from simulator.model.evaluate import evaluate
from simulator.scenario import load_scenario
from ui import report
from conftest import ROOT, SHIPPED_SCENARIOS



@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_every_output_is_finite_from_1_to_1e12(path, catalog):
    ev = evaluate(load_scenario(path, catalog), catalog)
    table = ev.sweep(np.geomspace(1, 1e12, 1000))
    numbers = table.drop(columns=["setup"]).to_numpy(dtype=float)
    assert np.isfinite(numbers).all() and (numbers >= 0).all()
    for volume in (1.0, 1e3, 1e6, 1e9, 1e12):
        json.dumps(ev.to_dict(volume), allow_nan=False, default=str)  # raises on NaN or inf
    for name in ev.feasible:
        assert np.isfinite(ev.cumulative_cost(name)).all()
        payback = ev.payback_vs_prompt_only(name)
        assert payback is None or math.isfinite(payback)
    html = report.html_report(ev, path.read_text(), 1.0, 1e12)
    body = html.split("</script>")[-1]  # the text after the embedded plotly.js
    assert "nan" not in body.lower().replace("nanoseconds", "") and "inf<" not in body


def test_never_and_always_are_worded_as_such(catalog):
    from ui import summary
    ev = evaluate(load_scenario(ROOT / "scenarios/support-bot.yaml", catalog), catalog)
    never = next(b for b in ev.to_dict()["break_even"] if (b["a"], b["b"]) == ("prompt_only", "rag"))
    assert never["queries_per_month"] is None and never["crossings"] == [] and never["cheaper_at_low_volume"] == "prompt_only"
    # Over a range where nothing changes, the summary says the winner stays cheapest throughout.
    lines = summary.conclusions(ev, 1.0, 1e3)
    assert lines[-1] == "It stays cheapest from 1 to 1k queries/month."
    text = report.html_report(ev, "x", 1.0, 1e12)
    assert "<td>Prompt-only vs RAG</td><td>never between 1 and 1e12</td><td>Prompt-only</td>" in text
