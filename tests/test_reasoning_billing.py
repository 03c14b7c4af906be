"""Reasoning tokens exist only on models that think (issue 12.4), each pinned by a hand computation.

Sources of the catalog flags (pricing/data/llm_models.yaml, x-rules ``reasoning_*``):
- https://ai.google.dev/gemini-api/docs/thinking-mode: thinking is on by default for the Gemini 2.5
  series (Flash can turn it off with thinkingBudget 0, Pro cannot); Flash-Lite does not think by default.
- https://platform.claude.com/docs/en/build-with-claude/thinking: Claude thinks only when the request
  sets ``thinking`` (extended or adaptive); thinking tokens are billed as output.
- https://platform.openai.com/docs/guides/reasoning: the gpt-5 and o-series reason by default.
- https://docs.mistral.ai/inference/conversations/reasoning: Mistral Small 4 (mistral-small-2603)
  reasons when reasoning_effort is set; Mistral Large 3 (2512) is not a reasoning model.
"""

import pytest

from pricing.resolve import bulk_llm, bulk_record
from simulator.model.evaluate import evaluate
from simulator.model.parts import billed_reasoning_tokens


@pytest.mark.parametrize("model, mode", [
    ("gemini-2.5-flash", "default_on"), ("gemini-2.5-pro", "default_on"), ("gemini-2.5-flash-lite", "optional"),
    ("gpt-5", "default_on"), ("gpt-5-mini", "default_on"), ("gpt-4.1", "none"), ("gpt-4o", "none"),
    ("claude-haiku-4-5", "optional"), ("claude-sonnet-4-6", "optional"), ("mistral-small-2603", "optional"),
    ("mistral-large-2512", "none"), ("llama-3.1-8b-instant", "none"),
])
def test_the_catalog_says_which_models_think(catalog, model, mode):
    assert catalog.llm[model].reasoning.mode == mode


def test_every_curated_model_states_whether_it_reasons_with_a_source(catalog):
    for key, m in catalog.llm.items():
        assert m.reasoning is not None, key
        assert m.reasoning.source.startswith(("http", "assumption:")), key


def test_a_model_that_cannot_think_bills_no_reasoning_tokens(make_scenario, catalog):
    """HAND: 1M queries, 200 answer tokens, 300 reasoning tokens. Prompt-only runs mistral-small-2603
    (optional: reasons when asked) at $2/M output: (200 + 300) x $2 = $1,000. Fine-tuned runs the
    Fireworks Llama 3.1 8B LoRA (none) at $0.40/M output: 200 x $0.40 = $80, not 500 x $0.40 = $200."""
    r = evaluate(make_scenario(**{"workload.reasoning_tokens": 300}), catalog).to_dict()["setups"]
    assert r["prompt_only"]["cost_breakdown_usd"]["output_tokens"] == pytest.approx(500 * 2.0)
    assert r["fine_tuned"]["cost_breakdown_usd"]["output_tokens"] == pytest.approx(200 * 0.4)
    assert r["fine_tuned"]["output_tokens_per_query"] == pytest.approx(200)
    warned = [w for w in r["fine_tuned"]["warnings"] if "reasoning tokens per query are billed as 0" in w]
    assert len(warned) == 1  # once
    assert not any("reasoning" in w for w in r["prompt_only"]["warnings"])


def test_no_warning_when_the_workload_has_no_reasoning_tokens_on_a_model_that_cannot_think(catalog):
    billed, parts = billed_reasoning_tokens(catalog.llm["gpt-4.1"], 0.0, sampled=False)
    assert billed == 0.0 and parts.warnings == []


def test_a_model_that_thinks_by_default_warns_when_the_workload_has_no_reasoning_tokens(catalog):
    billed, parts = billed_reasoning_tokens(catalog.llm["gemini-2.5-flash"], 0.0, sampled=False)
    assert billed == 0.0
    assert len(parts.warnings) == 1 and "thinks by default" in parts.warnings[0]
    billed, parts = billed_reasoning_tokens(catalog.llm["gemini-2.5-flash"], 400.0, sampled=False)
    assert billed == 400.0 and parts.warnings == []


def test_sampled_builds_bill_the_same_without_warnings(catalog):
    billed, parts = billed_reasoning_tokens(catalog.llm["gpt-4.1"], 300.0, sampled=True)
    assert billed == 0.0 and parts.warnings == []
    billed, parts = billed_reasoning_tokens(catalog.llm["gpt-5"], 300.0, sampled=True)
    assert billed == 300.0


def test_a_model_the_catalog_says_nothing_about_is_taken_as_not_reasoning(catalog):
    m = catalog.llm["gpt-4.1"].model_copy(update={"reasoning": None})
    billed, parts = billed_reasoning_tokens(m, 300.0, sampled=False)
    assert billed == 0.0
    assert "does not say whether gpt-4.1 reasons" in parts.warnings[0]


def test_bulk_models_reason_by_the_rules_else_assumed_not():
    """bulk_defaults.yaml: gpt-5 / o-series default_on, Gemini 2.5 Flash default_on, Flash-Lite
    optional, Claude 3.7 and 4.x optional; anything else none, as an assumption."""
    for key, mode in {"openai/o3": "default_on", "google/gemini-2.5-flash-lite": "optional"}.items():
        assert bulk_llm(bulk_record(key)).reasoning.mode == mode, key
    r = bulk_llm(bulk_record("deepseek/deepseek-chat")).reasoning
    assert r.mode == "none" and r.is_assumption
