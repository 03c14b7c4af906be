"""Price history as evidence: how the bulk layer's dated prices moved, and the yearly change it shows.

Pure functions of the records of :func:`pricing.bulk.bulk_models` (their ``history``: every dated
price of a model, time-of-day prices already left out). Prices are USD per million tokens; changes
are in % per year, compounded as the simulator's price drift is (``(1 + d/100) ** years``).

The observed yearly change of one model (:func:`yearly_change`):

- *scheduled* prices (dated after the layer's ``as_of``) are left out: they were announced, not observed;
- the price at the start is the model's first price: the *starting price* when its first entry has no
  date (genai-prices gives none for the price a model launched at), else its first dated price. An
  undated entry is never used as a date;
- the price at the end is the last one not scheduled: the price in effect on ``as_of``;
- the window runs from the first dated price's start to ``as_of``: the layer says the last price still
  held that day. The starting price held for an unknown time before the first change; counting from the
  change makes the window as short as it can be, so the rate's size is an upper bound;
- a window shorter than :data:`MIN_SPAN_DAYS` (180 days) is left out. A step change seen over ``w``
  years counts as ``ratio ** (1 / w)`` a year: at 2 weeks a 20% cut reads as -99.7%/year and a
  doubling as +7 million %/year. At half a year one change counts at most squared (a halving reads
  -75%/year), which is as far as one change should be stretched into a trend;
- the change is that of the geometric mean of the input and output prices (the drift moves both by the
  same factor): ``100 x ((in_end/in_start x out_end/out_start) ** (1 / 2 years) - 1)``; with only one
  of them, that one. A price of 0 (free) has no ratio and leaves the model out.

Across models (:func:`summary`): the 5th, 10th, 50th, 90th and 95th percentiles (linear interpolation
between order statistics, numpy's default) of the models counted, and the range the Monte Carlo draws
price drift from: ``low = p10``, ``likely = 0``, ``high = p90`` (``low`` at most 0 and ``high`` at
least 0, so the point value stays 0 and today's point numbers do not move).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, Iterable

from . import bulk

MIN_SPAN_DAYS = 180  # the shortest window a yearly change is read from (see the module's docstring)
DAYS_PER_YEAR = 365.25
QUANTILES = (5, 10, 50, 90, 95)
LOW, HIGH = 10, 90  # the quantiles the Monte Carlo's low and high are
PRICES = ("input_usd_per_mtok", "output_usd_per_mtok")

# Why a model with a history is not counted (ModelHistory.excluded).
ONLY_SCHEDULED = "only scheduled changes: none observed yet"
TOO_SHORT = f"dated prices span less than {MIN_SPAN_DAYS} days to the layer's date"
FREE = "a price of 0 has no ratio"
NO_PRICE = "no input or output price at both ends"


@dataclass(frozen=True)
class PricePoint:
    """One price of a model's history [USD per million tokens]."""

    start: str | None  # ISO day it took effect; None: the starting price, undated
    scheduled: bool  # dated after the layer's as_of
    input_usd_per_mtok: float | None
    output_usd_per_mtok: float | None


@dataclass(frozen=True)
class ModelHistory:
    """A model's dated prices and the yearly change they show (None when it is not counted)."""

    provider: str
    model: str
    points: tuple[PricePoint, ...]  # in order, scheduled ones included (the chart shows them)
    span_days: int | None  # first dated price to as_of [days]; None: no dated price observed
    input_pct_per_year: float | None
    output_pct_per_year: float | None
    pct_per_year: float | None  # the model's observed yearly change [%/year]
    excluded: str | None = None  # why it is not counted

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.model}"

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.key, **{k: v for k, v in asdict(self).items() if k not in ("provider", "model")}}


@dataclass(frozen=True)
class DriftSummary:
    """The observed yearly change across models, and the range the Monte Carlo draws price drift from."""

    models: int  # how many models the numbers rest on
    with_history: int  # models with several dated prices
    excluded: dict[str, int]  # reason -> models with a history left out for it
    quantiles: dict[str, float]  # "p05" ... "p95" [%/year]; empty when no model is counted
    low: float  # [%/year]
    likely: float
    high: float
    source: str
    as_of: str  # the bulk layer's date
    min_span_days: int = MIN_SPAN_DAYS
    counted: tuple[str, ...] = field(default=(), repr=False)  # provider/model of the models counted

    def describe(self) -> str:
        """One line to cite: ``observed range from 10 models of genai-prices (p10..p90): -72 / 0 / +62 %/year``."""
        return (f"observed range from {self.models} models of genai-prices (p{LOW}..p{HIGH}): "
                f"{self.low:+.0f} / {self.likely:.0f} / {self.high:+.0f} %/year ({self.source}, as of {self.as_of})")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def points_of(record: dict[str, Any]) -> tuple[PricePoint, ...]:
    """A bulk record's history as price points (its current price alone when it has no history)."""
    entries = record["history"] or [{"from": None, "scheduled": False, **record["prices"]}]
    return tuple(PricePoint(e["from"], bool(e["scheduled"]), e.get("input_usd_per_mtok"), e.get("output_usd_per_mtok"))
                 for e in entries)


