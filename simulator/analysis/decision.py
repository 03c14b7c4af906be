"""The guided recommendation: the field's rule of thumb as explicit rules, checked against the numbers.

The rules, each tied to the answer that triggers it:
- prompt first: no missing knowledge and no behaviour gap -> prompt-only;
- RAG for knowledge that is private or changing, and whenever sources must be shown;
- fine-tuning for behaviour prompting cannot hold, when labelled examples exist and the knowledge
  is stable; hybrid when both knowledge and behaviour matter;
- ruled out: fine-tuning with fewer than a few hundred examples; fine-tuning alone when the
  knowledge changes weekly or faster, or when sources must be cited; prompt-only when the corpus
  the task needs cannot fit the model's context window; any setup the simulation finds infeasible
  or over the latency budget.
Then the numbers: the recommended setup agrees with them when it costs within 10% of the cheapest
setup that meets the requirements (feasible and not ruled out: ``answer.headline``, the answer every
page leads with) at the scenario's volume and meets the latency budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pricing.catalog import Figure
from pricing.provenance import FigureRecorder, figure_rows
from simulator.model.evaluate import Evaluation
from simulator.scenario import SETUPS, Decision, Scenario

AGREE_WITHIN = 0.10  # the definition: within 10% of the cheapest setup that meets the requirements
FAST_CHANGE = ("daily", "weekly")
STABLE = ("quarterly", "rarely")
LABELS = {"prompt_only": "prompt-only", "rag": "RAG", "fine_tuned": "the fine-tuned model", "hybrid": "hybrid"}

# Thresholds and the change-rate mapping are catalog figures (defaults.decision, assumptions).


def with_answers(scenario, answers: dict) -> Scenario:
    """The scenario with the questionnaire's answers (validated like any edit)."""
    data = scenario.model_dump()
    data["decision"] = answers
    return type(scenario).model_validate(data)


def prefilled(scenario, catalog) -> tuple[Scenario, list[str]]:
    """Inputs implied by the answers: how fast knowledge changes sets the share of the corpus
    re-embedded each month and how often the model is retrained (catalog defaults.decision).
    Returns the scenario and what changed."""
    change = scenario.decision.knowledge_changes
    if change is None:
        return scenario, []
    d = catalog.defaults.decision
    read = FigureRecorder(catalog)
    share = read(getattr(d, f"change_share_{change}"))
    months = read(getattr(d, f"retrain_months_{change}"))
    data = scenario.model_dump()
    data["knowledge"]["monthly_change_share"] = share
    data["fine_tuned"]["training"]["retrain_every_months"] = months
    changed = [f"knowledge.monthly_change_share = {share:g} (knowledge changes {change})",
               f"fine_tuned.training.retrain_every_months = {months:g}"]
    return type(scenario).model_validate(data), changed


@dataclass
class Recommendation:
    recommendation: str
    reasons: list[str] = field(default_factory=list)
    ruled_out: dict[str, str] = field(default_factory=dict)
    numbers_agree: bool = True
    disagreement: str | None = None
    costs_usd_per_month: dict[str, float | None] = field(default_factory=dict)
    latency_p95_ms: dict[str, float | None] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    figures_used: dict[str, Figure] = field(default_factory=dict)  # the rules' thresholds, as read

    def to_dict(self) -> dict:
        return {
            "figures_used": figure_rows(self.figures_used),
            "recommendation": self.recommendation, "reasons": self.reasons, "ruled_out": self.ruled_out,
            "numbers_agree": self.numbers_agree, "disagreement": self.disagreement,
            "monthly_cost_usd": self.costs_usd_per_month, "latency_p95_ms": self.latency_p95_ms,
            "unanswered": self.unanswered,
        }


