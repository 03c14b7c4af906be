"""The scenario editor's pure logic: widget values <-> scenario dicts, catalog choices and figures."""

import copy
import datetime as dt

import pytest

from pricing import models
from ui import editing
from ui.editing import NUMBER, NUMBERS, key
from simulator.scenario.schema import TrafficSource
from simulator.scenario import (Decision, Scenario, ScenarioError, load_scenario, model_in, parse_scenario, schema_bounds,
                                schema_field, validate_scenario)
from conftest import HAND, ROOT, SHIPPED_SCENARIOS

HAIKU_INPUT = "llm.claude-haiku-4-5.prices.input_usd_per_mtok"
# A range of every kind: count, integer, percentage, optional, length, self-hosting, override, drift.
RANGES = {
    "workload.queries_per_month": {"dist": "pert", "low": 200_000, "likely": 400_000, "high": 900_000},
    "knowledge.monthly_change_share": {"dist": "triangular", "low": 0.05, "likely": 0.1, "high": 0.2},
    "people.day_rate_usd": {"dist": "lognormal", "p05": 600, "p95": 1400},
    "rag.top_k": {"dist": "pert", "low": 4, "likely": 6, "high": 10},
    "fine_tuned.model.target_utilisation": {"dist": "pert", "low": 0.5, "likely": 0.6, "high": 0.8},
    "workload.answer.tokens": {"dist": "pert", "low": 150, "likely": 220, "high": 400},
    "overrides." + HAIKU_INPUT: {"dist": "triangular", "low": 0.8, "likely": 1.0, "high": 1.2},
    "uncertainty.price_drift_pct_per_year": {"dist": "pert", "low": -30, "likely": -10, "high": 5},
}


def support_bot_points(catalog) -> Scenario:
    """support-bot.yaml with whatever ranges it ships replaced by their point values."""
    scenario = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)
    return Scenario.model_validate({**scenario.model_dump(), "ranges": {}})


def ranged_support_bot_yaml(catalog) -> str:
    """support-bot with :data:`RANGES` (and seed 7, 5,000 draws) written in place in its YAML."""
    data = support_bot_points(catalog).model_dump(mode="json")
    data["overrides"] = {HAIKU_INPUT: 1.0}
    data["uncertainty"] = {"seed": 7, "draws": 5000}
    data["ranges"] = RANGES
    text = Scenario.model_validate(data).to_yaml()
    assert "  queries_per_month:\n    dist: pert\n" in text
    return text


@pytest.fixture
def values(support_bot, catalog):
    return editing.widget_values(support_bot, catalog)


def build(values, catalog, overrides=None, decision=None, ranges=None):
    return editing.build_scenario(values, overrides or {}, catalog, decision, ranges)


# --- The inputs follow the schema -------------------------------------------------------------------


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: n.path)
def test_every_input_has_the_schemas_bounds_a_unit_and_help(number):
    lo, exclusive, hi = schema_bounds(number.path)
    low, high = number.bounds()
    assert high == pytest.approx(hi * number.scale)
    if exclusive:
        assert low > lo * number.scale
    else:
        assert low == pytest.approx(lo * number.scale)
    assert "(" in number.label and number.label.endswith(")"), "the unit goes in brackets in the label"
    help_text = number.help_text()
    assert len(help_text) > 20
    description = schema_field(number.path).description
    if description:
        assert help_text.startswith(description)
    if number.optional:
        assert schema_field(number.path).default is None
        assert number.default_figure or number.empty_means


def test_percentages_are_shown_as_percent_and_stored_as_fractions():
    growth = NUMBER["workload.monthly_growth"]
    assert "%/month" in growth.label and growth.bounds() == (-50.0, 200.0)
    assert growth.to_widget(0.05) == 5.0 and growth.from_widget(5.0) == pytest.approx(0.05)
    assert NUMBER["prompt_only.cache_hit_rate"].bounds() == (0.0, 100.0)


