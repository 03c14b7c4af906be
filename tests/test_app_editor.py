"""The scenario editor page, driven headlessly with Streamlit's AppTest."""


import pytest
import yaml
from streamlit.testing.v1 import AppTest

from conftest import open_app, rendered, summary
from pricing.catalog import default_catalog
from ui import editing

EDITOR = "app_pages/editor.py"


def current(at) -> dict:
    return yaml.safe_load(at.session_state["scenario_yaml"])


def apply(at) -> AppTest:
    at.button(key="ed_apply").click().run()
    assert not at.exception, at.exception
    return at


def as_point(at, *paths) -> AppTest:
    """Remove the ranges the shipped scenario may have on these inputs, so their widgets take a value."""
    for path in paths:
        remove = [b for b in at.button if b.key == f"ed_range_remove_{path}"]
        if remove:
            remove[0].click().run()
        assert not at.number_input(key=f"ed_{path}").disabled
    return at


def test_the_editor_shows_the_current_scenario():
    at = open_app(EDITOR)
    assert at.title[0].value == "Scenario editor"
    assert at.text_input(key="ed_name").value == "Customer-support bot"
    assert at.number_input(key="ed_workload.queries_per_month").value == 400_000
    assert at.number_input(key="ed_workload.monthly_growth").value == 5.0          # percent
    assert at.radio(key="ed_workload.query.mode").value == "samples"
    assert at.selectbox(key="ed_fine_tuned.model.gpu").value == "l40s"
    assert [t.label for t in at.tabs] == ["Workload", "Knowledge", "People", "Prompt-only", "RAG",
                                          "Fine-tuned", "Hybrid", "Overrides", "Uncertainty"]
    assert "No unapplied changes." in [c.value for c in at.caption]
    assert all(w.key.startswith("ed_") for w in [*at.main.number_input, *at.main.selectbox, *at.main.text_area, *at.main.radio])


def test_a_new_volume_applies_to_the_whole_app():
    at = as_point(open_app(EDITOR), "workload.queries_per_month")
    before = current(at)["workload"]["queries_per_month"]
    at.number_input(key="ed_workload.queries_per_month").set_value(5_000_000.0).run()
    assert "You have changes that are not applied yet." in [c.value for c in at.caption]
    assert current(at)["workload"]["queries_per_month"] == before           # nothing until applied
    apply(at)
    assert "Applied" in at.success[0].value
    assert current(at)["workload"]["queries_per_month"] == 5_000_000
    assert at.sidebar.number_input(key="sidebar_volume").value == 5_000_000
    assert "Unsaved changes" in [c.value for c in at.sidebar.caption][0]
    at.switch_page("app_pages/break_even.py").run()
    assert not at.exception
    assert "**5M queries/month**, **Fine-tuned** is cheapest" in summary(at)


def test_an_invalid_edit_is_refused_field_by_field_and_nothing_changes():
    at = open_app(EDITOR)
    before = at.session_state["scenario_yaml"]
    as_point(at, "rag.top_k", "workload.queries_per_month")
    at.number_input(key="ed_rag.top_k").set_value(12)
    at.selectbox(key="ed_rag.reranker.model").set_value("rerank-v3.5").run()
    at.number_input(key="ed_rag.reranker.candidates").set_value(8)
    at.number_input(key="ed_workload.queries_per_month").set_value(2_000_000.0)
    apply(at)
    error = rendered(at.error[0].value)
    assert "not** changed" in error
    assert "rag.reranker.candidates: 8 is fewer than top_k (12)" in error
    assert at.session_state["scenario_yaml"] == before                          # nothing half-applied
    # the entries are kept for fixing
    assert at.number_input(key="ed_rag.reranker.candidates").value == 8
    assert at.number_input(key="ed_workload.queries_per_month").value == 2_000_000
    at.number_input(key="ed_rag.reranker.candidates").set_value(40)
    apply(at)
    assert not at.error and at.success
    data = current(at)
    assert data["rag"]["reranker"] == {"model": "rerank-v3.5", "candidates": 40}
    assert data["rag"]["top_k"] == 12 and data["workload"]["queries_per_month"] == 2_000_000


