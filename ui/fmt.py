"""Numbers as people read them in a meeting: units and sensible rounding."""

from __future__ import annotations

import html
import math
import re

from simulator.scenario import SETUP_LABELS  # noqa: F401  (re-exported for the pages and charts)

from .editing.ranges import range_label, widget_scale

SETUP_COLOURS = {"prompt_only": "#636EFA", "rag": "#00CC96", "fine_tuned": "#EF553B", "hybrid": "#AB63FA"}
RULED_OUT = " (ruled out)"  # after a setup's name in a chart's legend: the requirements exclude it


def chart_title(text: str) -> dict:
    """A chart's title, top left: every chart has one, so a screenshot or the report says what it shows."""
    return dict(text=text, x=0, xanchor="left", y=0.98, yanchor="top", font=dict(size=15))


PART_LABELS = {
    "input_tokens": "Input tokens", "cached_input_tokens": "Cached input tokens", "output_tokens": "Output tokens",
    "query_embeddings": "Query embeddings", "vector_store": "Vector store", "reranking": "Reranking",
    "corpus_reembedding": "Corpus re-embedding", "retraining": "Retraining", "gpu_hosting": "GPU hosting",
    "fine_tuned_hosting": "Fine-tuned model hosting", "operations": "Operations (people)",
    "one_time_amortised": "One-time costs, amortised",
}


def _short(x: float, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= limit:
            value = x / limit
            text = f"{value:.{digits}g}" if abs(value) < 100 else f"{value:.0f}"
            return f"{text}{suffix}"
    return f"{x:.{digits}g}" if abs(x) < 100 else f"{x:.0f}"


def usd(x: float | None) -> str:
    """$1.2k, $340, $0.0042"""
    if x is None:
        return "–"
    if abs(x) < 1 and x != 0:
        return f"${x:.2g}"
    return f"${_short(x)}"


def usd_month(x: float | None) -> str:
    return "–" if x is None else f"{usd(x)}/month"


def volume(q: float | None) -> str:
    """Queries per month: 1.6M"""
    return "–" if q is None else _short(q)


def ms(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x / 1000:.1f} s" if x >= 10_000 else f"{x:,.0f} ms"


def tokens(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def months(x: float | None, horizon_months: int | None = None) -> str:
    """A payback time; one past ``horizon_months`` says so, since the scenario never sees it."""
    if x is None:
        return "> 10 years"
    if x == 0:
        return "immediately"
    if horizon_months is not None and x > horizon_months:
        return f"{x:.1f} months (beyond the {horizon_months}-month horizon)"
    return f"{x:.1f} months"


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=])")
# The page's link detection also runs on rendered text, past any escape: an invisible word joiner
# (U+2060) inside "://", "www." and after "@" keeps "http://host", "www.host" or "a@b.c" from being
# recognised, and leaves other text (a file name's dot) as it is.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(:)(?=//)|(www)(?=\\?\.)|(@)", re.IGNORECASE)


def plain(text: str) -> str:
    """User text (a scenario's name, description, a file name) made safe to show in Markdown: every
    character Markdown or Streamlit would act on is escaped, so ``![x](http://host/pixel.png)`` is
    shown as written instead of fetched, and a bare URL, address or ``:red[...]`` stays text."""
    escaped = _MARKDOWN.sub(r"\\\1", str(text))
    return _AUTOLINK.sub(lambda found: found.group() + WORD_JOINER, escaped)


def chart_text(text: str) -> str:
    """User text made safe for a Plotly label: Plotly reads ``<a href>``, ``<b>`` and ``<br>`` in trace
    names and titles, so a scenario named ``<a href="http://host">x</a>`` would be a link in the legend.
    Entities show the characters as written. (Hover templates take user text through ``meta``: a
    ``%{y}`` in it then stays text, since a template is filled once.)"""
    return html.escape(str(text), quote=False)


def setup(name: str) -> str:
    return SETUP_LABELS.get(name, name)


def model_name(model_id: str) -> str:
    """A model id without its provider's path, for tables: "accounts/fireworks/models/llama-v3p1-8b-instruct"
    reads "llama-v3p1-8b-instruct" (the Catalog's search finds the full id from it)."""
    return model_id.rsplit("/", 1)[-1]


def input_label(path: str) -> str:
    """A ranged input as the editor names it, with its tab and unit: "RAG: Cache hit rate (% of requests)"."""
    return range_label(path)


def input_value(path: str, value: float) -> str:
    """A value of a ranged input in the unit its label names (percentages as %)."""
    shown = value * widget_scale(path)
    return f"{shown:,.4g}" if abs(shown) < 1e4 else f"{shown:,.0f}"


def interval(p: dict | None, unit=volume) -> str:
    """An 80% interval "1.9M–5.6M" from {"p10", "p50", "p90"}."""
    return "–" if not p else f"{unit(p['p10'])}–{unit(p['p90'])}"


TABLE_ROW_PX = 35  # st.dataframe's row and header height in Streamlit 1.67
TABLE_BORDER_PX = 3


def table_height(rows: int) -> int:
    """The st.dataframe height [px] that shows a header and ``rows`` rows without inner scrolling
    (Streamlit's default height stops at ten rows and scrolls the rest inside the table)."""
    return TABLE_ROW_PX * (rows + 1) + TABLE_BORDER_PX
