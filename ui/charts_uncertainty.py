"""Plotly figures for the Monte Carlo and the sensitivity analysis. Drawing only."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import plotly.graph_objects as go

from simulator.analysis.montecarlo import Simulation
from simulator.analysis.sensitivity import Tornado
from simulator.model.evaluate import Evaluation

from . import fmt
from .charts import float32_numbers, volume_marker


# Volumes per band and probability trace at most: the Monte Carlo's grid (500 over 1 to 1e12) holds
# about 40 a decade; 20 draw the same smooth percentiles and cost half the bytes and drawing time.
BAND_POINTS = 125

LIKELY_CROSSING = 0.5  # a pair crossing in fewer draws than this is drawn grey: it more likely never crosses


def _within(sim: Simulation, lo: float, hi: float) -> np.ndarray:
    """Indices of the simulated volumes in ``[lo, hi]``, every k-th so at most ``BAND_POINTS`` (still
    log-spaced), the last one kept so the band reaches the edge of the range."""
    inside = np.flatnonzero((sim.volumes >= lo) & (sim.volumes <= hi))
    step = max(1, -(-inside.size // BAND_POINTS))
    return np.unique(np.concatenate([inside[::step], inside[-1:]]))


def add_bands(fig: go.Figure, sim: Simulation, lo: float, hi: float) -> None:
    """P10-P90 of each setup's monthly cost as a shaded band behind its line."""
    shown = _within(sim, lo, hi)
    x = float32_numbers(sim.volumes[shown])
    for name in sim.setups:
        p10, p50, p90 = (float32_numbers(band[shown]) for band in sim.bands[name])
        colour = fmt.SETUP_COLOURS[name]
        fig.add_trace(go.Scatter(x=x, y=p10, mode="lines", line=dict(width=0, color=colour),
                                 showlegend=False, hoverinfo="skip", legendgroup=f"band-{name}"))
        fig.add_trace(go.Scatter(
            x=x, y=p90, mode="lines", line=dict(width=0, color=colour), fill="tonexty",
            fillcolor=_transparent(colour), name=f"{fmt.setup(name)} P10–P90", legendgroup=f"band-{name}",
            customdata=np.column_stack([p10, p50]),
            hovertemplate=(f"<b>{fmt.setup(name)}</b> at %{{x:,.0f}} queries/month<br>"
                           "P10 $%{customdata[0]:,.0f} · P50 $%{customdata[1]:,.0f} · P90 $%{y:,.0f}<extra></extra>"),
        ))


def _transparent(colour: str, alpha: float = 0.18) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def probability_figure(sim: Simulation, lo: float, hi: float, q0: float | None,
                       ruled_out: Collection[str] = ()) -> go.Figure:
    """Stacked areas: the probability that each feasible setup is the cheapest of all of them, across
    volume; the setups in ``ruled_out`` (the requirements exclude them) are hatched, edged with a
    dotted line and say so in the legend, so a share they take is read as out of the running. The
    volume ``q0`` is marked (None: not, for ``charts.volume_marker`` to add)."""
    shown = _within(sim, lo, hi)
    fig = go.Figure()
    for name in sim.setups:
        out = name in ruled_out
        label = fmt.setup(name) + (fmt.RULED_OUT if out else "")
        fig.add_trace(go.Scatter(
            x=float32_numbers(sim.volumes[shown]), y=float32_numbers(100 * sim.probability_cheapest[name][shown]),
            name=label, mode="lines", stackgroup="cheapest",
            line=dict(width=2 if out else 0.5, color=fmt.SETUP_COLOURS[name], dash="dot" if out else "solid"),
            fillpattern=dict(shape="/", fgcolor=fmt.SETUP_COLOURS[name], bgcolor="white", solidity=0.4) if out else None,
            hovertemplate=f"{label}: %{{y:.0f}}% cheapest at %{{x:,.0f}} queries/month<extra></extra>",
        ))
    if q0 is not None:
        fig.update_layout(volume_marker(q0, lo, hi, label=False))
    title = "Probability of being cheapest across volume" + (
        ", ruled-out setups included (hatched)" if any(n in ruled_out for n in sim.setups) else "")
    fig.update_layout(
        title=fmt.chart_title(title),
        xaxis=dict(type="log", title="Queries per month", range=[np.log10(lo), np.log10(hi)]),
        yaxis=dict(title="Probability of being cheapest (%)", range=[0, 100], ticksuffix="%"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), margin=dict(l=10, r=10, t=70, b=10), height=370,
    )
    return fig


