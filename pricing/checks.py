"""Checks over the whole catalog, both layers: prices that contradict each other or a provider's
stated rule, and sources nobody can check. They flag; fixing is a data change with its own source.

Prices (curated and bulk):
- ``cached-above-input``: a cached input price above the input price;
- ``cache-write-below-input``: a cache write cheaper than input where the provider charges a premium
  for writes (:data:`CACHE_WRITE_PREMIUM`);
- ``batch-rule``: a batch price other than the provider's stated share of the standard price
  (:data:`BATCH_SHARE`);
- ``zero-price``: a price that exists and is zero or negative;
- ``context-window``: a context window that is missing (bulk) or not positive.

Sources (curated; a bulk figure's source is its pinned package file):
- ``moving-branch``: a URL into a branch (``/blob/main/``, ``/blob/master/``, ``/raw/main/``), whose
  content changes after the figure was checked: cite a commit or a release;
- ``home-page``: a URL with no path, which does not say where the figure is;
- ``no-source``: neither a URL, an assumption nor a pinned package;
- ``month-only``: ``as_of`` without a day.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Iterable
from urllib.parse import urlsplit

from . import bulk
from .catalog import OVERRIDE_SOURCE, Catalog
from .listing import source_url

# The share of the standard price a batch request costs, as each provider states it.
BATCH_SHARE = {
    "anthropic": (0.5, "https://platform.claude.com/docs/en/build-with-claude/batch-processing#pricing (50% of standard)"),
    "openai": (0.5, "https://platform.openai.com/docs/guides/batch (50% lower costs)"),
}
# Providers whose cache writes cost more than input (Anthropic: 1.25x for the 5-minute cache).
CACHE_WRITE_PREMIUM = {"anthropic": "https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching (writes 1.25x input)"}
MOVING_BRANCH = re.compile(r"/(blob|raw|tree)/(main|master)/")
PINNED_PACKAGE = re.compile(r"^[A-Za-z0-9_.-]+==\d[\w.]*\b")


@dataclass(frozen=True)
class Finding:
    check: str
    layer: str  # curated or bulk
    key: str  # the figure's dotted key, or the model for a record-level finding
    detail: str

    def to_dict(self) -> dict:
        return asdict(self)


def findings(catalog: Catalog) -> list[Finding]:
    """Every finding of both layers, curated first."""
    return [*curated_findings(catalog), *bulk_findings(bulk.bulk_models())]


def curated_findings(catalog: Catalog) -> list[Finding]:
    out = []
    for key, figure in catalog.figures():
        out += [Finding(check, "curated", key, detail) for check, detail in _source_problems(figure.source, figure.as_of)]
    for name, model in catalog.llm.items():
        prices = {n: getattr(model.prices, n).value for n in ("input_usd_per_mtok", "cached_input_usd_per_mtok",
                                                             "cache_write_usd_per_mtok", "output_usd_per_mtok")
                  if getattr(model.prices, n) is not None}
        out += [Finding(check, "curated", f"llm.{name}.prices", detail)
                for check, detail in _price_problems(model.provider, prices)]
        discount = model.prices.batch_discount
        share = BATCH_SHARE.get(model.provider)
        if share and discount is not None and abs(discount.value - share[0]) > 1e-9:
            out.append(Finding("batch-rule", "curated", f"llm.{name}.prices.batch_discount",
                               f"{discount.value:g} where {model.provider} states {share[0]:g}: {share[1]}"))
        if model.facts.context_window_tokens.value <= 0:
            out.append(Finding("context-window", "curated", f"llm.{name}.facts.context_window_tokens", "not positive"))
    return out


def bulk_findings(models: Iterable[dict]) -> list[Finding]:
    out = []
    for model in models:
        key = f"{'llm' if model['kind'] == 'chat' else 'embedding'}.{model['provider']}/{model['id']}"
        out += [Finding(check, "bulk", f"{key}.prices", detail)
                for check, detail in _price_problems(model["provider"], model["prices"])]
        share = BATCH_SHARE.get(model["provider"])
        for name, batch in (model["batch_prices"] or {}).items():
            standard = model["prices"].get(name)
            if share and standard and abs(batch - share[0] * standard) > 1e-9 * standard:
                out.append(Finding("batch-rule", "bulk", f"{key}.batch_prices.{name}",
                                   f"{batch:g} is not {share[0]:g} x {standard:g}: {share[1]}"))
        window = model["context_window_tokens"]
        if model["kind"] == "chat" and (window is None or window <= 0):
            out.append(Finding("context-window", "bulk", f"{key}.facts.context_window_tokens",
                               "missing: prompts cannot be checked against it" if window is None else "not positive"))
    return out


def _price_problems(provider: str, prices: dict[str, float]) -> list[tuple[str, str]]:
    out = []
    for name, value in prices.items():
        if value <= 0:
            out.append(("zero-price", f"{name} is {value:g}"))
    cached, given = prices.get("cached_input_usd_per_mtok"), prices.get("input_usd_per_mtok")
    if cached is not None and given is not None and cached > given:
        out.append(("cached-above-input", f"cached {cached:g} > input {given:g}"))
    write = prices.get("cache_write_usd_per_mtok")
    if provider in CACHE_WRITE_PREMIUM and write is not None and given is not None and write < given:
        out.append(("cache-write-below-input", f"write {write:g} < input {given:g}: {CACHE_WRITE_PREMIUM[provider]}"))
    return out


def _source_problems(source: str, as_of: str) -> list[tuple[str, str]]:
    out = []
    text = source.strip()
    url = source_url(text)
    if url:
        if MOVING_BRANCH.search(url):
            out.append(("moving-branch", url))
        elif urlsplit(url).path in ("", "/"):
            out.append(("home-page", url))
    elif not (text.lower().startswith("assumption") or text == OVERRIDE_SOURCE or PINNED_PACKAGE.match(text)):
        out.append(("no-source", text[:120]))
    if len(as_of) == 7:
        out.append(("month-only", as_of))
    return out


def counts(found: Iterable[Finding]) -> dict[tuple[str, str], int]:
    """Findings per (layer, check), in the order they first appear."""
    out: dict[tuple[str, str], int] = {}
    for f in found:
        out[(f.layer, f.check)] = out.get((f.layer, f.check), 0) + 1
    return out
