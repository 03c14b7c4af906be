"""Catalog choices the editor offers (models, GPUs, clouds) and what an empty optional input means."""

from __future__ import annotations

from typing import Any
import math

from pricing.catalog import Catalog, CatalogError, Figure
from pricing.resolve import bulk_record, llm_key

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


def model_options(catalog: Catalog, fine_tuning: bool = False, current: str | None = None) -> list[str]:
    """API models, then open models (self-hosted). For fine-tuning: API models with a fine-tuning offer."""
    api = [n for n, m in catalog.llm.items() if not fine_tuning or m.fine_tuning is not None]
    options = [*api, *catalog.open_model]
    if current and current not in options:
        options.insert(0, current)  # keep an unknown or unsuitable name visible: validation explains it
    return options


def model_label(name: str, catalog: Catalog, fine_tuning: bool = False) -> str:
    record = None if name in catalog.llm or name in catalog.open_model else bulk_record(name)
    if record is not None:
        prices = record["prices"]
        label = (f"{record['id']} · API ({record['provider']}) · ${prices['input_usd_per_mtok']:g} / "
                 f"${prices['output_usd_per_mtok']:g} per M tokens · genai-prices layer")
        return label + (" · no fine-tuning offer" if fine_tuning else "")
    if name in catalog.llm:
        m = catalog.llm[name]
        label = f"{name} · API ({m.provider})"
        if fine_tuning and m.fine_tuning is not None:
            label += " · API fine-tuning"
            if not m.fine_tuning.new_customers:
                label += " closed to new customers"
            if m.fine_tuning.training_until is not None:
                label += f", jobs until {m.fine_tuning.training_until}"
        elif fine_tuning:
            label += " · no fine-tuning offer"
        if m.available_until is not None:
            label += f" · retires {m.available_until}"
        return label
    if name in catalog.open_model:
        params = catalog.open_model[name].architecture.parameters_billion.value
        return f"{name} · open model, self-hosted on GPUs ({params:g}B parameters)"
    return f"{name} · not in the catalog"


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
