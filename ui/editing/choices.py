"""Catalog choices the editor offers (models, GPUs, clouds) and what an empty optional input means."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
import datetime as dt
import math

from pricing import models
from pricing.catalog import Catalog, CatalogError, Figure
from pricing.resolve import bulk_record, embedding_key, llm_key, with_embeddings

from .fields import Number


# --- Catalog choices --------------------------------------------------------------------------------


def is_open_model(name: str | None, catalog: Catalog) -> bool:
    return name in catalog.open_model


def model_option(catalog: Catalog, name: str, provider: str | None) -> str:
    """The editor's option for a scenario's model choice: a curated or open model's name, or a bulk
    model's key ``<provider>/<id>``; a name that resolves to nothing stays as written (with its
    provider in front), for validation to explain."""
    if provider is None and (name in catalog.llm or name in catalog.open_model):
        return name
    try:
        return llm_key(catalog, name, provider)
    except CatalogError:
        return name if provider is None else f"{provider}/{name}"


def model_choice(catalog: Catalog, option: str) -> dict[str, Any]:
    """The scenario's ``model`` mapping (name, and provider for a bulk model) of an editor option."""
    record = None if option in catalog.llm or option in catalog.open_model else bulk_record(option)
    if record is not None:
        return {"name": record["id"], "provider": record["provider"]}
    return {"name": option}


PICKER_LIMIT = 50  # options a model picker lists (each is sent on every rerun); more ask for a narrower search


@dataclass(frozen=True)
class Picked:
    options: list[str]  # editor options, the current choice first when no filter matches it
    matched: int  # models that match the filters
    hidden: int  # matches beyond the limit, not listed
    current_matches: bool  # whether the current choice is among the matches


def slot_capability(fine_tuning: bool) -> str:
    """What a setup's model must be: a chat model, or for the fine-tuned setup a fine-tunable one
    (an API model with a fine-tuning offer, or an open model trained on rented GPUs)."""
    return "fine-tunable" if fine_tuning else "chat"


def picker_providers(catalog: Catalog, fine_tuning: bool = False) -> list[str]:
    """The providers with a model for the slot, curated ones first (``self-hosted``: open models)."""
    return models.providers(models.filter_models(models.model_rows(catalog), capabilities=[slot_capability(fine_tuning)]))


def model_picker(catalog: Catalog, fine_tuning: bool = False, text: str = "", provider: str | None = None,
                 capabilities: tuple[str, ...] = (), available: tuple[dt.date, dt.date] | None = None,
                 current: str | None = None, limit: int = PICKER_LIMIT) -> Picked:
    """The options of a setup's model choice: chat models (fine-tunable ones for fine-tuning) that
    match the filters (:func:`pricing.models.filter_models`), curated first, at most ``limit``.
    The current choice always stays among them, so a filter never changes what is chosen."""
    wanted = (slot_capability(fine_tuning), *capabilities)
    found = [r.option for r in models.filter_models(models.model_rows(catalog), text, provider, wanted, available)]
    options = found[:limit]
    matches = bool(current) and current in found
    if current and current not in options:
        options.insert(0, current)  # filtered out, beyond the limit, or unknown: validation explains the last
    return Picked(options, len(found), max(0, len(found) - limit), matches)


def _tokens(n: int) -> str:
    """A context window, short: 1.05M, 200k, 8,192."""
    if n >= 1_000_000:
        return f"{n / 1e6:.3g}M"
    return f"{round(n / 1e3):,}k" if n >= 10_000 else f"{n:,}"


def _dated(row: models.ModelRow, on: dt.date | None) -> str:
    layer = "genai-prices layer" if row.layer == "bulk" else "curated"
    if row.as_of is None:
        return layer
    age = f", {row.age_months(on):.1f} months old" if on is not None else ""
    return f"{layer}, as of {row.as_of}{age}"


def model_label(name: str, catalog: Catalog, fine_tuning: bool = False, on: dt.date | None = None) -> str:
    """``name`` (an editor option) with its provider, prices per million tokens in effect on ``on``
    (the scenario's start date), context window, the price's date and age then, and for fine-tuning
    its offer."""
    row = models.chat_row(name, catalog)
    if row is None:
        return f"{name} · not in the catalog"
    context = "context unknown" if row.context_window_tokens is None else f"{_tokens(row.context_window_tokens)} context"
    if row.provider == models.SELF_HOSTED:
        params = catalog.open_model[name].architecture.parameters_billion.value
        return f"{name} · open model, self-hosted on GPUs ({params:g}B parameters) · {context}"
    prices = row.prices_on(on)  # a bulk model's dated prices: those in effect at the start, as it is priced
    cached = "" if prices["cached_input_usd_per_mtok"] is None else f", cached ${prices['cached_input_usd_per_mtok']:g}"
    label = (f"{row.id} · API ({row.provider}) · ${prices['input_usd_per_mtok']:g} / ${prices['output_usd_per_mtok']:g} "
             f"per M tokens{cached} · {context} · {_dated(row, on)}")
    label += "".join(f" · price changes {h['from']}" for h in row.changes_after(on))
    m = catalog.llm.get(name)
    if fine_tuning and m is not None and m.fine_tuning is not None:
        label += " · API fine-tuning"
        if not m.fine_tuning.new_customers:
            label += " closed to new customers"
        if m.fine_tuning.training_until is not None:
            label += f", jobs until {m.fine_tuning.training_until}"
    elif fine_tuning:
        label += " · no fine-tuning offer"
    if row.available_until is not None:
        label += f" · retires {row.available_until}"
    return label


