"""Plotly figures for the Traffic page. No fitting here: only drawing a ModelFit's profile and days."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from simulator.traffic.fit import ModelFit
from simulator.traffic.trend import daily_rate

from . import fmt

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BAR_COLOUR = "#636EFA"
TREND_COLOUR = "#EF553B"


def profile_figure(profile: np.ndarray, model: str = "") -> go.Figure:
    """Heat map of mean requests per hour [requests/hour]: rows Monday..Sunday, columns hour 0..23 UTC.
    An hour of the week the log never covers is NaN and drawn as a gap, not as zero."""
    z = np.asarray(profile, dtype=float)
    of = f" of {fmt.chart_text(model)}" if model else ""
    fig = go.Figure(go.Heatmap(
        z=[[None if np.isnan(v) else float(v) for v in row] for row in z],  # None: a gap in the map
        x=list(range(24)), y=list(WEEKDAYS), colorscale="Blues", hoverongaps=False, xgap=1, ygap=1,
        colorbar=dict(title=dict(text="Requests<br>per hour", side="top")),
        hovertemplate="%{y}, %{x}:00–%{x}:59 UTC: %{z:,.1f} requests/hour on average<extra></extra>",
    ))
    fig.update_layout(
        title=fmt.chart_title(f"Mean requests per hour{of}, by weekday and hour (UTC)"),
        xaxis=dict(title="Hour of the day (UTC)", tickmode="linear", dtick=2, range=[-0.5, 23.5]),
        yaxis=dict(title="", autorange="reversed"),
        margin=dict(l=10, r=10, t=50, b=10), height=360,
    )
    return fig


def daily_figure(fit: ModelFit) -> go.Figure:
    """Requests on each whole day [requests/day] as bars, and the fitted trend's weekday-averaged rate
    as a line where the fit has a growth (14 whole days or more)."""
    days = [d for d, _ in fit.daily]
    counts = [c for _, c in fit.daily]
    fig = go.Figure(go.Bar(
        x=days, y=counts, name="Requests on the day", marker_color=BAR_COLOUR,
        hovertemplate="%{x|%a %Y-%m-%d}: %{y:,} requests<extra></extra>",
    ))
    volume, growth = fit.values.get("queries_per_month"), fit.values.get("monthly_growth")
    if days and volume is not None and growth is not None:
        before_end = np.array([(d - days[-1]).days for d in days])
        fig.add_trace(go.Scatter(
            x=days, y=daily_rate(volume["value"], growth["value"], before_end), mode="lines",
            name=f"Fitted trend ({growth['value']:+.1%}/month, weekdays averaged)",
            line=dict(color=TREND_COLOUR, width=2.5),
            hovertemplate="%{x|%a %Y-%m-%d}: trend %{y:,.1f} requests/day<extra></extra>",
        ))
    of = f" of {fmt.chart_text(fit.model)}" if fit.model else ""
    fig.update_layout(
        title=fmt.chart_title(f"Requests{of} on each whole day (UTC)"),
        xaxis=dict(title="Day (UTC; the log's first and last days are partial and left out)"),
        yaxis=dict(title="Requests per day", separatethousands=True, rangemode="tozero"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        margin=dict(l=10, r=10, t=70, b=10), height=400, hovermode="closest", showlegend=True,
    )
    return fig
