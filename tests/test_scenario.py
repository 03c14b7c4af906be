"""Scenario validation: one clear message per problem, naming file, field and what would be right."""

import subprocess
import sys

import pytest
import yaml

from simulator.scenario import Scenario, ScenarioError, load_scenario, parse_scenario, validate_scenario
from conftest import DELETE, ROOT, SHIPPED_SCENARIOS, scenario_dict



def problems(data, catalog):
    with pytest.raises(ScenarioError) as info:
        validate_scenario(data, "s.yaml", catalog)
    return info.value.problems


def test_every_shipped_scenario_loads(catalog):
    assert len(SHIPPED_SCENARIOS) >= 4
    for path in SHIPPED_SCENARIOS:
        s = load_scenario(path, catalog)
        assert s.description.strip(), path


def test_wrong_type_names_the_field(catalog):
    [msg] = problems(scenario_dict(**{"workload.queries_per_month": "lots"}), catalog)
    assert msg.startswith("s.yaml: workload.queries_per_month:") and "number" in msg and "'lots'" in msg


def test_negative_and_absurd_values(catalog):
    [msg] = problems(scenario_dict(**{"rag.top_k": -3}), catalog)
    assert "rag.top_k" in msg and "greater than or equal to 1" in msg
    [msg] = problems(scenario_dict(**{"workload.queries_per_month": 1e15}), catalog)
    assert "workload.queries_per_month" in msg and "less than or equal to 1000000000000" in msg
    [msg] = problems(scenario_dict(**{"prompt_only.cache_hit_rate": 1.5}), catalog)
    assert "prompt_only.cache_hit_rate" in msg


def test_nan_and_infinity_are_refused(catalog):
    for bad in (float("nan"), float("inf")):
        [msg] = problems(scenario_dict(**{"workload.peak_to_average": bad}), catalog)
        assert "workload.peak_to_average" in msg


def test_unknown_key_suggests_the_right_one(catalog):
    [msg] = problems(scenario_dict(**{"rag.topk": 5}), catalog)
    assert "rag.topk: unknown key; did you mean 'top_k'?" in msg
    assert "allowed in rag:" in msg


def test_missing_field(catalog):
    [msg] = problems(scenario_dict(**{"workload.start_date": DELETE}), catalog)
    assert msg == "s.yaml: workload.start_date: required field is missing"


def test_one_message_per_problem(catalog):
    msgs = problems(scenario_dict(**{"rag.top_k": 0, "workload.batch_share": 2, "hybrid.color": "red"}), catalog)
    assert len(msgs) == 3


def test_unknown_model_name_gets_suggestions(catalog):
    [msg] = problems(scenario_dict(**{"prompt_only.model.name": "claude-haiku-4-6"}), catalog)
    assert msg.startswith("s.yaml: prompt_only.model.name: unknown API model 'claude-haiku-4-6'; did you mean claude-haiku-4-5")
    assert "crossover catalog models --search WORDS" in msg and "open models to self-host with a gpu: llama-3.1-8b" in msg


def test_unknown_provider_and_a_model_its_provider_does_not_sell(catalog):
    [msg] = problems(scenario_dict(**{"prompt_only.model": {"name": "claude-haiku-4-5", "provider": "awz"}}), catalog)
    assert msg.startswith("s.yaml: prompt_only.model.provider: unknown provider 'awz'; did you mean aws")
    [msg] = problems(scenario_dict(**{"prompt_only.model": {"name": "claude-haiku-4-5", "provider": "openai"}}), catalog)
    assert "unknown API model 'claude-haiku-4-5' of provider 'openai'" in msg
    assert "claude-haiku-4-5 is sold by anthropic, google" in msg


def test_unknown_gpu_and_missing_gpu(catalog):
    [msg] = problems(scenario_dict(**{"fine_tuned.model": {"name": "llama-3.1-8b"}}), catalog)
    assert "fine_tuned.model.gpu: self-hosting llama-3.1-8b needs a GPU type" in msg
    [msg] = problems(scenario_dict(**{"fine_tuned.model": {"name": "llama-3.1-8b", "gpu": "h100"}}), catalog)
    assert "fine_tuned.model.gpu: unknown gpu 'h100'; did you mean" in msg
    [msg] = problems(scenario_dict(**{"fine_tuned.model": {"name": "llama-3.1-8b", "gpu": "l4", "cloud": "lambda"}}), catalog)
    assert "l4 has no price on 'lambda'" in msg


