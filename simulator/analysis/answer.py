"""The one answer every page leads with: the cheapest setup that meets the scenario's requirements.

A setup meets the requirements when the simulation finds it feasible and the questionnaire's hard
rules do not rule it out (``decision.ruled_out``: a corpus over prompt-only's context window, the
latency budget, too few labelled examples, citations or fast-changing knowledge for fine-tuning
alone). The headline is the cheapest of those at the scenario's volume; the setups that would be
cheaper but are ruled out are named with why, so a cheaper number is never hidden. With a Monte
Carlo, the probability of being cheapest is over the same setups, draw by draw (a draw in which a
setup cannot work leaves it out of that draw, as everywhere in ``montecarlo``).

The landing page, the Decision page, the meeting report and ``evaluate`` / ``decide --json`` all
take their headline from ``headline``.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.analysis.decision import ruled_out
from simulator.analysis.montecarlo import Simulation
from simulator.model.evaluate import Evaluation


@dataclass(frozen=True)
class RuledOutCheaper:
    """A setup cheaper than the headline (or, when nothing meets the requirements, any feasible one)
    that the requirements rule out."""

    setup: str
    monthly_cost_usd: float  # at the headline's volume [USD/month]
    reason: str


@dataclass(frozen=True)
class Headline:
    queries_per_month: float
    setup: str | None  # None: no setup meets the requirements
    monthly_cost_usd: float | None  # the headline setup's, at queries_per_month [USD/month]
    latency_p95_ms: float | None  # the headline setup's p95 end-to-end latency [ms]
    feasible: tuple[str, ...]  # the setups the simulation can run
    allowed: tuple[str, ...]  # of those, the ones that meet the requirements (not ruled out)
    ruled_out: dict[str, str]  # every setup that does not, with why (infeasible ones too)
    cheaper_but_ruled_out: tuple[RuledOutCheaper, ...]  # cheapest first
    probability_cheapest: dict[str, float] | None = None  # over ``allowed``, with a Monte Carlo

    @property
    def restricted(self) -> bool:
        """Whether the requirements rule out a setup the simulation could run (so "cheapest" needs
        the qualifier "among the setups that meet the requirements")."""
        return len(self.allowed) < len(self.feasible)

    def to_dict(self) -> dict:
        return {
            "setup": self.setup, "queries_per_month": self.queries_per_month,
            "monthly_cost_usd": self.monthly_cost_usd, "latency_p95_ms": self.latency_p95_ms,
            "meets_requirements": list(self.allowed),
            "cheaper_but_ruled_out": [{"setup": c.setup, "monthly_cost_usd": c.monthly_cost_usd, "reason": c.reason}
                                      for c in self.cheaper_but_ruled_out],
            "probability_cheapest": self.probability_cheapest,
        }


def headline(ev: Evaluation, sim: Simulation | None = None, volume: float | None = None) -> Headline:
    """The cheapest setup that meets the requirements at ``volume`` (default: the scenario's
    queries/month), the cheaper setups ruled out and why, and with ``sim`` (drawn at that volume)
    the probability each allowed setup is the cheapest of them."""
    q = float(ev.scenario.workload.queries_per_month if volume is None else volume)
    out = ruled_out(ev)
    allowed = tuple(name for name in ev.feasible if name not in out)
    best = ev.cheapest(q, among=allowed)
    cost = None if best is None else float(ev.monthly_cost(best, q))
    cheaper = sorted(
        (RuledOutCheaper(name, float(ev.monthly_cost(name, q)), out[name])
         for name in ev.feasible if name in out and (cost is None or float(ev.monthly_cost(name, q)) < cost)),
        key=lambda c: c.monthly_cost_usd)
    return Headline(
        queries_per_month=q, setup=best, monthly_cost_usd=cost,
        latency_p95_ms=None if best is None else float(ev.setups[best].latency.p95),
        feasible=tuple(ev.feasible), allowed=allowed, ruled_out=out, cheaper_but_ruled_out=tuple(cheaper),
        probability_cheapest=None if sim is None else sim.cheapest_at_volume(allowed),
    )