def test_an_unknown_override_key_is_refused():
    at = open_app(EDITOR)
    before = at.session_state["scenario_yaml"]
    at.text_input(key="ed_override_custom").set_value("llm.claude-haiku-4-5.prices.input_usd_per_mtk").run()
    assert any("names no catalog figure" in w.value for w in at.warning)
    at.button(key="ed_override_add").click().run()
    apply(at)
    error = rendered(at.error[0].value)
    assert "overrides: override 'llm.claude-haiku-4-5.prices.input_usd_per_mtk' names no catalog figure" in error
    assert "did you mean llm.claude-haiku-4-5.prices.input_usd_per_mtok" in error
    assert at.session_state["scenario_yaml"] == before


def test_an_override_reaches_the_scenario_and_can_be_removed():
    at = open_app(EDITOR)
    before = current(at).get("overrides")
    figure = "gpu.l40s.prices.runpod.usd_per_gpu_hour"
    listed = default_catalog().figure(figure).value
    assert f"{figure} = {listed:g}" in at.selectbox(key="ed_override_key").options  # a figure these choices use
    at.selectbox(key="ed_override_key").set_value(figure).run()
    in_use = before[figure]["likely"]  # support-bot ranges this price: the editor starts at the point it uses
    assert at.number_input(key="ed_override_value").value == pytest.approx(in_use) != listed
    at.number_input(key="ed_override_value").set_value(0.79)
    at.button(key="ed_override_add").click().run()
    assert not at.exception
    assert current(at).get("overrides") == before                                 # pending until applied
    apply(at)
    assert current(at)["overrides"] == {figure: 0.79}                             # a single value, not a range
    frames = [df.value for df in at.dataframe]
    assert any((f["figure"] == figure).any() and "0.79" in set(f["override"]) for f in frames)
    at.button(key=f"ed_remove_{figure}").click().run()
    apply(at)
    assert "overrides" not in current(at)


def test_an_open_model_reveals_the_gpu_fields():
    at = open_app(EDITOR)
    keys = {w.key for w in at.selectbox}
    assert "ed_prompt_only.model.gpu" not in keys and "ed_prompt_only.model.cloud" not in keys
    label = at.selectbox(key="ed_prompt_only.model.name").format_func("llama-3.1-8b")
    assert "open model" in label
    at.selectbox(key="ed_prompt_only.model.name").set_value("llama-3.1-8b").run()
    assert not at.exception
    assert at.selectbox(key="ed_prompt_only.model.gpu").value
    for name in ("gpus_per_replica", "min_replicas", "target_utilisation", "max_batch"):
        assert at.number_input(key=f"ed_prompt_only.model.{name}") is not None
    at.selectbox(key="ed_prompt_only.model.gpu").set_value("h200-sxm").run()
    clouds = at.selectbox(key="ed_prompt_only.model.cloud").options
    assert len(clouds) == 2 and clouds[1].startswith("aws")                     # only clouds with a price
    assert any("catalog default, assumption" in c.value for c in at.caption)    # max batch, utilisation
    apply(at)
    model = current(at)["prompt_only"]["model"]
    assert model == {"name": "llama-3.1-8b", "gpu": "h200-sxm"}
    at.switch_page("app_pages/break_even.py").run()
    assert not at.exception


