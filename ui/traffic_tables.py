"""The Traffic page's tables: a ModelFit's values, absent values and lengths as rows of text, in the
order and words of ``crossover traffic`` (simulator/cli/traffic.py). Sentences (how a value was
fitted, why one is absent) are kept apart from the table rows: in a cell they would be cut at the
column's width. No fitting here."""

from __future__ import annotations

from simulator.traffic.fit import ModelFit

from .charts_traffic import WEEKDAYS

VALUE_LABELS = {  # the fitted values a scenario's workload can take, in the CLI's order
    "queries_per_month": "Queries per month (at the end)",
    "monthly_growth": "Monthly growth",
    "weekday_factors": "Weekday factors (mean 1)",
    "peak_to_average": "Peak to average (p99 hour / mean hour)",
    "cache_hit_rate": "Cache hit rate (requests reading cached tokens)",
    "cached_token_share": "Cached share of input tokens",
    "turns_per_conversation": "Turns per conversation (mean)",
    "gap_between_turns_s": "Gap between turns (median)",
}
LENGTH_LABELS = {"query": "Query", "answer": "Answer", "reasoning": "Reasoning", "first_turn_query": "First-turn query"}
MEDIAN, P5, P95 = 10, 1, 19  # indices in the 21 quantiles 0, 0.05, ..., 1 a length keeps


def label(key: str) -> str:
    """A value's words; ``lengths.query`` is "Query length"."""
    if key.startswith("lengths."):
        part = key.split(".", 1)[1]
        return f"{LENGTH_LABELS.get(part, part)} length"
    return VALUE_LABELS.get(key, key.replace("_", " ").capitalize())


def shown_value(key: str, value) -> str:
    if key == "monthly_growth":
        return f"{value:+.1%}/month"
    if key in ("cache_hit_rate", "cached_token_share"):
        return f"{value:.1%}"
    if key == "weekday_factors":
        return " · ".join(f"{day[:3]} {factor:.2f}" for day, factor in zip(WEEKDAYS, value))
    if key == "peak_to_average":
        return f"{value:.2f}×"
    if key == "gap_between_turns_s":
        return f"{value:,.0f} s"
    if key == "queries_per_month":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


OWN_LINE = ("lengths", "weekday_factors")  # a table of their own, and seven numbers too wide for a cell


def _keys(fit: ModelFit) -> list[str]:
    return [k for k in VALUE_LABELS if k in fit.values] + [k for k in fit.values if k not in VALUE_LABELS]


def value_rows(fit: ModelFit) -> list[dict]:
    """One row per fitted value (lengths and weekday factors apart): what it is, its value, and what it
    rests on."""
    return [{"value": label(k), "fitted": shown_value(k, fit.values[k]["value"]),
             "requests": f"{fit.values[k]['requests']:,}", "whole days": f"{fit.values[k]['days']:,}"}
            for k in _keys(fit) if k not in OWN_LINE]


def weekday_line(fit: ModelFit) -> str | None:
    """"Weekday factors (mean 1): Mon 1.20 · Tue 1.13 · ...", or None without a trend."""
    if "weekday_factors" not in fit.values:
        return None
    return f"{label('weekday_factors')}: {shown_value('weekday_factors', fit.values['weekday_factors']['value'])}"


def methods(fit: ModelFit) -> list[tuple[str, str]]:
    """(value, how it was fitted) for the values that say."""
    return [(label(k), fit.values[k]["method"]) for k in _keys(fit) if fit.values[k].get("method")]


def absent(fit: ModelFit) -> list[tuple[str, str]]:
    """(value, why it is absent)."""
    return [(label(k), why) for k, why in fit.absent.items()]


def length_rows(fit: ModelFit) -> list[dict]:
    """Query, answer and reasoning lengths [o200k_base tokens]: median, p5, p95 and mean."""
    rows = []
    for part, length in fit.values.get("lengths", {}).items():
        q = length["value"]
        rows.append({"length": LENGTH_LABELS.get(part, part), "median": f"{q[MEDIAN]:,.0f}", "p5": f"{q[P5]:,.0f}",
                     "p95": f"{q[P95]:,.0f}", "mean": f"{length['mean']:,.0f}", "requests": f"{length['requests']:,}"})
    return rows


def length_notes(fit: ModelFit) -> list[tuple[str, str]]:
    """(length, what it counts) for the lengths that say."""
    return [(LENGTH_LABELS.get(part, part), length["note"])
            for part, length in fit.values.get("lengths", {}).items() if length.get("note")]
