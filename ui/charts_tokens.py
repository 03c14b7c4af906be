"""Plotly figures for the Tokens page. No model arithmetic here: only drawing ContextFit results."""

from __future__ import annotations

import plotly.graph_objects as go

from simulator.analysis.context_fit import ContextFit

from . import fmt

PART_LABELS = {
    "system_prompt": "System prompt", "few_shot": "Few-shot examples", "retrieved_chunks": "Retrieved chunks",
    "query": "Query", "answer": "Answer", "reasoning": "Reasoning", "history": "Conversation history",
}
PART_COLOURS = {
    "system_prompt": "#636EFA", "few_shot": "#19D3F3", "retrieved_chunks": "#00CC96",
    "query": "#FFA15A", "answer": "#EF553B", "reasoning": "#AB63FA", "history": "#B6E880",
}
WINDOW_COLOUR = "#222222"


def part_label(part: str) -> str:
    return PART_LABELS.get(part, part.replace("_", " ").capitalize())


def bar_label(fit: ContextFit) -> str:
    return f"{fmt.setup(fit.setup)} · {fit.model}" + ("" if fit.feasible else " (infeasible)")


def composition_figure(fits: list[ContextFit], show_window: bool = False) -> go.Figure:
    """Stacked horizontal bars of each setup's average query, in its model's tokens, windows marked.

    With ``show_window`` the axis reaches the largest context window; otherwise it fits the bars and
    windows beyond it are drawn at the right edge as an arrow with their size.
    """
    labels = [bar_label(f) for f in fits]
    fig = go.Figure()
    parts = list(dict.fromkeys(p for f in fits for p in f.composition))
    for part in parts:
        values = [f.composition.get(part, 0.0) for f in fits]
        if not any(values):
            continue
        fig.add_trace(go.Bar(
            y=labels, x=values, name=part_label(part), orientation="h",
            marker=dict(color=PART_COLOURS.get(part), opacity=[1.0 if f.feasible else 0.45 for f in fits]),
            customdata=[[fmt.tokens(v), fmt.tokens(f.total_tokens)] for v, f in zip(values, fits)],
            hovertemplate=f"<b>%{{y}}</b><br>{part_label(part)}: %{{customdata[0]}} tokens "
                          "of %{customdata[1]}<extra></extra>",
        ))
    totals = [f.total_tokens for f in fits]
    windows = [f.context_window_tokens for f in fits]
    known = [w for w in windows if w]
    top = max(totals, default=0.0)
    right = max([top, *known]) if show_window else top
    right = max(right, 1.0) * 1.12
    inside = [(lab, w) for lab, w in zip(labels, windows) if w and w <= right]
    beyond = [(lab, w) for lab, w in zip(labels, windows) if w and w > right]
    if inside:
        fig.add_trace(go.Scatter(
            y=[lab for lab, _ in inside], x=[w for _, w in inside], mode="markers", name="Context window",
            marker=dict(symbol="line-ns", size=34, line=dict(width=3, color=WINDOW_COLOUR), color=WINDOW_COLOUR),
            customdata=[fmt.tokens(w) for _, w in inside],
            hovertemplate="<b>%{y}</b><br>context window: %{customdata} tokens<extra></extra>",
        ))
    if beyond:
        fig.add_trace(go.Scatter(
            y=[lab for lab, _ in beyond], x=[right] * len(beyond), mode="markers+text",
            name="Context window (beyond the axis)", showlegend=not inside,
            marker=dict(symbol="triangle-right", size=12, color=WINDOW_COLOUR),
            text=[f"window {fmt.tokens(w)}" for _, w in beyond], textposition="middle right",
            textfont=dict(size=11, color=WINDOW_COLOUR), cliponaxis=False,
            customdata=[fmt.tokens(w) for _, w in beyond],
            hovertemplate="<b>%{y}</b><br>context window: %{customdata} tokens<extra></extra>",
        ))
    fig.update_layout(
        title=fmt.chart_title("Tokens per query of each setup, by part"),
        barmode="stack",
        xaxis=dict(title="Tokens per query (the model's own tokens)", range=[0, right], separatethousands=True),
        yaxis=dict(autorange="reversed"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, traceorder="normal"),
        margin=dict(l=10, r=130 if beyond else 10, t=70, b=10), height=170 + 70 * max(len(fits), 1),
        hovermode="closest",
    )
    return fig
