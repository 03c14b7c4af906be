"""Prints how fast and how large the Monte Carlo is on this machine. Figures, not pass/fail.

    bash scripts/dev.sh bench

Aims (issue 4): 4 setups x 500 volumes x 10,000 draws drawn and costed in under 1 s; percentiles
and probabilities under 1 s too; 50x or more against a per-draw Python loop over the same model
code; memory bounded for 100,000 draws.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pricing.catalog import default_catalog  # noqa: E402
from simulator.analysis import montecarlo as mc  # noqa: E402
from simulator.analysis.sensitivity import tornado, what_would_change  # noqa: E402
from simulator.model.evaluate import evaluate  # noqa: E402
from simulator.scenario import load_scenario  # noqa: E402

DRAWS = 10_000
VOLUMES = np.geomspace(1e3, 1e9, 500)
LOOP_DRAWS = 300  # the per-draw loop is timed on this many draws and scaled


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    """Fastest of ``repeat`` runs [s] (the others include cold caches), and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def draw_and_cost(ev, draws: int) -> dict[str, np.ndarray]:
    """Every ranged input drawn, the four setups built per block, costs at every volume kept."""
    inputs = mc.draw_inputs(ev.scenario, draws)
    out = {name: np.empty((draws, VOLUMES.size)) for name in ev.feasible}
    for start in range(0, draws, mc.BLOCK):
        rows = mc.Rows(ev, {p: v[start:start + mc.BLOCK] for p, v in inputs.items()})
        for name in ev.feasible:
            out[name][start:start + rows.count] = rows.cost(name, VOLUMES)
    return out


def per_draw_loop(ev, draws: int) -> None:
    """The same model code, one draw at a time (a Python loop over draws)."""
    inputs = mc.draw_inputs(ev.scenario, draws)
    for d in range(draws):
        rows = mc.Rows(ev, {p: v[d:d + 1] for p, v in inputs.items()})
        for name in ev.feasible:
            rows.cost(name, VOLUMES)


def percentiles_and_probabilities(costs: dict[str, np.ndarray]) -> None:
    for values in costs.values():
        mc.bands(values)
    stacked = np.stack(list(costs.values()))
    winner = np.argmin(stacked, axis=0)
    [np.mean(winner == i, axis=0) for i in range(len(costs))]


def main() -> None:
    catalog = default_catalog()
    scenario = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)
    ev = evaluate(scenario, catalog)
    print(f"Monte Carlo benchmark: {scenario.name}, {len(scenario.ranges)} ranged inputs, "
          f"{len(ev.feasible)} setups x {VOLUMES.size} volumes (numpy {np.__version__})")

    seconds, costs = best_of(lambda: draw_and_cost(ev, DRAWS))
    print(f"  draw + cost, {DRAWS:,} draws:                 {seconds * 1e3:7.0f} ms (aim < 1000)")
    vectorized = seconds
    seconds, _ = best_of(lambda: percentiles_and_probabilities(costs))
    print(f"  P10/P50/P90 bands + P(cheapest) per volume:  {seconds * 1e3:7.0f} ms (aim < 1000)")

    start = time.perf_counter()
    per_draw_loop(ev, LOOP_DRAWS)
    loop = (time.perf_counter() - start) / LOOP_DRAWS * DRAWS
    print(f"  per-draw Python loop, same code ({LOOP_DRAWS} draws timed, scaled to {DRAWS:,}): {loop:7.1f} s "
          f"-> vectorized is {loop / vectorized:,.0f}x faster (aim 50x+)")

    seconds, sim = best_of(lambda: mc.simulate(ev, DRAWS), repeat=2)
    print(f"  simulate() in full, {DRAWS:,} draws (bands, break-even per draw for 6 pairs, latency for "
          f"{mc.LATENCY_DRAWS} draws x 4,000 lengths): {seconds * 1e3:.0f} ms")
    seconds, result = best_of(lambda: tornado(ev), repeat=5)
    print(f"  tornado ({len(scenario.ranges)} inputs x 2 ends, 5 outputs):      {seconds * 1e3:7.0f} ms")
    seconds, _ = best_of(lambda: what_would_change(ev, ranking=result), repeat=3)
    print(f"  what would change the answer (top {mc.TOP_INPUTS} inputs): {seconds * 1e3:7.0f} ms")

    for draws in (10_000, 100_000):
        tracemalloc.start()
        start = time.perf_counter()
        mc.simulate(ev, draws)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  simulate() {draws:>7,} draws: {elapsed:6.1f} s, peak traced memory {peak / 2**20:6.0f} MiB "
              f"(blocks of {mc.BLOCK:,}; bands from the first {mc.BAND_DRAWS:,} draws)")
    print(f"  process peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    median = statistics.median(sim.cost_at_volume["prompt_only"])
    print(f"  (check: prompt-only at {scenario.workload.queries_per_month:,.0f}/month, P50 ${median:,.0f})")


if __name__ == "__main__":
    main()
