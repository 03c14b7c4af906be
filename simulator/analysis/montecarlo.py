"""Monte Carlo over a scenario's ranges, and sensitivity (tornado and "what would change the answer").

Each ranged input gets ``draws`` values from its distribution, seeded by the scenario's seed and
the input's path (adding a range leaves the other inputs' draws alone). The cost model runs once
per block of draws on arrays of shape (draws, 1) (``setups.build_setup`` is written for floats and
arrays alike), so costs for draws x volumes x setups come out of NumPy broadcasting, not a Python
loop over draws. Blocks keep memory bounded for any count.

Distributions: PERT ``low + (high - low) x Beta(1 + 4 (likely - low)/(high - low), 1 + 4 (high -
likely)/(high - low))`` (Vose, *Risk Analysis*, 3rd ed., 2008, section 9.1.6); triangular; and a
lognormal with the given 5th and 95th percentiles, kept within the field's bounds. Draws of a
count (top_k, epochs, ...) are rounded. An observed range (price drift: ``{dist: observed}``) is a
PERT over the yearly price changes seen in the bulk layer's price history (``pricing.history``),
and the results cite it (``Simulation.sources``).

What is reported:
- per setup, P10/P50/P90 of the monthly cost at every volume (bands) and at the scenario's volume;
- per pair of setups, the first break-even volume in each draw (bracketed on a log grid of
  ``GRID_PER_DECADE`` points per decade, then bisected to rounding), its percentiles over the
  draws that cross and the share of draws that cross;
- the probability that each setup is the cheapest, at every volume and at the scenario's volume;
- P10/P50/P90 of each setup's p50 and p95 latency over the first ``LATENCY_DRAWS`` draws (each
  draw's latency percentiles need ``latency.SAMPLES`` query lengths of their own).
"""

from __future__ import annotations

import itertools
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from pydantic import BaseModel

from simulator.model import latency as lat
from simulator.model.breakeven import SOLVED_RANGE, RELATIVE_TIE
from simulator.model.evaluate import Evaluation
from simulator.model.setups import Context, SetupModel, build_setup
from simulator.scenario import OVERRIDES, Range, Scenario, field_bounds, takes_count
from simulator.units import Z95

BLOCK = 2048  # draws per vectorized block: ~2048 x 500 volumes x 8 bytes = 8 MB per array
BAND_DRAWS = 10_000  # cost bands over volume use at most this many draws (40 MB per setup at 500 volumes)
LATENCY_DRAWS = 200  # draws whose latency percentiles are computed (x 4000 query lengths each)
LATENCY_BLOCK = 50
GRID_PER_DECADE = 20  # break-even brackets: a crossing and its return inside 12% of volume are missed
BISECTION_STEPS = 55  # halves a 12% bracket down to float rounding
PERCENTILES = (10, 50, 90)
WHAT_IF_POINTS = 65  # values tried across each input's range for "what would change the answer"
WHAT_IF_STEPS = 14  # bisection steps refining each change point: range / 64 / 2^14
TOP_INPUTS = 6
KEEP_BLOCKS_UP_TO = 10_000  # draws whose built setups are kept, so moving the volume costs milliseconds


# --- Drawing ---------------------------------------------------------------------------------------


def draw(spec: Range, n: int, rng: np.random.Generator, bounds: tuple[float, float] = (-np.inf, np.inf),
         integer: bool = False) -> np.ndarray:
    """``n`` values of one ranged input."""
    if spec.is_point:
        values = np.full(n, spec.point)
    elif spec.dist in ("pert", "observed"):
        width = spec.high - spec.low
        alpha = 1.0 + 4.0 * (spec.likely - spec.low) / width
        beta = 1.0 + 4.0 * (spec.high - spec.likely) / width
        values = spec.low + width * rng.beta(alpha, beta, n)
    elif spec.dist == "triangular":
        values = rng.triangular(spec.low, spec.likely, spec.high, n)
    else:
        sigma = np.log(spec.p95 / spec.p05) / (2.0 * Z95)
        values = spec.point * np.exp(sigma * rng.standard_normal(n))
    values = np.clip(values, *bounds)
    return np.round(values) if integer else values


