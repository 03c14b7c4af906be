"""Decision rules: each with a scenario that triggers it and one that does not; numbers vs rules; CLI."""

import json

import pytest

from simulator.analysis.decision import prefilled, recommend, with_answers
from simulator.model.evaluate import evaluate
from conftest import cli

NEUTRAL = {"needs_private_knowledge": False, "behaviour_gap": False, "citations_required": False,
           "labelled_examples": 1000, "knowledge_changes": "monthly"}


def decide(make_scenario, catalog, answers, **changes):
    scenario = make_scenario(**changes, decision={**NEUTRAL, **answers})
    return recommend(evaluate(scenario, catalog))


def test_prompt_first_when_neither_knowledge_nor_behaviour(make_scenario, catalog):
    r = decide(make_scenario, catalog, {})
    assert r.recommendation == "prompt_only"
    assert "try a better prompt first" in r.reasons[0]
    assert decide(make_scenario, catalog, {"needs_private_knowledge": True}).recommendation != "prompt_only"


def test_rag_for_missing_knowledge(make_scenario, catalog):
    r = decide(make_scenario, catalog, {"needs_private_knowledge": True})
    assert r.recommendation == "rag" and r.reasons[0].startswith("needs_private_knowledge = yes")
    assert decide(make_scenario, catalog, {"behaviour_gap": True}).recommendation != "rag"


def test_citations_favour_rag_and_rule_out_fine_tuning_alone(make_scenario, catalog):
    r = decide(make_scenario, catalog, {"citations_required": True})
    assert r.recommendation == "rag"
    assert r.ruled_out["fine_tuned"].startswith("citations_required = yes")
    assert "fine_tuned" not in decide(make_scenario, catalog, {}).ruled_out


def test_fine_tuning_for_behaviour_with_enough_examples(make_scenario, catalog):
    r = decide(make_scenario, catalog, {"behaviour_gap": True})
    assert r.recommendation == "fine_tuned"
    few = decide(make_scenario, catalog, {"behaviour_gap": True, "labelled_examples": 100})
    assert few.recommendation == "prompt_only"
    assert few.ruled_out["fine_tuned"].startswith("labelled_examples = 100: fine-tuning needs at least a few hundred")
    assert "hybrid" in few.ruled_out
    assert any("is ruled out" in reason for reason in few.reasons)


def test_hybrid_at_scale_rag_below(make_scenario, catalog):
    both = {"needs_private_knowledge": True, "behaviour_gap": True}
    assert decide(make_scenario, catalog, both).recommendation == "hybrid"  # 1M queries/month
    small = decide(make_scenario, catalog, both, **{"workload.queries_per_month": 100_000})
    assert small.recommendation == "rag" and "hybrid pays off at scale" in small.reasons[0]


def test_fast_changing_knowledge_rules_out_fine_tuning_alone(make_scenario, catalog):
    r = decide(make_scenario, catalog, {"needs_private_knowledge": True, "knowledge_changes": "weekly"})
    assert r.ruled_out["fine_tuned"].startswith("knowledge_changes = weekly")
    r = decide(make_scenario, catalog, {"needs_private_knowledge": True, "knowledge_changes": "quarterly"})
    assert "fine_tuned" not in r.ruled_out


def test_corpus_that_cannot_fit_rules_out_prompt_only(make_scenario, catalog):
    r = decide(make_scenario, catalog, {"needs_private_knowledge": True})
    # 10M-token corpus, mistral-small-2603 has 128,000 tokens of context
    assert r.ruled_out["prompt_only"].startswith("needs_private_knowledge = yes, but the 10,000,000-token corpus")
    r = decide(make_scenario, catalog, {"needs_private_knowledge": True}, **{"knowledge.corpus": {"tokens": 50_000}})
    assert "prompt_only" not in r.ruled_out


def test_latency_budget_rules_out_slow_setups(make_scenario, catalog):
    r = decide(make_scenario, catalog, {"latency_budget_ms": 1})
    assert set(r.ruled_out) == {"prompt_only", "rag", "fine_tuned", "hybrid"}
    assert not r.numbers_agree
    assert "prompt_only" not in decide(make_scenario, catalog, {"latency_budget_ms": 600_000}).ruled_out


def test_numbers_agree_within_ten_percent_or_say_why_not(make_scenario, catalog):
    # Hand scenario at 1M queries: prompt-only $3,100, fine-tuned $4,320 (tests/test_costs.py).
    agree = decide(make_scenario, catalog, {})
    assert agree.recommendation == "prompt_only" and agree.numbers_agree and agree.disagreement is None
    disagree = decide(make_scenario, catalog, {"behaviour_gap": True})
    assert disagree.recommendation == "fine_tuned" and not disagree.numbers_agree
    # 1 - 3,100 / 4,320.35 = 28%
    assert disagree.disagreement.startswith("rules favour the fine-tuned model, but at 1,000,000 queries/month "
                                            "prompt-only is 28% cheaper ($3,100 vs $4,320 per month)")


def test_answers_prefill_change_rates_from_the_catalog(make_scenario, catalog):
    scenario = make_scenario(decision={**NEUTRAL, "knowledge_changes": "weekly"})
    changed, lines = prefilled(scenario, catalog)
    assert changed.knowledge.monthly_change_share == 0.5
    assert changed.fine_tuned.training.retrain_every_months == 0.25
    assert len(lines) == 2
    assert prefilled(with_answers(scenario, {}), catalog) == (with_answers(scenario, {}), [])


def test_cli_decide_json_with_evaluation_data(tmp_path):
    csv = tmp_path / "eval.csv"
    csv.write_text("question,setup,pass\nq1,prompt_only,1\nq2,prompt_only,0\nq1,RAG,1\nq2,RAG,1\n")
    run = cli("decide", "scenarios/support-bot.yaml", "--eval", str(csv), "--json")
    assert run.returncode == 0, run.stderr
    r = json.loads(run.stdout)
    assert r["recommendation"] in ("prompt_only", "rag", "fine_tuned", "hybrid")
    assert isinstance(r["reasons"], list) and r["reasons"] and isinstance(r["ruled_out"], dict)
    assert isinstance(r["numbers_agree"], bool) and (r["disagreement"] is None) == r["numbers_agree"]
    bot = json.loads(cli("evaluate", "scenarios/support-bot.yaml", "--json").stdout)["setups"]
    # accuracy 1/2 and 2/2: cost per correct answer = cost per query / accuracy
    assert r["cost_per_correct_answer_usd"]["prompt_only"] == pytest.approx(bot["prompt_only"]["cost_per_query_usd"] / 0.5)
    assert r["cost_per_correct_answer_usd"]["rag"] == pytest.approx(bot["rag"]["cost_per_query_usd"] / 1.0)


def test_cli_decide_refuses_a_malformed_csv(tmp_path):
    csv = tmp_path / "eval.csv"
    csv.write_text("question,setup,score\nq1,prompt_only,1.4\nq2,gpt,0.5\n")
    run = cli("decide", "scenarios/support-bot.yaml", "--eval", str(csv))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "row 2, score: 1.4 is outside 0 to 1" in run.stderr and "row 3, setup" in run.stderr