def test_training_memory_settings_reach_the_scenario():
    """Self-hosted training: sequence length, micro-batch and recomputation (Korthikanti et al. 2022)."""
    at = open_app(EDITOR)
    assert at.number_input(key="ed_fine_tuned.training.sequence_length").value is None   # catalog default
    assert at.selectbox(key="ed_fine_tuned.training.recompute").value == ""
    at.number_input(key="ed_fine_tuned.training.sequence_length").set_value(4096).run()
    at.number_input(key="ed_fine_tuned.training.micro_batch").set_value(1).run()
    at.selectbox(key="ed_fine_tuned.training.recompute").set_value("off").run()
    apply(at)
    training = current(at)["fine_tuned"]["training"]
    assert (training["sequence_length"], training["micro_batch"], training["recompute"]) == (4096, 1, False)


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_the_model_picker_finds_a_bulk_model_and_the_cost_follows():
    at = open_app(EDITOR)
    assert any(c.startswith("1,") and f"the first {editing.PICKER_LIMIT} are listed" in c and "more: refine the search" in c
               for c in captions(at))                                              # thousands of chat models
    at.text_input(key="ed_pick_search_prompt_only").set_value("haiku 4.5").run()
    at.selectbox(key="ed_pick_provider_prompt_only").set_value("google").run()
    picker = at.selectbox(key="ed_prompt_only.model.name")
    # Anthropic's own Haiku no longer matches (provider google) and stays chosen: nothing changes by itself
    assert picker.value == "claude-haiku-4-5"
    assert "1 model matches. The current choice, claude-haiku-4-5, does not match these filters" in rendered(" ".join(captions(at)))
    assert "No unapplied changes." in captions(at)
    vertex = ("claude-haiku-4-5 · API (google) · $1 / $5 per M tokens, cached $0.1 · 200k context · "
              "genai-prices layer, as of 2026-11-10, 1.7 months old")             # age at the start, 2027-01-01
    assert picker.options == [picker.format_func("claude-haiku-4-5"), vertex]
    picker.set_value("google/claude-haiku-4-5").run()
    apply(at)
    assert current(at)["prompt_only"]["model"] == {"name": "claude-haiku-4-5", "provider": "google"}
    at.switch_page("app_pages/cost_breakdown.py").run()
    assert "claude-haiku-4-5 (google) · api" in captions(at)
    assert at.metric[0].value == "$2.8k/month"                                     # Vertex: Anthropic's price
    assert at.dataframe[0].value.loc["Input tokens", "Prompt-only"] == "$703"
    # Bedrock's regional endpoints cost 10% more: $1,714.94 of tokens become $1,886.44, so $2,802 -> $2,974
    at.switch_page(EDITOR).run()
    at.text_input(key="ed_pick_search_prompt_only").set_value("haiku 4.5 regional").run()
    at.selectbox(key="ed_pick_provider_prompt_only").set_value("aws").run()
    at.selectbox(key="ed_prompt_only.model.name").set_value("aws/regional.anthropic.claude-haiku-4-5-20251001-v1:0").run()
    apply(at)
    assert current(at)["prompt_only"]["model"] == {"name": "regional.anthropic.claude-haiku-4-5-20251001-v1:0",
                                                   "provider": "aws"}
    at.switch_page("app_pages/cost_breakdown.py").run()
    assert at.metric[0].value == "$3k/month"
    assert at.dataframe[0].value.loc["Input tokens", "Prompt-only"] == "$774"      # $703.42 x 1.1


def test_the_fine_tuned_picker_keeps_an_open_model_and_filters_by_capability():
    at = open_app(EDITOR)
    picker = at.selectbox(key="ed_fine_tuned.model.name")
    assert picker.value == "llama-3.1-8b"
    assert set(at.selectbox(key="ed_pick_provider_fine_tuned").options) == {"All providers", "openai", "fireworks",
                                                                             "self-hosted"}
    at.multiselect(key="ed_pick_also_fine_tuned").set_value(["reasoning"]).run()    # no fine-tunable reasoning model
    picker = at.selectbox(key="ed_fine_tuned.model.name")
    assert picker.value == "llama-3.1-8b" and len(picker.options) == 1
    assert "0 models match. The current choice, llama-3.1-8b, does not match" in rendered(" ".join(captions(at)))
    assert at.selectbox(key="ed_fine_tuned.model.gpu").value == "l40s"            # its GPU fields stay too


def test_an_api_fine_tuning_offer_closed_to_new_customers_is_explained():
    at = open_app(EDITOR)
    options = at.selectbox(key="ed_fine_tuned.model.name").options
    assert not any(o.startswith("claude-haiku-4-5") for o in options)            # no fine-tuning offer
    # GPT-4o retires on 2027-01-14, inside support-bot's 2027-2028 horizon: not listed until the box is cleared
    assert not any(o.startswith("gpt-4o ·") for o in options)
    at.checkbox(key="ed_pick_whole_fine_tuned").uncheck().run()
    options = at.selectbox(key="ed_fine_tuned.model.name").options
    assert any(o.startswith("gpt-4o ·") and "closed to new customers" in o and "retires 2027-01-14" in o for o in options)
    at.selectbox(key="ed_fine_tuned.model.name").set_value("gpt-4.1-mini").run()
    assert "no longer lets new customers" in at.warning[0].value
    assert at.checkbox(key="ed_fine_tuned.existing_customer").value is False
    assert {"ed_fine_tuned.training.gpu", "ed_fine_tuned.training.cloud"}.isdisjoint({w.key for w in at.selectbox})


