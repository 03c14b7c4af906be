"""The Uncertainty tab: ranges entered and shown in the units the widgets use (% as %)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args
import math

from pricing.catalog import Catalog
from simulator.scenario import (OVERRIDES as OVERRIDE_PATH, POINT_ONLY, PRICE_DRIFT, Range, Scenario, field_bounds,
                                get_in, range_target)
from simulator.scenario.figure_text import figure_words

from .choices import figure_table, format_value
from .fields import GROUPS, LENGTHS, NUMBER, NUMBERS
from .form import is_shown


# --- Ranges -----------------------------------------------------------------------------------------

DISTRIBUTIONS: tuple[str, ...] = get_args(Range.model_fields["dist"].annotation)
DISTRIBUTION_LABELS = {"pert": "PERT (low / likely / high)", "triangular": "Triangular (low / likely / high)",
                       "lognormal": "Lognormal (5th and 95th percentiles)",
                       "observed": "Observed in the price history (price drift only)"}
RANGE_FACTOR = 5 / 4  # a new range starts from value / factor to value x factor: a guess to adjust


@dataclass(frozen=True)
class RangeRow:
    """One range as the Uncertainty tab lists it: values in the units its widget shows."""

    path: str
    label: str
    dist: str
    low: str        # low, or p05 of a lognormal
    likely: str     # "" for a lognormal
    high: str       # high, or p95 of a lognormal
    used: bool      # False when the choices hide the input (the range is then left out)


def scenario_ranges(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """The scenario's ranges as plain dicts, the form the editor keeps pending."""
    return {path: spec.model_dump(exclude_none=True) for path, spec in scenario.ranges.items()}


def distributions_for(path: str | None) -> list[str]:
    """The distributions an input may take: the observed one for the price drift only."""
    return [d for d in DISTRIBUTIONS if d != "observed" or path == PRICE_DRIFT]


def point_only(path: str) -> bool:
    """True for the inputs that take a single value (the schema's ``POINT_ONLY``)."""
    return any(path == p or (p.endswith(".") and path.startswith(p)) for p in POINT_ONLY)


def range_label(path: str) -> str:
    """The input's label with its unit and tab, e.g. ``RAG: Cache hit rate (% of requests)``."""
    if path.startswith(OVERRIDE_PATH):
        # In words, as every warning names a figure: "Override: l40s's hourly price on runpod (GPU)".
        return f"Override: {figure_words(path[len(OVERRIDE_PATH):])}"
    if path in NUMBER:
        label = NUMBER[path].label
    else:  # the token count of a length
        label = f"{LENGTHS[path.rpartition('.')[0]][0]} (tokens)"
    return f"{GROUPS.get(path.split('.', 1)[0], 'Scenario')}: {label}"


def range_choices(data: Mapping[str, Any]) -> dict[str, str]:
    """Every input a range may replace in ``data`` (a :func:`build_scenario` dict): path -> label."""
    paths = [n.path for n in NUMBERS if not point_only(n.path)]
    paths += [f"{p}.tokens" for p in LENGTHS]
    paths += [OVERRIDE_PATH + k for k in data.get("overrides") or {}]
    return {p: range_label(p) for p in paths if is_shown(data, p)}


def widget_scale(path: str) -> float:
    """Widget units per schema unit (100 for a percentage)."""
    return NUMBER[path].scale if path in NUMBER else 1.0


def _widget_units(path: str, value: float) -> float:
    return float(round(float(value) * widget_scale(path), 9))


def _widget_bounds(path: str) -> tuple[float, float]:
    """The smallest and largest value the schema accepts, in widget units."""
    low, high = field_bounds(path)
    return tuple(_widget_units(path, b) if math.isfinite(b) else b for b in (low, high))


def range_from_inputs(path: str, dist: str, low: float | None, likely: float | None,
                      high: float | None) -> dict[str, Any]:
    """A range dict in schema units from entries in the widget's units (% for percentages).

    A lognormal takes ``low`` and ``high`` as its 5th and 95th percentiles and ignores ``likely``.
    Raises ``ValueError`` naming the input and saying what to change.
    """
    label = range_label(path)
    if point_only(path) or range_target(path) is None:
        raise ValueError(f"{label}: this input takes a single value, not a range")
    if dist not in DISTRIBUTIONS:
        raise ValueError(f"{label}: choose a distribution ({', '.join(DISTRIBUTIONS)})")
    if dist == "observed":  # its numbers come from the price history; the entries are not used
        if path != PRICE_DRIFT:
            raise ValueError(f"{label}: an observed range exists only for the price drift; choose another distribution")
        return {"dist": "observed"}
    lognormal = dist == "lognormal"
    entries = {"p05": low, "p95": high} if lognormal else {"low": low, "likely": likely, "high": high}
    missing = [name for name, x in entries.items() if x is None]
    if missing:
        raise ValueError(f"{label}: enter {' and '.join(missing)}")
    shown = [float(x) for x in entries.values()]
    if shown != sorted(shown) or (lognormal and shown[0] <= 0):
        order = "0 < p05 <= p95" if lognormal else "low <= likely <= high"
        raise ValueError(f"{label}: a {dist} range needs {order} "
                         f"(got {' / '.join(format_value(x) for x in shown)})")
    smallest, largest = _widget_bounds(path)
    if shown[0] < smallest:
        raise ValueError(f"{label}: {format_value(shown[0])} is below the smallest allowed value "
                         f"({format_value(smallest)})")
    if shown[-1] > largest:
        raise ValueError(f"{label}: {format_value(shown[-1])} is above the largest allowed value "
                         f"({format_value(largest)})")
    return {"dist": dist, **{name: x / widget_scale(path) for name, x in zip(entries, shown)}}


