"""Every model a user can pick, one row each, and a filter fast enough to run on every keystroke.

The rows cover both layers: the curated chat models (``data/llm_models.yaml``), the open models
(self-hosted; provider ``self-hosted``), the curated embedding models and rerankers, and the bulk
layer's chat and embedding models (:mod:`pricing.bulk`). A bulk record that is a curated entry's own
(the same provider and a shared id or alias, the rule of :func:`pricing.resolve.llm_key`) is not
listed twice: the curated row stands for it.

Capabilities (:data:`CAPABILITIES`):

- ``chat``, ``embedding``, ``rerank``: the row's kind;
- ``fine-tunable``: a curated API model with a fine-tuning offer (also one closed to new
  customers: existing customers can still train), or an open model (trained on rented GPUs).
  genai-prices has no fine-tuning data, so no bulk model is fine-tunable;
- ``reasoning``: a curated model whose ``reasoning.mode`` is ``optional`` or ``default_on`` (it can
  think); genai-prices does not say which models reason, so no bulk row has it.

Prices are USD per million tokens (a reranker priced per search has ``usd_per_1k_searches``
instead): the catalog's, and for a bulk model with dated prices the ones in effect on a day the
caller passes (:meth:`ModelRow.prices_on`, the rule scenarios are priced by,
:func:`pricing.resolve.prices_on`). A figure's age is in 30.44-day months, by
:meth:`pricing.catalog.Figure.age_months`, on a date the caller passes. The rows are built once per
process (:func:`model_rows`); :func:`filter_models` is a plain loop over precomputed fields
(about 2,000 rows in a few milliseconds).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
from collections.abc import Iterable, Sequence

from . import bulk
from .catalog import Catalog, CatalogError, Figure, default_catalog
from .resolve import prices_on

CAPABILITIES = ("chat", "embedding", "rerank", "fine-tunable", "reasoning")
SELF_HOSTED = "self-hosted"  # the provider of an open model: you rent the GPUs
PRICE_NAMES = ("input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok")
KIND_ORDER = {"chat": 0, "embedding": 1, "rerank": 2}


@dataclasses.dataclass(frozen=True)
class ModelRow:
    option: str  # what the editor stores: a curated or open model's key, or a bulk model's "<provider>/<id>"
    id: str  # the provider's API model id (an open model's catalog id)
    provider: str
    name: str  # the display name genai-prices gives (else the id)
    aliases: tuple[str, ...]
    kind: str  # chat, embedding or rerank
    capabilities: frozenset[str]
    layer: str  # curated (pricing/data/*.yaml) or bulk (genai-prices)
    input_usd_per_mtok: float | None
    output_usd_per_mtok: float | None
    cached_input_usd_per_mtok: float | None
    usd_per_1k_searches: float | None  # rerankers priced per search (one query over up to N documents)
    context_window_tokens: int | None  # None: the layer gives none
    dated: Figure | None  # the figure whose date the row shows: the price (None: an open model, priced by GPU-hour)
    available_until: dt.date | None  # the provider's shutdown date; a deprecated bulk model: the layer's date
    availability_source: str | None
    history: tuple[dict, ...] = dataclasses.field(repr=False, compare=False, default=())  # a bulk record's dated prices
    haystack: str = dataclasses.field(repr=False, compare=False, default="")  # id, aliases, name: _searchable

    @property
    def as_of(self) -> str | None:
        return self.dated.as_of if self.dated else None

    def age_months(self, on: dt.date) -> float | None:
        """Months between the row's figure date and ``on`` [months]."""
        return round(self.dated.age_months(on), 1) if self.dated else None

    def prices_on(self, on: dt.date | None) -> dict[str, float | None]:
        """Input, output and cached input prices [USD per million tokens] in effect on ``on`` (None:
        the layer's date); a curated row's are its catalog figures."""
        stored = {name: getattr(self, name) for name in PRICE_NAMES}
        if not self.history or on is None:
            return stored
        current, _ = prices_on({"prices": stored, "history": list(self.history)}, on)
        return {name: current.get(name) for name in PRICE_NAMES}

    def changes_after(self, on: dt.date | None) -> list[dict]:
        """The dated prices that start after ``on`` (None: the layer's date): {from, prices...}."""
        _, later = prices_on({"prices": {}, "history": list(self.history)}, on)
        return [{k: v for k, v in h.items() if k != "scheduled"} for h in later]

    def available_through(self, end: dt.date) -> bool:
        """Not retired before ``end`` (the horizon's end): the rule of the scenario's feasibility check,
        where a model retiring before the end is a warning to plan a migration."""
        return self.available_until is None or self.available_until >= end

    def to_dict(self, on: dt.date) -> dict:
        """The row with its prices in effect and its age on ``on``, and the dated prices after it."""
        return {
            "option": self.option, "id": self.id, "provider": self.provider, "name": self.name,
            "aliases": list(self.aliases), "kind": self.kind,
            "capabilities": [c for c in CAPABILITIES if c in self.capabilities], "layer": self.layer,
            **self.prices_on(on), "price_changes": self.changes_after(on),
            "usd_per_1k_searches": self.usd_per_1k_searches, "context_window_tokens": self.context_window_tokens,
            "as_of": self.as_of, "age_months": self.age_months(on),
            "available_until": None if self.available_until is None else self.available_until.isoformat(),
            "availability_source": self.availability_source,
        }


