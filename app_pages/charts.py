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
    for b in ev.break_even:
        for q in b.crossings[:20]:
            if not lo <= q <= hi:
                continue
            cost = float(ev.monthly_cost(b.a, q))
            fig.add_trace(go.Scatter(
                x=[q], y=[cost], mode="markers+text", showlegend=False,
                marker=dict(size=10, color="black", symbol="x"),
                text=[f"{fmt.setup(b.a)} = {fmt.setup(b.b)}<br>{fmt.volume(q)}/month"],
                textposition="top left", textfont=dict(size=11),
                hovertemplate=f"{fmt.setup(b.a)} and {fmt.setup(b.b)} cost the same<br>"
                              f"at {q:,.0f} queries/month: ${cost:,.0f}/month<extra></extra>",
                name=f"crossing {b.a} {b.b}",
            ))
    q0 = ev.scenario.workload.queries_per_month
    if lo <= q0 <= hi:
        fig.add_vline(x=q0, line=dict(color="grey", dash="dash"),
                      annotation_text=f"your volume: {fmt.volume(q0)}/month", annotation_position="top")
    fig.update_layout(
        xaxis=dict(type="log", title="Queries per month", range=[np.log10(lo), np.log10(hi)]),
        yaxis=dict(type="log", title="Monthly cost (USD)", tickprefix="$"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        margin=dict(l=10, r=10, t=40, b=10), height=520, hovermode="closest",
    )
    return fig
