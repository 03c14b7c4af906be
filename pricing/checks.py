"""Checks over the whole catalog, both layers: prices that contradict each other or a provider's
stated rule, and sources nobody can check. They flag; fixing is a data change with its own source.

Prices (curated and bulk):
- ``cached-above-input``: a cached input price above the input price;
- ``cache-write-below-input``: a cache write cheaper than input where the provider charges a premium
  for writes (``cache_write_premium`` in ``data/provider_rules.yaml``);
- ``batch-rule``: a batch price other than the provider's stated share of the standard price
  (``batch_share`` there);
- ``zero-price``: a price that exists and is zero or negative;
- ``context-window``: a context window that is missing (bulk) or not positive.

Layers:
- ``disagrees-with-bulk``: a curated price or context window more than 2% (:data:`AGREE_WITHIN_PERCENT`) away
  from the bulk layer's figure for the same provider and model (matched by id, alias, or the id
  with dots as dashes: ``claude-haiku-4.5`` is Anthropic's ``claude-haiku-4-5``). The curated figure
  wins in the catalog, so a disagreement is either a correction or an error.

Sources (curated; a bulk figure's source is its pinned package file):
- ``moving-branch``: a URL into a branch (``/blob/main/``, ``/blob/master/``, ``/raw/main/``), whose
  content changes after the figure was checked: cite a commit or a release;
- ``home-page``: a URL with no path, which does not say where the figure is;
- ``no-source``: neither a URL, an assumption nor a pinned package;
- ``month-only``: ``as_of`` without a day.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

import yaml

from . import bulk
from .catalog import OVERRIDE_SOURCE, Catalog, Figure
from .listing import source_url

RULES_FILE = Path(__file__).parent / "data" / "provider_rules.yaml"
AGREE_WITHIN_PERCENT = 2
COMPARED = ("input_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_usd_per_mtok", "output_usd_per_mtok")
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
    models = bulk.bulk_models()
    return [*curated_findings(catalog), *disagreements(catalog, models), *bulk_findings(models)]


def bulk_match(models: Iterable[dict], provider: str, name: str) -> dict | None:
    """The bulk record of a curated model: same provider, and its id, an alias, or the id with dots
    written as dashes."""
    wanted = {name, name.replace(".", "-")}
    return next((m for m in models if m["provider"] == provider and wanted & {m["id"], *m["aliases"]}), None)


def agrees(ours: float, theirs: float) -> bool:
    """Within :data:`AGREE_WITHIN_PERCENT` of the larger of the two figures."""
    return abs(ours - theirs) * 100 <= AGREE_WITHIN_PERCENT * max(abs(ours), abs(theirs))


def disagreements(catalog: Catalog, models: Iterable[dict]) -> list[Finding]:
    models = list(models)
    out = []
    for name, model in catalog.llm.items():
        record = bulk_match(models, model.provider, name)
        if record is None:
            continue
        theirs = {**record["prices"], "context_window_tokens": record["context_window_tokens"]}
        ours = {n: getattr(model.prices, n) for n in COMPARED} | {"context_window_tokens": model.facts.context_window_tokens}
        for figure, mine in ours.items():
            other = theirs.get(figure)
            if mine is None or other is None or agrees(mine.value, other):
                continue
            part = "facts" if figure == "context_window_tokens" else "prices"
            out.append(Finding("disagrees-with-bulk", "curated", f"llm.{name}.{part}.{figure}",
                               f"ours {mine.value:g}, {record['source']} {other:g} ({mine.value / other:.2f}x)"))
    return out


@functools.cache
def provider_rules() -> dict[str, dict[str, Figure]]:
    """``data/provider_rules.yaml``: each rule's figure per provider, with its source."""
    with RULES_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {rule: {provider: Figure.model_validate(figure) for provider, figure in by_provider.items()}
            for rule, by_provider in data.items()}


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
        share = provider_rules()["batch_share"].get(model.provider)
        if share and discount is not None and not math.isclose(discount.value, share.value):
            out.append(Finding("batch-rule", "curated", f"llm.{name}.prices.batch_discount",
                               f"{discount.value:g} where {model.provider} states {share.value:g}: {share.source}"))
        if model.facts.context_window_tokens.value <= 0:
            out.append(Finding("context-window", "curated", f"llm.{name}.facts.context_window_tokens", "not positive"))
    return out


def bulk_findings(models: Iterable[dict]) -> list[Finding]:
    out = []
    for model in models:
        key = f"{'llm' if model['kind'] == 'chat' else 'embedding'}.{model['provider']}/{model['id']}"
        out += [Finding(check, "bulk", f"{key}.prices", detail)
                for check, detail in _price_problems(model["provider"], model["prices"])]
        share = provider_rules()["batch_share"].get(model["provider"])
        for name, batch in (model["batch_prices"] or {}).items():
            standard = model["prices"].get(name)
            if share and standard and not math.isclose(batch, share.value * standard):
                out.append(Finding("batch-rule", "bulk", f"{key}.batch_prices.{name}",
                                   f"{batch:g} is not {share.value:g} x {standard:g}: {share.source}"))
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
    premium = provider_rules()["cache_write_premium"].get(provider)
    if premium and write is not None and given is not None and write < given:
        out.append(("cache-write-below-input", f"write {write:g} < input {given:g}: {premium.source}"))
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
