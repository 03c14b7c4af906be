"""The Catalog page's price history: one model's prices over time, and the yearly change across models.

Only drawing and table rows; the arithmetic is in ``pricing/history.py``.
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from pricing.history import LOW, HIGH, DriftSummary, ModelHistory

from . import fmt

PRICE_COLOURS = {"input_usd_per_mtok": "#636EFA", "output_usd_per_mtok": "#EF553B"}
PRICE_LABELS = {"input_usd_per_mtok": "input", "output_usd_per_mtok": "output"}
UNDATED_STUB_DAYS = 30  # how far left of its first dated change an undated starting price is drawn


def price_history_figure(h: ModelHistory, as_of: str) -> go.Figure:
    """Step lines of the input and output price [USD per million tokens] from the first price to the
    layer's date; scheduled prices after it dotted. An undated starting price is drawn as a short
    stub before the first change (its start is not known)."""
    on = dt.date.fromisoformat(as_of)
    first = min((dt.date.fromisoformat(p.start) for p in h.points if p.start is not None and not p.scheduled),
                default=on)
    fig = go.Figure()
    for name, colour in PRICE_COLOURS.items():
        observed = [(p, getattr(p, name)) for p in h.points if not p.scheduled and getattr(p, name) is not None]
        scheduled = [(p, getattr(p, name)) for p in h.points if p.scheduled and getattr(p, name) is not None]
        if not observed:
            continue
        x = [first - dt.timedelta(days=UNDATED_STUB_DAYS) if p.start is None else dt.date.fromisoformat(p.start)
             for p, _ in observed] + [on]
        y = [v for _, v in observed] + [observed[-1][1]]  # the last price held on the layer's date
        text = ["starting price (start not dated)" if p.start is None else f"from {p.start}" for p, _ in observed]
        fig.add_trace(go.Scatter(
            x=x, y=y, name=f"{PRICE_LABELS[name]} price", mode="lines+markers", line=dict(color=colour, shape="hv"),
            text=text + [f"still in effect on {as_of}"],
            hovertemplate=f"{PRICE_LABELS[name]}: $%{{y:,.4g}} per MTok<br>%{{text}}<extra></extra>",
        ))
        if scheduled:
            fig.add_trace(go.Scatter(
                x=[on] + [dt.date.fromisoformat(p.start) for p, _ in scheduled],
                y=[observed[-1][1]] + [v for _, v in scheduled], name=f"{PRICE_LABELS[name]}, scheduled",
                mode="lines+markers", line=dict(color=colour, shape="hv", dash="dot"),
                text=[f"in effect on {as_of}"] + [f"scheduled from {p.start}" for p, _ in scheduled],
                hovertemplate=f"{PRICE_LABELS[name]}: $%{{y:,.4g}} per MTok<br>%{{text}}<extra></extra>",
            ))
    fig.add_vline(x=on.isoformat(), line=dict(color="#888", dash="dash"))
    fig.add_annotation(x=on.isoformat(), y=1, yref="paper", yanchor="bottom", showarrow=False,
                       text=f"layer's date {as_of}")
    fig.update_layout(title=fmt.chart_title(h.key), yaxis=dict(title="USD per million tokens", rangemode="tozero"),
                      legend=dict(orientation="h", yanchor="top", y=-0.15, x=0),
                      margin=dict(l=10, r=10, t=40, b=10), height=340)
    return fig


def yearly_change_figure(models: list[ModelHistory], summary: DriftSummary) -> go.Figure:
    """Histogram of the counted models' observed yearly change [%/year], with the Monte Carlo's range."""
    values = [m.pct_per_year for m in models if m.excluded is None and m.pct_per_year is not None]
    fig = go.Figure(go.Histogram(
        x=values, xbins=dict(size=10), marker=dict(color="#888"), name="models",
        hovertemplate="%{x} %/year: %{y} models<extra></extra>",
    ))
    for x, label in ((summary.low, f"low (p{LOW}) {summary.low:+.0f}"), (summary.likely, "likely 0"),
                     (summary.high, f"high (p{HIGH}) {summary.high:+.0f}")):
        fig.add_vline(x=x, line=dict(color="black", dash="dash" if x else "solid"))
        fig.add_annotation(x=x, y=1, yref="paper", yanchor="bottom", showarrow=False, text=label)
    fig.update_layout(title=fmt.chart_title("Observed yearly price change across models"),
                      xaxis=dict(title="Observed yearly price change (%/year)", ticksuffix="%"),
                      yaxis=dict(title="Models"), bargap=0.05, showlegend=False,
                      margin=dict(l=10, r=10, t=50, b=10), height=300)
    return fig


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:+.1f}"


def _signed(x: float) -> str:
    """-72, 0, +62: a sign on every change but none."""
    return "0" if round(x) == 0 else f"{x:+.0f}"


def history_line(h: ModelHistory) -> str:
    """One sentence on a model's history: its prices and the yearly change counted (or why not)."""
    scheduled = sum(p.scheduled for p in h.points)
    prices = f"{len(h.points)} prices" + (f", {scheduled} of them scheduled" if scheduled else "")
    if h.excluded is not None:
        return f"**{h.key}**: {prices}; not counted: {h.excluded}."
    return (f"**{h.key}**: {prices}; observed yearly change **{_pct(h.pct_per_year)} %/year** over "
            f"{h.span_days} days (input {_pct(h.input_pct_per_year)}, output {_pct(h.output_pct_per_year)} %/year).")


def history_rows(models: list[ModelHistory]) -> list[dict]:
    """The table of every model with a history: counted first, by yearly change."""
    ordered = sorted(models, key=lambda m: (m.excluded is not None, m.pct_per_year or 0.0, m.key))
    return [{
        "model": m.key,
        "prices": len(m.points),
        "first dated": next((p.start for p in m.points if p.start is not None), None),
        "window (days)": m.span_days,
        "input (%/year)": m.input_pct_per_year,
        "output (%/year)": m.output_pct_per_year,
        "yearly change (%/year)": m.pct_per_year,
        "counted": "yes" if m.excluded is None else f"no: {m.excluded}",
    } for m in ordered]


def summary_line(summary: DriftSummary) -> str:
    """The numbers the Monte Carlo's observed range rests on, in one Markdown line."""
    q = summary.quantiles
    spread = ", ".join(f"{name} {_signed(value)}" for name, value in q.items()) + " %/year; " if q else ""
    return (f"**{summary.models} models** of {summary.with_history} with dated prices are counted (a dated price "
            f"at least {summary.min_span_days} days before {summary.as_of}): {spread}the Monte Carlo draws the "
            f"price drift of `{{dist: observed}}` from PERT **{_signed(summary.low)} / {_signed(summary.likely)} / "
            f"{_signed(summary.high)} %/year** (p{LOW} / 0 / p{HIGH}). Source: {summary.source}.")
