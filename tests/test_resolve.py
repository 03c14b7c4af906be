"""Names users type resolve to one catalog entry: curated ids and aliases first, then the bulk
layer by provider; a bulk model becomes a full entry whose borrowed figures say where they come from."""

import json

import pytest

from pricing import bulk
from pricing.catalog import CatalogError
from pricing.resolve import bulk_llm, llm_key, rule_value, rules, with_llms
from simulator import evaluate
from simulator.scenario import load_scenario, validate_scenario
from conftest import SHIPPED_SCENARIOS, scenario_dict


def test_curated_ids_aliases_and_dated_snapshots_name_the_curated_entry(catalog):
    assert llm_key(catalog, "claude-haiku-4-5") == "claude-haiku-4-5"
    assert llm_key(catalog, "claude-haiku-4.5") == "claude-haiku-4-5"  # the catalog's name before schema 4
    assert llm_key(catalog, "claude-haiku-4-5-20251001") == "claude-haiku-4-5"  # Anthropic's dated snapshot
    # genai-prices lists gpt-4o-2024-08-06 as an alias of gpt-4o: still the curated entry, not a bulk copy.
    assert llm_key(catalog, "gpt-4o-2024-08-06") == "gpt-4o"
    assert llm_key(catalog, "claude-haiku-4-5", provider="anthropic") == "claude-haiku-4-5"


def test_the_same_model_on_another_provider_is_its_own_entry(catalog):
    assert llm_key(catalog, "claude-haiku-4-5", provider="google") == "google/claude-haiku-4-5"
    # Bedrock's id, reached by the alias without the regional prefix.
    assert llm_key(catalog, "anthropic.claude-sonnet-5", provider="aws") == "aws/regional.anthropic.claude-sonnet-5-v1:0"
    # No provider named: the first provider in PROVIDERS order that sells it (the maker).
    assert llm_key(catalog, "gpt-5.4-mini") == "openai/gpt-5.4-mini"


def test_unknown_names_get_did_you_mean(catalog):
    with pytest.raises(CatalogError, match="unknown API model 'gpt-5.5-mini'; did you mean gpt-5.4-mini"):
        llm_key(catalog, "gpt-5.5-mini")
    with pytest.raises(CatalogError, match="unknown provider 'bedrock'"):
        llm_key(catalog, "claude-haiku-4-5", provider="bedrock")


def test_a_bulk_model_keeps_its_prices_and_marks_what_is_borrowed(catalog):
    key = "aws/regional.anthropic.claude-sonnet-5-v1:0"
    model = with_llms(catalog, [key]).llm[key]
    record = next(m for m in bulk.bulk_models() if m["provider"] == "aws" and m["id"] == "regional.anthropic.claude-sonnet-5-v1:0")
    # Bedrock's regional endpoints cost 10% more than Anthropic's $2 / $10 (genai-prices' record).
    assert model.prices.input_usd_per_mtok.value == pytest.approx(2.2) == record["prices"]["input_usd_per_mtok"]
    assert model.prices.output_usd_per_mtok.value == pytest.approx(11.0)
    assert model.prices.input_usd_per_mtok.layer == "bulk"
    assert model.prices.input_usd_per_mtok.source == "genai-prices==0.2.3 data.py: aws/regional.anthropic.claude-sonnet-5-v1:0"
    assert model.tokenizer == "claude-2026"  # Sonnet 5's tokenizer (bulk_defaults.yaml)
    assert model.prices.min_cacheable_prefix_tokens.value == 1024
    assert model.latency.ttft_ms.is_assumption and model.latency.ttft_ms.layer == "curated"


def test_batch_discount_from_the_record_else_the_providers_stated_rule(catalog):
    record = {"provider": "openai", "id": "x", "aliases": [], "context_window_tokens": None, "deprecated": True,
              "prices": {"input_usd_per_mtok": 2.0, "output_usd_per_mtok": 8.0},
              "prompt_tiers": [{"above_prompt_tokens": 200000, "input_usd_per_mtok": 4.0, "output_usd_per_mtok": 8.0}],
              "batch_prices": {"input_usd_per_mtok": 1.5}, "history": [], "as_of": "2026-11-10",
              "source": "genai-prices==0.2.3 data.py: openai/x"}
    model = bulk_llm(record)
    assert model.prices.batch_discount.value == pytest.approx(0.25)  # 1 - 1.5 / 2.0
    tier = model.prices.prompt_tiers[0]  # carried through, priced (tests/test_prompt_tiers.py)
    assert (tier.above_prompt_tokens.value, tier.input_usd_per_mtok.value, tier.input_usd_per_mtok.layer) == (200000, 4.0, "bulk")
    assert model.facts.context_window_tokens.is_assumption  # none in the record: 128k, said to be assumed
    assert model.available_until.isoformat() == "2026-11-10"  # deprecated without a date: retired by the layer's date
    no_batch_prices = bulk_llm({**record, "batch_prices": None})
    assert no_batch_prices.prices.batch_discount.value == pytest.approx(0.5)  # OpenAI: batch costs 50% less
    assert "platform.openai.com/docs/guides/batch" in no_batch_prices.prices.batch_discount.source
    assert bulk_llm({**record, "provider": "groq", "batch_prices": None}).prices.batch_discount is None