def test_every_scenario_field_has_an_input():
    """Walk the schema: each leaf field is a number input, a length, a choice or a text."""
    handled = set(NUMBER) | {
        "schema_version", "name", "description", "overrides", "workload.start_date",
        "knowledge.corpus.documents", "rag.embedding_model", "rag.vector_store", "rag.reranker.model",
        "fine_tuned.training.method", "fine_tuned.training.gpu", "fine_tuned.training.cloud",
        "fine_tuned.training.recompute",
        "fine_tuned.existing_customer",
        # The conversation switch's choices: what each turn carries, and whether chunks stay.
        "workload.conversation.carry", "workload.conversation.keep_retrieval",
        # name and provider are one choice: a bulk model's option is "<provider>/<id>" (model_option).
        *(f"{s}.model.{f}" for s in ("prompt_only", "rag", "fine_tuned") for f in ("name", "provider", "gpu", "cloud")),
        *(f"{p}.{f}" for p in editing.LENGTHS for f in ("tokens", "text", "samples", "quantiles")),
        # Where fitted inputs came from: written by `crossover traffic --apply`, carried over as given.
        *(f"workload.traffic.{f}" for f in TrafficSource.model_fields),
        # The questionnaire's answers have their own page (Decision); the editor carries them over.
        *(f"decision.{f}" for f in Decision.model_fields),
        # A range's fields are what the Uncertainty tab's form produces for each distribution.
        *(f"ranges.{f}" for f in editing.range_from_inputs("workload.queries_per_month", "pert", 1, 2, 3)),
        *(f"ranges.{f}" for f in editing.range_from_inputs("workload.queries_per_month", "lognormal", 1, None, 3)),
    }
    leaves = []

    def walk(model, prefix):
        for name, info in model.model_fields.items():
            sub = model_in(info.annotation)
            path = f"{prefix}{name}"
            if sub is not None:
                walk(sub, path + ".")
            else:
                leaves.append(path)

    walk(Scenario, "")
    assert sorted(set(leaves) - handled) == []


# --- Round trips ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*SHIPPED_SCENARIOS, "ranged"], ids=lambda p: getattr(p, "stem", p))
def test_the_widgets_of_a_scenario_build_the_same_scenario(path, catalog):
    if path == "ranged":
        scenario = parse_scenario(ranged_support_bot_yaml(catalog), "ranged", catalog)
        assert scenario.ranges.keys() == RANGES.keys() and scenario.uncertainty.draws == 5000
    else:
        scenario = load_scenario(path, catalog)
    data = build(editing.widget_values(scenario, catalog), catalog, scenario.overrides,
                 scenario.decision.model_dump(exclude_none=True), editing.scenario_ranges(scenario))
    assert editing.same_as(data, scenario.to_yaml()) is True
    assert all(k.startswith("ed_") for k in editing.widget_values(scenario, catalog))


def test_a_changed_volume_and_growth_reach_the_dict(values, catalog, support_bot):
    values[key("workload.queries_per_month")] = 1_234_567.0
    values[key("workload.monthly_growth")] = 7.0
    data = build(values, catalog)
    assert data["workload"]["queries_per_month"] == 1_234_567.0
    assert data["workload"]["monthly_growth"] == pytest.approx(0.07)
    assert editing.same_as(data, support_bot.to_yaml()) is False


def test_empty_optional_inputs_fall_back_to_the_catalog(values, catalog):
    assert values[key("people.day_rate_usd")] is not None       # support-bot sets it
    assert values[key("people.build_days.rag")] is None          # and leaves this to the catalog
    values[key("people.day_rate_usd")] = None
    values[key("people.build_days.rag")] = 12.0
    people = build(values, catalog)["people"]
    assert "day_rate_usd" not in people and people["build_days"] == {"rag": 12.0}


def test_default_notes_name_the_catalog_figure_and_its_source(catalog):
    note = editing.default_note(NUMBER["people.day_rate_usd"], catalog)
    assert "1,000 (catalog default, assumption)" in note and "source: assumption:" in note and "as of" in note
    assert editing.placeholder(NUMBER["prompt_only.model.target_utilisation"], catalog) == "60 (catalog default, assumption)"
    assert editing.default_note(NUMBER["hybrid.top_k"], catalog) == "Empty: the RAG setup's top_k."


# --- Lengths ----------------------------------------------------------------------------------------


