"""What makes a volume change on the landing page cheap (issue 13): its figures do not depend on the
volume, so the page builds each once per scenario and moves only the volume marker; and the
break-even chart, resent on every change, stays small."""

import json

import pytest

from conftest import SHIPPED_SCENARIOS, break_even_svg, open_app
from simulator.analysis.answer import headline
from simulator.analysis.montecarlo import simulate
from simulator.model.evaluate import evaluate
from simulator.scenario import load_scenario
from ui import charts, charts_uncertainty

VOLUME = "workload.queries_per_month"


def spec(figure) -> str:
    return figure.to_json()


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_the_break_even_chart_without_its_marker_is_the_same_at_every_volume(path, catalog):
    """Given which setups the requirements rule out (part of the page's figure key: a latency budget at
    peak load can rule a setup out at one volume and not at another), the chart is the same at every volume."""
    scenario = load_scenario(path, catalog)
    if VOLUME in scenario.ranges:
        pytest.skip("a ranged volume is part of the figure key (state.figure keys as the Monte Carlo does)")
    by_marks: dict[tuple, set[str]] = {}
    for q in (scenario.workload.queries_per_month, 77.0, 1.1 * scenario.workload.queries_per_month, 3.3e8):
        ev = evaluate(scenario.with_point(VOLUME, q), catalog)
        pick = headline(ev)
        by_marks.setdefault((tuple(sorted(pick.ruled_out)), pick.allowed), set()).add(
            spec(charts.break_even_figure(ev, 1e3, 1e9, pick=pick, mark_volume=False)))
    assert all(len(figures) == 1 for figures in by_marks.values())
    assert len(by_marks) < 4  # at least two volumes shared their marks, so the comparison was made


def test_the_uncertainty_figures_are_the_same_at_every_volume(support_bot, catalog):
    assert VOLUME not in support_bot.ranges
    built = set()
    for q in (support_bot.workload.queries_per_month, 5e6):
        ev = evaluate(support_bot.with_point(VOLUME, q), catalog)
        sim = simulate(ev, draws=500)
        figure = charts.break_even_figure(ev, 1e3, 1e9, mark_volume=False)
        charts_uncertainty.add_bands(figure, sim, 1e3, 1e9)
        built.add((spec(figure), spec(charts_uncertainty.probability_figure(sim, 1e3, 1e9, None)),
                   spec(charts_uncertainty.break_even_spread_figure(ev, sim)),
                   spec(charts_uncertainty.break_even_histogram_figure(sim, "rag", "fine_tuned", 1e6))))
    assert len(built) == 1


def test_a_volume_change_moves_the_markers_and_keeps_the_traces():
    at = open_app(s="support-bot")
    at.session_state["uncertainty_charts"] = True  # open the expander that draws the uncertainty charts
    at.run()
    before = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    before_svg, before_overlay = break_even_svg(at), break_even_svg(at, "overlay")
    at.sidebar.number_input(key="sidebar_volume").set_value(2_000_000).run()
    after = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert [f["data"] for f in after] == [f["data"] for f in before]
    probability = after[0]["layout"]
    assert [s["x0"] for s in probability["shapes"]] == [2e6]
    # The chart is the same element, so it goes to the browser as a reference and is not drawn again;
    # only the marker drawn over it moved.
    assert break_even_svg(at) == before_svg
    assert "your volume: 400k/month" in before_overlay and "your volume: 2M/month" in break_even_svg(at, "overlay")
    assert len(break_even_svg(at, "overlay")) < 1_000


def test_the_break_even_chart_with_bands_stays_small():
    # Every new session receives it (a volume change resends only its marker); 466 KB a change made the
    # page slow (issue 13, measured 2026-12-01). Lines of ~120 points, visible steps only, whole pixels.
    at = open_app(s="support-bot")
    cost = break_even_svg(at)
    assert cost.count("P10–P90</text>") == 4  # the bands are in it
    assert len(cost) < 60_000
