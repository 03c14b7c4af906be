"""``crossover traffic FILE --apply scenario.yaml -o out.yaml``: the fitted workload replaces the
scenario's guesses, lengths as 21 quantiles the cost model uses, the source recorded; nothing is
overwritten."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from conftest import ROOT, cli, scenario_dict
from simulator.model.evaluate import evaluate
from simulator.scenario import ScenarioError, load_scenario
from simulator.scenario.loading import validate_scenario

SAMPLE = ROOT / "samples" / "traffic" / "support-bot-requests.csv"
GRID = np.linspace(0, 1, 21)


def test_apply_writes_the_fitted_workload_and_records_the_source(tmp_path, catalog):
    out = tmp_path / "fitted.yaml"
    result = cli("traffic", str(SAMPLE), "--apply", str(ROOT / "scenarios" / "support-bot.yaml"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    fitted = load_scenario(out, catalog)
    import json
    fit = json.loads(cli("traffic", str(SAMPLE), "--json").stdout)["workload"]
    assert fitted.workload.queries_per_month == fit["queries_per_month"]["value"]
    assert fitted.workload.peak_to_average == fit["peak_to_average"]["value"]
    assert fitted.workload.answer.quantiles == fit["lengths"]["answer"]["value"]
    source = fitted.workload.traffic
    assert source.file == "support-bot-requests.csv" and source.rows == 1571 and source.model == "claude-haiku-4-5"
    assert len(source.sha256) == 64 and source.first < source.last
    assert "workload.query" in source.fields and "workload.monthly_growth" in source.fields
    # The scenario's range on monthly growth gave way to the log's value, and the output says so.
    assert "workload.monthly_growth" not in fitted.ranges and "its range was removed" in result.stdout
    # Both prompt-only and RAG run claude-haiku-4-5; only RAG's 3,600-token static prompt fits under
    # the log's prompts, so the log is RAG's: its static part comes off the query, it gets the hit rate.
    assert "taken as rag's traffic" in result.stdout
    assert fitted.rag.cache_hit_rate == fit["cache_hit_rate"]["value"]
    assert fitted.prompt_only.cache_hit_rate == load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog).prompt_only.cache_hit_rate
    # The log holds conversations: the query comes from first turns (no history), less 3,600 tokens.
    first = fit["lengths"]["first_turn_query"]["value"]
    assert fitted.workload.query.quantiles == [max(1.0, round(q - 3600, 1)) for q in first]
    assert fitted.workload.conversation.turns == fit["turns_per_conversation"]["value"]
    assert fitted.workload.conversation.gap_minutes == round(fit["gap_between_turns_s"]["value"] / 60, 2)
    # Nothing is overwritten.
    again = cli("traffic", str(SAMPLE), "--apply", str(ROOT / "scenarios" / "support-bot.yaml"), "-o", str(out))
    assert again.returncode == 2 and "exists" in again.stderr


def test_a_setup_whose_static_prompt_is_longer_than_the_logged_prompts_is_warned_about(tmp_path):
    out = tmp_path / "fitted.yaml"
    result = cli("traffic", str(SAMPLE), "--apply", str(ROOT / "scenarios" / "support-bot.yaml"), "-o", str(out),
                 "--setup", "prompt_only")
    assert result.returncode == 0, result.stderr
    assert "shorter than prompt_only's 12,000-token static prompt" in result.stdout
    wrong = cli("traffic", str(SAMPLE), "--apply", str(ROOT / "scenarios" / "support-bot.yaml"), "-o",
                str(tmp_path / "other.yaml"), "--setup", "fine_tuned")
    assert wrong.returncode == 2 and "uses llama-3.1-8b, not the log's claude-haiku-4-5" in wrong.stderr


def test_fitted_quantiles_give_the_cost_model_the_distributions_mean(catalog):
    # Answer quantiles 0..2000 linear in probability: a uniform length, mean 1,000 tokens, so the
    # output-token cost equals that of a typed 1,000-token answer.
    uniform = list(np.round(GRID * 2000, 6))
    with_quantiles = validate_scenario(scenario_dict(**{"workload.answer": {"quantiles": uniform}}), catalog=catalog)
    with_mean = validate_scenario(scenario_dict(**{"workload.answer": {"tokens": 1000}}), catalog=catalog)
    a = evaluate(with_quantiles, catalog).to_dict(1e5)
    b = evaluate(with_mean, catalog).to_dict(1e5)
    for setup in ("prompt_only", "rag"):
        assert a["setups"][setup]["output_tokens_per_query"] == pytest.approx(1000.0, rel=1e-9)
        assert a["setups"][setup]["monthly_cost_usd"] == pytest.approx(b["setups"][setup]["monthly_cost_usd"], rel=1e-9)


@pytest.mark.parametrize("quantiles, message", [
    (list(range(20)), "at least 21"),
    (list(range(21))[::-1], "quantiles must not decrease"),
    ([-1] + list(range(20)), "greater than or equal to 0"),
])
def test_bad_quantiles_are_refused_with_the_field_named(catalog, quantiles, message):
    with pytest.raises(ScenarioError, match=f"workload.query.*{message}"):
        validate_scenario(scenario_dict(**{"workload.query": {"quantiles": quantiles}}), catalog=catalog)


def test_apply_needs_one_model(tmp_path):
    log = tmp_path / "two.csv"
    log.write_text("timestamp,model,input_tokens,output_tokens\n2026-11-02T10:00:00Z,a,1,1\n2026-11-02T11:00:00Z,b,1,1\n")
    result = cli("traffic", str(log), "--apply", str(ROOT / "scenarios" / "support-bot.yaml"), "-o", str(tmp_path / "o.yaml"))
    assert result.returncode == 2 and "several models" in result.stderr and "--model" in result.stderr
    assert not (tmp_path / "o.yaml").exists()


def test_the_editor_shows_what_came_from_traffic_and_keeps_it(tmp_path, catalog):
    from conftest import open_app, rendered
    from simulator.storage.database import open_store
    from ui.editing.lengths import length_from_inputs, length_to_inputs

    out = tmp_path / "fitted.yaml"
    assert cli("traffic", str(SAMPLE), "--apply", str(ROOT / "scenarios" / "support-bot.yaml"), "-o",
               str(out)).returncode == 0
    fitted = load_scenario(out, catalog)
    # A fitted length round-trips through the editor's widgets unchanged.
    inputs = length_to_inputs(fitted.workload.answer)
    assert inputs["mode"] == "quantiles"
    assert length_from_inputs("quantiles", quantiles=inputs["quantiles"]) == {"quantiles": fitted.workload.answer.quantiles}
    assert length_from_inputs("quantiles", quantiles="1, 2, x") == {"quantiles": "1, 2, x"}  # validation names it
    slug = open_store().save(fitted.model_copy(update={"name": "Support bot from traffic"})).slug
    at = open_app("app_pages/editor.py", s=slug)
    assert at.radio(key="ed_workload.answer.mode").value == "quantiles"
    [info] = [rendered(i.value) for i in at.info if "From traffic" in i.value]
    assert "support-bot-requests.csv" in info and "1,571 requests of claude-haiku-4-5" in info and "workload.answer" in info