def test_lengths_from_tokens_text_or_samples():
    assert editing.length_from_inputs("tokens", 220.0, "x", "y") == {"tokens": 220.0}
    assert editing.length_from_inputs("text", 5.0, "Be brief.\n", "") == {"text": "Be brief.\n"}
    samples = "How do I reset\nmy password?\n\nWhy was I charged twice?\n  \n\nCan I export CSV?"
    assert editing.length_from_inputs("samples", None, None, samples) == {
        "samples": ["How do I reset\nmy password?", "Why was I charged twice?", "Can I export CSV?"]}
    assert editing.length_from_inputs("samples", None, None, "  \n") == {"samples": []}  # validation says why


def test_length_widgets_start_from_the_scenario(catalog):
    assert editing.length_to_inputs({"tokens": 300}) == {"mode": "tokens", "tokens": 300.0, "text": "", "samples": "",
                                                         "quantiles": ""}
    text = editing.length_to_inputs({"text": "You answer questions from engineers."})
    assert text["mode"] == "text" and text["tokens"] > 0          # switching to a count starts from the text's
    samples = editing.length_to_inputs({"samples": ["a b c", "d e"]})
    assert samples["mode"] == "samples" and editing.split_samples(samples["samples"]) == ["a b c", "d e"]
    assert editing.length_modes("workload.query") == ("tokens", "text", "samples")
    assert editing.length_modes("rag.system_prompt") == ("tokens", "text")
    assert editing.length_modes("rag.system_prompt", "samples") == ("tokens", "text", "samples")


def test_text_lengths_and_documents_reach_the_scenario(values, catalog):
    values[key("rag.system_prompt.mode")] = "text"
    values[key("rag.system_prompt.text")] = "Answer only from the excerpts."
    values[key("knowledge.corpus.mode")] = "documents"
    values[key("knowledge.corpus.documents")] = "First article.\n\nSecond paragraph.\n---\nSecond article."
    values[key("knowledge.corpus.document_count")] = 1500.0
    data = build(values, catalog)
    assert data["rag"]["system_prompt"] == {"text": "Answer only from the excerpts."}
    assert data["knowledge"]["corpus"] == {
        "documents": ["First article.\n\nSecond paragraph.", "Second article."], "document_count": 1500.0}
    editing.apply(data, catalog)


def test_token_previews(catalog):
    assert editing.count_preview("text", "hello world") == "2 tokens (o200k_base)."
    assert editing.count_preview("samples", "hello world\n\nhello") .startswith("2 samples: mean 2 tokens")
    assert editing.count_preview("samples", "") == "Nothing to count yet."


# --- Catalog choices --------------------------------------------------------------------------------


def test_model_choices_mark_api_and_open_models(catalog):
    picked = editing.model_picker(catalog)
    curated = [o for o in picked.options if o in catalog.llm or o in catalog.open_model]
    assert set(curated) == set(catalog.llm) | set(catalog.open_model)            # curated first, then bulk
    assert picked.options[:len(curated)] == curated and len(picked.options) == editing.PICKER_LIMIT
    assert picked.hidden == picked.matched - editing.PICKER_LIMIT > 1000
    label = editing.model_label("claude-haiku-4-5", catalog, on=dt.date(2027, 1, 1))
    # price per MTok, context window, and the price's date and age at the start (2026-11-10, the pinned genai-prices' date: 52 days / 30.44 = 1.7 months)
    assert label == ("claude-haiku-4-5 · API (anthropic) · $1 / $5 per M tokens, cached $0.1 · 200k context · "
                     "curated, as of 2026-11-10, 1.7 months old")
    assert "open model, self-hosted" in editing.model_label("llama-3.1-8b", catalog)
    assert editing.model_label("google/claude-haiku-4-5", catalog).endswith("· genai-prices layer, as of 2026-11-10")
    # genai-prices doubles Gemini 3.6 Flash on 2027-01-01: the label shows what a scenario starting then pays
    assert "$0.75 / $3.75 per M tokens" in editing.model_label("google/gemini-3.6-flash", catalog, on=dt.date(2026, 12, 1))
    assert "price changes 2027-01-01" in editing.model_label("google/gemini-3.6-flash", catalog, on=dt.date(2026, 12, 1))
    assert "$1.5 / $7.5 per M tokens" in editing.model_label("google/gemini-3.6-flash", catalog, on=dt.date(2027, 1, 1))
    assert "context unknown" in editing.model_label(
        next(r.option for r in models.model_rows() if r.layer == "bulk" and r.context_window_tokens is None), catalog)


