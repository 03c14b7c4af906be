"""The plain-language conclusions shown on the break-even page, the Decision page and in the meeting report:
one wording of the one answer (``simulator.analysis.answer.headline``)."""

from __future__ import annotations

from simulator.analysis import answer
from simulator.analysis.answer import Headline
from simulator.analysis.montecarlo import Simulation
from simulator.model.evaluate import Evaluation

from . import fmt


AMONG = "among the setups that meet the requirements"


def headline_title(pick: Headline) -> str:
    """The Decision page's and the report's heading: the setup the headline names."""
    return f"Recommendation: {fmt.setup(pick.setup)}" if pick.setup else "Recommendation: none meets the requirements"


def headline(pick: Headline) -> list[str]:
    """Markdown sentences: the cheapest setup that meets the requirements at the volume, then each
    setup that would be cheaper but is ruled out, with why."""
    at = f"At **{fmt.volume(pick.queries_per_month)} queries/month**"
    if pick.setup is None:
        lines = [f"{at} no setup meets the requirements."]
    else:
        among = f" {AMONG}," if pick.restricted else ""
        lines = [f"{at}, **{fmt.setup(pick.setup)}** is cheapest{among} at **{fmt.usd_month(pick.monthly_cost_usd)}**, "
                 f"p95 latency {fmt.ms(pick.latency_p95_ms)}."]
    for c in pick.cheaper_but_ruled_out:
        would = "would be cheaper" if pick.setup else "would cost"
        lines.append(f"**{fmt.setup(c.setup)}** {would} (**{fmt.usd_month(c.monthly_cost_usd)}**) but is ruled out: "
                     f"{c.reason}.")
    return lines


def conclusions(ev: Evaluation, lo: float, hi: float, pick: Headline | None = None) -> list[str]:
    """Markdown sentences: the headline at the scenario's volume, and who wins where among the setups
    that meet the requirements."""
    if not ev.feasible:
        return ["No setup is feasible for this scenario: see the warnings on the cost breakdown page."]
    pick = answer.headline(ev) if pick is None else pick
    lines = headline(pick)
    if pick.setup is None:
        return lines
    ranges = ev.cheapest_ranges(lo, hi, among=pick.allowed)
    if len(ranges) == 1:
        lines.append(f"It stays cheapest from {fmt.volume(lo)} to {fmt.volume(hi)} queries/month.")
    else:
        steps = [f"**{fmt.setup(n)}** from {fmt.volume(a)} to {fmt.volume(b)}" for n, a, b in ranges[:8]]
        more = f" (and {len(ranges) - 8} more changes)" if len(ranges) > 8 else ""
        lines.append(f"Cheapest across the range{f' ({AMONG})' if pick.restricted else ''}: "
                     + "; ".join(steps) + more + ".")
    return lines


def infeasible(ev: Evaluation) -> list[str]:
    return [f"**{fmt.setup(name)}** is not feasible: {'; '.join(s.problems)}"
            for name, s in ev.setups.items() if not s.feasible]


def uncertainty(ev: Evaluation, sim: Simulation, pick: Headline | None = None) -> list[str]:
    """Markdown sentences on the Monte Carlo: what a range not the user's own rests on (the observed price
    drift), the break-evens that matter and who wins at the volume, among the setups that meet the
    requirements."""
    q0 = ev.scenario.workload.queries_per_month
    lines = [f"**With the ranges** ({sim.draws:,} draws, seed {sim.seed}):"]
    lines += [f"{fmt.input_label(path).split(': ', 1)[-1]}: {text}." for path, text in sim.sources.items()]
    pick = answer.headline(ev) if pick is None else pick
    for b in ev.break_even:  # the headline pair, and the pairs the headline setup is in
        if b.first is None or not ({b.a, b.b} == {"rag", "fine_tuned"} or pick.setup in (b.a, b.b)):
            continue
        spread = sim.break_even_summary(b.a, b.b)
        above = b.b if b.cheaper_at_low_volume == b.a else b.a
        lines.append(f"**{fmt.setup(above)}** is cheaper than **{fmt.setup(b.cheaper_at_low_volume)}** above "
                     f"**{fmt.volume(b.first)}** queries/month (80% interval "
                     f"{fmt.interval(spread['queries_per_month_percentiles'])}; they cross in "
                     f"{spread['probability_crosses']:.0%} of draws).")
    odds = sorted(sim.cheapest_at_volume(pick.allowed).items(), key=lambda kv: -kv[1])
    if odds:
        best, chance = odds[0]
        others = ", ".join(f"{fmt.setup(n)} {p:.0%}" for n, p in odds[1:] if p > 0)
        among = f" {AMONG}" if pick.restricted else ""
        lines.append(f"At {fmt.volume(q0)} queries/month **{fmt.setup(best)}** is the cheapest{among} with "
                     f"**{chance:.0%}** probability" + (f" ({others})." if others else "."))
    return lines