def break_even_spread_figure(ev: Evaluation, sim: Simulation) -> go.Figure:
    """Per pair that crosses: the 80% interval of the break-even volume, its median and the point value.
    Each pair says in how many draws it crosses; a pair that crosses in under half of them is grey
    (its interval describes the minority of draws in which it crosses at all)."""
    fig = go.Figure()
    rows = []
    for b in ev.break_even:
        summary = sim.break_even_summary(b.a, b.b)
        spread = summary["queries_per_month_percentiles"]
        if spread is None:
            continue
        odds = summary["probability_crosses"]
        rows.append((f"{fmt.setup(b.a)} vs {fmt.setup(b.b)}<br>crosses in {odds:.0%} of draws", spread,
                     b.first if b.first is not None else np.nan, odds))
    for likely, colour, name in ((True, "black", "median (P50) of the draws"),
                                 (False, "#aaa", "median, crossing in under half the draws")):
        group = [r for r in rows if (r[3] >= LIKELY_CROSSING) == likely]
        if not group:
            continue
        labels = [r[0] for r in group]
        p10, p50, p90 = ([r[1][k] for r in group] for k in ("p10", "p50", "p90"))
        fig.add_trace(go.Scatter(
            x=p50, y=labels, mode="markers", name=name, marker=dict(size=11, color=colour),
            error_x=dict(type="data", symmetric=False, array=np.subtract(p90, p50), arrayminus=np.subtract(p50, p10),
                         thickness=3, width=8, color=colour),
            customdata=np.column_stack([p10, p90]) if group else None,
            hovertemplate="%{y}<br>P50 %{x:,.0f}/month, 80% interval %{customdata[0]:,.0f}–%{customdata[1]:,.0f}"
                          "<extra></extra>",
        ))
    fig.add_trace(go.Scatter(x=[r[2] for r in rows], y=[r[0] for r in rows], mode="markers", name="at the point values",
                             marker=dict(size=11, symbol="x", color="grey"),
                             hovertemplate="%{y}<br>%{x:,.0f}/month at the point values<extra></extra>"))
    fig.update_layout(title=fmt.chart_title("Where each pair of setups breaks even: 80% interval over the draws"),
                      xaxis=dict(type="log", title="Break-even volume (queries per month)"),
                      yaxis=dict(autorange="reversed", categoryorder="array", categoryarray=[r[0] for r in rows]),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      margin=dict(l=10, r=10, t=80, b=10), height=150 + 55 * max(len(rows), 1))
    return fig


def break_even_histogram_figure(sim: Simulation, a: str, b: str, point: float | None) -> go.Figure:
    """How the draws' first crossings of one pair spread over volume (log bins; share of all draws)."""
    edges, shares = sim.break_even_histogram(a, b)
    centres = np.sqrt(edges[:-1] * edges[1:])
    fig = go.Figure(go.Bar(
        x=centres, y=100 * shares, width=edges[1:] - edges[:-1], marker=dict(color="#888"),
        customdata=np.column_stack([edges[:-1], edges[1:]]) if shares.size else None, name="draws",
        hovertemplate="%{customdata[0]:,.0f}–%{customdata[1]:,.0f} queries/month: %{y:.1f}% of draws<extra></extra>",
    ))
    if point is not None:
        fig.add_vline(x=point, line=dict(color="black", dash="dash"))
        fig.add_annotation(x=np.log10(point), y=1, yref="paper", yanchor="bottom", showarrow=False,
                           text=f"point values: {fmt.volume(point)}")
    fig.update_layout(title=fmt.chart_title(f"Where {fmt.setup(a)} and {fmt.setup(b)} first break even, draw by draw"),
                      xaxis=dict(type="log", title=f"{fmt.setup(a)} vs {fmt.setup(b)}: first break-even (queries per month)"),
                      yaxis=dict(title="Share of draws (%)", ticksuffix="%"), bargap=0.05, showlegend=False,
                      margin=dict(l=10, r=10, t=60, b=10), height=330)
    return fig


def tornado_figure(tornado: Tornado, output: str, label, value, unit: str,
                   title: str = "Which ranged input moves the result most") -> go.Figure:
    """Horizontal bars from the point-value result to the result at each end of each input's range."""
    bars = [bar for bar in tornado.bars[output] if bar.swing > 0][::-1]  # largest on top
    base = tornado.base[output]
    names = [label(bar.path) for bar in bars]
    fig = go.Figure()
    for end, colour, side in (("low", "#1f77b4", "at_low"), ("high", "#ff7f0e", "at_high")):
        results = np.array([getattr(bar, side) for bar in bars], float)
        inputs = [value(bar.path, getattr(bar, end)) for bar in bars]
        fig.add_trace(go.Bar(
            y=names, x=results - base, base=base, orientation="h", name=f"input at the {end} end of its range",
            marker=dict(color=colour), customdata=np.column_stack([inputs, results]) if bars else None,
            hovertemplate=f"%{{y}} = %{{customdata[0]}}<br>{unit} %{{customdata[1]:,.0f}}<extra></extra>",
        ))
    if np.isfinite(base):
        fig.add_vline(x=base, line=dict(color="black"))
    fig.update_layout(title=fmt.chart_title(title), barmode="overlay", xaxis=dict(title=unit),
                      legend=dict(orientation="h", yanchor="top", y=-0.25, x=0),
                      margin=dict(l=10, r=10, t=50, b=10), height=220 + 40 * max(len(bars), 1))
    return fig