def test_the_picker_filters_but_keeps_the_current_choice(catalog):
    picked = editing.model_picker(catalog, text="haiku 4.5", provider="google")
    assert picked.options == ["google/claude-haiku-4-5"] and picked.matched == 1 and picked.hidden == 0
    kept = editing.model_picker(catalog, text="gemini", current="claude-haiku-4-5")
    assert kept.options[0] == "claude-haiku-4-5" and not kept.current_matches     # listed, though filtered out
    assert all("gemini" in o for o in kept.options[1:])
    through = editing.model_picker(catalog, available=(dt.date(2027, 1, 1), dt.date(2029, 1, 1)), current="gpt-4o")
    assert through.options.count("gpt-4o") == 1 and not through.current_matches   # retires 2027-01-14
    assert "gemini-2.5-flash" not in through.options                              # shut down 2026-12-01
    assert editing.picker_providers(catalog, fine_tuning=True) == ["openai", "fireworks", "self-hosted"]


def test_fine_tuning_choices_are_offers_and_open_models(catalog):
    options = editing.model_picker(catalog, fine_tuning=True).options
    assert "claude-haiku-4-5" not in options and "llama-3.1-8b" in options
    assert "accounts/fireworks/models/llama-v3p1-8b-instruct" in options
    assert all(catalog.llm[n].fine_tuning is not None for n in options if n in catalog.llm)
    assert set(options) <= set(catalog.llm) | set(catalog.open_model)            # genai-prices has no offers
    assert "closed to new customers" in editing.model_label("gpt-4o", catalog, fine_tuning=True)
    assert "closed" not in editing.model_label("accounts/fireworks/models/llama-v3p1-8b-instruct", catalog, fine_tuning=True)


def test_clouds_are_only_those_with_a_price_for_the_gpu(catalog):
    assert editing.cloud_options(catalog, "h200-sxm") == ["aws"]
    assert editing.cloud_options(catalog, "h100-sxm") == ["runpod", "lambda", "aws"]  # cheapest first
    assert editing.cheapest_cloud(catalog, "l40s") == "runpod"
    assert editing.cloud_options(catalog, "no-such-gpu") == []


def test_self_hosting_fields_only_for_open_models(values, catalog):
    data = build(values, catalog)
    assert data["prompt_only"]["model"] == {"name": "claude-haiku-4-5"}
    ft = data["fine_tuned"]
    assert ft["model"] == {"name": "llama-3.1-8b", "gpu": "l40s", "cloud": "runpod", "gpus_per_replica": 1,
                           "min_replicas": 2, "target_utilisation": pytest.approx(0.6)}
    assert ft["training"]["gpu"] == "h100-sxm" and "existing_customer" not in ft

    values[key("prompt_only.model.name")] = "qwen2.5-7b"
    values[key("prompt_only.model.cloud")] = ""
    values[key("prompt_only.model.max_batch")] = 64
    values[key("fine_tuned.model.name")] = "gpt-4.1-mini"
    data = build(values, catalog)
    assert data["prompt_only"]["model"] == {"name": "qwen2.5-7b", "gpu": "h100-sxm", "cloud": None,
                                            "gpus_per_replica": 1, "min_replicas": 1, "max_batch": 64}
    assert data["fine_tuned"]["model"] == {"name": "gpt-4.1-mini"}
    assert not {"gpu", "cloud", "gpus"} & set(data["fine_tuned"]["training"])
    assert data["fine_tuned"]["existing_customer"] is False


def test_no_reranker_means_no_reranker_section(values, catalog):
    assert "reranker" not in build(values, catalog)["rag"]
    values[key("rag.reranker.model")] = "rerank-v3.5"
    assert build(values, catalog)["rag"]["reranker"] == {"model": "rerank-v3.5", "candidates": 50}


# --- Figures ----------------------------------------------------------------------------------------