def yearly_change(points: Iterable[PricePoint],
                  as_of: dt.date) -> tuple[dict[str, float | None], int | None, str | None]:
    """({price name: yearly change [%/year] or None, "model": the model's}, window [days], why not counted).

    The rule is the module docstring's; the changes are None when the model is not counted.
    """
    points = list(points)
    observed = [p for p in points if not p.scheduled]
    dated = [p for p in observed if p.start is not None]
    none = {name: None for name in (*PRICES, "model")}
    if not dated:
        return none, None, ONLY_SCHEDULED if len(observed) < len(points) else None
    span = (as_of - dt.date.fromisoformat(dated[0].start)).days
    if span < MIN_SPAN_DAYS:
        return none, span, TOO_SHORT
    years = span / DAYS_PER_YEAR
    first, last = observed[0], observed[-1]
    logs: dict[str, float | None] = {}
    for name in PRICES:
        start, end = getattr(first, name), getattr(last, name)
        if start is None or end is None:
            logs[name] = None
        elif start <= 0 or end <= 0:
            return none, span, FREE
        else:
            logs[name] = math.log(end / start) / years
    known = [v for v in logs.values() if v is not None]
    if not known:
        return none, span, NO_PRICE
    changes = {name: _pct(v) for name, v in logs.items()}
    changes["model"] = _pct(sum(known) / len(known))
    return changes, span, None


def _pct(log_rate: float | None) -> float | None:
    return None if log_rate is None else 100.0 * math.expm1(log_rate)


def history_of(record: dict[str, Any], as_of: dt.date) -> ModelHistory:
    points = points_of(record)
    changes, span, excluded = yearly_change(points, as_of)
    return ModelHistory(record["provider"], record["id"], points, span, changes["input_usd_per_mtok"],
                        changes["output_usd_per_mtok"], changes["model"], excluded)


def histories(records: Iterable[dict[str, Any]], as_of: dt.date) -> list[ModelHistory]:
    """Every record with several dated prices, in the layer's order."""
    return [history_of(r, as_of) for r in records if r["history"]]


def quantile(values: list[float], q: float) -> float:
    """The ``q``-th percentile of ``values`` by linear interpolation between order statistics
    (numpy's default method)."""
    ordered = sorted(values)
    position = q / 100.0 * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def summary(models: list[ModelHistory], as_of: str, version: str) -> DriftSummary:
    """The distribution of the counted models' yearly change and the Monte Carlo's range from it."""
    counted = [m for m in models if m.excluded is None and m.pct_per_year is not None]
    excluded: dict[str, int] = {}
    for m in models:
        if m.excluded is not None:
            excluded[m.excluded] = excluded.get(m.excluded, 0) + 1
    values = [m.pct_per_year for m in counted]
    quantiles = {f"p{q:02d}": quantile(values, q) for q in QUANTILES} if values else {}
    low = min(quantiles.get(f"p{LOW}", 0.0), 0.0)
    high = max(quantiles.get(f"p{HIGH}", 0.0), 0.0)
    return DriftSummary(
        models=len(counted), with_history=len(models), excluded=excluded, quantiles=quantiles,
        low=low, likely=0.0, high=high,
        source=f"genai-prices=={version} data.py: dated prices of {len(counted)} models",
        as_of=as_of, counted=tuple(m.key for m in counted),
    )


@cache
def bulk_histories() -> tuple[ModelHistory, ...]:
    """The bulk layer's models with a history (once per process)."""
    config = bulk.settings()
    return tuple(histories(bulk.bulk_models(), dt.date.fromisoformat(config["as_of"])))


@cache
def observed_drift() -> DriftSummary:
    """The bulk layer's summary: what the Monte Carlo's observed price-drift range rests on."""
    config = bulk.settings()
    return summary(list(bulk_histories()), config["as_of"], config["version"])


def find(model: str) -> list[ModelHistory]:
    """The histories of ``provider/model``, or of every provider's ``model`` (an exact id)."""
    return [h for h in bulk_histories() if model in (h.key, h.model)]