def recommend(ev: Evaluation) -> Recommendation:
    """The questionnaire's rules applied to the scenario, with each reason, and whether the cheapest
    setup at the scenario's volume agrees."""
    d: Decision = ev.scenario.decision
    rules = ev.catalog.defaults.decision
    read = FigureRecorder(ev.catalog)
    min_examples = read(rules.min_labelled_examples)
    at_scale = read(rules.at_scale_queries_per_month)
    unanswered = [name for name, value in d.model_dump().items() if value is None]
    ruled_out = _ruled_out(ev, d, min_examples)
    allowed = [s for s in SETUPS if s not in ruled_out]
    knowledge, behaviour = bool(d.needs_private_knowledge), bool(d.behaviour_gap)
    reasons: list[str] = []

    q = ev.scenario.workload.queries_per_month
    if knowledge and behaviour and q >= at_scale:
        reasons.append(f"needs_private_knowledge = yes and behaviour_gap = yes at {q:,.0f} queries/month (at scale: "
                       f"from {at_scale:,.0f} by assumption): retrieval and fine-tuning combine (hybrid)")
        order = ["hybrid", "rag", "fine_tuned", "prompt_only"]
    elif knowledge and behaviour:
        reasons.append(f"needs_private_knowledge = yes and behaviour_gap = yes, but at {q:,.0f} queries/month (below "
                       f"{at_scale:,.0f}, an assumption) start with RAG and a stronger prompt; "
                       "hybrid pays off at scale")
        order = ["rag", "hybrid", "prompt_only", "fine_tuned"]
    elif knowledge or d.citations_required:
        why = ("needs_private_knowledge = yes: retrieval brings the knowledge the model lacks"
               if knowledge else "citations_required = yes: retrieval shows the sources of every answer")
        reasons.append(why)
        order = ["rag", "hybrid", "prompt_only", "fine_tuned"]
    elif behaviour:
        reasons.append("behaviour_gap = yes and needs_private_knowledge = no: fine-tuning teaches the behaviour "
                       "a prompt cannot hold")
        order = ["fine_tuned", "hybrid", "prompt_only", "rag"]
    else:
        reasons.append("needs_private_knowledge = no and behaviour_gap = no: try a better prompt first")
        order = ["prompt_only", "rag", "fine_tuned", "hybrid"]
    if d.citations_required and knowledge:
        reasons.append("citations_required = yes: retrieval shows the sources of every answer")
    if d.knowledge_changes in FAST_CHANGE and knowledge:
        reasons.append(f"knowledge_changes = {d.knowledge_changes}: retrieval picks up changes without retraining")
    if d.knowledge_changes in STABLE and behaviour and (d.labelled_examples or 0) >= min_examples:
        reasons.append(f"knowledge_changes = {d.knowledge_changes} and labelled_examples = {d.labelled_examples:,}: "
                       "stable knowledge and enough examples suit fine-tuning")

    chosen = next((s for s in order if s in allowed), None)
    if chosen is None:
        return Recommendation("prompt_only", reasons + ["every setup is ruled out; prompt-only is the fallback"],
                              ruled_out, False, "every setup is ruled out (see ruled_out)", unanswered=unanswered,
                              figures_used=dict(read.used))
    if chosen != order[0]:
        reasons.append(f"{LABELS[order[0]]} is ruled out ({ruled_out[order[0]]}), so {LABELS[chosen]} is next")
    if unanswered:
        reasons.append(f"unanswered, taken as no: {', '.join(unanswered)}")

    rec = Recommendation(chosen, reasons, ruled_out, unanswered=unanswered, figures_used=dict(read.used))
    _check_numbers(ev, d, rec)
    return rec


def ruled_out(ev: Evaluation) -> dict[str, str]:
    """The setups that cannot meet the scenario's requirements, each with why: the questionnaire's hard
    rules (too few labelled examples, fast-changing knowledge or citations for fine-tuning alone, a
    corpus over prompt-only's context window or prompt cap, the latency budget) and infeasibility."""
    read = FigureRecorder(ev.catalog)
    return _ruled_out(ev, ev.scenario.decision, read(ev.catalog.defaults.decision.min_labelled_examples))