def test_relevant_figures_follow_the_choices(values, catalog):
    data = build(values, catalog, {"llm.claude-haiku-4-5.prices.input_usd_per_mtok": 0.5})
    groups = {g.title: g for g in editing.relevant_figures(data, catalog)}
    haiku = groups["claude-haiku-4-5 (API model, anthropic)"]
    assert haiku.used_by == ["prompt_only", "rag"]
    row = next(r for r in haiku.rows if r.key == "llm.claude-haiku-4-5.prices.input_usd_per_mtok")
    assert row.override == 0.5 and row.value == catalog.llm["claude-haiku-4-5"].prices.input_usd_per_mtok.value
    assert row.source and row.as_of
    serving = {r.key for r in groups["l40s GPU (serving)"].rows}
    assert "gpu.l40s.prices.runpod.usd_per_gpu_hour" in serving and "gpu.l40s.prices.aws.usd_per_gpu_hour" not in serving
    assert "gpu.l40s.spec.memory_gb" in serving
    keys = {r.key for g in groups.values() for r in g.rows}
    assert "embedding.text-embedding-3-small.prices.usd_per_mtok" in keys
    assert "vector_store.pinecone-serverless.prices.minimum_usd_per_month" in keys
    assert "defaults.people.day_rate_usd" not in keys          # the scenario sets its own day rate
    assert "defaults.serving.target_utilisation" not in keys   # and its own target utilisation
    assert "defaults.serving.max_batch" in keys                # but not max_batch
    assert not any(k.startswith("llm.gpt-") for k in keys)
    assumed = [r for g in groups.values() for r in g.rows if r.assumption]
    assert assumed and all(r.source.lower().startswith("assumption") for r in assumed)


def test_figures_per_setup(values, catalog):
    data = build(values, catalog)
    prompt_only = editing.relevant_figures(data, catalog, "prompt_only")
    keys = {r.key for g in prompt_only for r in g.rows}
    assert "llm.claude-haiku-4-5.prices.output_usd_per_mtok" in keys
    assert not any(k.startswith(("embedding.", "gpu.", "open_model.")) for k in keys)
    assert "defaults.people.build_days_prompt_only" in keys and "defaults.people.build_days_rag" not in keys
    hybrid = {r.key for g in editing.relevant_figures(data, catalog, "hybrid") for r in g.rows}
    assert "open_model.llama-3.1-8b.architecture.parameters_billion" in hybrid
    assert "embedding.text-embedding-3-small.prices.usd_per_mtok" in hybrid


def test_unknown_names_are_skipped_not_fatal(values, catalog):
    values[key("rag.embedding_model")] = "no-such-embedding"
    values[key("prompt_only.model.name")] = "no-such-model"
    groups = editing.relevant_figures(build(values, catalog), catalog)
    assert not any("no-such" in g.title for g in groups)


def test_override_helpers_and_candidates(values, catalog):
    overrides = editing.with_override({}, " gpu.l40s.prices.runpod.usd_per_gpu_hour ", 1)
    assert overrides == {"gpu.l40s.prices.runpod.usd_per_gpu_hour": 1.0}
    assert editing.without_override(overrides, "gpu.l40s.prices.runpod.usd_per_gpu_hour") == {}
    data = build(values, catalog, {"llm.gpt-4o.prices.input_usd_per_mtok": 2.0})
    candidates = editing.override_candidates(data, catalog)
    assert "gpu.l40s.prices.runpod.usd_per_gpu_hour" in candidates
    assert candidates[-1] == "llm.gpt-4o.prices.input_usd_per_mtok"   # an override outside the choices stays listed
    assert editing.known_figure("llm.llama-3.1-8b-instant.prices.batch_discount", catalog)  # empty in the catalog
    assert not editing.known_figure("llm.nope.prices.input_usd_per_mtok", catalog)


# --- Applying ---------------------------------------------------------------------------------------


def test_apply_returns_a_valid_scenario(values, catalog):
    values[key("workload.queries_per_month")] = 2e6
    scenario = editing.apply(build(values, catalog, {"gpu.l40s.prices.runpod.usd_per_gpu_hour": 0.8}), catalog)
    assert scenario.workload.queries_per_month == 2e6
    assert scenario.overrides == {"gpu.l40s.prices.runpod.usd_per_gpu_hour": 0.8}