def range_point(path: str, spec: Mapping[str, Any]) -> float:
    """The value a range stands in for, in schema units (rounded for a count, as validation does)."""
    point = Range.model_validate(spec).point
    return round(point) if range_target(path) is int else point


def widget_point(path: str, spec: Mapping[str, Any]) -> Any:
    """A range's point value in the units (and type) of the input's own widget."""
    if path in NUMBER:
        return NUMBER[path].to_widget(range_point(path, spec))
    return float(range_point(path, spec))


def range_inputs(path: str, spec: Mapping[str, Any]) -> tuple[str, float, float | None, float]:
    """(dist, low or p05, likely or None, high or p95) of a range, in the widget's units."""
    if spec["dist"] == "observed":  # kept as {dist: observed}: the numbers are the price history's
        spec = {"dist": "observed", **{n: v for n, v in Range.model_validate(spec) if n in ("low", "likely", "high")}}
    if spec["dist"] == "lognormal":
        return "lognormal", _widget_units(path, spec["p05"]), None, _widget_units(path, spec["p95"])
    low, likely, high = (_widget_units(path, spec[n]) for n in ("low", "likely", "high"))
    return spec["dist"], low, likely, high


def describe_range(path: str, spec: Mapping[str, Any]) -> str:
    """``pert 200,000 / 400,000 / 900,000`` or ``lognormal, 90 % between 600 and 1,400``, in widget units."""
    dist, low, likely, high = range_inputs(path, spec)
    if dist == "lognormal":
        return f"lognormal, 90 % between {format_value(low)} and {format_value(high)}"
    return f"{dist} {format_value(low)} / {format_value(likely)} / {format_value(high)}"


def range_rows(ranges: Mapping[str, Mapping[str, Any]], data: Mapping[str, Any]) -> list[RangeRow]:
    """The pending ranges, marked unused where ``data`` (a :func:`build_scenario` dict) left them out."""
    rows = []
    for path, spec in ranges.items():
        dist, low, likely, high = range_inputs(path, spec)
        rows.append(RangeRow(path, range_label(path), dist, format_value(low),
                             "" if likely is None else format_value(likely), format_value(high),
                             path in (data.get("ranges") or {})))
    return rows


def range_start(path: str, data: Mapping[str, Any], catalog: Catalog,
                ranges: Mapping[str, Mapping[str, Any]]) -> tuple[str, float, float | None, float]:
    """What the add-a-range form starts from: the input's range; for the price drift the range observed
    in the price history; else a PERT range around its value."""
    if path in ranges:
        return range_inputs(path, ranges[path])
    if path == PRICE_DRIFT:
        return range_inputs(path, {"dist": "observed"})
    value = _current_value(path, data, catalog)
    smallest, largest = _widget_bounds(path)
    ends = sorted((value / RANGE_FACTOR, value * RANGE_FACTOR))  # sorted: a negative value swaps the ends
    low, high = (float(f"{x:.4g}") for x in ends)
    return "pert", max(low, smallest), value, min(high, largest)


def _current_value(path: str, data: Mapping[str, Any], catalog: Catalog) -> float:
    """The input's value in widget units; an empty optional input's catalog default; else 0."""
    if path.startswith(OVERRIDE_PATH):
        value = (data.get("overrides") or {}).get(path[len(OVERRIDE_PATH):])
    else:
        value = get_in(data, path)
    figure = NUMBER[path].default_figure if path in NUMBER else None
    if value is None and figure in figure_table(catalog):
        value = figure_table(catalog)[figure].value
    return _widget_units(path, value or 0.0)


def with_range(ranges: Mapping[str, Mapping[str, Any]], path: str, spec: Mapping[str, Any]) -> dict[str, dict]:
    out = {k: dict(v) for k, v in ranges.items()}
    out[path] = dict(spec)
    return out


def without_range(ranges: Mapping[str, Mapping[str, Any]], path: str) -> dict[str, dict]:
    return {k: dict(v) for k, v in ranges.items() if k != path}