def test_text_lengths_and_catalog_defaults():
    at = open_app(EDITOR)
    at.radio(key="ed_rag.system_prompt.mode").set_value("text").run()
    at.text_area(key="ed_rag.system_prompt.text").set_value("Answer from the excerpts only. Cite them.").run()
    assert any(c.value.endswith("tokens (o200k_base).") for c in at.caption)
    as_point(at, "people.day_rate_usd")
    at.number_input(key="ed_people.day_rate_usd").set_value(None)                # back to the catalog default
    apply(at)
    data = current(at)
    assert data["rag"]["system_prompt"] == {"text": "Answer from the excerpts only. Cite them."}
    assert "day_rate_usd" not in data.get("people", {})


def test_loading_another_scenario_refills_the_editor_and_reset_discards_edits():
    at = open_app(EDITOR)
    ranges = dict(at.session_state["ed_ranges"])
    as_point(at, "workload.queries_per_month")
    at.number_input(key="ed_workload.queries_per_month").set_value(777_000.0).run()
    at.button(key="ed_reset").click().run()
    assert at.number_input(key="ed_workload.queries_per_month").value == 400_000
    assert at.session_state["ed_ranges"] == ranges                                # a removed range is back
    # the scenario changes elsewhere (the sidebar, which sets a single volume): the editor follows
    apply(as_point(at, "workload.queries_per_month"))
    at.sidebar.number_input(key="sidebar_volume").set_value(3_000_000).run()
    assert at.number_input(key="ed_workload.queries_per_month").value == 3_000_000
    other = open_app(EDITOR, s="docs-qa")
    assert other.text_input(key="ed_name").value == "Internal documentation Q&A"
    assert other.radio(key="ed_rag.system_prompt.mode").value == "text"
    assert other.selectbox(key="ed_rag.reranker.model").value == "rerank-v3.5"


def test_unapplied_edits_survive_a_visit_to_another_page():
    at = open_app(EDITOR)
    at.selectbox(key="ed_prompt_only.model.name").set_value("qwen2.5-7b").run()
    at.selectbox(key="ed_prompt_only.model.gpu").set_value("a100-80gb-sxm").run()
    as_point(at, "rag.top_k")
    at.number_input(key="ed_rag.top_k").set_value(9).run()
    at.switch_page("app_pages/break_even.py").run()
    at.switch_page(EDITOR).run()
    assert not at.exception
    assert at.selectbox(key="ed_prompt_only.model.name").value == "qwen2.5-7b"
    assert at.selectbox(key="ed_prompt_only.model.gpu").value == "a100-80gb-sxm"
    assert at.number_input(key="ed_rag.top_k").value == 9
    assert "You have changes that are not applied yet." in [c.value for c in at.caption]


# --- Ranges -------------------------------------------------------------------------------------------


def add_range(at, path: str, dist: str, low, likely, high) -> AppTest:
    at.selectbox(key="ed_range_path").set_value(path).run()
    at.selectbox(key="ed_range_dist").set_value(dist).run()
    at.number_input(key="ed_range_low").set_value(low)
    if likely is not None:
        at.number_input(key="ed_range_likely").set_value(likely)
    at.number_input(key="ed_range_high").set_value(high)
    at.button(key="ed_range_add").click().run()
    assert not at.exception, at.exception
    return at


def test_a_range_added_on_the_uncertainty_tab_is_applied_in_place():
    at = as_point(open_app(EDITOR), "workload.batch_share")
    share = at.number_input(key="ed_workload.batch_share")
    assert not share.disabled
    add_range(at, "workload.batch_share", "triangular", 10.0, 20.0, 40.0)           # entered in %
    assert not at.error
    share = at.number_input(key="ed_workload.batch_share")
    assert share.disabled and share.value == 20.0                                   # its point value, in %
    assert any(c.value.startswith("Range: triangular 10 / 20 / 40.") and "Uncertainty tab" in c.value
               for c in at.caption)
    assert "Workload: Batchable share (% of queries)  \n`workload.batch_share`" in [m.value for m in at.markdown]
    assert "batch_share:\n    dist" not in at.session_state["scenario_yaml"]        # pending until applied
    apply(at)
    assert current(at)["workload"]["batch_share"] == {"dist": "triangular", "low": 0.1, "likely": 0.2, "high": 0.4}
    at.switch_page("app_pages/break_even.py").run()
    assert not at.exception