def test_apply_lists_every_problem_by_field(values, catalog):
    values[key("rag.reranker.model")] = "rerank-v3.5"
    values[key("rag.reranker.candidates")] = 3
    values[key("name")] = ""
    with pytest.raises(ScenarioError) as caught:
        editing.apply(build(values, catalog), catalog)
    lines = editing.problem_lines(caught.value)
    assert lines == ["name: String should have at least 1 character (got '')"]  # schema first
    values[key("name")] = "x"
    with pytest.raises(ScenarioError) as caught:
        editing.apply(build(values, catalog, {"llm.nope.prices.input_usd_per_mtok": 1.0}), catalog)
    lines = editing.problem_lines(caught.value)
    assert any(line.startswith("rag.reranker.candidates: 3 is fewer than top_k (6)") for line in lines)
    assert any(line.startswith("overrides: override 'llm.nope.prices.input_usd_per_mtok' names no catalog figure")
               for line in lines)
    assert [editing.problem_group(line) for line in lines] == ["RAG", "Overrides"]


def test_apply_reports_empty_samples_and_missing_gpu_prices(values, catalog):
    values[key("workload.query.samples")] = ""
    values[key("fine_tuned.training.gpu")] = "h200-sxm"   # only on AWS; serving runs on runpod
    with pytest.raises(ScenarioError) as caught:
        editing.apply(build(values, catalog), catalog)
    lines = editing.problem_lines(caught.value)
    assert lines[0].startswith("workload.query.samples: List should have at least 1 item")
    values[key("workload.query.samples")] = "How do I reset my password?"
    with pytest.raises(ScenarioError) as caught:
        editing.apply(build(values, catalog), catalog)
    assert editing.problem_lines(caught.value) == [
        "fine_tuned.training.cloud: h200-sxm has no price on 'runpod' (clouds with a price: aws)"]


def test_merged_values_keep_what_the_widgets_hold(support_bot, catalog):
    merged = editing.merged_values(support_bot, catalog, {key("rag.top_k"): 9, "unrelated": 1})
    assert merged[key("rag.top_k")] == 9 and "unrelated" not in merged
    assert merged[key("workload.queries_per_month")] == 400_000.0


def test_a_bulk_model_choice_survives_the_form_round_trip(catalog):
    """A scenario naming a model of the bulk layer by provider comes back from the editor's widgets
    with the same model: nothing is dropped or swapped for the curated entry of the same name."""
    data = copy.deepcopy(HAND)
    data["prompt_only"]["model"] = {"name": "claude-haiku-4-5", "provider": "google"}  # Claude on Vertex
    data["rag"]["model"] = {"name": "claude-haiku-4-5"}  # Anthropic's own: the curated entry
    scenario = validate_scenario(data, catalog=catalog)
    values = editing.widget_values(scenario, catalog)
    assert values[editing.key("prompt_only.model.name")] == "google/claude-haiku-4-5"
    assert "genai-prices layer" in editing.model_label("google/claude-haiku-4-5", catalog)
    back = editing.build_scenario(values, {}, catalog)
    assert back["prompt_only"]["model"] == {"name": "claude-haiku-4-5", "provider": "google"}
    assert back["rag"]["model"] == {"name": "claude-haiku-4-5"}
    groups = [g.title for g in editing.relevant_figures(back, catalog, "prompt_only")]
    assert "claude-haiku-4-5 (API model, google)" in groups


# --- Conversations ----------------------------------------------------------------------------------


def test_the_conversation_switch_writes_the_block_and_only_its_carry_s_number(values, catalog):
    """Off (support-bot has none): no block. On: turns, carry, gap and keep_retrieval, plus last_n only
    with carry last_n (the summary's length stays out); the edit then validates and evaluates."""
    assert values[key("workload.conversation")] is False
    assert "conversation" not in build(values, catalog)["workload"]
    values[key("workload.conversation")] = True
    values[key("workload.conversation.carry")] = "last_n"
    values[key("workload.conversation.turns")] = 8.0
    data = build(values, catalog, ranges={"workload.conversation.summary_tokens": {
        "dist": "pert", "low": 100, "likely": 200, "high": 300}})
    assert data["workload"]["conversation"] == {"turns": 8.0, "carry": "last_n", "keep_retrieval": False,
                                                "gap_minutes": 2.0, "last_n": 3}
    assert data["ranges"] == {}  # a range of the hidden summary length is left out with it
    assert editing.apply(data, catalog).workload.conversation.last_n == 3