def test_every_rule_names_a_known_tokenizer_and_the_last_rules_cover_everything(catalog):
    assert {r.figures["tokenizer"] for r in rules() if "tokenizer" in r.figures} <= set(catalog.tokenizer)
    for name in ("tokenizer", "min_cacheable_prefix_tokens", "cache_ttl_s", "ttft_ms", "output_tokens_per_s",
                 "prefill_tokens_per_s", "context_window_tokens"):
        assert rule_value("nobody/anything", name) is not None
    assert rule_value("nobody/anything", "tokenizer") == "unknown"
    assert rule_value("google/gemini-2.5-flash", "min_cacheable_prefix_tokens").value == 2048


def test_a_scenario_on_a_bulk_model_evaluates_with_its_figures_recorded(catalog):
    data = scenario_dict(**{"prompt_only.model": {"name": "anthropic.claude-sonnet-5", "provider": "aws"}})
    result = evaluate(validate_scenario(data, catalog=catalog), catalog)
    setup = result.setups["prompt_only"]
    assert setup.feasible and setup.model == "anthropic.claude-sonnet-5 (aws)"
    rows = {r["key"]: r for r in setup.figure_rows}
    price = rows["llm.aws/regional.anthropic.claude-sonnet-5-v1:0.prices.input_usd_per_mtok"]
    assert price["layer"] == "bulk" and price["value"] == pytest.approx(2.2)
    assert any("aws/regional.anthropic.claude-sonnet-5-v1:0's time to first token (API model)" in w
               for w in setup.warnings)  # the bulk layer has no latency: assumed, said in words


def test_every_successor_names_a_model_its_provider_sells(catalog):
    named = {m.id: m.successor for m in catalog.llm.values() if m.successor}
    assert {"gemini-2.5-flash", "gemini-2.5-pro", "llama-3.1-8b-instant"} <= set(named)
    for model in catalog.llm.values():
        if model.successor:
            key = llm_key(catalog, model.successor, model.provider)
            successor = with_llms(catalog, [key]).llm[key]
            assert successor.provider == model.provider
            assert successor.available_until is None or successor.available_until > model.available_until


def test_a_retired_model_says_when_and_what_replaces_it(catalog):
    data = scenario_dict(**{"prompt_only.model": {"name": "gemini-2.5-flash"}, "workload.start_date": "2027-01-01"})
    setup = evaluate(validate_scenario(data, catalog=catalog), catalog).setups["prompt_only"]
    assert not setup.feasible
    [problem] = [p for p in setup.problems if "retired" in p]
    assert problem.startswith("gemini-2.5-flash is retired on 2026-12-01, before the start date 2027-01-01; "
                              "google names gemini-3.5-flash-lite as its successor")


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_every_example_is_feasible_on_models_available_for_its_whole_horizon(path, catalog):
    """Issue 11: the shipped examples use models that are available for their whole horizon."""
    result = evaluate(load_scenario(path, catalog), catalog)
    for name, setup in result.setups.items():
        assert setup.feasible, (name, setup.problems)
        assert not [w for w in setup.warnings if "retires on" in w], (name, setup.warnings)


def test_a_bulk_model_is_priced_on_the_scenarios_start_date(catalog):
    """genai-prices 0.2.3 dates Gemini 3.6 Flash's rise from $0.75 / $3.75 to $1.50 / $7.50 per M
    tokens on 2027-01-01: a scenario starting that day pays the new price; one starting a month
    earlier pays the old one and is warned that it changes inside its horizon."""
    def prompt_only(start):
        data = scenario_dict(**{"prompt_only.model": {"name": "gemini-3.6-flash", "provider": "google"},
                                "workload.start_date": start})
        result = evaluate(validate_scenario(data, catalog=catalog), catalog)
        return result, result.setups["prompt_only"]

    result, setup = prompt_only("2027-01-01")
    assert result.catalog.llm["google/gemini-3.6-flash"].prices.input_usd_per_mtok.value == 1.5
    assert not [w for w in setup.warnings if "price changes" in w]
    result, setup = prompt_only("2026-12-01")
    prices = result.catalog.llm["google/gemini-3.6-flash"].prices
    assert (prices.input_usd_per_mtok.value, prices.output_usd_per_mtok.value) == (0.75, 3.75)
    [warning] = [w for w in setup.warnings if "price changes" in w]
    assert warning.startswith("gemini-3.6-flash's price changes on 2027-01-01 to $1.5 / $7.5 per M input / output tokens")