def test_training_cloud_must_price_the_training_gpu(catalog):
    # Training defaults to the serving GPU (l4, priced on AWS only).
    [msg] = problems(scenario_dict(**{"fine_tuned.model": {"name": "llama-3.1-8b", "gpu": "l4", "cloud": "aws"},
                                      "fine_tuned.training.cloud": "runpod"}), catalog)
    assert "fine_tuned.training.cloud: l4 has no price on 'runpod'" in msg


def test_model_that_cannot_be_fine_tuned(catalog):
    [msg] = problems(scenario_dict(**{"fine_tuned.model.name": "gemini-2.5-flash"}), catalog)
    assert "gemini-2.5-flash cannot be fine-tuned through google's API" in msg


def test_unknown_override_key(catalog):
    [msg] = problems(scenario_dict(**{"overrides.llm.mistral-small-2603.prices.input": 1.0}), catalog)
    assert "overrides:" in msg and "names no catalog figure" in msg and "input_usd_per_mtok" in msg


def test_yaml_that_is_not_a_mapping(catalog):
    for text, kind in (("- a\n- b\n", "a list"), ("", "empty"), ("42", "a int")):
        with pytest.raises(ScenarioError) as info:
            parse_scenario(text, "s.yaml", catalog)
        assert info.value.problems == [f"s.yaml: a scenario is a YAML mapping (key: value lines); this file is {kind}"]


def test_invalid_yaml_gives_the_line(catalog):
    with pytest.raises(ScenarioError) as info:
        parse_scenario("name: [unclosed\nworkload: 3\n", "s.yaml", catalog)
    assert "not valid YAML at line" in str(info.value)


def test_yaml_tags_cannot_build_objects(catalog):
    with pytest.raises(ScenarioError) as info:
        parse_scenario("!!python/object/apply:os.system ['echo pwned']\n", "s.yaml", catalog)
    assert "not valid YAML" in str(info.value)


def test_newer_schema_version_is_refused(catalog):
    [msg] = problems(scenario_dict(schema_version=7), catalog)
    assert "schema_version: 7 is newer than this Crossover reads (4)" in msg


def test_invalid_utf8_and_oversized(catalog):
    with pytest.raises(ScenarioError, match="not UTF-8"):
        parse_scenario(b"name: \xff\xfe\n", "s.yaml", catalog)
    with pytest.raises(ScenarioError, match="limit is"):
        parse_scenario("#" * 3_000_000, "s.yaml", catalog)


def test_length_needs_exactly_one_form(catalog):
    [msg] = problems(scenario_dict(**{"workload.query": {"tokens": 5, "text": "hi"}}), catalog)
    assert "workload.query: give exactly one of tokens, text, samples or quantiles (got tokens, text)" in msg


def test_to_yaml_round_trips(make_scenario, catalog):
    s = make_scenario()
    again = parse_scenario(s.to_yaml(), "again.yaml", catalog)
    assert again == s


