"""Compare the catalog with another price source a user supplies (``crossover catalog diff``).

The file is read by :mod:`pricing.price_files` (a genai-prices ``data.py``, never run, or LiteLLM's
``model_prices_and_context_window.json``); this module matches its models with both layers of the
catalog and says what differs.

Matching is by provider and API id, against both layers (:func:`diff`), in three steps: their id
or key equals one of ours (case aside); it equals one of our aliases; or it has the same loose form
(:func:`loose_id`: a dated snapshot suffix such as ``-20251001``, ``@20251001``, ``-2024-08-06``,
``@001`` or ``@default`` dropped, dots written as dashes, and for Bedrock the geography prefix and
the version dropped: ``us.``, ``global.``, ``-v1:0``). A name such as ``mistral-large-latest``
points at whichever release is current, so it is matched by id only and never listed as new.
When several of their entries land on one of ours, the closest match wins, then the provider's own
route over a reseller's (:data:`pricing.price_files.LITELLM_PROVIDERS` ranks them: AI Studio before Vertex, an
unprefixed Bedrock id before a ``us.`` one), then the shortest key. A curated model is matched by
its id (the provider's API id), the id with dots as dashes, its ``aliases``, and the id and aliases
of its bulk record.

The result (:func:`diff`) is plain data: ``new`` (their chat and embedding models of the allowed
providers, :data:`pricing.bulk.PROVIDERS`, in neither layer and not retired); ``changed`` (every
compared figure that differs, beyond float noise, in either layer; ``ratio`` is theirs / ours, and a
figure their file has and ours lacks is listed with ``ours: null``); ``retired`` (on ``on``: per
their file, LiteLLM's ``deprecation_date`` or genai-prices' ``deprecated`` flag, which has no date;
or per the curated ``available_until``); and ``curated_disagreements`` (the curated rows of
``changed`` more than :data:`pricing.checks.AGREE_WITHIN_PERCENT` away, the farthest first).
Prices are USD per million tokens; context windows are tokens.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .catalog import Catalog
from .checks import agrees
from .price_files import AWS_GEO, PriceFile, TheirModel

COMPARED = ("input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_usd_per_mtok",
            "context_window_tokens")

_SNAPSHOT = re.compile(r"(-\d{8}|@\d{8}|-\d{4}-\d{2}-\d{2}|@default|@\d{3})$")
_MOVING = re.compile(r"(^|[-@/.])latest($|-)")  # a pointer that moves to each new release
_AWS_VERSION = re.compile(r"(-v\d+)?(:\d+)?$")
_FIREWORKS_PATH = "accounts/fireworks/models/"


def moving(model: str) -> bool:
    """A name such as ``mistral-large-latest``: it points at whichever release is current, so
    it is matched only by its exact id and never listed as new."""
    return bool(_MOVING.search(model.lower()))


def loose_id(provider: str, model: str) -> str:
    """The form two spellings of one model share (see the module's docstring)."""
    out = model.lower().removeprefix(_FIREWORKS_PATH)
    if provider == "aws":
        out = _AWS_VERSION.sub("", AWS_GEO.sub("", out), count=1)
    return _SNAPSHOT.sub("", out).replace(".", "-")


@dataclass
class _Ours:
    layer: str  # curated or bulk
    provider: str
    model: str  # the catalog's id (curated) or the bulk record's id
    ids: list[str]  # its own spellings: the catalog's id, the API id
    aliases: list[str]  # other names that reach it: snapshots, "-latest" names
    figures: dict[str, float | None]
    keys: dict[str, str] = field(default_factory=dict)  # COMPARED name -> curated dotted key
    available_until: dt.date | None = None
    successor: str | None = None


def _bulk_side(models: Iterable[dict]) -> list[_Ours]:
    return [_Ours("bulk", m["provider"], m["id"], [m["id"]], list(m["aliases"]),
                  {**m["prices"], "context_window_tokens": m["context_window_tokens"]}) for m in models]


def _curated_side(catalog: Catalog, bulk_side: list[_Ours]) -> list[_Ours]:
    exact = {(o.provider, n.lower()): o for o in bulk_side for n in o.ids + o.aliases}
    out = []
    for kind, table in (("llm", catalog.llm), ("embedding", catalog.embedding)):
        for name, model in table.items():
            provider = model.provider
            ids = [name, name.replace(".", "-")]
            aliases = list(model.aliases)
            twin = next((exact[(provider, n.lower())] for n in ids + aliases if (provider, n.lower()) in exact), None)
            if twin is not None:
                ids, aliases = ids + twin.ids, aliases + twin.aliases
            if kind == "llm":
                figures = {n: getattr(model.prices, n) for n in COMPARED[:4]}
                keys = {n: f"llm.{name}.prices.{n}" for n in COMPARED[:4]}
                figures["context_window_tokens"] = model.facts.context_window_tokens
                keys["context_window_tokens"] = f"llm.{name}.facts.context_window_tokens"
                until, successor = model.available_until, model.successor
            else:
                figures = {"input_usd_per_mtok": model.prices.usd_per_mtok}
                keys = {"input_usd_per_mtok": f"embedding.{name}.prices.usd_per_mtok"}
                until, successor = None, None
            out.append(_Ours("curated", provider, name, list(dict.fromkeys(ids)), list(dict.fromkeys(aliases)),
                             {n: _plain(n, f) for n, f in figures.items()}, keys, until, successor))
    return out


def _plain(name: str, figure: Any) -> float | int | None:
    """A curated figure's value; a context window as a whole number of tokens, as the other layers write it."""
    if figure is None:
        return None
    if name == "context_window_tokens" and math.isfinite(figure.value) and figure.value == int(figure.value):
        return int(figure.value)
    return figure.value


LOOSE = 2  # the match quality of a loose form (0: by id, 1: by an alias)


class _Index:
    """Our entries of one layer by (provider, spelling): their ids, their aliases, loose forms."""

    def __init__(self, entries: list[_Ours]):
        self.ids: dict[tuple[str, str], _Ours] = {}
        self.aliases: dict[tuple[str, str], _Ours] = {}
        self.loose: dict[tuple[str, str], _Ours] = {}
        for o in entries:
            for n in o.ids:
                self.ids.setdefault((o.provider, n.lower()), o)
            for n in o.aliases:
                self.aliases.setdefault((o.provider, n.lower()), o)
        # Bedrock's global. and regional. records share a loose form; LiteLLM's unprefixed and
        # country-prefixed keys are the in-region price, so regional. records take the form first.
        for o in sorted(entries, key=lambda o: o.provider == "aws" and o.model.startswith("global.")):
            for n in o.ids + o.aliases:
                self.loose.setdefault((o.provider, loose_id(o.provider, n)), o)

    def find(self, their: TheirModel) -> tuple[_Ours, int] | None:
        """Our entry and how close the match is: 0 by id, 1 by an alias, 2 by loose form."""
        names = (their.id, their.key, *their.aliases)
        tables = (self.ids,) if moving(their.id) else (self.ids, self.aliases)
        for quality, table in enumerate(tables):
            for n in names:
                hit = table.get((their.provider, n.lower()))
                if hit is not None:
                    return hit, quality
        for n in () if moving(their.id) else (their.id, *their.aliases):
            hit = self.loose.get((their.provider, loose_id(their.provider, n)))
            if hit is not None:
                return hit, LOOSE
        return None


def _match(entries: Iterable[TheirModel], indexes: dict[str, _Index],
           on: dt.date) -> tuple[list[tuple[_Ours, TheirModel]], list[TheirModel]]:
    """(ours, the best of their entries for it) for each of our entries they have; and their
    models in neither layer, one per loose form, leaving out retired models and moving names."""
    best: dict[tuple[str, str, str], tuple[tuple, _Ours, TheirModel]] = {}
    unmatched: dict[tuple[str, str], tuple[tuple, TheirModel]] = {}
    for their in entries:
        found = {layer: hit for layer, index in indexes.items() if (hit := index.find(their)) is not None}
        if any(quality < LOOSE for _, quality in found.values()):
            # A dated snapshot that is a record of its own (gpt-4o-2024-05-13) is that record, in
            # every layer: its loose form must not also land it on the undated model.
            found = {layer: hit for layer, hit in found.items() if hit[1] < LOOSE}
        for layer, (ours, quality) in found.items():
            order = (quality, their.rank, len(their.key), their.key)
            slot = (layer, ours.provider, ours.model)
            if slot not in best or order < best[slot][0]:
                best[slot] = (order, ours, their)
        if not found and not their.retired(on) and not moving(their.id):
            group = (their.provider, loose_id(their.provider, their.id))
            order = (their.rank, len(their.key), their.key)
            if group not in unmatched or order < unmatched[group][0]:
                unmatched[group] = (order, their)
    return [(ours, their) for _, ours, their in best.values()], [their for _, their in unmatched.values()]


def _same(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)


def diff(against: PriceFile, catalog: Catalog, bulk_models: Iterable[dict], on: dt.date) -> dict[str, Any]:
    """Their file against both layers of the catalog, on ``on`` (see the module's docstring)."""
    bulk_side = _bulk_side(bulk_models)
    curated_side = _curated_side(catalog, bulk_side)
    best, unmatched = _match(against.entries, {"curated": _Index(curated_side), "bulk": _Index(bulk_side)}, on)
    changed, retired = [], []
    for ours, their in best:
        for name in (ours.keys if ours.layer == "curated" else COMPARED):  # a curated embedding has one price
            mine, other = ours.figures.get(name), their.figures.get(name)
            if other is None or (mine is not None and _same(mine, other)):
                continue
            row = {"model": ours.model, "provider": ours.provider, "field": name, "ours": mine, "theirs": other,
                   "ratio": round(other / mine, 4) if mine else None, "layer": ours.layer, "their_key": their.key}
            if ours.layer == "curated":
                row["key"] = ours.keys[name]
            changed.append(row)
        if their.retired(on):
            retired.append({"model": ours.model, "provider": ours.provider, "layer": ours.layer, "per": "theirs",
                            "date": their.retires_on.isoformat() if their.retires_on else None,
                            "successor": their.successor, "their_key": their.key})
    for ours in curated_side:
        if ours.available_until is not None and ours.available_until <= on:
            retired.append({"model": ours.model, "provider": ours.provider, "layer": "curated", "per": "curated",
                            "date": ours.available_until.isoformat(), "successor": ours.successor, "their_key": None})

    new = [{"model": t.id, "provider": t.provider, "kind": t.kind, "their_key": t.key,
            **{n: t.figures.get(n) for n in COMPARED}} for t in unmatched]
    changed.sort(key=lambda r: (r["provider"], r["model"], r["layer"], COMPARED.index(r["field"])))
    retired.sort(key=lambda r: (r["provider"], r["model"], r["layer"], r["per"]))
    disagreements = [r for r in changed if r["layer"] == "curated" and r["ours"] is not None
                     and not agrees(r["ours"], r["theirs"])]
    disagreements.sort(key=lambda r: (-abs(math.log(r["theirs"] / r["ours"])) if r["ours"] and r["theirs"] else -math.inf,
                                      r["provider"], r["model"]))
    return {"against": against.to_dict(), "on": on.isoformat(),
            "new": sorted(new, key=lambda r: (r["provider"], r["model"])),
            "changed": changed, "retired": retired, "curated_disagreements": disagreements}
