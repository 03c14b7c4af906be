"""The catalog as flat rows (kind, entry, figure, value, source, date, age): for the dashboard and the CLI.

Pure functions, no Streamlit. Ages are relative to a date the caller passes (the dashboard passes
today); the simulator itself never looks at the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Iterable

from . import bulk
from .catalog import STALE_AFTER_MONTHS, Catalog, Figure

_URL = re.compile(r"^https?://\S+")


@dataclass(frozen=True)
class FigureRow:
    key: str  # the dotted key used by scenario overrides
    kind: str  # llm, embedding, reranker, vector_store, gpu, open_model, tokenizer, defaults
    entry: str  # the entry id (model, GPU, ...), or the defaults group
    figure: str  # the figure's path inside the entry, e.g. prices.input_usd_per_mtok
    value: float | None  # None: the layer has no such figure (note says what follows)
    source: str
    url: str | None  # the source's URL when it starts with one; for bulk figures the provider's pricing page
    as_of: str
    age_months: float
    assumption: bool
    layer: str = "curated"  # curated (pricing/data/*.yaml) or bulk (genai-prices, pricing/bulk.py)
    note: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def split_key(catalog: Catalog, key: str) -> tuple[str, str, str]:
    """(kind, entry id, figure path) of a dotted key; entry ids may contain dots (llama-3.1-8b)."""
    kind, _, rest = key.partition(".")
    table = getattr(catalog, kind, None)
    if isinstance(table, dict):
        for entry in sorted(table, key=len, reverse=True):
            if rest.startswith(entry + "."):
                return kind, entry, rest[len(entry) + 1:]
    entry, _, figure = rest.partition(".")
    return kind, entry, figure


def source_url(source: str) -> str | None:
    """The URL a source starts with, without trailing punctuation; None for assumptions and notes."""
    match = _URL.match(source.strip())
    return match.group(0).rstrip(".,;:)") if match else None


def figure_rows(catalog: Catalog, on: dt.date) -> list[FigureRow]:
    """Every figure of the catalog, in catalog order, with its age in months on ``on``."""
    rows = []
    for key, figure in catalog.figures():
        kind, entry, path = split_key(catalog, key)
        rows.append(FigureRow(
            key=key, kind=kind, entry=entry, figure=path, value=figure.value, source=figure.source,
            url=source_url(figure.source), as_of=figure.as_of, age_months=round(figure.age_months(on), 1),
            assumption=figure.is_assumption,
        ))
    return rows


BULK_KINDS = {"chat": "llm", "embedding": "embedding"}
NO_CONTEXT_WINDOW = "the bulk layer gives no context window: a curated figure must add one before prompts can be checked"


def bulk_rows(on: dt.date) -> list[FigureRow]:
    """The bulk layer's figures: token prices of every model, and its context window (a row with no
    value and a note when the layer lacks it, so the gap shows)."""
    ages: dict[str, float] = {}
    rows = []
    for model in bulk.bulk_models():
        as_of = model["as_of"]
        if as_of not in ages:  # one rule for ages
            ages[as_of] = round(Figure(value=0, source="bulk layer", as_of=as_of).age_months(on), 1)
        age = ages[as_of]
        kind, entry = BULK_KINDS[model["kind"]], f"{model['provider']}/{model['id']}"
        figures = [(f"prices.{name}", value, None) for name, value in model["prices"].items()]
        if model["kind"] == "chat":
            window = model["context_window_tokens"]
            figures.append(("facts.context_window_tokens", window, None if window else NO_CONTEXT_WINDOW))
        for path, value, note in figures:
            rows.append(FigureRow(key=f"{kind}.{entry}.{path}", kind=kind, entry=entry, figure=path,
                                  value=None if value is None else float(value), source=model["source"],
                                  url=model["pricing_url"], as_of=as_of, age_months=age, assumption=False,
                                  layer="bulk", note=note))
    return rows


def kinds_of(rows: Iterable[FigureRow]) -> list[str]:
    """The kinds present, in order of first appearance."""
    return list(dict.fromkeys(r.kind for r in rows))


def filter_rows(rows: Iterable[FigureRow], kinds: Iterable[str] | None = None, text: str = "",
                only_assumptions: bool = False, older_than_months: float | None = None) -> list[FigureRow]:
    """Rows of the given kinds (all when None or empty) whose key or source contains every word of
    ``text`` (case-insensitive), optionally only assumptions and only figures older than a number of months."""
    wanted = set(kinds or ())
    words = text.lower().split()
    out = []
    for r in rows:
        if wanted and r.kind not in wanted:
            continue
        if only_assumptions and not r.assumption:
            continue
        if older_than_months is not None and not r.age_months > older_than_months:
            continue
        haystack = f"{r.key} {r.source}".lower()
        if any(w not in haystack for w in words):
            continue
        out.append(r)
    return out


@dataclass(frozen=True)
class Counts:
    figures: int
    assumptions: int
    stale: int  # older than STALE_AFTER_MONTHS


def counts(rows: Iterable[FigureRow]) -> Counts:
    rows = list(rows)
    return Counts(len(rows), sum(r.assumption for r in rows),
                  sum(r.age_months > STALE_AFTER_MONTHS for r in rows))
