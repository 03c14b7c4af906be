"""The plain-language conclusions shown on the break-even page and in the meeting report."""

from __future__ import annotations

from simulator.analysis.montecarlo import Simulation
from simulator.model.evaluate import Evaluation

from . import fmt


def conclusions(ev: Evaluation, lo: float, hi: float) -> list[str]:
    """Markdown sentences: who is cheapest at the scenario's volume, and who wins where."""
    q0 = ev.scenario.workload.queries_per_month
    cheapest = ev.cheapest(q0)
    if cheapest is None:
        return ["No setup is feasible for this scenario: see the warnings on the cost breakdown page."]
    s = ev.to_dict()["setups"][cheapest]
    lines = [f"At **{fmt.volume(q0)} queries/month**, **{fmt.setup(cheapest)}** is cheapest at "
             f"**{fmt.usd_month(s['monthly_cost_usd'])}**, p95 latency {fmt.ms(s['latency_ms']['p95'])}."]
    ranges = ev.cheapest_ranges(lo, hi)
    if len(ranges) == 1:
        lines.append(f"It stays cheapest from {fmt.volume(lo)} to {fmt.volume(hi)} queries/month.")
    else:
        steps = [f"**{fmt.setup(n)}** from {fmt.volume(a)} to {fmt.volume(b)}" for n, a, b in ranges[:8]]
        more = f" (and {len(ranges) - 8} more changes)" if len(ranges) > 8 else ""
        lines.append("Cheapest across the range: " + "; ".join(steps) + more + ".")
    return lines


def infeasible(ev: Evaluation) -> list[str]:
    return [f"**{fmt.setup(name)}** is not feasible: {'; '.join(s.problems)}"
            for name, s in ev.setups.items() if not s.feasible]


def uncertainty(ev: Evaluation, sim: Simulation) -> list[str]:
    """Markdown sentences on the Monte Carlo: what a range not the user's own rests on (the observed price
    drift), the break-evens that matter and who wins at the volume."""
    q0 = ev.scenario.workload.queries_per_month
    lines = [f"**With the ranges** ({sim.draws:,} draws, seed {sim.seed}):"]
    lines += [f"{fmt.input_label(path).split(': ', 1)[-1]}: {text}." for path, text in sim.sources.items()]
    cheapest = ev.cheapest(q0)
    for b in ev.break_even:  # the headline pair, and the pairs the cheapest setup is in
        if b.first is None or not ({b.a, b.b} == {"rag", "fine_tuned"} or cheapest in (b.a, b.b)):
            continue
        spread = sim.break_even_summary(b.a, b.b)
        above = b.b if b.cheaper_at_low_volume == b.a else b.a
        lines.append(f"**{fmt.setup(above)}** is cheaper than **{fmt.setup(b.cheaper_at_low_volume)}** above "
                     f"**{fmt.volume(b.first)}** queries/month (80% interval "
                     f"{fmt.interval(spread['queries_per_month_percentiles'])}; they cross in "
                     f"{spread['probability_crosses']:.0%} of draws).")
    odds = sorted(sim.cheapest_at_volume().items(), key=lambda kv: -kv[1])
    if odds:
        best, chance = odds[0]
        others = ", ".join(f"{fmt.setup(n)} {p:.0%}" for n, p in odds[1:] if p > 0)
        lines.append(f"At {fmt.volume(q0)} queries/month **{fmt.setup(best)}** is the cheapest with "
                     f"**{chance:.0%}** probability" + (f" ({others})." if others else "."))
    return lines
