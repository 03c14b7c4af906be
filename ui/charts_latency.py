"""Plotly figures for the Latency page. Drawing only: every number comes from simulator results."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulator.analysis.latency_curves import PART_NAMES, LatencyCurve, LoadCurve
from simulator.model.latency import Latency

from . import fmt

PART_LABELS = {"retrieval": "Retrieval", "time_to_first_token": "Time to first token", "generation": "Generation"}
PART_COLOURS = {"retrieval": "#00CC96", "time_to_first_token": "#FFA15A", "generation": "#636EFA"}
LABEL_ROOM = 1.3  # the x axis reaches 30% past the longest bar: a label's width
LABEL_COLOUR = "black"  # on the page's white background, beside the bars rather than on them


def parts_figure(latencies: dict[str, Latency]) -> go.Figure:
    """Stacked horizontal bars per setup: each part's p50 (left) and p95 (right) [ms], with the
    end-to-end percentile marked (the parts' own percentiles need not add up to it)."""
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=("p50 (median query)", "p95 (1 query in 20 is slower)"))
    labels = [fmt.setup(n) for n in latencies]
    for col, pct in ((1, "p50"), (2, "p95")):
        for part in PART_NAMES:
            values = [getattr(lat, f"parts_{pct}").get(part, 0.0) for lat in latencies.values()]
            fig.add_trace(go.Bar(
                y=labels, x=values, orientation="h", name=PART_LABELS[part], legendgroup=part,
                marker_color=PART_COLOURS[part], showlegend=col == 1,
                customdata=[fmt.ms(v) for v in values],
                hovertemplate=f"{PART_LABELS[part]} {pct}: %{{customdata}}<extra>%{{y}}</extra>",
            ), row=1, col=col)
        totals = [getattr(lat, pct) for lat in latencies.values()]
        fig.add_trace(go.Scatter(
            y=labels, x=totals, mode="markers", name="end to end", legendgroup="total",
            marker=dict(symbol="diamond", size=11, color=LABEL_COLOUR), showlegend=col == 1,
            customdata=[fmt.ms(v) for v in totals],
            hovertemplate=f"end to end {pct}: %{{customdata}}<extra>%{{y}}</extra>",
        ), row=1, col=col)
        # The end-to-end label goes past the end of the bar: at p95 the parts add up to more than the
        # end-to-end figure, so a label beside the diamond sat on a coloured bar and could not be read.
        bar_ends = [sum(getattr(lat, f"parts_{pct}").get(part, 0.0) for part in PART_NAMES) for lat in latencies.values()]
        label_x = [max(end, total) for end, total in zip(bar_ends, totals)]
        fig.add_trace(go.Scatter(
            y=labels, x=label_x, mode="text",
            text=[fmt.ms(v) for v in totals], textposition="middle right", cliponaxis=False,
            textfont=dict(color=LABEL_COLOUR), showlegend=False, hoverinfo="skip", name="end to end label",
        ), row=1, col=col)
        # Room for the label inside its own panel, so the p50 labels do not run into the p95 bars.
        fig.update_xaxes(range=[0, LABEL_ROOM * max(label_x, default=1.0)], row=1, col=col)
    fig.update_layout(title=fmt.chart_title("End-to-end latency of each setup, part by part"), barmode="stack",
                      height=170 + 60 * len(latencies), margin=dict(l=10, r=60, t=70, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.15, x=0))
    fig.update_xaxes(title_text="ms")
    fig.update_yaxes(autorange="reversed")
    return fig


def prompt_growth_figure(curves: dict[str, LatencyCurve]) -> go.Figure:
    """p95 (solid) and p50 (dotted) end-to-end latency per setup vs added prompt tokens [ms]."""
    fig = go.Figure()
    for name, curve in curves.items():
        colour = fmt.SETUP_COLOURS.get(name, "grey")
        for pct, dash, width in (("p95", "solid", 2.5), ("p50", "dot", 1.5)):
            values = getattr(curve, pct)
            fig.add_trace(go.Scatter(
                x=curve.x, y=values, mode="lines", name=f"{fmt.setup(name)} {pct}", legendgroup=name,
                line=dict(color=colour, dash=dash, width=width),
                customdata=np.array([fmt.ms(v) if np.isfinite(v) else "does not fit" for v in values], dtype=object),
                hovertemplate=f"{fmt.setup(name)} {pct}: %{{customdata}}<br>+%{{x:,.0f}} prompt tokens<extra></extra>",
            ))
    fig.update_layout(
        title=fmt.chart_title("Latency as the prompt grows"),
        xaxis=dict(title="Prompt tokens added to every query (o200k_base)", rangemode="tozero"),
        yaxis=dict(title="End-to-end latency (ms)", rangemode="tozero"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        margin=dict(l=10, r=10, t=70, b=10), height=470, hovermode="x unified",
    )
    return fig


def load_figure(curve: LoadCurve) -> go.Figure:
    """One self-hosted replica as its load grows: p50/p95 latency (left axis) and queries/s
    (right axis), the scenario's target utilisation marked."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    colour = fmt.SETUP_COLOURS.get(curve.setup, "grey")
    for pct, dash, width in (("p95", "solid", 2.5), ("p50", "dot", 1.5)):
        values = getattr(curve, pct)
        fig.add_trace(go.Scatter(
            x=curve.x, y=values, mode="lines", name=f"{pct} latency", line=dict(color=colour, dash=dash, width=width),
            customdata=np.array([fmt.ms(v) for v in values], dtype=object),
            hovertemplate=f"{pct}: %{{customdata}} at %{{x:.0%}} load<extra></extra>",
        ), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=curve.x, y=curve.queries_per_s, mode="lines", name="queries/s per replica",
        line=dict(color="grey", width=1.5, dash="dash"), customdata=curve.batch,
        hovertemplate="%{y:.2f} queries/s, batch %{customdata:.0f} at %{x:.0%} load<extra></extra>",
    ), secondary_y=True)
    target = curve.target_utilisation
    fig.add_vline(x=target, line=dict(color="black", dash="dash"),
                  annotation_text=f"target utilisation {target:.0%}", annotation_position="top left")
    fig.update_xaxes(title_text="Load (share of the replica's capacity)", tickformat=".0%")
    fig.update_yaxes(title_text="End-to-end latency (ms)", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="Queries/s per replica", rangemode="tozero", showgrid=False, secondary_y=True)
    fig.update_layout(title=fmt.chart_title(f"{fmt.setup(curve.setup)}: latency and throughput of one replica as its load grows"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      margin=dict(l=10, r=10, t=70, b=10), height=430, hovermode="x unified")
    return fig
