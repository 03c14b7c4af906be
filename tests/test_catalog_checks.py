"""Whole-catalog checks (issue 11.5): each check fires on a record that breaks it and on nothing
that keeps it; on the shipped catalog they find what issue 11 reported by hand."""

import json

import pytest

from conftest import cli
from pricing import bulk, checks
from pricing.catalog import default_catalog

GOOD = {"provider": "anthropic", "id": "claude-good", "kind": "chat", "context_window_tokens": 200_000,
        "prices": {"input_usd_per_mtok": 3.0, "cached_input_usd_per_mtok": 0.3, "cache_write_usd_per_mtok": 3.75,
                   "output_usd_per_mtok": 15.0},
        "batch_prices": {"input_usd_per_mtok": 1.5, "output_usd_per_mtok": 7.5}}


def found(**changes) -> set[str]:
    record = {**GOOD, **changes}
    return {f.check for f in checks.bulk_findings([record])}


def test_a_consistent_record_passes():
    assert found() == set()


@pytest.mark.parametrize(("changes", "check"), [
    ({"prices": {**GOOD["prices"], "cached_input_usd_per_mtok": 3.5}}, "cached-above-input"),
    ({"prices": {**GOOD["prices"], "cache_write_usd_per_mtok": 2.5}}, "cache-write-below-input"),  # Anthropic: 1.25x
    ({"prices": {**GOOD["prices"], "output_usd_per_mtok": 0.0}}, "zero-price"),
    ({"batch_prices": {"input_usd_per_mtok": 2.0}}, "batch-rule"),  # Anthropic: batches cost 50%
    ({"context_window_tokens": None}, "context-window"),
    ({"context_window_tokens": 0}, "context-window"),
])
def test_each_check_fires_on_what_breaks_it(changes, check):
    assert found(**changes) == {check}


def test_rules_apply_only_to_the_providers_that_state_them():
    cheap_write = {**GOOD["prices"], "cache_write_usd_per_mtok": 2.5}
    assert found(provider="mistral", prices=cheap_write, batch_prices={"input_usd_per_mtok": 2.0}) == set()


@pytest.mark.parametrize(("source", "as_of", "problems"), [
    ("https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json", "2026-08",
     {"moving-branch", "month-only"}),
    ("https://github.com/pydantic/genai-prices/raw/main/x.yml", "2026-11-23", {"moving-branch"}),
    ("https://modelstats.ai (TTFT median)", "2026-04-03", {"home-page"}),
    ("https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching", "2026-11-23", set()),
    ("https://github.com/shisa-ai/shisa-v2/blob/3f2a1c9/eval/x.md", "2026-11-23", set()),  # a pinned commit
    ("genai-prices==0.2.3 data.py: anthropic/claude-sonnet-5", "2026-11-10", set()),
    ("assumption: no published figure", "2026-11-23", set()),
    ("override", "2026-11-23", set()),
    ("a colleague said so", "2026-11-23", {"no-source"}),
])
def test_source_checks(source, as_of, problems):
    assert {check for check, _ in checks._source_problems(source, as_of)} == problems


def test_on_the_shipped_catalog_they_find_what_was_reported_by_hand():
    found = checks.curated_findings(default_catalog())
    by_key = {(f.key, f.check) for f in found}
    # Issue 11: "the Claude tokenizer ratio, which drives every Claude token count, cites a news
    # site's home page"; it now cites the article, and no tokenizer ratio has a source problem.
    assert not [f for f in found if f.key.startswith("tokenizer.")]
    # Figures taken from genai-prices cite its pinned package (genai-prices==0.2.3 data.py), not its
    # main branch; a figure still on LiteLLM's branch is one its pinned release lacks or disagrees with.
    moving = [f.detail for f in found if f.check == "moving-branch"]
    assert moving and not [d for d in moving if "pydantic/genai-prices" in d]
    gaps = [f for f in checks.bulk_findings(bulk.bulk_models()) if f.check == "context-window"]
    missing = [m for m in bulk.bulk_models() if m["kind"] == "chat" and not m["context_window_tokens"]]
    assert len(gaps) == len(missing) > 0  # every missing context window is flagged, none silently passes


def test_the_cli_reports_and_exits_0():
    run = cli("catalog", "--check", "--kind", "open_model", "--json")
    assert run.returncode == 0
    rows = json.loads(run.stdout)
    # Llama 3.3 70B's config.json could not be checked at a pinned revision: it still cites main.
    assert {"check": "moving-branch", "layer": "curated", "key": "open_model.llama-3.3-70b.architecture.layers",
            "detail": "https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct/blob/main/config.json"} in rows
    assert all(r["key"].startswith("open_model.") for r in rows)


def test_a_curated_figure_that_disagrees_with_the_bulk_layer_is_listed_with_the_ratio():
    """Issue 11: Sonnet 5 is $2 / $10 per MTok; the curated $3 input made every Sonnet 5 cost 50% high."""
    catalog = default_catalog()
    assert not [f for f in checks.disagreements(catalog, bulk.bulk_models()) if f.key.startswith("llm.claude-sonnet-5.")]
    wrong = catalog.with_overrides({"llm.claude-sonnet-5.prices.input_usd_per_mtok": 3.0})
    found = [f for f in checks.disagreements(wrong, bulk.bulk_models()) if f.key.startswith("llm.claude-sonnet-5.")]
    assert [(f.key, f.detail) for f in found] == [(
        "llm.claude-sonnet-5.prices.input_usd_per_mtok",
        f"ours 3, genai-prices=={bulk.settings()['version']} data.py: anthropic/claude-sonnet-5 2 (1.50x)")]


def test_curated_ids_find_their_bulk_record():
    models = bulk.bulk_models()
    assert checks.bulk_match(models, "anthropic", "claude-haiku-4-5")["id"] == "claude-haiku-4-5"  # dots as dashes
    assert checks.bulk_match(models, "openai", "gpt-5-2025-08-07")["id"] == "gpt-5"  # an alias
    assert checks.bulk_match(models, "mistral", "no-such-model") is None


def test_the_curated_layer_passes_every_price_and_source_rule():
    """Issue 11.5: cached <= input, cache write >= input where the provider charges a premium, batch
    prices as each provider states, no zero price, a positive context window, and every source a
    page, a pinned file or a stated assumption. What remains are dates read to the month and
    sources still on a moving branch (flagged, listed by `catalog --check`), and the bulk layer's
    disagreements, which the check reports with their ratio."""
    found = checks.curated_findings(default_catalog())
    failing = {"zero-price", "cached-above-input", "cache-write-below-input", "batch-rule", "context-window",
               "no-source", "home-page"}
    assert [f for f in found if f.check in failing] == []
    assert {f.check for f in found} <= {"moving-branch", "month-only"}
