"""The plain-language conclusions shown on the break-even page and in the meeting report."""

from __future__ import annotations

from simulator.evaluate import Evaluation

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
