"""A workload fitted from imported traffic: volume, growth, peaks, lengths, caching and conversations.

Every fitted value is ``{"value": ..., "requests": N, "days": D}`` (the requests and whole days it
rests on); what a source cannot give (peaks and lengths from daily usage sums, a trend from less than
two weeks) is absent, with the reason in ``absent``, never guessed. Token counts in a log are the
model's own tokens; lengths are converted to the ``o200k_base`` tokens a scenario uses with the
catalog's tokenizer ratio (o200k tokens = log tokens / ratio), and the ratio's source is reported.
The aggregation runs in DuckDB; only per-day, per-hour and per-quantile figures reach NumPy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import numpy as np

from pricing.catalog import Catalog, CatalogError
from pricing.resolve import llm_key, with_llms
from simulator.units import HOURS_PER_MONTH

from . import trend
from .formats import ImportReport

MAX_MODELS_FITTED = 20  # a log with more models reports the busiest; the rest are listed by count
ALL_MODELS = None


class FitError(ValueError):
    """The traffic cannot be fitted as asked (no rows kept, an unknown --model)."""


@dataclass
class TokenizerNote:
    model: str
    tokenizer: str | None
    ratio: float
    source: str | None
    as_of: str | None

    def to_json(self) -> dict:
        if self.tokenizer is None:
            note = (f"{self.model} is not in the catalog: token counts are kept as logged (taken as "
                    "o200k_base tokens)")
        elif self.ratio == 1.0:
            note = f"{self.model} counts in {self.tokenizer}: the log's counts are used as they are"
        else:
            note = (f"{self.model}'s tokenizer ({self.tokenizer}) counts {self.ratio:g}x o200k_base: lengths are "
                    f"the log's counts / {self.ratio:g}")
        return {"tokenizer": self.tokenizer, "ratio": self.ratio, "source": self.source, "as_of": self.as_of,
                "note": note}


@dataclass
class ModelFit:
    model: str
    requests: int
    first: dt.datetime
    last: dt.datetime
    whole_days: int
    values: dict[str, dict] = field(default_factory=dict)
    absent: dict[str, str] = field(default_factory=dict)
    tokens: TokenizerNote | None = None
    profile: np.ndarray | None = None  # 7 x 24 mean requests per hour (Monday first, UTC)
    daily: list[tuple[dt.date, int]] = field(default_factory=list)
    counted_from_text: int = 0  # requests whose length was counted here from their text (o200k_base)

    def to_json(self) -> dict:
        out = {"model": self.model, "requests": self.requests,
               "period": {"first": self.first.isoformat() + "Z", "last": self.last.isoformat() + "Z",
                          "whole_days": self.whole_days},
               **self.values, "absent": self.absent}
        if self.tokens is not None:
            out["tokens"] = self.tokens.to_json()
            if self.counted_from_text:
                out["tokens"]["counted_from_text"] = self.counted_from_text
                out["tokens"]["note"] += (f"; {self.counted_from_text:,} requests had text instead of a count: "
                                          "counted here with o200k_base, the text dropped")
        if self.profile is not None:
            out["hour_weekday_profile"] = {
                "unit": "mean requests per hour, rows Monday..Sunday, columns hour 0..23 UTC",
                "values": [[None if np.isnan(v) else round(float(v), 3) for v in row] for row in self.profile]}
        return out


@dataclass
class TrafficFit:
    report: ImportReport
    models: list[tuple[str, int]]   # every model with its request count, busiest first
    by_model: dict[str, ModelFit]

    def to_json(self) -> dict:
        out = {"file": self.report.to_json(), "models": [{"model": m, "requests": n} for m, n in self.models],
               "by_model": {m: f.to_json() for m, f in self.by_model.items()}}
        if len(self.by_model) == 1:
            (only,) = self.by_model.values()
            out["workload"] = only.to_json()
        return out


def _value(value, requests: int, days: int, **extra) -> dict:
    return {"value": value, "requests": int(requests), "days": int(days), **extra}


def tokenizer_note(catalog: Catalog, model: str) -> TokenizerNote:
    """How the log's counts of ``model`` convert to o200k_base tokens, from the catalog."""
    try:
        key = llm_key(catalog, model)
        entry = with_llms(catalog, [key]).llm[key]
    except CatalogError:
        try:
            entry = catalog.get("open_model", model)
        except CatalogError:
            return TokenizerNote(model, None, 1.0, None, None)
    tok = catalog.get("tokenizer", entry.tokenizer)
    if tok.ratio is None:
        return TokenizerNote(model, tok.id, 1.0, None, None)
    return TokenizerNote(model, tok.id, float(tok.ratio.value), tok.ratio.source, str(tok.ratio.as_of))


