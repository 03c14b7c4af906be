"""Plotly figures built from simulator results. No model arithmetic here: only drawing."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from simulator.analysis import answer
from simulator.analysis.answer import Headline
from simulator.model.evaluate import Evaluation
from simulator.model.parts import PARTS

from . import fmt

POINTS = 300
# Per line of the break-even chart, before its crossings and step edges: about 20 a decade over the
# default range, where a cost line on log axes (fixed + per query, or steps drawn from their edges)
# looks the same as with 300; each point carries the line's cost parts for the hover.
SWEEP_POINTS = 120
MAX_STEP_EDGES = 150  # per setup: enough to draw GPU steps sharp where they are visible
# A step of less than 1% of the cost is under a pixel on the chart's log cost axis (about 5 decades in
# 450 px): the grid's slope draws it as well as two points at its edge would.
VISIBLE_STEP = 0.01


def float32_numbers(values) -> np.ndarray:
    """Chart numbers as float32: 7 significant digits, more than a line or a hover shows below $10M,
    in half the bytes Plotly sends for float64 (every number goes to the browser on every change)."""
    return np.asarray(values, dtype=np.float32)


def _visible_edges(ev: Evaluation, name: str, lo: float, hi: float) -> np.ndarray:
    """The step edges of ``name``'s cost in ``[lo, hi]`` [queries/month] whose jump is visible."""
    curve = ev.setups[name].curve
    edges = curve.breakpoints(lo, hi)[:MAX_STEP_EDGES]
    if not len(edges):
        return np.asarray(edges, float)
    below, above = curve.total(edges * (1 - 1e-9)), curve.total(edges * (1 + 1e-9))
    return edges[np.abs(above - below) >= VISIBLE_STEP * np.abs(below)]


def sweep_volumes(ev: Evaluation, lo: float, hi: float, setups: list[str] | None = None) -> np.ndarray:
    """Log-spaced volumes plus the crossings and first step edges in range of ``setups`` (default:
    every feasible one), so they draw sharp. One setup's line needs only its own."""
    setups = ev.feasible if setups is None else setups
    extra = [q for b in ev.break_even if {b.a, b.b} & set(setups) for q in b.crossings[:50] if lo <= q <= hi]
    edges = np.concatenate([_visible_edges(ev, n, lo, hi) for n in setups] or [[]])
    return np.unique(np.concatenate([np.geomspace(lo, hi, SWEEP_POINTS), extra, edges, edges * (1 + 1e-9)]))


def break_even_figure(ev: Evaluation, lo: float, hi: float, y_title: str = "Monthly cost (USD)",
                      title: str = "Monthly cost of each setup across query volume",
                      pick: Headline | None = None, mark_volume: bool = True) -> go.Figure:
    """Every feasible setup's monthly cost over ``[lo, hi]`` queries/month; the setups the requirements
    rule out (``pick``, default the scenario's own headline) are dotted and say so, and the labelled
    crossings are where the cheapest of the setups that meet the requirements changes. The scenario's
    volume is marked unless ``mark_volume`` is False (then ``volume_marker`` adds it)."""
    pick = answer.headline(ev) if pick is None else pick
    fig = go.Figure()
    for name in ev.feasible:
        volumes = sweep_volumes(ev, lo, hi, [name])
        parts = ev.setups[name].curve.breakdown(volumes)
        # The parts a setup has are the same at every volume: name them once, send only numbers.
        shown = [p for p in PARTS if np.any(parts[p] > 0)]
        lines = "<br>".join(f"{fmt.PART_LABELS[p]}: $%{{customdata[{i}]:,.0f}}" for i, p in enumerate(shown))
        out = name in pick.ruled_out
        fig.add_trace(go.Scatter(
            x=float32_numbers(volumes), y=float32_numbers(ev.monthly_cost(name, volumes)),
            name=fmt.setup(name) + (fmt.RULED_OUT if out else ""), mode="lines",
            line=dict(color=fmt.SETUP_COLOURS[name], width=2.5, dash="dot" if out else "solid"),
            customdata=float32_numbers(np.column_stack([parts[p] for p in shown])) if shown else None,
            hovertemplate=(f"<b>{fmt.setup(name)}</b>{fmt.RULED_OUT if out else ''}<br>%{{x:,.0f}} queries/month<br>"
                           f"$%{{y:,.0f}}/month<br>{lines}<extra></extra>"),
        ))
    # Crossings where the cheapest allowed setup changes get a label; other pairs' crossings a small marker.
    ranges = ev.cheapest_ranges(lo, hi, among=pick.allowed)
    changes = {round(start, 6): (before, after) for (before, _, _), (after, start, _) in zip(ranges, ranges[1:])}
    marks = {True: [], False: []}
    for b in ev.break_even:
        for q in b.crossings[:50]:
            if lo <= q <= hi:
                key = round(q, 6)
                labelled = key in changes and set(changes[key]) == {b.a, b.b}
                marks[labelled].append((q, float(ev.monthly_cost(b.a, q)), b, changes.get(key)))
    for labelled, points in marks.items():
        if not points:
            continue
        fig.add_trace(go.Scatter(
            x=[p[0] for p in points], y=[p[1] for p in points], showlegend=False,
            mode="markers+text" if labelled else "markers",
            marker=dict(size=12 if labelled else 7, color="black" if labelled else "grey",
                        symbol="x" if labelled else "circle-open"),
            text=[f"{fmt.setup(c[1])} cheapest<br>from {fmt.volume(q)}/month" for q, _, _, c in points] if labelled else None,
            textposition="bottom right", textfont=dict(size=12),
            customdata=[f"{fmt.setup(b.a)} and {fmt.setup(b.b)} cost the same" for _, _, b, _ in points],
            hovertemplate="%{customdata}<br>at %{x:,.0f} queries/month: $%{y:,.0f}/month<extra></extra>",
            name="where the cheapest setup changes" if labelled else "other crossings",
        ))
    if mark_volume:
        fig.update_layout(volume_marker(ev.scenario.workload.queries_per_month, lo, hi))
    fig.update_layout(
        title=fmt.chart_title(title),
        xaxis=dict(type="log", title="Queries per month", range=[np.log10(lo), np.log10(hi)]),
        yaxis=dict(type="log", title=y_title, tickprefix="$"),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0),
        # Room above the plot for the title and a two-row legend (with bands), which overlapped at t=90.
        margin=dict(l=10, r=10, t=115, b=10), height=575, hovermode="closest",
    )
    return fig


