"""Catalog figures in warnings: named in words, each linked to its row on the Catalog page.

The link carries the view's own query parameters (``s`` or ``d``, the chart range) next to
``figure``, so the Catalog opens on the same scenario and a shared link keeps working.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlencode

from pricing.catalog import Figure
from simulator.model import feasibility
from simulator.scenario import figure_kind, figure_words

from .fmt import plain

CATALOG_PAGE = "catalog"  # the Catalog's url_path in app.py
FIGURE_PARAM = "figure"  # ?figure=<dotted key>: the Catalog shows that row


def catalog_url(key: str, params: Mapping[str, str]) -> str:
    return f"{CATALOG_PAGE}?{urlencode({**params, FIGURE_PARAM: key})}"


def figure_link(key: str, params: Mapping[str, str]) -> str:
    """Markdown: the figure in words, linked to its catalog row."""
    return f"[{plain(figure_words(key))}]({catalog_url(key, params)})"


def assumed_lines(figures: Mapping[str, Figure], params: Mapping[str, str]) -> list[str]:
    """One Markdown list item per assumed figure: its words (linked), value and rationale."""
    return [f"- {figure_link(k, params)} = {f.value:g}: {plain(f.source.removeprefix('assumption: '))}"
            for k, f in figures.items()]


def aged_warnings(used: Mapping[str, Figure], start: dt.date, params: Mapping[str, str]) -> list[str]:
    """The model's out-of-date warnings (prices, then billing rules) with each figure linked."""
    aged = feasibility.aged_figures(dict(used), start)
    out = []
    for kind in feasibility.AGED_WORDS:
        of_kind = {k: f for k, f in aged.items() if figure_kind(k) is kind}
        if of_kind:
            out.append(feasibility.aged_warning(kind, of_kind, start, name=lambda k: figure_link(k, params)))
    return out