def embedding_label(name: str, catalog: Catalog, on: dt.date | None = None) -> str:
    """An embedding model (curated, or a bulk key) with its price per million tokens, dimensions and
    the price's age."""
    try:
        key = embedding_key(catalog, name)
    except CatalogError:
        return f"{name} · not in the catalog"
    m = catalog.embedding.get(key) or with_embeddings(catalog, [key]).embedding[key]
    price = m.prices.usd_per_mtok
    age = f", {price.age_months(on):.1f} months old" if on is not None else ""
    layer = " · genai-prices layer" if price.layer == "bulk" else ""
    assumed = " (assumed)" if m.prices.dimensions.is_assumption else ""
    return (f"{m.id} · {m.provider} · ${price.value:g}/M tokens, {m.prices.dimensions.value:g} dimensions{assumed}"
            f"{layer} · as of {price.as_of}{age}")


def gpu_options(catalog: Catalog) -> list[str]:
    return list(catalog.gpu)


def gpu_label(name: str, catalog: Catalog) -> str:
    if name not in catalog.gpu:
        return f"{name} · not in the catalog"
    spec = catalog.gpu[name].spec
    return f"{name} · {spec.memory_gb.value:g} GB, {spec.peak_bf16_tflops.value:g} TFLOPS bf16"


def cloud_options(catalog: Catalog, gpu: str | None) -> list[str]:
    """Clouds with a price for ``gpu``, cheapest first."""
    if gpu not in catalog.gpu:
        return []
    prices = catalog.gpu[gpu].prices
    return sorted(prices, key=lambda c: (prices[c].usd_per_gpu_hour.value, c))


def cheapest_cloud(catalog: Catalog, gpu: str | None) -> str | None:
    options = cloud_options(catalog, gpu)
    return options[0] if options else None


def cloud_label(cloud: str, catalog: Catalog, gpu: str | None) -> str:
    if gpu in catalog.gpu and cloud in catalog.gpu[gpu].prices:
        price = catalog.gpu[gpu].prices[cloud]
        return f"{cloud} · ${price.usd_per_gpu_hour.value:g}/GPU-hour ({price.instance})"
    return cloud


def default_gpu(catalog: Catalog) -> str:
    return next(iter(catalog.gpu))


# --- Catalog defaults of optional inputs -----------------------------------------------------------


_TABLES: dict[int, tuple[Catalog, dict[str, Figure]]] = {}


def figure_table(catalog: Catalog) -> dict[str, Figure]:
    """Every catalog figure by dotted key (computed once per catalog object)."""
    cached = _TABLES.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        if len(_TABLES) > 8:
            _TABLES.clear()
        cached = _TABLES[id(catalog)] = (catalog, dict(catalog.figures()))
    return cached[1]


def default_note(number: Number, catalog: Catalog) -> str:
    """What an empty optional input means, e.g. ``Empty: catalog default 1,000 (catalog default, assumption)``."""
    if number.default_figure:
        fig = figure_table(catalog).get(number.default_figure)
        if fig is None:
            return "Empty: the catalog default."
        kind = "catalog default, assumption" if fig.is_assumption else "catalog default"
        return f"Empty: {format_value(number.to_widget(fig.value))} ({kind}) · source: {fig.source} · as of {fig.as_of}"
    if number.empty_means:
        return f"Empty: {number.empty_means}."
    return ""


def placeholder(number: Number, catalog: Catalog) -> str | None:
    if number.default_figure:
        fig = figure_table(catalog).get(number.default_figure)
        if fig is not None:
            tag = " (catalog default, assumption)" if fig.is_assumption else " (catalog default)"
            return f"{format_value(number.to_widget(fig.value))}{tag}"
    if number.empty_means:
        return number.empty_means
    return None


def format_value(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    x = float(x)
    if x == int(x) and abs(x) < 1e12:
        return f"{int(x):,}"
    return f"{x:,.6g}" if abs(x) >= 1 else f"{x:.6g}"