def test_a_removed_range_leaves_its_point_value_editable():
    at = open_app(EDITOR)
    add_range(at, "rag.chunk_tokens", "pert", 300.0, 450.0, 800.0)
    apply(at)
    assert current(at)["rag"]["chunk_tokens"] == {"dist": "pert", "low": 300, "likely": 450, "high": 800}
    at.button(key="ed_range_remove_rag.chunk_tokens").click().run()
    chunk = at.number_input(key="ed_rag.chunk_tokens")
    assert not chunk.disabled and chunk.value == 450
    apply(at)
    assert current(at)["rag"]["chunk_tokens"] == 450


def test_an_invalid_range_is_explained_and_nothing_changes():
    at = open_app(EDITOR)
    before = dict(at.session_state["ed_ranges"])
    add_range(at, "rag.chunk_tokens", "pert", 600.0, 400.0, 300.0)
    assert rendered(at.error[0].value) == ("RAG: Chunk size (tokens per chunk): a pert range needs low <= likely "
                                           "<= high (got 600 / 400 / 300)")
    add_range(at, "rag.chunk_tokens", "lognormal", 0.0, None, 300.0)
    assert "a lognormal range needs 0 < p05 <= p95" in rendered(at.error[0].value)
    assert at.session_state["ed_ranges"] == before
    assert not at.number_input(key="ed_rag.chunk_tokens").disabled


def test_the_form_starts_around_the_inputs_value():
    at = as_point(open_app(EDITOR), "rag.chunk_tokens")
    value = at.number_input(key="ed_rag.chunk_tokens").value
    at.selectbox(key="ed_range_path").set_value("rag.chunk_tokens").run()
    assert at.selectbox(key="ed_range_dist").value == "pert"
    assert (at.number_input(key="ed_range_low").value, at.number_input(key="ed_range_likely").value,
            at.number_input(key="ed_range_high").value) == (value * 0.8, value, value * 1.25)
    labels = at.selectbox(key="ed_range_path").options
    assert "Workload: Queries per month (queries/month)" in labels
    assert "Workload: Horizon (months)" not in labels and "Uncertainty: Random seed (integer)" not in labels


def test_seed_and_draws_are_applied():
    at = open_app(EDITOR)
    at.number_input(key="ed_uncertainty.seed").set_value(42)
    at.number_input(key="ed_uncertainty.draws").set_value(5000)
    apply(at)
    assert current(at)["uncertainty"]["seed"] == 42 and current(at)["uncertainty"]["draws"] == 5000


def test_the_price_drift_range_starts_from_the_observed_history():
    """The shipped support-bot draws its drift from the price history; removed and added again, the
    form starts from that range, shows its numbers without taking them, and cites what it rests on."""
    from pricing.history import observed_drift

    drift, seen = "uncertainty.price_drift_pct_per_year", observed_drift()
    at = open_app(EDITOR)
    assert at.session_state["ed_ranges"][drift] == {"dist": "observed"}
    at.button(key=f"ed_range_remove_{drift}").click().run()
    at.selectbox(key="ed_range_path").set_value(drift).run()
    assert at.selectbox(key="ed_range_dist").value == "observed"
    low, likely, high = (at.number_input(key=f"ed_range_{n}") for n in ("low", "likely", "high"))
    assert (low.value, likely.value, high.value) == (pytest.approx(seen.low), 0.0, pytest.approx(seen.high))
    assert low.disabled and likely.disabled and high.disabled
    assert any("10 models of genai-prices" in c.value for c in at.caption)
    at.selectbox(key="ed_range_dist").set_value("pert").run()
    assert not at.number_input(key="ed_range_low").disabled                # the user's own range: entered
    at.selectbox(key="ed_range_dist").set_value("observed").run()
    at.button(key="ed_range_add").click().run()
    assert not at.error and at.session_state["ed_ranges"][drift] == {"dist": "observed"}
    apply(at)
    assert current(at)["uncertainty"]["price_drift_pct_per_year"] == {"dist": "observed"}
    at.selectbox(key="ed_range_path").set_value("workload.batch_share").run()
    assert "observed" not in at.selectbox(key="ed_range_dist").options    # the drift's alone
