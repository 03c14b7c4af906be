"""Plotly figures built from simulator results. No model arithmetic here: only drawing."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from simulator.costs import PARTS
from simulator.evaluate import Evaluation

from . import fmt

POINTS = 400


def sweep_volumes(ev: Evaluation, lo: float, hi: float) -> np.ndarray:
    """Log-spaced volumes plus every crossing and step edge in range, so steps and crossings draw sharp."""
    extra = [q for b in ev.break_even for q in b.crossings if lo <= q <= hi]
    edges = [e for name in ev.feasible for e in ev.setups[name].curve.breakpoints(lo, hi)[:2000]]
    sharp = [v for e in edges for v in (e, e * (1 + 1e-9))]
    return np.unique(np.concatenate([np.geomspace(lo, hi, POINTS), extra, sharp]))


def break_even_figure(ev: Evaluation, lo: float, hi: float) -> go.Figure:
    volumes = sweep_volumes(ev, lo, hi)
    table = ev.sweep(volumes)
    fig = go.Figure()
    for name in ev.feasible:
        rows = table[table["setup"] == name]
        parts = rows[list(PARTS)].to_numpy()
        top = np.argsort(-parts, axis=1)[:, :3]
        hover = [
            "<br>".join(f"{fmt.PART_LABELS[PARTS[j]]}: {fmt.usd(parts[i, j])}" for j in top[i] if parts[i, j] > 0)
            for i in range(len(rows))
        ]
        fig.add_trace(go.Scatter(
            x=rows["queries_per_month"], y=rows["monthly_cost_usd"], name=fmt.setup(name), mode="lines",
            line=dict(color=fmt.SETUP_COLOURS[name], width=2.5), customdata=np.array(hover, dtype=object),
            hovertemplate=(f"<b>{fmt.setup(name)}</b><br>%{{x:,.0f}} queries/month<br>"
                           "$%{y:,.0f}/month<br>%{customdata}<extra></extra>"),
        ))
    # Crossings where the cheapest setup changes get a label; other pairs' crossings a small marker.
    ranges = ev.cheapest_ranges(lo, hi)
    changes = {round(start, 6): (before, after) for (before, _, _), (after, start, _) in zip(ranges, ranges[1:])}
    for b in ev.break_even:
        for q in b.crossings[:50]:
            if not lo <= q <= hi:
                continue
            cost = float(ev.monthly_cost(b.a, q))
            key = round(q, 6)
            labelled = key in changes and set(changes[key]) == {b.a, b.b}
            fig.add_trace(go.Scatter(
                x=[q], y=[cost], mode="markers+text" if labelled else "markers", showlegend=False,
                marker=dict(size=12 if labelled else 7, color="black" if labelled else "grey",
                            symbol="x" if labelled else "circle-open"),
                text=[f"{fmt.setup(changes[key][1])} cheapest<br>from {fmt.volume(q)}/month"] if labelled else None,
                textposition="bottom right", textfont=dict(size=12),
                hovertemplate=f"{fmt.setup(b.a)} and {fmt.setup(b.b)} cost the same<br>"
                              f"at {q:,.0f} queries/month: ${cost:,.0f}/month<extra></extra>",
                name=f"crossing {b.a} {b.b}",
            ))
    q0 = ev.scenario.workload.queries_per_month
    if lo <= q0 <= hi:
        fig.add_vline(x=q0, line=dict(color="grey", dash="dash"))
        fig.add_annotation(x=np.log10(q0), y=1, yref="paper", yanchor="bottom", showarrow=False,
                           text=f"your volume: {fmt.volume(q0)}/month", font=dict(color="grey"))
    fig.update_layout(
        xaxis=dict(type="log", title="Queries per month", range=[np.log10(lo), np.log10(hi)]),
        yaxis=dict(type="log", title="Monthly cost (USD)", tickprefix="$"),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0),
        margin=dict(l=10, r=10, t=60, b=10), height=520, hovermode="closest",
    )
    return fig


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
    fig.update_layout(barmode="stack", yaxis=dict(title="Monthly cost (USD)", tickprefix="$"),
                      legend=dict(orientation="v"), margin=dict(l=10, r=10, t=30, b=10), height=460)
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
    fig.update_layout(xaxis=dict(title=f"Months from {start_label}"),
                      yaxis=dict(title="Cumulative cost (USD)", tickprefix="$"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      margin=dict(l=10, r=10, t=40, b=10), height=420)
    return fig


DASHES = ["solid", "dash", "dot", "dashdot"]


def compare_figure(evaluations: dict[str, Evaluation], lo: float, hi: float) -> go.Figure:
    """Break-even curves of several scenarios overlaid: colour = setup, line style = scenario."""
    fig = go.Figure()
    volumes = np.geomspace(lo, hi, POINTS)
    for (label, ev), dash in zip(evaluations.items(), DASHES):
        for name in ev.feasible:
            fig.add_trace(go.Scatter(
                x=volumes, y=ev.monthly_cost(name, volumes), mode="lines",
                name=f"{label}: {fmt.setup(name)}", legendgroup=label,
                line=dict(color=fmt.SETUP_COLOURS[name], dash=dash, width=2),
                hovertemplate=f"{label}<br>{fmt.setup(name)}: $%{{y:,.0f}}/month at %{{x:,.0f}} queries<extra></extra>",
            ))
    fig.update_layout(
        xaxis=dict(type="log", title="Queries per month"),
        yaxis=dict(type="log", title="Monthly cost (USD)", tickprefix="$"),
        margin=dict(l=10, r=10, t=30, b=10), height=520,
    )
    return fig