def fit_traffic(con: duckdb.DuckDBPyConnection, report: ImportReport, catalog: Catalog, *,
                model: str | None = ALL_MODELS) -> TrafficFit:
    """Fit the traffic that :func:`formats.read_traffic` left in ``con``, per model (or ``model`` only)."""
    table = "requests" if report.granularity == "requests" else "buckets"
    count = "count(*)" if table == "requests" else "sum(requests)"
    models = [(m, int(n)) for m, n in con.execute(
        f"SELECT model, {count} AS n FROM {table} GROUP BY model ORDER BY n DESC, model").fetchall()]
    if not models:
        raise FitError(f"{report.file_name}: no rows left to fit ({report.rows_refused:,} refused)")
    names = [m for m, _ in models]
    if model is not None:
        if model not in names:
            listed = ", ".join(f"{m} ({n:,})" for m, n in models[:10])
            raise FitError(f"{report.file_name}: no requests of model {model!r}; the log has {listed}")
        chosen = [model]
    else:
        chosen = names[:MAX_MODELS_FITTED]
    fits = {}
    for name in chosen:
        fits[name] = (_fit_requests if table == "requests" else _fit_buckets)(con, name, catalog)
    return TrafficFit(report=report, models=models, by_model=fits)


def _whole_days(con, table: str, ts: str, model: str, weight: str) -> tuple[np.ndarray, list[dt.date]]:
    """Requests on each whole day (the first and the last day of the log are partial and left out),
    days without a request counted as 0."""
    first, last = con.execute(f"SELECT min({ts}), max({ts}) FROM {table} WHERE model = ?", [model]).fetchall()[0]
    start = first.date() + dt.timedelta(days=1) if first.time() != dt.time(0) else first.date()
    end = last.date()  # exclusive: the last day is partial
    rows = con.execute(f"""SELECT CAST({ts} AS DATE) AS d, {weight} FROM {table}
                           WHERE model = ? AND {ts} >= ? AND {ts} < ? GROUP BY d ORDER BY d""",
                       [model, start, end]).fetchall()
    n = max((end - start).days, 0)
    counts = np.zeros(n)
    for d, c in rows:
        counts[(d - start).days] = c
    return counts, [start + dt.timedelta(days=i) for i in range(n)]


def _volume(fit: ModelFit, counts: np.ndarray, days: list[dt.date]) -> None:
    n_days, total = len(days), int(counts.sum())
    if n_days >= trend.MIN_TREND_DAYS and total > 0:
        t = trend.fit_trend(counts, np.array([d.weekday() for d in days]))
        fit.values["queries_per_month"] = _value(round(t.queries_per_month, 1), total, n_days,
                                                 method="Poisson log-linear trend with weekday factors, at the last whole day")
        fit.values["monthly_growth"] = _value(round(t.monthly_growth, 4), total, n_days)
        fit.values["weekday_factors"] = _value([round(float(f), 3) for f in t.weekday_factors], total, n_days,
                                               unit="Monday..Sunday, mean 1")
    elif n_days >= 1 and total > 0:
        fit.values["queries_per_month"] = _value(round(total / n_days * trend.DAYS_PER_MONTH, 1), total, n_days,
                                                 method="mean of the whole days")
        fit.absent["monthly_growth"] = (f"a trend needs {trend.MIN_TREND_DAYS} whole days; the log has {n_days} "
                                        "(its first and last days are partial)")
    else:
        fit.absent["monthly_growth"] = "the log covers no whole day (its first and last days are partial)"
    fit.daily = list(zip(days, counts.astype(int).tolist()))