def range_sources(scenario: Scenario) -> dict[str, str]:
    """What each range that is not the user's own rests on, by path (an observed price drift)."""
    return {path: spec.source for path, spec in sorted(scenario.ranges.items()) if spec.source}


def draw_inputs(scenario: Scenario, n: int, seed: int | None = None) -> dict[str, np.ndarray]:
    """``n`` draws of every ranged input, by path. One stream per input, keyed by its path."""
    seed = scenario.uncertainty.seed if seed is None else seed
    out = {}
    for path, spec in sorted(scenario.ranges.items()):
        rng = np.random.default_rng([seed, zlib.crc32(path.encode())])
        out[path] = draw(spec, n, rng, field_bounds(path), takes_count(path))
    return out


# --- One vectorized build --------------------------------------------------------------------------


def _with_arrays(model: BaseModel, parts: list[str], value) -> BaseModel:
    """A copy of a pydantic model with ``value`` (an array) at a path, unvalidated."""
    head = parts[0]
    new = value if len(parts) == 1 else _with_arrays(getattr(model, head), parts[1:], value)
    return model.model_copy(update={head: new})


class Rows:
    """Every feasible setup built once for many rows of input values (draws, or sensitivity cases).

    ``values`` maps a ranged input's path to one value per row; inputs not given keep their point.
    """

    def __init__(self, evaluation: Evaluation, values: dict[str, np.ndarray], samples: int = 1):
        scenario = evaluation.scenario
        figure_values = {}
        for path, column in values.items():
            column = np.asarray(column, float).reshape(-1, 1)
            if path.startswith(OVERRIDES):
                figure_values[path[len(OVERRIDES):]] = column
            else:
                scenario = _with_arrays(scenario, path.split("."), column)
        ctx = Context(scenario, evaluation.base_catalog, figure_values, sampled=True, samples=samples)
        self.count = len(next(iter(values.values()))) if values else 1
        self.setups: dict[str, SetupModel] = {name: build_setup(ctx, name) for name in evaluation.feasible}
        self.volume = np.broadcast_to(np.asarray(scenario.workload.queries_per_month, float).reshape(-1, 1),
                                      (self.count, 1))

    def cost(self, name: str, volumes) -> np.ndarray:
        """Monthly cost [USD], shape (rows, volumes); infinite in rows where the setup cannot work."""
        model = self.setups[name]
        volumes = np.asarray(volumes, float)
        shape = (self.count, volumes.shape[-1] if volumes.ndim else 1)
        total = np.broadcast_to(model.curve.total(volumes), shape)
        infeasible = np.broadcast_to(np.asarray(model.infeasible_draws, bool).reshape(-1, 1), (self.count, 1))
        return np.where(infeasible, np.inf, total) if infeasible.any() else total

    def cost_at_volume(self, name: str) -> np.ndarray:
        """Monthly cost at each row's own volume (the scenario's, or its draw) [USD], shape (rows,)."""
        return self.cost(name, self.volume)[:, 0]


# --- Break-even volumes per row --------------------------------------------------------------------


def first_crossings(rows: Rows, a: str, b: str, lo: float = SOLVED_RANGE[0], hi: float = SOLVED_RANGE[1]) -> np.ndarray:
    """First volume in ``[lo, hi]`` where the cheaper of ``a`` and ``b`` changes, per row (NaN: none)."""
    decades = np.log10(hi / lo)
    grid = np.geomspace(lo, hi, int(round(decades * GRID_PER_DECADE)) + 1)
    cost_a, cost_b = rows.cost(a, grid), rows.cost(b, grid)
    sign = _sign(cost_a - cost_b, cost_a, cost_b)
    first = _first_nonzero(sign)
    flipped = (sign == -first[:, None]) & (first[:, None] != 0)
    has = flipped.any(axis=1)
    j = np.argmax(flipped, axis=1)
    left = grid[np.maximum(j - 1, 0)].reshape(-1, 1)
    right = grid[j].reshape(-1, 1)
    start = first.reshape(-1, 1)
    for _ in range(BISECTION_STEPS):
        mid = np.sqrt(left * right)
        ca, cb = rows.cost(a, mid), rows.cost(b, mid)
        beyond = _sign(ca - cb, ca, cb) == -start
        right = np.where(beyond, mid, right)
        left = np.where(beyond, left, mid)
    return np.where(has, right[:, 0], np.nan)


