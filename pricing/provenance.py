"""Provenance recorded where a figure is read: ``value = read(figure)``.

Code that turns catalog figures into numbers takes a :class:`FigureRecorder` and reads every
figure through it, so the list of figures a result relied on is what the code read, not a list
kept by hand beside it. Figures compared only to make a choice (which cloud is cheapest) are read
with :meth:`FigureRecorder.compare`: seen, but not used in a number, so they bring no assumption
or staleness warning.
"""

from __future__ import annotations

from collections.abc import Callable

from .catalog import OVERRIDE_SOURCE, Catalog, CatalogError, Figure



class FigureRecorder:
    """Reads catalog figures and remembers which, by their dotted key."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._keys = {id(figure): key for key, figure in catalog.figures()}
        self.used: dict[str, Figure] = {}
        self.compared: dict[str, Figure] = {}

    def key(self, figure: Figure) -> str:
        try:
            return self._keys[id(figure)]
        except KeyError:
            raise CatalogError(f"a figure read through the recorder is not in its catalog: {figure!r}") from None

    def __call__(self, figure: Figure):
        """The figure's value [its unit], recorded as used."""
        self.used[self.key(figure)] = figure
        return figure.value

    def compare(self, figure: Figure):
        """The figure's value, for choosing between offers; recorded as seen, not used."""
        self.compared[self.key(figure)] = figure
        return figure.value

    def fork(self) -> FigureRecorder:
        """A recorder of the same catalog that starts with what this one has read (the figures a
        shared step used), without walking the catalog again."""
        child = FigureRecorder.__new__(FigureRecorder)
        child.catalog, child._keys = self.catalog, self._keys
        child.used, child.compared = dict(self.used), dict(self.compared)
        return child

    @property
    def seen(self) -> set[str]:
        return set(self.used) | set(self.compared)


def figure_rows(used: dict[str, Figure], point: Callable[[Figure], float] = lambda f: f.value) -> list[dict]:
    """``figures_used`` rows: key, value, source, as_of, assumption, layer; sorted by key."""
    return [{
        "key": key, "value": float(point(figure)),
        "source": OVERRIDE_SOURCE if figure.overridden else figure.source,
        "as_of": figure.as_of, "assumption": figure.is_assumption, "layer": figure.layer,
    } for key, figure in sorted(used.items())]


def clouds_by_price(catalog: Catalog, gpu: str, value: Callable[[Figure], float] = lambda f: f.value) -> list[str]:
    """Clouds that price ``gpu``, cheapest first (ties by name); Monte Carlo draws compare by their mean."""
    prices = catalog.get("gpu", gpu).prices
    return sorted(prices, key=lambda cloud: (_mean(value(prices[cloud].usd_per_gpu_hour)), cloud))


def gpu_offer(read: FigureRecorder, gpu: str, cloud: str | None) -> tuple[str, float]:
    """(cloud, USD per GPU-hour): the named cloud's price, or the cheapest cloud's when none is named."""
    prices = read.catalog.get("gpu", gpu).prices
    if cloud is None:
        cloud = clouds_by_price(read.catalog, gpu, read.compare)[0]
    elif cloud not in prices:
        raise CatalogError(f"no {cloud} price for {gpu} (known: {', '.join(sorted(prices))})")
    return cloud, read(prices[cloud].usd_per_gpu_hour)


def _mean(value) -> float:
    return float(value.mean()) if hasattr(value, "mean") else float(value)