def test_azure_openai_comes_from_litellms_pinned_price_map(catalog):
    """genai-prices lists 16 Azure models; the rest of Azure OpenAI comes from litellm==1.110.2's
    price map (pricing/data/litellm_subset.json). Azure's gpt-4.1: $2 / $8 per M tokens, cached $0.50,
    batch $1 (a 50% discount), retiring 2027-04-14, three months after OpenAI's own (2027-01-14)."""
    key = llm_key(catalog, "gpt-4.1", provider="azure")
    assert key == "azure/gpt-4.1"
    model = with_llms(catalog, [key]).llm[key]
    assert (model.prices.input_usd_per_mtok.value, model.prices.output_usd_per_mtok.value) == (2.0, 8.0)
    assert model.prices.cached_input_usd_per_mtok.value == 0.5
    assert model.prices.batch_discount.value == pytest.approx(0.5)
    assert model.prices.input_usd_per_mtok.source == "litellm==1.110.2 model_prices_and_context_window_backup.json: azure/gpt-4.1"
    assert model.prices.input_usd_per_mtok.as_of == "2026-11-20"
    assert model.available_until.isoformat() == "2027-04-14" and model.successor == "gpt-5.1"
    assert "model-retirement-schedule" in model.availability_source
    assert catalog.llm["gpt-4.1"].available_until.isoformat() == "2027-01-14"
    # genai-prices' own Azure records stay first: o3-mini is not taken twice.
    azure = [m for m in bulk.bulk_models() if m["provider"] == "azure"]
    assert len({m["id"] for m in azure}) == len(azure) > 100


def test_the_azure_subset_names_its_pinned_release():
    doc = json.loads(bulk.LITELLM.read_text())
    assert (doc["package"], doc["version"], doc["uploaded"]) == ("litellm", "1.110.2", "2026-11-20")
    assert doc["file"] == "model_prices_and_context_window_backup.json" and len(doc["sha256"]) == 64


def test_any_embedding_model_of_the_bulk_layer_can_be_used(catalog):
    """rag.embedding_model takes a curated id, a bulk model's key <provider>/<id> or a bulk id. Voyage
    3.5 is $0.06 per M tokens (genai-prices 0.2.3); neither price map gives its vector size, so 1,024
    is assumed and says so; Titan v2's 1,024 comes from LiteLLM's pinned map."""
    from pricing.resolve import embedding_key, with_embeddings
    assert embedding_key(catalog, "text-embedding-3-small") == "text-embedding-3-small"  # curated
    assert embedding_key(catalog, "openai/text-embedding-3-small") == "text-embedding-3-small"  # its bulk copy
    assert embedding_key(catalog, "voyage-3.5") == embedding_key(catalog, "voyageai/voyage-3.5") == "voyageai/voyage-3.5"
    assert embedding_key(catalog, "azure/text-embedding-3-small") == "azure/text-embedding-3-small"  # Azure's own
    voyage = with_embeddings(catalog, ["voyageai/voyage-3.5"]).embedding["voyageai/voyage-3.5"]
    assert voyage.prices.usd_per_mtok.value == 0.06 and voyage.prices.usd_per_mtok.layer == "bulk"
    assert voyage.prices.dimensions.value == 1024 and voyage.prices.dimensions.is_assumption
    titan = with_embeddings(catalog, ["aws/amazon.titan-embed-text-v2:0"]).embedding["aws/amazon.titan-embed-text-v2:0"]
    assert titan.prices.dimensions.value == 1024 and not titan.prices.dimensions.is_assumption
    assert titan.prices.dimensions.source.startswith("litellm==1.110.2 model_prices_and_context_window_backup.json")
    with pytest.raises(CatalogError, match="unknown embedding model 'voyage-3.6'; did you mean"):
        embedding_key(catalog, "voyage-3.6")


def test_a_scenario_retrieving_with_a_bulk_embedding_model_is_priced_from_it(catalog):
    def rag(name):
        data = scenario_dict(**{"rag.embedding_model": name})
        return evaluate(validate_scenario(data, catalog=catalog), catalog).setups["rag"]

    voyage, openai = rag("voyageai/voyage-3.5"), rag("text-embedding-3-small")
    assert voyage.feasible
    rows = {r["key"]: r for r in voyage.figure_rows}
    assert rows["embedding.voyageai/voyage-3.5.prices.usd_per_mtok"]["value"] == 0.06
    # Query embeddings: the same query tokens at $0.06 instead of the hand scenario's overridden $0.10.
    q = voyage.curve.breakdown(1e6)["query_embeddings"], openai.curve.breakdown(1e6)["query_embeddings"]
    assert float(q[0]) == pytest.approx(0.6 * float(q[1]))
    assert any("voyageai/voyage-3.5's vector size (embedding model)" in w for w in voyage.warnings)  # assumed, said