def test_cli_bad_scenario_exits_2_without_traceback(tmp_path):
    data = scenario_dict(**{"rag.top_k": "five", "prompt_only.model.name": "gpt-9"})
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    run = subprocess.run([sys.executable, "-m", "simulator", "evaluate", str(path), "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert f"{path}: rag.top_k:" in run.stderr


def test_cli_missing_file_exits_2(tmp_path):
    run = subprocess.run([sys.executable, "-m", "simulator", "evaluate", str(tmp_path / "nope.yaml")],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2 and "cannot read" in run.stderr and "Traceback" not in run.stderr


# --- Ranges (schema 3) ------------------------------------------------------------------------------


def test_ranges_are_read_in_place_and_written_back_in_place(catalog):
    text = (ROOT / "scenarios" / "support-bot.yaml").read_text()
    text = text.replace("  queries_per_month: 400000\n",
                        "  queries_per_month: {dist: pert, low: 200000, likely: 400000, high: 900000}\n")
    scenario = parse_scenario(text, "s.yaml", catalog)
    assert scenario.workload.queries_per_month == 400_000  # the point value every deterministic result uses
    assert scenario.ranges["workload.queries_per_month"].describe() == "pert 2e+05 / 4e+05 / 9e+05"
    assert scenario.people.day_rate_usd == pytest.approx(900.0)  # a lognormal's point is its median
    data = yaml.safe_load(scenario.to_yaml())
    assert data["workload"]["queries_per_month"] == {"dist": "pert", "low": 200000.0, "likely": 400000.0, "high": 900000.0}
    assert data["overrides"]["gpu.l40s.prices.runpod.usd_per_gpu_hour"]["dist"] == "triangular"
    assert "ranges" not in data
    assert parse_scenario(scenario.to_yaml(), "again.yaml", catalog) == scenario


@pytest.mark.parametrize("spec, message", [
    ("{dist: pert, low: 0, likely: 4, high: 9}", "workload.queries_per_month: range pert 0 / 4 / 9: 0 is below the smallest allowed value (1)"),
    ("{dist: pert, low: 5, high: 9}", "workload.queries_per_month: a pert range takes low, likely and high (got high, low)"),
    ("{dist: lognormal, p05: 9, p95: 5}", "workload.queries_per_month: a lognormal range needs 0 < p05 <= p95"),
    ("{dist: weibull, low: 1, likely: 2, high: 3}",
     "workload.queries_per_month.dist: Input should be 'pert', 'triangular', 'lognormal' or 'observed'"),
    ("{dist: observed}", "workload.queries_per_month: an observed range exists only for the price drift"),
])
def test_a_bad_range_names_its_field(spec, message):
    text = (ROOT / "scenarios" / "support-bot.yaml").read_text().replace(
        "  queries_per_month: 400000\n", f"  queries_per_month: {spec}\n")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    assert any(p.startswith(f"s.yaml: {message}") for p in info.value.problems), info.value.problems
    assert not any("required field is missing" in p for p in info.value.problems)


def test_the_horizon_and_the_questionnaire_take_single_values():
    text = (ROOT / "scenarios" / "support-bot.yaml").read_text().replace(
        "  horizon_months: 24\n", "  horizon_months: {dist: pert, low: 12, likely: 24, high: 36}\n")
    with pytest.raises(ScenarioError, match="workload.horizon_months: range pert 12 / 24 / 36: this input takes a single value"):
        parse_scenario(text, "s.yaml")


def test_moving_a_ranged_point_moves_its_range(catalog):
    data = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog).model_dump()
    data["ranges"]["workload.queries_per_month"] = {"dist": "pert", "low": 2e5, "likely": 4e5, "high": 8e5}
    scenario = Scenario.model_validate(data)
    moved = scenario.with_point("workload.queries_per_month", 8e5)
    assert moved.workload.queries_per_month == 8e5
    assert moved.ranges["workload.queries_per_month"].swing == (4e5, 1.6e6)  # the same spread, relative
    growth = moved.with_point("workload.monthly_growth", 0.02)  # pert 0 / 0.05 / 0.1 scaled by 0.4
    assert growth.ranges["workload.monthly_growth"].swing == pytest.approx((0.0, 0.04))


# --- The observed price drift (issue 11.6) ----------------------------------------------------------

DRIFT = "uncertainty.price_drift_pct_per_year"


def test_the_observed_price_drift_is_the_history_range_and_is_written_back_as_observed(support_bot, catalog):
    """support-bot.yaml says ``price_drift_pct_per_year: {dist: observed}``: pricing.history's p10 / 0 / p90."""
    from pricing.history import observed_drift

    spec, seen = support_bot.ranges[DRIFT], observed_drift()
    assert (spec.dist, spec.low, spec.likely, spec.high) == ("observed", seen.low, 0.0, seen.high)
    assert support_bot.uncertainty.price_drift_pct_per_year == 0.0  # the point: today's numbers stay
    assert spec.source == seen.describe() and "10 models of genai-prices" in spec.source
    assert yaml.safe_load(support_bot.to_yaml())["uncertainty"]["price_drift_pct_per_year"] == {"dist": "observed"}
    assert support_bot.model_dump()["ranges"][DRIFT] == {"dist": "observed"}  # no copy of the numbers
    assert parse_scenario(support_bot.to_yaml(), "again.yaml", catalog) == support_bot
    assert Scenario.model_validate(support_bot.model_dump()) == support_bot


def test_an_observed_range_takes_no_numbers():
    text = (ROOT / "scenarios" / "support-bot.yaml").read_text()
    assert "price_drift_pct_per_year: {dist: observed}" in text
    text = text.replace("price_drift_pct_per_year: {dist: observed}",
                        "price_drift_pct_per_year: {dist: observed, low: -10, likely: 0, high: 5}")
    with pytest.raises(ScenarioError, match=f"{DRIFT}: an observed range takes no numbers .got low, likely, high.: "
                                            ".*write dist: pert to give your own"):
        parse_scenario(text, "s.yaml")


def test_a_point_drift_stays_a_point_and_a_moved_observed_range_becomes_a_pert(support_bot):
    data = support_bot.model_dump()
    del data["ranges"][DRIFT]
    data["uncertainty"]["price_drift_pct_per_year"] = -20.0  # set deliberately: no range is added
    point = Scenario.model_validate(data)
    assert DRIFT not in point.ranges and point.uncertainty.price_drift_pct_per_year == -20.0
    moved = support_bot.with_point(DRIFT, 5.0)  # no longer what was observed: the user's own PERT
    spec = moved.ranges[DRIFT]
    assert spec.dist == "pert" and spec.source is None
    assert (spec.low, spec.likely, spec.high) == pytest.approx((support_bot.ranges[DRIFT].low + 5, 5.0,
                                                                support_bot.ranges[DRIFT].high + 5))


# --- Conversations ----------------------------------------------------------------------------------


def _with_conversation(block: str) -> str:
    """support-bot.yaml with a ``workload.conversation`` block (one YAML flow mapping)."""
    text = (ROOT / "scenarios" / "support-bot.yaml").read_text()
    return text.replace("  horizon_months: 24\n", f"  horizon_months: 24\n  conversation: {block}\n")


def test_no_conversation_block_means_single_questions(support_bot):
    """An old file (no block) loads unchanged: no conversation, nothing added on the way back out."""
    assert support_bot.workload.conversation is None
    assert "conversation" not in yaml.safe_load(support_bot.to_yaml())["workload"]


def test_a_conversation_block_loads_with_its_defaults_and_round_trips(catalog):
    scenario = parse_scenario(_with_conversation("{turns: 6}"), "s.yaml", catalog)
    c = scenario.workload.conversation
    assert (c.turns, c.carry, c.last_n, c.summary_tokens, c.keep_retrieval, c.gap_minutes) == (
        6.0, "full", None, None, False, 2.0)
    assert yaml.safe_load(scenario.to_yaml())["workload"]["conversation"] == {"turns": 6.0}
    assert parse_scenario(scenario.to_yaml(), "again.yaml", catalog) == scenario


@pytest.mark.parametrize("block, message", [
    ("{turns: 6, carry: last_n}", "workload.conversation: carry last_n needs last_n"),
    ("{turns: 6, last_n: 3}", "workload.conversation: last_n goes with carry: last_n (carry is full): "
                              "remove last_n or set carry: last_n"),
    ("{turns: 6, carry: summary}", "workload.conversation: carry summary needs summary_tokens"),
    ("{turns: 6, carry: last_n, last_n: 2, summary_tokens: 300}",
     "workload.conversation: summary_tokens goes with carry: summary (carry is last_n)"),
    ("{turns: 0.5}", "workload.conversation.turns: Input should be greater than or equal to 1"),
    ("{turns: 2000}", "workload.conversation.turns: Input should be less than or equal to 1000"),
    ("{carry: full}", "workload.conversation.turns: required field is missing"),
    ("{turns: 3, carry: everything}", "workload.conversation.carry: Input should be 'full', 'last_n' or 'summary'"),
    ("{turns: 3, carry: last_n, last_n: 0}", "workload.conversation.last_n: Input should be greater than or equal to 1"),
    ("{turns: 3, gap_minutes: -1}", "workload.conversation.gap_minutes: Input should be greater than or equal to 0"),
    ("{turns: 3, turn: 4}", "workload.conversation.turn: unknown key; did you mean 'turns'?"),
])
def test_a_bad_conversation_names_its_field_and_what_to_change(block, message):
    with pytest.raises(ScenarioError) as info:
        parse_scenario(_with_conversation(block), "s.yaml")
    assert any(p.startswith(f"s.yaml: {message}") for p in info.value.problems), info.value.problems


def test_the_turns_may_be_a_range(catalog):
    """A range over ``workload.conversation.turns`` goes through the ranges machinery like any input."""
    scenario = parse_scenario(_with_conversation("{turns: {dist: pert, low: 2, likely: 6, high: 20}}"), "s.yaml", catalog)
    assert scenario.workload.conversation.turns == 6.0
    assert scenario.ranges["workload.conversation.turns"].describe() == "pert 2 / 6 / 20"
    assert yaml.safe_load(scenario.to_yaml())["workload"]["conversation"]["turns"]["dist"] == "pert"
    with pytest.raises(ScenarioError, match="workload.conversation.turns: range pert 0.5 / 6 / 20: 0.5 is below"):
        parse_scenario(_with_conversation("{turns: {dist: pert, low: 0.5, likely: 6, high: 20}}"), "s.yaml")