def _hourly(con, table: str, ts: str, model: str, weight: str) -> tuple[np.ndarray, dt.datetime | None]:
    """Requests in each whole hour from the first whole hour to the last (empty hours as 0)."""
    first, last = con.execute(f"SELECT min({ts}), max({ts}) FROM {table} WHERE model = ?", [model]).fetchall()[0]
    start = first.replace(minute=0, second=0, microsecond=0)
    if start != first:
        start += dt.timedelta(hours=1)
    end = last.replace(minute=0, second=0, microsecond=0)
    n = int((end - start).total_seconds() // 3600)
    if n <= 0:
        return np.zeros(0), None
    rows = con.execute(f"""SELECT date_trunc('hour', {ts}) AS h, {weight} FROM {table}
                           WHERE model = ? AND {ts} >= ? AND {ts} < ? GROUP BY h""", [model, start, end]).fetchall()
    counts = np.zeros(n)
    for h, c in rows:
        counts[int((h - start).total_seconds() // 3600)] = c
    return counts, start


MIN_PEAK_HOURS = 7 * 24     # every hour of every weekday once
MIN_REQUESTS_PER_HOUR = 1.0  # below, the 99th percentile hour is a handful of requests: noise, not a peak


def _peaks(fit: ModelFit, hourly: np.ndarray, start: dt.datetime | None) -> None:
    if hourly.size < MIN_PEAK_HOURS:
        fit.absent["peak_to_average"] = f"needs {MIN_PEAK_HOURS} whole hours (a week); the log has {hourly.size}"
        return
    if hourly.mean() < MIN_REQUESTS_PER_HOUR:
        fit.absent["peak_to_average"] = (f"{hourly.mean():.2g} requests per hour on average: too few for a "
                                         f"99th-percentile hour (needs {MIN_REQUESTS_PER_HOUR:g} or more)")
        return
    fit.values["peak_to_average"] = _value(round(trend.peak_to_average(hourly), 3), int(hourly.sum()),
                                           hourly.size // 24, hours=int(hourly.size),
                                           method="99th percentile of hourly counts / mean hourly count")
    fit.profile = trend.hour_weekday_profile(hourly, start.weekday(), start.hour)


QUANTILE_LIST = "[" + ", ".join(f"{q:.2f}" for q in trend.QUANTILES) + "]"


def _lengths(con, fit: ModelFit, model: str, ratio: float) -> None:
    """Quantiles and means in o200k_base tokens: logged counts divided by the model's ratio, counts
    made here from a row's text (already o200k_base) as they are."""
    days = max(fit.whole_days, 0)
    per = {"input": f"CASE WHEN input_counted THEN 1 ELSE {ratio!r} END",
           "output": f"CASE WHEN output_counted THEN 1 ELSE {ratio!r} END"}
    columns = {
        "query": f"input_tokens / {per['input']}",
        "answer": f"(output_tokens - coalesce(reasoning_tokens, 0)) / {per['output']}",
        "reasoning": f"reasoning_tokens / {per['output']}",
    }
    lengths = {}
    for name, expr in columns.items():
        n, qs, mean = con.execute(f"""SELECT count({expr}), quantile_cont({expr}, {QUANTILE_LIST}), avg({expr})
                                      FROM requests WHERE model = ?""", [model]).fetchall()[0]
        if n == 0:
            fit.absent[f"lengths.{name}"] = "no request in the log gives reasoning tokens" if name == "reasoning" \
                else f"no request gives its {name} length"
            continue
        lengths[name] = _value([round(float(q), 1) for q in qs], n, days, mean=round(float(mean), 1),
                               unit="o200k_base tokens at quantiles 0, 0.05, ..., 1")
    if "query" in lengths:
        lengths["query"]["note"] = "the whole prompt as sent (system prompt, examples, retrieved text and history included)"
    if "answer" in lengths:
        lengths["answer"]["note"] = "output tokens less reasoning tokens"
    first = f"""SELECT input_tokens / {per['input']} AS q FROM (
        SELECT *, row_number() OVER (PARTITION BY conversation_id ORDER BY ts, seq) AS turn FROM requests
        WHERE model = ? AND conversation_id IS NOT NULL) WHERE turn = 1"""
    n, qs, mean = con.execute(f"SELECT count(q), quantile_cont(q, {QUANTILE_LIST}), avg(q) FROM ({first})",
                              [model]).fetchall()[0]
    if n:
        lengths["first_turn_query"] = _value([round(float(q), 1) for q in qs], n, days, mean=round(float(mean), 1),
                                             unit="o200k_base tokens at quantiles 0, 0.05, ..., 1",
                                             note="the prompt of each conversation's first turn: no history yet")
    (counted,) = con.execute("SELECT count(*) FILTER (WHERE input_counted OR output_counted) FROM requests "
                             "WHERE model = ?", [model]).fetchall()[0]
    fit.counted_from_text = int(counted)
    if lengths:
        fit.values["lengths"] = lengths


def _caching(con, fit: ModelFit, model: str) -> None:
    n, hits, cached, inputs = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE cached_input_tokens > 0), sum(cached_input_tokens),
               sum(input_tokens) FROM requests WHERE model = ? AND cached_input_tokens IS NOT NULL""",
                                         [model]).fetchall()[0]
    if n == 0:
        fit.absent["cache_hit_rate"] = "the log has no cached-input token counts"
        fit.absent["cached_token_share"] = fit.absent["cache_hit_rate"]
        return
    fit.values["cache_hit_rate"] = _value(round(hits / n, 4), n, fit.whole_days,
                                          method="share of requests that read cached tokens")
    fit.values["cached_token_share"] = _value(round(cached / inputs, 4) if inputs else 0.0, n, fit.whole_days,
                                              method="cached input tokens / input tokens")


def _conversations(con, fit: ModelFit, model: str) -> None:
    n, conversations = con.execute("""SELECT count(conversation_id), count(DISTINCT conversation_id) FROM requests
                                      WHERE model = ?""", [model]).fetchall()[0]
    if n == 0:
        fit.absent["turns_per_conversation"] = "the log has no conversation ids"
        fit.absent["gap_between_turns_s"] = fit.absent["turns_per_conversation"]
        return
    mean, qs = con.execute(f"""SELECT avg(turns), quantile_cont(turns, {QUANTILE_LIST}) FROM (
        SELECT count(*) AS turns FROM requests WHERE model = ? AND conversation_id IS NOT NULL
        GROUP BY conversation_id)""", [model]).fetchall()[0]
    fit.values["turns_per_conversation"] = _value(round(float(mean), 3), n, fit.whole_days, conversations=int(conversations),
                                                  quantiles=[round(float(q), 2) for q in qs])
    gaps = con.execute(f"""SELECT count(gap), median(gap), quantile_cont(gap, {QUANTILE_LIST}) FROM (
        SELECT epoch(ts) - epoch(lag(ts) OVER (PARTITION BY conversation_id ORDER BY ts)) AS gap
        FROM requests WHERE model = ? AND conversation_id IS NOT NULL)""", [model]).fetchall()[0]
    if gaps[0] == 0:
        fit.absent["gap_between_turns_s"] = "every conversation has one turn"
        return
    fit.values["gap_between_turns_s"] = _value(round(float(gaps[1]), 1), int(gaps[0]), fit.whole_days,
                                               statistic="median", quantiles=[round(float(q), 1) for q in gaps[2]])


def _base(con, table: str, ts: str, model: str, weight: str, catalog: Catalog) -> ModelFit:
    requests, first, last = con.execute(f"SELECT {weight}, min({ts}), max({ts}) FROM {table} WHERE model = ?",
                                        [model]).fetchall()[0]
    fit = ModelFit(model=model, requests=int(requests), first=first, last=last, whole_days=0,
                   tokens=tokenizer_note(catalog, model))
    counts, days = _whole_days(con, table, ts, model, weight)
    fit.whole_days = len(days)
    _volume(fit, counts, days)
    hours = (last - first).total_seconds() / 3600
    if "queries_per_month" not in fit.values and hours > 0:
        fit.values["queries_per_month"] = _value(round(requests / hours * HOURS_PER_MONTH, 1), requests, 0,
                                                 hours=round(hours, 1),
                                                 method="requests / observed hours (no whole day: a daily pattern is not averaged out)")
    elif "queries_per_month" not in fit.values:
        fit.absent["queries_per_month"] = "the log spans no time (one request, or all at the same instant)"
    return fit


def _fit_requests(con, model: str, catalog: Catalog) -> ModelFit:
    fit = _base(con, "requests", "ts", model, "count(*)", catalog)
    hourly, start = _hourly(con, "requests", "ts", model, "count(*)")
    _peaks(fit, hourly, start)
    _lengths(con, fit, model, fit.tokens.ratio)
    _caching(con, fit, model)
    _conversations(con, fit, model)
    return fit


def _fit_buckets(con, model: str, catalog: Catalog) -> ModelFit:
    fit = _base(con, "buckets", "start", model, "sum(requests)", catalog)
    (width,) = con.execute('SELECT max(epoch("end") - epoch(start)) FROM buckets WHERE model = ?', [model]).fetchall()[0]
    if width <= 3600:
        hourly, start = _hourly(con, "buckets", "start", model, "sum(requests)")
        _peaks(fit, hourly, start)
    else:
        fit.absent["peak_to_average"] = (f"the export sums usage over {width / 3600:g}-hour buckets: peaks need "
                                         "hourly buckets (bucket_width=1h) or one row per request")
    n, inputs, outputs, cached = con.execute("""SELECT sum(requests), sum(input_tokens), sum(output_tokens),
        sum(cached_input_tokens) FROM buckets WHERE model = ?""", [model]).fetchall()[0]
    ratio = fit.tokens.ratio
    mean_in = inputs / n / ratio if n else 0
    mean_out = outputs / n / ratio if n else 0
    fit.absent["lengths"] = (f"a usage export has sums per bucket, not one row per request, so no distribution "
                             f"of lengths (its means: {mean_in:,.0f} input and {mean_out:,.0f} output o200k_base "
                             "tokens per request)")
    fit.absent["cache_hit_rate"] = "a usage export does not say how many requests read cached tokens"
    if cached is not None and inputs:
        fit.values["cached_token_share"] = _value(round(cached / inputs, 4), n, fit.whole_days,
                                                  method="cached input tokens / input tokens")
    else:
        fit.absent["cached_token_share"] = "the export has no cached-input token counts"
    fit.absent["turns_per_conversation"] = "a usage export has no conversation ids"
    return fit


def fit_file(path, catalog: Catalog, *, model: str | None = ALL_MODELS, name: str | None = None,
             max_bytes: int | None = None, now: dt.datetime | None = None) -> TrafficFit:
    """Read and fit the traffic file at ``path`` in a connection of its own (the CLI's and the page's
    one entrance). Raises ``TrafficError`` or ``FitError`` with a message for the user."""
    from .engine import connect
    from .formats import MAX_TRAFFIC_BYTES, read_traffic

    con = connect()
    try:
        report = read_traffic(path, con, now=now, name=name,
                              max_bytes=MAX_TRAFFIC_BYTES if max_bytes is None else max_bytes)
        return fit_traffic(con, report, catalog, model=model)
    finally:
        con.close()