def volume_marker(q0: float, lo: float, hi: float, label: bool = True) -> dict:
    """Layout shapes and annotations marking the scenario's volume ``q0`` [queries/month] on a log
    volume axis showing ``[lo, hi]``. Apart from the traces, so a figure that does not depend on the
    volume is built once and only its marker follows the volume (``app_pages.state.figure``)."""
    if not lo <= q0 <= hi:
        return {"shapes": [], "annotations": []}
    line = dict(type="line", x0=q0, x1=q0, xref="x", y0=0, y1=1, yref="y domain", line=dict(color="grey", dash="dash"))
    text = dict(x=np.log10(q0), y=1, yref="paper", yanchor="bottom", showarrow=False,
                text=f"your volume: {fmt.volume(q0)}/month", font=dict(color="grey"))
    return {"shapes": [line], "annotations": [text] if label else []}


def breakdown_figure(breakdowns: dict[str, dict[str, float]]) -> go.Figure:
    """Stacked bars: one per setup, one colour per cost part [USD/month]."""
    fig = go.Figure()
    names = list(breakdowns)
    for part in PARTS:
        values = [breakdowns[n][part] for n in names]
        if not any(v > 0 for v in values):
            continue
        fig.add_trace(go.Bar(
            x=[fmt.setup(n) for n in names], y=values, name=fmt.PART_LABELS[part],
            hovertemplate=f"{fmt.PART_LABELS[part]}: $%{{y:,.0f}}/month<extra>%{{x}}</extra>",
        ))
    fig.update_layout(title=fmt.chart_title("Monthly cost of each setup by part"), barmode="stack",
                      yaxis=dict(title="Monthly cost (USD)", tickprefix="$"),
                      legend=dict(orientation="v"), margin=dict(l=10, r=10, t=50, b=10), height=480)
    return fig


def cumulative_figure(series: dict[str, np.ndarray], start_label: str) -> go.Figure:
    """Cumulative cost per setup at the end of each month of the horizon [USD]."""
    fig = go.Figure()
    for name, values in series.items():
        months = np.arange(1, len(values) + 1)
        fig.add_trace(go.Scatter(
            x=months, y=values, name=fmt.setup(name), mode="lines",
            line=dict(color=fmt.SETUP_COLOURS[name], width=2.5),
            hovertemplate=f"{fmt.setup(name)}: $%{{y:,.0f}} after %{{x}} months<extra></extra>",
        ))
    fig.update_layout(title=fmt.chart_title("Cumulative cost of each setup over the horizon"),
                      xaxis=dict(title=f"Months from {start_label}"),
                      yaxis=dict(title="Cumulative cost (USD)", tickprefix="$"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      margin=dict(l=10, r=10, t=70, b=10), height=450)
    return fig


DASHES = ["solid", "dash", "dot", "dashdot"]


def compare_figure(evaluations: dict[str, Evaluation], lo: float, hi: float) -> go.Figure:
    """Break-even curves of several scenarios overlaid: colour = setup, line style = scenario."""
    fig = go.Figure()
    volumes = np.geomspace(lo, hi, POINTS)
    for (label, ev), dash in zip(evaluations.items(), DASHES):
        shown = fmt.chart_text(label)  # a scenario's name: user text
        for name in ev.feasible:
            fig.add_trace(go.Scatter(
                x=volumes, y=ev.monthly_cost(name, volumes), mode="lines",
                name=f"{shown}: {fmt.setup(name)}", legendgroup=shown, meta=shown,
                line=dict(color=fmt.SETUP_COLOURS[name], dash=dash, width=2),
                hovertemplate=f"%{{meta}}<br>{fmt.setup(name)}: $%{{y:,.0f}}/month at %{{x:,.0f}} queries<extra></extra>",
            ))
    fig.update_layout(
        title=fmt.chart_title("Monthly cost across query volume, scenario by scenario"),
        xaxis=dict(type="log", title="Queries per month"),
        yaxis=dict(type="log", title="Monthly cost (USD)", tickprefix="$"),
        margin=dict(l=10, r=10, t=50, b=10), height=540,
    )
    return fig
