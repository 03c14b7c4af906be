"""The CLI's JSON contract and commands, run as a user runs them."""

import csv
import datetime as dt
import json

import pytest

from pricing.catalog import default_catalog
from conftest import ROOT, cli

SETUP_NAMES = ["prompt_only", "rag", "fine_tuned", "hybrid"]


@pytest.fixture(scope="module")
def support_bot_json():
    run = cli("evaluate", "scenarios/support-bot.yaml", "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_evaluate_json_contract(support_bot_json):
    r = support_bot_json
    assert r["scenario"] == "Customer-support bot"
    assert r["queries_per_month"] == 400_000
    assert r["catalog_as_of"] == default_catalog().as_of
    assert sorted(r["setups"]) == sorted(SETUP_NAMES)
    parts = None
    for name, s in r["setups"].items():
        assert s["feasible"] is True and isinstance(s["warnings"], list)
        for key in ("monthly_cost_usd", "cost_per_query_usd", "one_time_cost_usd",
                    "input_tokens_per_query", "output_tokens_per_query"):
            assert isinstance(s[key], float) and s[key] >= 0, (name, key)
        assert set(s["latency_ms"]) == {"p50", "p95"} and s["latency_ms"]["p95"] >= s["latency_ms"]["p50"] > 0
        assert s["monthly_cost_usd"] == pytest.approx(sum(s["cost_breakdown_usd"].values()))
        assert s["cost_per_query_usd"] == pytest.approx(s["monthly_cost_usd"] / 400_000)
        parts = parts or list(s["cost_breakdown_usd"])
        assert list(s["cost_breakdown_usd"]) == parts  # the same part names everywhere
        assert s["encoding"]
    assert len(r["break_even"]) == 6
    for b in r["break_even"]:
        assert set(b) >= {"a", "b", "queries_per_month", "crossings", "cheaper_at_low_volume"}
        assert b["queries_per_month"] == (b["crossings"][0] if b["crossings"] else None)
        assert b["cheaper_at_low_volume"] in (b["a"], b["b"])
        assert type(b["crossings_truncated"]) is bool  # was the string "False" (a NumPy bool through str)


def test_evaluate_with_draws_keeps_the_contract_and_adds_percentiles(support_bot_json):
    run = cli("evaluate", "scenarios/support-bot.yaml", "--draws", "2000", "--json")
    assert run.returncode == 0, run.stderr
    r = json.loads(run.stdout)
    for name in SETUP_NAMES:  # the point fields are the deterministic ones, unchanged
        for key in ("monthly_cost_usd", "cost_breakdown_usd", "latency_ms", "one_time_cost_usd"):
            assert r["setups"][name][key] == support_bot_json["setups"][name][key], (name, key)
        band = r["setups"][name]["monthly_cost_usd_percentiles"]
        assert set(band) == {"p10", "p50", "p90"} and band["p10"] <= band["p50"] <= band["p90"]
        assert band["p10"] < band["p90"]  # the example's ranges do move every setup's cost
        latency = r["setups"][name]["latency_ms_percentiles"]
        assert set(latency) == {"p50", "p95"} and all(set(v) == {"p10", "p50", "p90"} for v in latency.values())
    assert set(r["probability_cheapest"]) == set(SETUP_NAMES)
    assert sum(r["probability_cheapest"].values()) == pytest.approx(1.0)
    for b, plain in zip(r["break_even"], support_bot_json["break_even"]):
        assert b["queries_per_month"] == plain["queries_per_month"]
        assert 0 <= b["probability_crosses"] <= 1
        spread = b["queries_per_month_percentiles"]
        assert (spread is None) == (b["probability_crosses"] == 0)
        if spread:
            assert spread["p10"] <= spread["p50"] <= spread["p90"]
    assert r["monte_carlo"]["draws"] == 2000 and r["monte_carlo"]["seed"] == 7
    again = cli("evaluate", "scenarios/support-bot.yaml", "--draws", "2000", "--json")
    assert json.loads(again.stdout) == r  # the scenario's seed makes the run reproducible
    other = json.loads(cli("evaluate", "scenarios/support-bot.yaml", "--draws", "2000", "--seed", "8", "--json").stdout)
    assert other["probability_cheapest"] != r["probability_cheapest"] or \
        other["setups"]["rag"]["monthly_cost_usd_percentiles"] != r["setups"]["rag"]["monthly_cost_usd_percentiles"]


def test_bad_draws_are_refused():
    run = cli("evaluate", "scenarios/support-bot.yaml", "--draws", "5")
    assert run.returncode == 2 and "argument --draws: must be an integer from 100 to 100,000 (got 5)" in run.stderr


SCENARIO = "scenarios/support-bot.yaml"
# Every numeric flag with the range the scenario schema gives the input it stands for
# (simulator/scenario/schema.py), as the message shows it.
NUMERIC_FLAGS = [
    (["evaluate", SCENARIO], "--volume", "a number from 1 to 1e+12"),          # workload.queries_per_month
    (["evaluate", SCENARIO], "--range-min", "a number from 1 to 1e+12"),
    (["evaluate", SCENARIO], "--range-max", "a number from 1 to 1e+12"),
    (["evaluate", SCENARIO], "--draws", "an integer from 100 to 100,000"),     # uncertainty.draws
    (["evaluate", SCENARIO], "--seed", "an integer from 0 to 4,294,967,295"),  # uncertainty.seed
    (["sweep", SCENARIO], "--min", "a number from 1 to 1e+12"),
    (["sweep", SCENARIO], "--max", "a number from 1 to 1e+12"),
    (["sweep", SCENARIO], "--points", "an integer from 2 to 1,000,000"),
    (["serve-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--prompt-tokens", "10"],
     "--batch", "an integer from 1 to 4,096"),                                  # model.max_batch
    (["serve-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm"],
     "--prompt-tokens", "an integer from 0 to 10,000,000"),                     # a Length's tokens
    (["serve-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--prompt-tokens", "10"],
     "--context-tokens", "an integer from 0 to 10,000,000"),
    (["serve-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--prompt-tokens", "10"],
     "--gpus", "an integer from 1 to 64"),                                      # model.gpus_per_replica
    (["serve-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--prompt-tokens", "10"],
     "--flops-efficiency", "a number above 0 and at most 1"),
    (["serve-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--prompt-tokens", "10"],
     "--bandwidth-efficiency", "a number above 0 and at most 1"),
    (["train-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--method", "lora"],
     "--training-tokens", "a number from 1 to 1e+14"),                          # examples x tokens_per_example
    (["train-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--method", "lora", "--training-tokens", "1e6"],
     "--epochs", "an integer from 1 to 50"),                                    # training.epochs
    (["train-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--method", "lora", "--training-tokens", "1e6"],
     "--gpus", "an integer from 1 to 1,024"),                                   # training.gpus
]


@pytest.mark.parametrize("command, flag, allowed", NUMERIC_FLAGS, ids=[f"{c[0]} {f}" for c, f, _ in NUMERIC_FLAGS])
@pytest.mark.parametrize("value", ["1e300", "nan", "inf", "-inf", "-1", "9" * 5_000, "999999999999999"])
def test_every_numeric_flag_is_held_to_the_schema_bounds(capsys, command, flag, allowed, value):
    from simulator.cli import main

    with pytest.raises(SystemExit) as exit_:
        main([*command, f"{flag}={value}"])  # "=": argparse would take "-inf" for an option
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    shown = f"a number written with {len(value):,} characters" if len(value) > 100 else value
    assert f"argument {flag}: must be {allowed} (got {shown})" in err, err
    assert len(err) < 2_000  # the 5,000 digits are not echoed back


def test_a_text_file_over_the_cap_is_refused_before_it_is_decoded(tmp_path):
    from simulator.cli import MAX_TEXT_FILE_BYTES, UsageError, read_text_file

    path = tmp_path / "big.txt"
    with path.open("wb") as fh:
        fh.truncate(MAX_TEXT_FILE_BYTES + 1)  # sparse: instant to make, still read up to the cap
    with pytest.raises(UsageError, match="over the limit of 50,000,000 bytes"):
        read_text_file(path)


def test_volume_beyond_the_scenario_bound_exits_2_without_a_traceback():
    run = cli("evaluate", SCENARIO, "--volume", "1e300")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "argument --volume: must be a number from 1 to 1e+12 (got 1e300)" in run.stderr


def test_volume_flag_changes_the_volume(support_bot_json):
    run = cli("evaluate", "scenarios/support-bot.yaml", "--volume", "2.5e6", "--json")
    r = json.loads(run.stdout)
    assert r["queries_per_month"] == 2.5e6
    for name in SETUP_NAMES:
        assert r["setups"][name]["monthly_cost_usd"] >= support_bot_json["setups"][name]["monthly_cost_usd"]
    for name in ("prompt_only", "rag"):  # API setups pay per token; GPU replicas may still suffice
        assert r["setups"][name]["monthly_cost_usd"] > support_bot_json["setups"][name]["monthly_cost_usd"]
    # Break-even does not depend on the volume asked about.
    assert r["break_even"] == support_bot_json["break_even"]


def test_cheapest_matches_break_even(support_bot_json):
    # The setup cheapest at the scenario's volume is the one every pair agrees on there.
    cheapest = support_bot_json["cheapest_setup"]
    q = support_bot_json["queries_per_month"]
    for b in support_bot_json["break_even"]:
        if cheapest not in (b["a"], b["b"]):
            continue
        flips = sum(1 for c in b["crossings"] if c < q)
        winner = b["cheaper_at_low_volume"] if flips % 2 == 0 else ({b["a"], b["b"]} - {b["cheaper_at_low_volume"]}).pop()
        assert winner == cheapest


def test_infeasible_setup_has_nulls_and_reason(tmp_path):
    text = (ROOT / "scenarios/support-bot.yaml").read_text().replace("name: claude-haiku-4-5", "name: gpt-4.1-mini", 1)
    text = text.replace("start_date: 2027-01-01", "start_date: 2027-02-01")
    path = tmp_path / "retired.yaml"
    path.write_text(text)
    r = json.loads(cli("evaluate", str(path), "--json").stdout)
    s = r["setups"]["prompt_only"]
    assert s["feasible"] is False
    assert any("retired on 2027-01-14" in w for w in s["warnings"])
    assert s["monthly_cost_usd"] is None and s["cost_breakdown_usd"] is None and s["latency_ms"] is None
    assert all("prompt_only" not in (b["a"], b["b"]) for b in r["break_even"])
    assert len(r["break_even"]) == 3


def test_table_output_names_setups_and_break_even():
    run = cli("evaluate", "scenarios/ticket-classifier.yaml")
    assert run.returncode == 0
    for name in SETUP_NAMES:
        assert name in run.stdout
    assert "Break-even:" in run.stdout and "queries/month" in run.stdout


def test_sweep_csv(tmp_path):
    out = tmp_path / "out.csv"
    run = cli("sweep", "scenarios/support-bot.yaml", "--csv", str(out), "--points", "50")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 50 * 4
    assert {r["setup"] for r in rows} == set(SETUP_NAMES)
    for r in rows[:10]:
        parts = sum(float(v) for k, v in r.items() if k not in ("queries_per_month", "setup", "monthly_cost_usd", "cost_per_query_usd"))
        assert float(r["monthly_cost_usd"]) == pytest.approx(parts)


def test_serve_estimate_json():
    run = cli("serve-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--batch", "8",
              "--context-tokens", "1024", "--prompt-tokens", "2048", "--json")
    r = json.loads(run.stdout)
    assert r["tokens_per_s_per_gpu"] == pytest.approx(8 * 1000 / r["decode_ms_per_token"])
    assert r["prefill_ms"] > 0 and r["context_tokens"] == 1024
    assert r["chunked_prefill"] is None  # no answer length, no steady state


def test_serve_estimate_chunked_prefill():
    run = cli("serve-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--batch", "64",
              "--prompt-tokens", "500", "--context-tokens", "600", "--output-tokens", "100", "--json")
    c = json.loads(run.stdout)["chunked_prefill"]
    # 64 sequences, each step prefilling 64 x 500 / 100 prompt tokens; 64 queries per 100 steps
    assert c["prefill_tokens_per_step"] == 320
    assert c["step_ms"] == max(c["step_compute_ms"], c["step_memory_ms"])
    assert c["queries_per_s"] == pytest.approx(64 * 1000 / (100 * c["step_ms"]))
    text = cli("serve-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--batch", "64",
               "--prompt-tokens", "500", "--output-tokens", "100")
    assert text.returncode == 0 and "chunked prefill" in text.stdout and "queries/s" in text.stdout


def test_unknown_names_exit_2():
    run = cli("serve-estimate", "--model", "llama-3.1-8x", "--gpu", "h100-sxm", "--prompt-tokens", "10")
    assert run.returncode == 2 and "did you mean llama-3.1-8b" in run.stderr and "Traceback" not in run.stderr
    run = cli("evaluate", "scenarios/support-bot.yaml", "--volume", "-5")
    assert run.returncode == 2 and "argument --volume: must be a number from 1 to 1e+12 (got -5)" in run.stderr


def test_catalog_listing_says_how_old():
    run = cli("catalog", "--kind", "gpu", "--on", "2027-11-01", "--json")
    rows = json.loads(run.stdout)
    h100 = next(r for r in rows if r["key"] == "gpu.h100-sxm.prices.aws.usd_per_gpu_hour")
    figure = default_catalog().gpu["h100-sxm"].prices["aws"].usd_per_gpu_hour
    assert (h100["value"], h100["as_of"], h100["source"]) == (figure.value, figure.as_of, figure.source)
    # age = days from as_of (a month-only date counts as its first day) to --on, / 30.44, to 0.1 month
    assert h100["age_months"] == round((dt.date(2027, 11, 1) - figure.as_of_date).days / 30.44, 1)


def test_catalog_models_finds_a_model_by_words_and_provider():
    run = cli("catalog", "models", "--search", "Haiku 4.5", "--provider", "google", "--on", "2027-01-01", "--json")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert [r["option"] for r in rows] == ["google/claude-haiku-4-5"]          # Claude Haiku 4.5 on Vertex
    r = rows[0]
    assert (r["id"], r["provider"], r["layer"], r["kind"], r["capabilities"]) == (
        "claude-haiku-4-5", "google", "bulk", "chat", ["chat"])
    assert (r["input_usd_per_mtok"], r["output_usd_per_mtok"], r["cached_input_usd_per_mtok"]) == (1.0, 5.0, 0.1)
    assert r["context_window_tokens"] == 200_000
    # the bulk layer's date, 2026-11-10, to --on: 52 days of 30.44
    assert (r["as_of"], r["age_months"], r["available_until"]) == ("2026-11-10", 1.7, None)
    table = cli("catalog", "models", "--search", "haiku 4.5", "--provider", "google").stdout.splitlines()
    assert table[0].startswith("1 of ") and "search 'haiku 4.5'; provider google" in table[0]
    assert table[2].split()[:2] == ["google", "claude-haiku-4-5"] and "200,000" in table[2]


def test_catalog_models_through_a_scenarios_horizon():
    """support-bot runs 2027-01-01 + 24 months: Gemini 2.5 Flash (shut down 2026-12-01) and GPT-4o
    (retiring 2027-01-14) are not available through it; the same dates given by hand agree."""
    by_scenario = cli("catalog", "models", "--capability", "chat", "--horizon-of", "scenarios/support-bot.yaml", "--json")
    by_dates = cli("catalog", "models", "--capability", "chat", "--available-from", "2027-01-01",
                   "--available-until", "2029-01-01", "--json")
    assert by_scenario.returncode == by_dates.returncode == 0, by_scenario.stderr + by_dates.stderr
    rows = json.loads(by_scenario.stdout)
    found = [r["option"] for r in rows]
    assert found == [r["option"] for r in json.loads(by_dates.stdout)]
    assert "claude-haiku-4-5" in found and "gemini-2.5-flash" not in found and "gpt-4o" not in found
    # prices as the scenario pays them, on its start: genai-prices doubles Gemini 3.6 Flash on 2027-01-01
    flash = next(r for r in rows if r["option"] == "google/gemini-3.6-flash")
    assert (flash["input_usd_per_mtok"], flash["output_usd_per_mtok"], flash["price_changes"]) == (1.5, 7.5, [])
    assert all(r["available_until"] is None or r["available_until"] >= "2029-01-01" for r in json.loads(by_dates.stdout))


def test_catalog_models_refuses_bad_filters_with_exit_2():
    run = cli("catalog", "models", "--provider", "gogle")
    assert run.returncode == 2 and "unknown provider 'gogle'; did you mean google?" in run.stderr
    run = cli("catalog", "models", "--available-from", "2027-01-01")
    assert run.returncode == 2 and "--available-from needs --available-until" in run.stderr
    run = cli("catalog", "models", "--capability", "vision")
    assert run.returncode == 2 and "invalid choice: 'vision'" in run.stderr
    run = cli("catalog", "--kind", "llm", "models")
    assert run.returncode == 2 and "--kind, --layer, --check and --history do not apply" in run.stderr
    assert "Traceback" not in run.stderr


def test_every_file_the_readme_examples_name_ships():
    """Issue 13: the README's `tokens path/to/file.txt` and `decide ... --eval results.csv` named
    files that did not exist. Every input path in its crossover examples is in the repository
    (outputs written with --csv / -o, and the catalog diff's downloaded price file, excepted), or is
    written by an example above it (`library export ... -o plan.yaml`, then `library save plan.yaml`)."""
    import re
    readme = (ROOT / "README.md").read_text()
    examples = [line for line in readme.splitlines() if line.startswith(".venv/bin/crossover ")]
    named, written = set(), set()
    for line in examples:
        command = line.split("#")[0]
        inputs = {word for word in re.sub(r"--(csv|against) \S+|-o \S+", "", command).split()
                  if re.search(r"\.(ya?ml|csv|md|txt|json)$", word)}
        named |= inputs - written
        written |= set(re.findall(r"(?:--csv|-o) (\S+)", command))
    assert {"samples/evaluation.csv", "samples/help-article.md", "scenarios/support-bot.yaml"} <= named
    assert [path for path in named if not (ROOT / path).is_file()] == []


def test_the_sample_evaluation_and_document_run_as_the_readme_says():
    tokens = cli("tokens", "samples/help-article.md", "--encoding", "o200k_base")
    assert tokens.returncode == 0, tokens.stderr
    assert "tokens (o200k_base)" in tokens.stdout
    decided = cli("decide", "scenarios/support-bot.yaml", "--eval", "samples/evaluation.csv", "--json")
    assert decided.returncode == 0, decided.stderr
    out = json.loads(decided.stdout)
    assert set(out["cost_per_correct_answer_usd"]) == {"prompt_only", "rag", "fine_tuned", "hybrid"}
