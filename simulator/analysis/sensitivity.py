"""Which guesses matter: a tornado over the ranged inputs, and the values that would change the answer.

Tornado: each ranged input is swung to the ends of its range (low and high; p05 and p95 for a
lognormal) while every other input stays at its point value, and the outputs are read at both
ends: the monthly cost of each setup at the volume, and the RAG-vs-fine-tuned break-even volume.
Inputs are ranked by how far the output moves. All swings of all inputs are one vectorized build
(``montecarlo.Rows``), two rows per input.

What would change the answer: for the inputs that move costs the most, the values on either side
of the point value at which a different setup becomes the cheapest at the volume, found on a grid
of ``WHAT_IF_POINTS`` values across the range and refined by bisection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.model.evaluate import Evaluation
from simulator.scenario import field_bounds, takes_count

from .montecarlo import TOP_INPUTS, WHAT_IF_POINTS, WHAT_IF_STEPS, Rows, first_crossings

BREAK_EVEN_PAIR = ("rag", "fine_tuned")


@dataclass(frozen=True)
class Bar:
    """One input's swing and what it does to one output."""

    path: str
    low: float  # the input at the low end of its range
    high: float
    at_low: float  # the output there (NaN: a break-even that does not exist there)
    at_high: float

    @property
    def swing(self) -> float:
        """How far the output moves; infinite when a break-even exists at one end only."""
        ends = np.isfinite([self.at_low, self.at_high])
        if ends.all():
            return abs(self.at_high - self.at_low)
        return np.inf if ends.any() else 0.0


@dataclass(frozen=True)
class Tornado:
    volume: float
    base: dict[str, float]  # output -> its value with every input at its point
    bars: dict[str, list[Bar]]  # output -> bars, largest swing first

    @staticmethod
    def cost_key(setup: str) -> str:
        return f"cost:{setup}"


def _swing_ends(evaluation: Evaluation, path: str) -> tuple[float, float]:
    spec = evaluation.scenario.ranges[path]
    low, high = np.clip(spec.swing, *field_bounds(path))
    return (float(np.round(low)), float(np.round(high))) if takes_count(path) else (float(low), float(high))


def _columns(evaluation: Evaluation, cases: list[tuple[str, float]]) -> dict[str, np.ndarray]:
    """One row per case (path, value): that input at that value, every other ranged input at its point."""
    scenario = evaluation.scenario
    columns = {path: np.full(len(cases), float(scenario.point_value(path))) for path in scenario.ranges}
    for row, (path, value) in enumerate(cases):
        columns[path][row] = value
    return columns


def _costs_at(rows: Rows, setups: list[str], volume: float | None) -> np.ndarray:
    """(setups, rows) monthly cost at the fixed volume, or at each row's own volume."""
    if volume is None:
        return np.vstack([rows.cost_at_volume(name) for name in setups])
    return np.vstack([rows.cost(name, np.array([volume]))[:, 0] for name in setups])


def tornado(evaluation: Evaluation, volume: float | None = None) -> Tornado:
    """Swing every ranged input over its range; ``volume`` default: the scenario's (ranged or not)."""
    scenario = evaluation.scenario
    setups = evaluation.feasible
    point = float(scenario.workload.queries_per_month if volume is None else volume)
    paths = sorted(scenario.ranges)
    outputs = [Tornado.cost_key(name) for name in setups]
    pair = BREAK_EVEN_PAIR if all(name in setups for name in BREAK_EVEN_PAIR) else None
    base = {Tornado.cost_key(name): float(evaluation.monthly_cost(name, point)) for name in setups}
    if pair:
        outputs.append(f"break_even:{pair[0]}/{pair[1]}")
        first = next((b.first for b in evaluation.break_even if (b.a, b.b) == pair), None)
        base[outputs[-1]] = float("nan") if first is None else float(first)
    if not paths:
        return Tornado(point, base, {key: [] for key in outputs})
    ends = [_swing_ends(evaluation, path) for path in paths]
    cases = [(path, value) for path, (low, high) in zip(paths, ends) for value in (low, high)]
    rows = Rows(evaluation, _columns(evaluation, cases))
    results = {key: values for key, values in zip(outputs, _costs_at(rows, setups, volume))}
    if pair:
        results[outputs[-1]] = first_crossings(rows, *pair, *evaluation.volume_range)
    bars = {}
    for key in outputs:
        values = results[key]
        found = [Bar(path, low, high, float(values[2 * i]), float(values[2 * i + 1]))
                 for i, (path, (low, high)) in enumerate(zip(paths, ends))]
        bars[key] = sorted(found, key=lambda bar: -bar.swing)
    return Tornado(point, base, bars)


