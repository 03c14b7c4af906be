"""The landing page's break-even chart drawn as SVG on the server (ui/svg_chart.py, issue 13): it draws
what the Plotly figure holds, where the figure puts it, and refuses what it cannot draw."""

import re

import numpy as np
import plotly.graph_objects as go
import pytest

from conftest import SHIPPED_SCENARIOS
from simulator.analysis.answer import headline
from simulator.analysis.montecarlo import simulate
from simulator.model.evaluate import evaluate
from simulator.scenario import load_scenario
from ui import charts, charts_uncertainty, fmt, svg_chart


def log_figure(**layout) -> go.Figure:
    fig = go.Figure(go.Scatter(x=[1e3, 1e6, 1e9], y=[10.0, 100.0, 1000.0], mode="lines", name="a <b>line</b>",
                               hovertemplate="%{x:,.0f} queries<br>$%{y:,.0f}/month<extra></extra>"))
    fig.update_layout(xaxis=dict(type="log", range=[3, 9]), yaxis=dict(type="log"), height=500)
    return fig.update_layout(**layout)


def path_points(d: str) -> list[tuple[int, int]]:
    return [(int(x), int(y)) for x, y in re.findall(r"(-?\d+),(-?\d+)", d)]


def test_a_point_is_drawn_where_its_log_coordinates_put_it():
    svg = svg_chart.render(log_figure())
    line = re.search(r'<path d="(M[^"]+)" fill="none" stroke="currentColor"', svg).group(1)
    # Hand computation: the plot spans x 78..924 px (WIDTH 940 minus margins 78 and 16) for 1e3..1e9, so
    # 1e6 (half way in decades) is at 78 + 0.5 * 846 = 501 px. The y axis spans the data's 1..3 decades
    # padded by 4% of its 2-decade span each side: 10 sits 0.08/2.16 of the way up from the bottom
    # (500 - 52 = 448 px) over a height of 448 - (30 + 22 + 22) = 374 px: 448 - 13.85 = 434 px.
    assert path_points(line) == [(78, 434), (501, 261), (924, 88)]


def test_hover_text_is_the_trace_template_filled_at_each_point():
    svg = svg_chart.render(log_figure())
    tips = re.findall(r"<title>(.*?)</title>", svg)
    assert tips == ["1,000 queries&#10;$10/month", "1,000,000 queries&#10;$100/month",
                    "1,000,000,000 queries&#10;$1,000/month"]


def test_text_from_the_figure_is_escaped_and_plotly_tags_dropped():
    fig = log_figure(title=dict(text="Costs <script>alert(1)</script> & more"))
    svg = svg_chart.render(fig)
    assert "<script>" not in svg and "alert(1) &amp; more" in svg
    assert ">a line</text>" in svg  # the legend shows the name without Plotly's <b>


def test_the_output_is_one_html_block_markdown_passes_through():
    # A Markdown HTML block ends at a blank line; "<div" at the start keeps the rest from being read as Markdown.
    svg = svg_chart.render(log_figure())
    assert svg.startswith('<div class="xo-chart"') and "\n" not in svg and svg.endswith("</svg></div>")


@pytest.mark.parametrize("figure", [
    go.Figure(go.Bar(x=["a"], y=[1])).update_layout(xaxis_type="log", yaxis_type="log"),
    log_figure(xaxis=dict(type="linear")),
    log_figure().add_annotation(x=5, y=1, yref="paper", text="arrow", showarrow=True),
], ids=["bar", "linear axis", "arrow"])
def test_what_it_cannot_draw_is_refused_not_drawn_wrong(figure):
    with pytest.raises(svg_chart.Unsupported):
        svg_chart.render(figure)


def test_log_ticks_are_decades_with_2_and_5_between_on_a_short_axis():
    assert svg_chart._decade_ticks(3, 9) == [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
    assert svg_chart._decade_ticks(0.9, 2.1) == [10, 20, 50, 100]


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_s_break_even_chart_draws_its_setups_crossings_and_volume(path, catalog):
    scenario = load_scenario(path, catalog)
    ev = evaluate(scenario, catalog)
    pick = headline(ev)
    figure = charts.break_even_figure(ev, 1e3, 1e9, pick=pick)
    svg = svg_chart.render(figure)
    legend = re.findall(r'<text x="[\d.]+" y="[\d.]+">([^<]*)</text>', svg)
    for name in ev.feasible:
        label = fmt.setup(name) + (fmt.RULED_OUT if name in pick.ruled_out else "")
        assert label in legend
    q0 = scenario.workload.queries_per_month
    if 1e3 <= q0 <= 1e9:
        assert f"your volume: {fmt.volume(q0)}/month" in svg
    dotted = svg.count('stroke-dasharray="2 4"')
    assert dotted >= 2 * len(set(pick.ruled_out) & set(ev.feasible))  # its line and its legend swatch
    labelled = [t for t in figure.data if t.mode == "markers+text"]
    for trace in labelled:
        for text in trace.text:
            assert svg_chart._text(text.split("<br>")[0]) in svg


def test_the_banded_chart_draws_a_band_per_setup_and_stays_small(support_bot, catalog):
    ev = evaluate(support_bot, catalog)
    sim = simulate(ev, draws=500)
    figure = charts.break_even_figure(ev, 1e3, 1e9)
    charts_uncertainty.add_bands(figure, sim, 1e3, 1e9)
    svg = svg_chart.render(figure)
    bands = re.findall(r'<path d="M[^"]+Z" fill="rgba', svg)
    assert len(bands) == len(sim.setups)
    assert svg.count("<title>") == svg_chart.HOVER_POINTS * len(ev.feasible) + sum(
        len(t.x) for t in figure.data if t.mode and "markers" in t.mode)
    assert len(svg) < 60_000  # resent on every volume change (the marker moves)


def test_pixels_that_repeat_are_drawn_once():
    xs, ys = np.array([1.0, 1.2, 1.4, 5.0]), np.array([2.0, 2.1, 2.0, 7.0])
    assert svg_chart._path(xs, ys) == "M1,2L5,7"


def test_the_marker_overlay_shares_the_chart_s_coordinates():
    drawing = svg_chart.Drawing(log_figure())
    overlay = drawing.overlay(charts.volume_marker(1e6, 1e3, 1e9))
    view_box = re.search(r'viewBox="[^"]+"', drawing.svg).group(0)
    assert view_box in overlay  # drawn over the chart at the same scale (the chart's CSS places it)
    # 1e6 is half way along the 1e3..1e9 axis: 78 + 0.5 * 846 = 501 px, as in the first test.
    assert re.search(r'<path d="M501.0,74V448" stroke="grey"', overlay)
    assert ">your volume: 1M/month</tspan>" in overlay and "your volume" not in drawing.svg
    assert drawing.overlay({"shapes": [], "annotations": []}).count("<path") == 0  # volume off the chart
