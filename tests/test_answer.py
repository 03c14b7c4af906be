"""The one answer (simulator.analysis.answer.headline): the cheapest setup that meets the requirements,
the cheaper ones ruled out and why, and the probability of being cheapest over the same setups."""

import json
from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, cli
from simulator.analysis.answer import headline
from simulator.analysis.montecarlo import simulate
from simulator.model.evaluate import evaluate
from simulator.scenario import load_scenario

NEUTRAL = {"needs_private_knowledge": False, "behaviour_gap": False, "citations_required": False,
           "labelled_examples": 1000, "knowledge_changes": "monthly"}


def golden_cost(name: str, setup: str) -> float:
    """The reviewed evaluate --json figure (tests/golden, regenerated with the catalog)."""
    return json.loads((ROOT / "tests" / "golden" / f"{name}.json").read_text())["setups"][setup]["monthly_cost_usd"]


def test_support_bot_names_rag_and_says_why_the_cheaper_prompt_only_is_ruled_out(support_bot, catalog):
    pick = headline(evaluate(support_bot, catalog))
    # golden: prompt-only $2,802/month, RAG $4,601/month at 400,000 queries/month; prompt-only would be
    # cheapest, but the 2,000,000-token help centre cannot go into claude-haiku-4-5's 200,000 tokens.
    assert pick.setup == "rag" and pick.queries_per_month == 400_000
    assert pick.monthly_cost_usd == pytest.approx(golden_cost("support-bot", "rag"), rel=1e-9)
    assert golden_cost("support-bot", "prompt_only") < pick.monthly_cost_usd
    [cheaper] = pick.cheaper_but_ruled_out
    assert cheaper.setup == "prompt_only"
    assert cheaper.monthly_cost_usd == pytest.approx(golden_cost("support-bot", "prompt_only"), rel=1e-9)
    assert "2,000,000-token corpus cannot fit claude-haiku-4-5's 200,000-token context window" in cheaper.reason
    assert pick.allowed == ("rag", "fine_tuned", "hybrid") and pick.restricted


@pytest.mark.parametrize("path", ["ticket-classifier.yaml"])
def test_with_nothing_ruled_out_the_headline_is_the_cheapest_setup(path, catalog):
    ev = evaluate(load_scenario(ROOT / "scenarios" / path, catalog), catalog)
    pick = headline(ev)
    q = ev.scenario.workload.queries_per_month
    assert pick.ruled_out == {} and not pick.restricted and pick.cheaper_but_ruled_out == ()
    assert pick.setup == ev.cheapest(q) == "prompt_only"
    assert pick.monthly_cost_usd == pytest.approx(golden_cost("ticket-classifier", "prompt_only"), rel=1e-9)


def test_the_headline_follows_the_volume_it_is_asked_at(make_scenario, catalog):
    ev = evaluate(make_scenario(decision=NEUTRAL), catalog)
    for q in (1e3, 1e6, 1e9):
        pick = headline(ev, volume=q)
        assert pick.setup == ev.cheapest(q) and pick.monthly_cost_usd == pytest.approx(float(ev.monthly_cost(pick.setup, q)))


def test_with_everything_ruled_out_there_is_no_headline_and_every_feasible_setup_says_why(make_scenario, catalog):
    ev = evaluate(make_scenario(decision={**NEUTRAL, "latency_budget_ms": 1}), catalog)
    pick = headline(ev)
    assert pick.setup is None and pick.monthly_cost_usd is None and pick.allowed == ()
    listed = [c.setup for c in pick.cheaper_but_ruled_out]
    assert sorted(listed) == sorted(ev.feasible) and len(listed) == 4
    costs = [c.monthly_cost_usd for c in pick.cheaper_but_ruled_out]
    assert costs == sorted(costs)  # cheapest first
    assert all(c.reason.startswith("latency_budget_ms = 1:") for c in pick.cheaper_but_ruled_out)


def test_probability_cheapest_is_over_the_setups_that_meet_the_requirements(support_bot, catalog):
    ev = evaluate(support_bot, catalog)
    sim = simulate(ev, 400)
    pick = headline(ev, sim)
    odds = pick.probability_cheapest
    assert set(odds) == {"rag", "fine_tuned", "hybrid"} and sum(odds.values()) == pytest.approx(1.0)
    # Draw by draw, the cheapest of the allowed setups (prompt-only is cheaper in most draws: it does not count).
    costs = np.vstack([sim.cost_at_volume[n] for n in pick.allowed])
    winners = np.argmin(costs, axis=0)
    for i, name in enumerate(pick.allowed):
        assert odds[name] == pytest.approx(np.mean(winners == i))
    assert sim.cheapest_at_volume()["prompt_only"] > 0.5


def test_a_draw_in_which_an_allowed_setup_cannot_work_leaves_it_out_of_that_draw(support_bot, catalog):
    ev = evaluate(support_bot, catalog)
    sim = simulate(ev, 200)
    cost = dict(sim.cost_at_volume)
    rag = cost["rag"].copy()
    rag[:50] = np.inf  # RAG cannot work in the first 50 draws; fine-tuned or hybrid wins those
    cost["rag"] = rag
    odds = replace(sim, cost_at_volume=cost).cheapest_at_volume(("rag", "fine_tuned", "hybrid"))
    assert sum(odds.values()) == pytest.approx(1.0)
    assert odds["rag"] <= 150 / 200 and odds["fine_tuned"] + odds["hybrid"] >= 50 / 200


def test_cli_evaluate_and_decide_carry_the_headline():
    run = cli("evaluate", "scenarios/support-bot.yaml", "--json", "--draws", "200")
    assert run.returncode == 0, run.stderr
    h = json.loads(run.stdout)["headline"]
    assert h["setup"] == "rag" and h["meets_requirements"] == ["rag", "fine_tuned", "hybrid"]
    assert [c["setup"] for c in h["cheaper_but_ruled_out"]] == ["prompt_only"]
    assert "context window" in h["cheaper_but_ruled_out"][0]["reason"]
    assert h["monthly_cost_usd"] == pytest.approx(golden_cost("support-bot", "rag"), rel=1e-9)
    assert set(h["probability_cheapest"]) == {"rag", "fine_tuned", "hybrid"}
    assert sum(h["probability_cheapest"].values()) == pytest.approx(1.0)
    decided = json.loads(cli("decide", "scenarios/support-bot.yaml", "--json").stdout)
    assert decided["headline"]["setup"] == "rag" == decided["recommendation"] and decided["numbers_agree"]
    text = cli("evaluate", "scenarios/support-bot.yaml").stdout
    assert "Cheapest at this volume that meets the requirements: rag" in text
    assert f"cheaper but ruled out: prompt_only (${golden_cost('support-bot', 'prompt_only'):,.0f}/month)" in text


def test_what_would_change_the_answer_is_about_the_headline_not_a_ruled_out_setup(support_bot, catalog):
    """support-bot: prompt-only is cheaper but its corpus does not fit, so "the answer" the Sensitivity
    page and the report search around is RAG's; without ``among`` the search starts from prompt-only
    and reported "cache hit rate at 61.91 would make RAG the cheapest" beside a RAG headline."""
    from simulator.analysis.sensitivity import what_would_change
    ev = evaluate(support_bot, catalog)
    pick = headline(ev)
    everyone = what_would_change(ev)
    assert {c.cheapest for c in everyone} == {"prompt_only"}
    changes = what_would_change(ev, among=pick.allowed)
    assert changes and {c.cheapest for c in changes} == {pick.setup} == {"rag"}
    named = {side[1] for c in changes for side in (c.below, c.above) if side is not None}
    assert not named & set(pick.ruled_out)