def _searchable(text: str) -> str:
    """Lower case, with dots as dashes: "haiku 4.5" finds claude-haiku-4-5, "3-5" finds claude-3.5."""
    return text.lower().replace(".", "-")


def _row(**fields) -> ModelRow:
    words = _searchable(" ".join([fields["id"], *fields["aliases"], fields["name"]]))
    return ModelRow(**fields, haystack=words)


def _value(figure: Figure | None) -> float | None:
    return None if figure is None else figure.value


def _curated_rows(catalog: Catalog) -> list[ModelRow]:
    rows = []
    for key, m in catalog.llm.items():
        caps = {"chat"} | ({"fine-tunable"} if m.fine_tuning is not None else set()) | ({"reasoning"} if m.reasoning is not None and m.reasoning.reasons else set())
        p = m.prices
        rows.append(_row(
            option=key, id=m.id, provider=m.provider, name=m.id, aliases=tuple(m.aliases), kind="chat",
            capabilities=frozenset(caps), layer="curated", input_usd_per_mtok=p.input_usd_per_mtok.value,
            output_usd_per_mtok=p.output_usd_per_mtok.value, cached_input_usd_per_mtok=_value(p.cached_input_usd_per_mtok),
            usd_per_1k_searches=None, context_window_tokens=int(m.facts.context_window_tokens.value),
            dated=p.input_usd_per_mtok, available_until=m.available_until, availability_source=m.availability_source))
    for key, m in catalog.open_model.items():
        arch = m.architecture
        rows.append(_row(
            option=key, id=m.id, provider=SELF_HOSTED, name=m.family,
            aliases=(), kind="chat", capabilities=frozenset({"chat", "fine-tunable"}), layer="curated",
            input_usd_per_mtok=None, output_usd_per_mtok=None, cached_input_usd_per_mtok=None, usd_per_1k_searches=None,
            context_window_tokens=int(arch.context_window_tokens.value), dated=None,
            available_until=None, availability_source=None))
    for key, m in catalog.embedding.items():
        rows.append(_row(
            option=key, id=m.id, provider=m.provider, name=m.id, aliases=tuple(m.aliases), kind="embedding",
            capabilities=frozenset({"embedding"}), layer="curated", input_usd_per_mtok=m.prices.usd_per_mtok.value,
            output_usd_per_mtok=None, cached_input_usd_per_mtok=None, usd_per_1k_searches=None,
            context_window_tokens=None, dated=m.prices.usd_per_mtok, available_until=None, availability_source=None))
    for key, m in catalog.reranker.items():
        price = m.prices.usd_per_1k_searches or m.prices.usd_per_mtok
        rows.append(_row(
            option=key, id=m.id, provider=m.provider, name=m.id, aliases=tuple(m.aliases), kind="rerank",
            capabilities=frozenset({"rerank"}), layer="curated", input_usd_per_mtok=_value(m.prices.usd_per_mtok),
            output_usd_per_mtok=None, cached_input_usd_per_mtok=None, usd_per_1k_searches=_value(m.prices.usd_per_1k_searches),
            context_window_tokens=None, dated=price, available_until=None, availability_source=None))
    return rows


def _curated_names(catalog: Catalog) -> set[tuple[str, str]]:
    """(provider, id or alias) of every curated chat and embedding model: their own bulk records."""
    return {(m.provider, n) for table in (catalog.llm, catalog.embedding) for m in table.values()
            for n in (m.id, *m.aliases)}