def _ruled_out(ev: Evaluation, d: Decision, min_examples: float) -> dict[str, str]:
    out: dict[str, str] = {}
    examples = d.labelled_examples
    if examples is not None and examples < min_examples:
        for s in ("fine_tuned", "hybrid"):
            out[s] = (f"labelled_examples = {examples:,}: fine-tuning needs at least a few hundred "
                      f"(here {min_examples:,.0f}, an assumption); improve the prompt and collect examples first")
    if d.needs_private_knowledge and d.knowledge_changes in FAST_CHANGE:
        out.setdefault("fine_tuned", f"knowledge_changes = {d.knowledge_changes}: a fine-tuned model alone would be "
                                     "out of date between retrainings")
    if d.citations_required:
        out.setdefault("fine_tuned", "citations_required = yes: a fine-tuned model alone cannot point to its sources")
    po = ev.setups["prompt_only"]
    window = po.details.get("context_window_tokens")
    cap = po.details.get("max_prompt_tokens")  # a prompt cap below the window bounds the corpus first
    corpus = ev.scenario.knowledge.corpus.tokens
    if d.needs_private_knowledge and cap and corpus is not None and corpus > cap and not (window and corpus > window):
        out.setdefault("prompt_only", f"needs_private_knowledge = yes, but the {corpus:,.0f}-token corpus cannot fit "
                                      f"{po.model}'s {cap:,.0f}-token prompt cap (max_prompt_tokens)")
    if d.needs_private_knowledge and window and corpus is not None and corpus > window:
        out.setdefault("prompt_only", f"needs_private_knowledge = yes, but the {corpus:,.0f}-token corpus cannot fit "
                                      f"{po.model}'s {window:,.0f}-token context window")
    for name, setup in ev.setups.items():
        if not setup.feasible:
            out.setdefault(name, "infeasible in the simulation: " + "; ".join(setup.problems))
        elif d.latency_budget_ms is not None and setup.latency.p95 > d.latency_budget_ms:
            out.setdefault(name, f"latency_budget_ms = {d.latency_budget_ms:,.0f}: its p95 latency is "
                                 f"{setup.latency.p95:,.0f} ms")
    return out


def _check_numbers(ev: Evaluation, d: Decision, rec: Recommendation) -> None:
    q = ev.scenario.workload.queries_per_month
    result = ev.to_dict(q)["setups"]
    rec.costs_usd_per_month = {n: r["monthly_cost_usd"] for n, r in result.items()}
    rec.latency_p95_ms = {n: (r["latency_ms"] or {}).get("p95") for n, r in result.items()}
    allowed = [name for name in ev.feasible if name not in rec.ruled_out]
    cheapest = ev.cheapest(q, among=allowed)
    chosen = rec.recommendation
    if cheapest is None or not ev.setups[chosen].feasible:
        rec.numbers_agree = False
        rec.disagreement = "no setup meets the requirements in the simulation to compare with"
        return
    cost, best = rec.costs_usd_per_month[chosen], rec.costs_usd_per_month[cheapest]
    problems = []
    if cost > best * (1 + AGREE_WITHIN):
        saving = 1 - best / cost
        problems.append(f"rules favour {LABELS[chosen]}, but at {q:,.0f} queries/month {LABELS[cheapest]} is "
                        f"{saving:.0%} cheaper (${best:,.0f} vs ${cost:,.0f} per month)")
    else:
        # Where does the recommendation stop being (nearly) cheapest as volume grows?
        for name, start, _ in ev.cheapest_ranges(q, 1e12, among=allowed):
            if name != chosen and start > q:
                other = float(ev.monthly_cost(name, start * 2))
                mine = float(ev.monthly_cost(chosen, start * 2))
                if other < mine / (1 + AGREE_WITHIN):
                    rec.reasons.append(f"the numbers agree at {q:,.0f} queries/month; above {start:,.0f} "
                                       f"{LABELS[name]} becomes cheaper")
                    break
    p95 = rec.latency_p95_ms[chosen]
    if d.latency_budget_ms is not None and p95 is not None and p95 > d.latency_budget_ms:
        problems.append(f"its p95 latency of {p95:,.0f} ms exceeds the {d.latency_budget_ms:,.0f} ms budget")
    rec.numbers_agree = not problems
    rec.disagreement = "; ".join(problems) or None