@dataclass(frozen=True)
class Change:
    """Where one input would change which setup is cheapest at the volume."""

    path: str
    point: float
    low: float  # the input's range
    high: float
    cheapest: str | None  # at the point value
    below: tuple[float, str | None] | None  # (value, new cheapest) at the nearest change under the point; None: no change
    above: tuple[float, str | None] | None


def what_would_change(evaluation: Evaluation, volume: float | None = None, top: int = TOP_INPUTS,
                      ranking: Tornado | None = None, among=None) -> list[Change]:
    """For the ``top`` inputs that move the costs most, the values at which the cheapest setup (of
    ``among``, default every feasible one; the pages pass the setups that meet the requirements, so
    "the answer" is the headline's) changes."""
    scenario = evaluation.scenario
    setups = [name for name in evaluation.feasible if among is None or name in among]
    if not setups or not scenario.ranges:
        return []
    ranking = ranking or tornado(evaluation, volume)
    importance: dict[str, float] = {}
    for name in setups:
        for bar in ranking.bars[Tornado.cost_key(name)]:
            importance[bar.path] = max(importance.get(bar.path, 0.0), bar.swing)
    paths = [p for p in sorted(importance, key=lambda p: -importance[p]) if importance[p] > 0][:top]
    if not paths:
        return []
    points = {path: float(scenario.point_value(path)) for path in paths}
    grids = {path: np.unique(np.concatenate([np.linspace(*_swing_ends(evaluation, path), WHAT_IF_POINTS), [points[path]]]))
             for path in paths}
    for path in paths:
        if takes_count(path):
            grids[path] = np.unique(np.round(grids[path]))
    cases = [(path, value) for path in paths for value in grids[path]]
    winners = _winners(evaluation, cases, setups, volume)
    base_point = evaluation.scenario.workload.queries_per_month if volume is None else volume
    base_winner = evaluation.cheapest(base_point, among=setups)
    changes, searches = [], []
    offset = 0
    for path in paths:
        grid = grids[path]
        found = winners[offset: offset + grid.size]
        offset += grid.size
        at = int(np.searchsorted(grid, points[path]))
        sides = {}
        for side, order in (("below", range(at - 1, -1, -1)), ("above", range(at + 1, grid.size))):
            inside, outside = grid[at], None
            for k in order:
                if found[k] != base_winner:
                    outside = grid[k]
                    sides[side] = [inside, outside, found[k]]
                    break
                inside = grid[k]
            if outside is not None and not takes_count(path):
                searches.append((path, side))
        changes.append((path, sides))
    _refine(evaluation, changes, searches, setups, volume, base_winner)
    out = []
    for path, sides in changes:
        low, high = _swing_ends(evaluation, path)
        result = {side: (float(v[1]), v[2]) if side in sides else None for side, v in
                  (("below", sides.get("below")), ("above", sides.get("above")))}
        out.append(Change(path, points[path], low, high, base_winner, result["below"], result["above"]))
    return out


def _winners(evaluation: Evaluation, cases: list[tuple[str, float]], setups: list[str],
             volume: float | None) -> list[str | None]:
    rows = Rows(evaluation, _columns(evaluation, cases))
    costs = _costs_at(rows, setups, volume)
    works = np.isfinite(costs).any(axis=0)
    best = np.argmin(np.where(np.isfinite(costs), costs, np.inf), axis=0)
    return [setups[i] if ok else None for i, ok in zip(best, works)]


def _refine(evaluation: Evaluation, changes, searches: list[tuple[str, str]], setups: list[str],
            volume: float | None, base_winner: str | None) -> None:
    """Bisect each bracket [value with the same winner, value with another] down to WHAT_IF_STEPS halvings."""
    if not searches:
        return
    brackets = {(path, side): sides[side] for path, sides in changes for side in sides if (path, side) in searches}
    for _ in range(WHAT_IF_STEPS):
        mids = [(path, (brackets[(path, side)][0] + brackets[(path, side)][1]) / 2) for path, side in searches]
        winners = _winners(evaluation, mids, setups, volume)
        for (path, side), (_, mid), winner in zip(searches, mids, winners):
            bracket = brackets[(path, side)]
            if winner == base_winner:
                bracket[0] = mid
            else:
                bracket[1], bracket[2] = mid, winner