def _bulk_rows(catalog: Catalog, records: Iterable[dict]) -> list[ModelRow]:
    curated = _curated_names(catalog)
    rows = []
    for r in records:
        if any((r["provider"], n) in curated for n in (r["id"], *r["aliases"])):
            continue
        prices = r["prices"]
        rows.append(_row(
            option=f"{r['provider']}/{r['id']}", id=r["id"], provider=r["provider"], name=r["name"],
            aliases=tuple(r["aliases"]), kind=r["kind"], capabilities=frozenset({r["kind"]}), layer="bulk",
            input_usd_per_mtok=prices["input_usd_per_mtok"], output_usd_per_mtok=prices.get("output_usd_per_mtok"),
            cached_input_usd_per_mtok=prices.get("cached_input_usd_per_mtok"), usd_per_1k_searches=None,
            context_window_tokens=r["context_window_tokens"],
            dated=Figure(value=prices["input_usd_per_mtok"], source=r["source"], as_of=r["as_of"], layer="bulk"),
            available_until=bulk.retirement(r)[0], availability_source=bulk.retirement(r)[1],
            history=tuple(r["history"])))
    return rows


def build_rows(catalog: Catalog, records: Iterable[dict]) -> tuple[ModelRow, ...]:
    """Curated rows first, then bulk; each part by kind (chat, embedding, rerank), then provider in
    :data:`pricing.bulk.PROVIDERS`' order (the makers first; others after, self-hosted last), then
    catalog order (curated) or id (bulk)."""
    order = {p: i for i, p in enumerate(bulk.PROVIDERS)}
    rank = {"curated": 0, "bulk": 1}

    def where(item: tuple[int, ModelRow]) -> tuple:
        i, row = item
        provider = order.get(row.provider, len(order))
        if row.provider == SELF_HOSTED:
            provider = len(order) + 1
        within = (i, "") if row.layer == "curated" else (0, row.id.lower())
        return rank[row.layer], KIND_ORDER[row.kind], provider, *within

    rows = [*_curated_rows(catalog), *_bulk_rows(catalog, records)]
    return tuple(row for _, row in sorted(enumerate(rows), key=where))


@functools.cache
def _shipped_rows() -> tuple[ModelRow, ...]:
    return build_rows(default_catalog(), bulk.bulk_models())


def model_rows(catalog: Catalog | None = None) -> tuple[ModelRow, ...]:
    """Every model of the shipped catalog and the bulk layer (built once per process); another
    catalog's rows are built on each call."""
    if catalog is None or catalog is default_catalog():
        return _shipped_rows()
    return build_rows(catalog, bulk.bulk_models())


@functools.cache
def _by_option() -> dict[str, ModelRow]:
    return {r.option: r for r in _shipped_rows() if r.kind == "chat"}


def chat_row(option: str, catalog: Catalog | None = None) -> ModelRow | None:
    """The chat model (API or open) whose editor option is ``option``, if any."""
    if catalog is None or catalog is default_catalog():
        return _by_option().get(option)
    return next((r for r in model_rows(catalog) if r.kind == "chat" and r.option == option), None)


def providers(rows: Iterable[ModelRow]) -> list[str]:
    """The providers present, in row order."""
    return list(dict.fromkeys(r.provider for r in rows))


def check_provider(rows: Sequence[ModelRow], provider: str) -> None:
    """Raise :class:`CatalogError` with the closest spellings when no row has ``provider``."""
    known = providers(rows)
    if provider in known:
        return
    close = difflib.get_close_matches(provider, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise CatalogError(f"unknown provider {provider!r}{hint} (providers: {', '.join(sorted(known))})")


def filter_models(rows: Iterable[ModelRow], text: str = "", provider: str | None = None,
                  capabilities: Iterable[str] = (), available: tuple[dt.date, dt.date] | None = None,
                  layer: str | None = None) -> list[ModelRow]:
    """The rows, in order, whose id, aliases or name contain every word of ``text`` (case-insensitive;
    a dot matches a dash), sold by ``provider`` (any when None or empty), with every capability of ``capabilities``, of
    ``layer`` (any when None), and, when ``available`` is (start, end), not retired before ``end``.

    Models have no release dates in either layer, so ``start`` only checks the range; a model
    retired before ``start`` is retired before ``end`` too."""
    words = _searchable(text).split()
    wanted = frozenset(capabilities)
    unknown = wanted - set(CAPABILITIES)
    if unknown:
        raise CatalogError(f"unknown capability {sorted(unknown)[0]!r} (capabilities: {', '.join(CAPABILITIES)})")
    end = None
    if available is not None:
        start, end = available
        if start > end:
            raise CatalogError(f"the horizon starts on {start}, after its end {end}")
    out = []
    for r in rows:
        if provider and r.provider != provider:
            continue
        if layer and r.layer != layer:
            continue
        if wanted and not wanted <= r.capabilities:
            continue
        if end is not None and r.available_until is not None and r.available_until < end:
            continue
        if words and not all(w in r.haystack for w in words):
            continue
        out.append(r)
    return out