def _sign(diff: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sign of ``a - b``, 0 for a tie within rounding (as ``breakeven.RELATIVE_TIE``); infinite
    costs (infeasible rows) count as a tie: no crossing is reported there."""
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
        sign = np.where(np.abs(diff) <= scale * RELATIVE_TIE, 0.0, np.sign(diff))
    return np.where(np.isfinite(diff), sign, 0.0)


def _first_nonzero(sign: np.ndarray) -> np.ndarray:
    nonzero = sign != 0
    index = np.argmax(nonzero, axis=1)
    return np.where(nonzero.any(axis=1), sign[np.arange(sign.shape[0]), index], 0.0)


# --- The simulation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Simulation:
    """Monte Carlo results; percentiles are over feasible draws. Frozen: the dashboard shares one
    between its users (the arrays inside are not written after the run)."""

    draws: int
    seed: int
    volumes: np.ndarray
    setups: list[str]  # setups feasible at the point values
    bands: dict[str, np.ndarray]  # setup -> (3, volumes): P10, P50, P90 [USD/month]
    probability_cheapest: dict[str, np.ndarray]  # setup -> (volumes,)
    cost_at_volume: dict[str, np.ndarray]  # setup -> (draws,) [USD/month], inf where infeasible
    break_even: dict[tuple[str, str], np.ndarray]  # pair -> (draws,) first crossing, NaN: none
    latency: dict[str, dict[str, np.ndarray]]  # setup -> {"p50": (latency draws,), "p95": ...} [ms]
    inputs: dict[str, np.ndarray] = field(default_factory=dict)  # path -> (draws,) the values drawn
    volume: float | None = None  # the volume cost_at_volume is read at; None: each draw's own (ranged)
    sources: dict[str, str] = field(default_factory=dict)  # path -> what a range not the user's rests on
    blocks: list[Rows] = field(default_factory=list, repr=False)  # kept up to KEEP_BLOCKS_UP_TO draws, for at_volume

    def percentiles(self, values: np.ndarray) -> dict[str, float] | None:
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return None
        return {f"p{p}": float(v) for p, v in zip(PERCENTILES, np.percentile(finite, PERCENTILES))}

    def probability_feasible(self, setup: str) -> float:
        return float(np.mean(np.isfinite(self.cost_at_volume[setup])))

    def cheapest_at_volume(self, among=None) -> dict[str, float]:
        """Probability each setup (of ``among``, default every feasible one) is the cheapest of them at
        the scenario's volume, over the draws where any of them works; the others are not competitors
        (``answer.headline`` passes the setups that meet the requirements)."""
        names = [name for name in self.setups if among is None or name in among]
        if not names:
            return {}
        costs = np.vstack([self.cost_at_volume[name] for name in names])
        works = np.isfinite(costs).any(axis=0)
        winners = np.argmin(np.where(np.isfinite(costs), costs, np.inf), axis=0)[works]
        total = max(int(works.sum()), 1)
        return {name: float(np.sum(winners == i) / total) for i, name in enumerate(names)}

    def latency_percentiles(self, setup: str) -> dict[str, dict[str, float]] | None:
        if setup not in self.latency:
            return None
        return {q: self.percentiles(self.latency[setup][q]) for q in ("p50", "p95")}

    def break_even_summary(self, a: str, b: str) -> dict:
        values = self.break_even.get((a, b))
        if values is None:
            return {"queries_per_month_percentiles": None, "probability_crosses": None}
        crosses = np.isfinite(values)
        return {"queries_per_month_percentiles": self.percentiles(values[crosses]) if crosses.any() else None,
                "probability_crosses": float(crosses.mean())}

    def break_even_histogram(self, a: str, b: str, bins: int = 40) -> tuple[np.ndarray, np.ndarray]:
        """Share of all draws whose first crossing falls in each of ``bins`` log-spaced bins: (edges, shares)."""
        values = self.break_even.get((a, b), np.empty(0))
        crossing = values[np.isfinite(values)]
        if crossing.size == 0:
            return np.empty(0), np.empty(0)
        low, high = crossing.min(), crossing.max()
        edges = np.geomspace(low, high * (1 + 1e-9), bins + 1) if high > low else np.array([low, low * (1 + 1e-9)])
        counts, edges = np.histogram(crossing, bins=edges)
        return edges, counts / values.size

    def add_to(self, result: dict, among=None) -> dict:
        """The ``evaluate --draws N --json`` additions, merged into the deterministic contract;
        ``probability_cheapest`` is over ``among`` (default: every feasible setup)."""
        for name, setup in result["setups"].items():
            feasible = name in self.setups
            setup["monthly_cost_usd_percentiles"] = self.percentiles(self.cost_at_volume[name]) if feasible else None
            setup["latency_ms_percentiles"] = self.latency_percentiles(name) if feasible else None
            setup["probability_feasible"] = self.probability_feasible(name) if feasible else 0.0
        for pair in result["break_even"]:
            pair.update(self.break_even_summary(pair["a"], pair["b"]))
        result["probability_cheapest"] = self.cheapest_at_volume(among)
        result["monte_carlo"] = {"draws": self.draws, "seed": self.seed, "ranged_inputs": sorted(self.inputs),
                                 "range_sources": dict(self.sources), "latency_draws": min(self.draws, LATENCY_DRAWS)}
        return result


def simulate(evaluation: Evaluation, draws: int | None = None, seed: int | None = None,
             volumes=None, volume: float | None = None,
             progress: Callable[[float], None] | None = None) -> Simulation:
    """Run the Monte Carlo. ``volume`` fixes the volume the at-volume figures are read at (default:
    the scenario's, drawn when it is ranged); ``progress(share_done)`` is called after each block."""
    scenario = evaluation.scenario
    draws = scenario.uncertainty.draws if draws is None else int(draws)
    seed = scenario.uncertainty.seed if seed is None else int(seed)
    volumes = np.geomspace(*evaluation.volume_range, 500) if volumes is None else np.asarray(volumes, float)
    names = evaluation.feasible
    inputs = draw_inputs(scenario, draws, seed)
    pairs = list(itertools.combinations(names, 2))
    kept = min(draws, BAND_DRAWS)
    stored = {name: np.empty((kept, volumes.size)) for name in names}
    wins = {name: np.zeros(volumes.size) for name in names}
    decided = np.zeros(volumes.size)
    at_volume = {name: np.empty(draws) for name in names}
    crossings = {pair: np.empty(draws) for pair in pairs}
    blocks = []
    for start in range(0, draws, BLOCK):
        stop = min(start + BLOCK, draws)
        rows = Rows(evaluation, {p: v[start:stop] for p, v in inputs.items()}) if inputs else _point_rows(evaluation, stop - start)
        if volume is not None:
            rows.volume = np.full((rows.count, 1), float(volume))
        if draws <= KEEP_BLOCKS_UP_TO:
            blocks.append(rows)
        costs = np.stack([rows.cost(name, volumes) for name in names]) if names else np.empty((0, stop - start, volumes.size))
        if start < kept:
            for i, name in enumerate(names):
                stored[name][start:min(stop, kept)] = costs[i, : min(stop, kept) - start]
        if names:
            best = np.min(costs, axis=0)
            works = np.isfinite(best)
            winner = np.argmin(costs, axis=0)
            for i, name in enumerate(names):
                wins[name] += np.sum((winner == i) & works, axis=0)
            decided += works.sum(axis=0)
        for name in names:
            at_volume[name][start:stop] = rows.cost_at_volume(name)
        for pair in pairs:
            crossings[pair][start:stop] = first_crossings(rows, *pair, *evaluation.volume_range)
        if progress is not None:
            progress(stop / draws)
    cost_bands = {name: bands(stored[name]) for name in names}
    share = {name: np.divide(wins[name], decided, out=np.zeros_like(decided), where=decided > 0) for name in names}
    fixed = volume if volume is not None else (
        None if "workload.queries_per_month" in inputs else float(scenario.workload.queries_per_month))
    return Simulation(draws=draws, seed=seed, volumes=volumes, setups=names, bands=cost_bands,
                      probability_cheapest=share, cost_at_volume=at_volume, break_even=crossings,
                      latency=_latency(evaluation, inputs), inputs=inputs, volume=fixed, blocks=blocks,
                      sources=range_sources(scenario))


def at_volume(sim: Simulation, evaluation: Evaluation, volume: float) -> Simulation:
    """The same draws read at another fixed volume: only the at-volume costs are recomputed.

    Everything else (bands, break-evens, probabilities across volume, latency) does not depend on
    the scenario's volume, so moving the volume need not rerun the whole Monte Carlo. ``evaluation``
    must be of the scenario ``sim`` was drawn for, at any volume.
    """
    costs = {name: np.empty(sim.draws) for name in sim.setups}
    at = np.array([float(volume)])
    for i, start in enumerate(range(0, sim.draws, BLOCK)):
        stop = min(start + BLOCK, sim.draws)
        if i < len(sim.blocks):
            rows = sim.blocks[i]
        else:
            rows = Rows(evaluation, {p: v[start:stop] for p, v in sim.inputs.items()}) if sim.inputs \
                else _point_rows(evaluation, stop - start)
        for name in sim.setups:
            costs[name][start:stop] = rows.cost(name, at)[:, 0]
    return replace(sim, cost_at_volume=costs, volume=float(volume))


def _point_rows(evaluation: Evaluation, count: int) -> Rows:
    rows = Rows(evaluation, {})
    rows.count = count
    rows.volume = np.broadcast_to(rows.volume[:1], (count, 1))
    return rows


def bands(costs: np.ndarray) -> np.ndarray:
    """P10, P50, P90 over draws (axis 0) of (draws, volumes) costs, ignoring infeasible draws."""
    if np.isfinite(costs).all():
        return _percentiles_by_column(costs)
    costs[~np.isfinite(costs)] = np.nan  # infeasible draws leave the percentiles (the array is ours)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a volume where no draw works: NaN
        return np.nanpercentile(costs, PERCENTILES, axis=0)


def _percentiles_by_column(values: np.ndarray) -> np.ndarray:
    """``np.percentile(values, PERCENTILES, axis=0)`` (linear interpolation) in half the time: one
    partial sort per column for the few order statistics needed, columns made contiguous first."""
    n = values.shape[0]
    position = np.asarray(PERCENTILES) / 100.0 * (n - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, n - 1)
    ordered = np.partition(np.ascontiguousarray(values.T), np.unique(np.concatenate([below, above])), axis=1)
    low, high = ordered[:, below], ordered[:, above]
    return (low + (high - low) * (position - below)).T  # equal neighbours give that value exactly


def _latency(evaluation: Evaluation, inputs: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """p50 and p95 latency [ms] in each of the first ``LATENCY_DRAWS`` draws, per feasible setup."""
    count = min(LATENCY_DRAWS, len(next(iter(inputs.values())))) if inputs else 1
    out: dict[str, dict[str, list]] = {name: {"p50": [], "p95": []} for name in evaluation.feasible}
    for start in range(0, count, LATENCY_BLOCK):
        stop = min(start + LATENCY_BLOCK, count)
        rows = Rows(evaluation, {p: v[start:stop] for p, v in inputs.items()}, samples=lat.SAMPLES)
        for name, model in rows.setups.items():
            parts, _ = lat.latency_parts(model.latency_inputs)
            total = np.broadcast_to(sum(parts.values()), (stop - start, lat.SAMPLES))
            p50, p95 = np.percentile(total, [50, 95], axis=-1)
            infeasible = np.broadcast_to(np.asarray(model.infeasible_draws, bool).reshape(-1), (stop - start,))
            out[name]["p50"].append(np.where(infeasible, np.nan, p50))
            out[name]["p95"].append(np.where(infeasible, np.nan, p95))
    return {name: {q: np.concatenate(v) for q, v in parts.items()} for name, parts in out.items()}
