"""pricing/models.py: one row per model a user can pick, and the filter the picker and the CLI use."""

import datetime as dt
import time

import pytest

from pricing import bulk, models, resolve
from pricing.catalog import CatalogError
from simulator.scenario import horizon_end

SHIPPED_HORIZON = (dt.date(2027, 1, 1), dt.date(2029, 1, 1))  # the examples: 2027-01-01, 24 months


@pytest.fixture(scope="module")
def rows():
    return models.model_rows()


def options(rows, **filters) -> list[str]:
    return [r.option for r in models.filter_models(rows, **filters)]


def test_every_model_is_one_row_curated_first(rows, catalog):
    by_kind = {(layer, kind): sum(r.layer == layer and r.kind == kind for r in rows)
               for layer in ("curated", "bulk") for kind in ("chat", "embedding", "rerank")}
    assert by_kind[("curated", "chat")] == len(catalog.llm) + len(catalog.open_model)
    assert by_kind[("curated", "embedding")] == len(catalog.embedding)
    assert by_kind[("curated", "rerank")] == len(catalog.reranker) and by_kind[("bulk", "rerank")] == 0
    assert by_kind[("bulk", "chat")] > 1000 and by_kind[("bulk", "embedding")] > 20
    assert len({r.option for r in rows if r.kind == "chat"}) == sum(r.kind == "chat" for r in rows)  # unique options
    layers = [r.layer for r in rows]
    assert layers == sorted(layers, key=["curated", "bulk"].index)
    # A curated model's own bulk record (same provider, shared id or alias) is the curated row.
    assert "anthropic/claude-haiku-4-5" not in {r.option for r in rows}
    assert "openai/gpt-4o-2024-08-06" not in {r.option for r in rows}
    assert "cohere/embed-v4.0" not in {r.option for r in rows}      # curated: embed-v4.0
    assert "voyageai/voyage-4" not in {r.option for r in rows}
    # ... which is what the resolver says: a bulk record is listed exactly when llm_key keeps it as bulk
    kept = [m for m in bulk.bulk_models() if m["kind"] == "chat"
            and resolve.llm_key(catalog, m["id"], m["provider"]) == f"{m['provider']}/{m['id']}"]
    assert by_kind[("bulk", "chat")] == len(kept)


def test_a_row_carries_price_context_window_and_age(rows):
    by = {r.option: r for r in rows}
    vertex = by["google/claude-haiku-4-5"]                          # Claude Haiku 4.5 on Vertex, genai-prices
    assert (vertex.provider, vertex.id, vertex.layer) == ("google", "claude-haiku-4-5", "bulk")
    assert (vertex.input_usd_per_mtok, vertex.output_usd_per_mtok, vertex.cached_input_usd_per_mtok) == (1.0, 5.0, 0.1)
    assert vertex.context_window_tokens == 200_000
    assert vertex.as_of == bulk.settings()["as_of"] == "2026-11-10"
    assert vertex.age_months(dt.date(2027, 1, 1)) == round(52 / 30.44, 1)   # 52 days, 30.44-day months
    haiku = by["claude-haiku-4-5"]
    assert haiku.layer == "curated" and haiku.as_of == "2026-11-10" and "claude-haiku-4.5" in haiku.aliases
    rerank = by["rerank-v3.5"]
    assert "cohere-rerank-3.5" in rerank.aliases                     # the catalog's earlier name
    assert rerank.capabilities == {"rerank"} and rerank.usd_per_1k_searches == 2.0 and rerank.input_usd_per_mtok is None
    assert rerank.context_window_tokens is None                       # "unknown" where shown
    ada = by["openai/text-embedding-ada-002"]
    assert ada.kind == "embedding" and ada.option == "openai/text-embedding-ada-002"  # a scenario names it so
    assert by["llama-3.1-8b"].provider == models.SELF_HOSTED and by["llama-3.1-8b"].as_of is None
    row = vertex.to_dict(dt.date(2027, 1, 1))
    assert row["capabilities"] == ["chat"] and row["age_months"] == 1.7 and row["available_until"] is None
    assert row["price_changes"] == []


def test_a_dated_bulk_price_is_the_one_in_effect_on_the_day(rows):
    """genai-prices dates Gemini 3.6 Flash's price to double on 2027-01-01 ($0.75 / $3.75 -> $1.50 /
    $7.50): a scenario starting then is priced at the new figure, and so is the row on that day."""
    flash = next(r for r in rows if r.option == "google/gemini-3.6-flash")
    before, after = flash.prices_on(dt.date(2026, 12, 31)), flash.prices_on(dt.date(2027, 1, 1))
    assert (before["input_usd_per_mtok"], before["output_usd_per_mtok"]) == (0.75, 3.75)
    assert (after["input_usd_per_mtok"], after["output_usd_per_mtok"], after["cached_input_usd_per_mtok"]) == (1.5, 7.5, 0.15)
    assert flash.prices_on(None)["input_usd_per_mtok"] == flash.input_usd_per_mtok == 0.75   # the layer's date
    assert flash.to_dict(dt.date(2026, 12, 1))["price_changes"] == [
        {"from": "2027-01-01", "input_usd_per_mtok": 1.5, "output_usd_per_mtok": 7.5, "cached_input_usd_per_mtok": 0.15}]
    assert flash.to_dict(dt.date(2027, 1, 1))["price_changes"] == []


def test_search_needs_every_word_in_id_alias_or_name(rows):
    found = options(rows, text="Claude HAIKU 4.5")                   # case-insensitive; a dot matches a dash
    assert found[0] == "claude-haiku-4-5" and "google/claude-haiku-4-5" in found
    assert all("haiku" in o.lower() for o in found)
    assert options(rows, text="haiku sonnet") == []                   # all words must match
    assert "claude-haiku-4-5" in options(rows, text="20251001")      # an alias: the dated snapshot
    assert options(rows, text="") == [r.option for r in rows]


def test_provider_and_capability_filters(rows):
    google = options(rows, provider="google", capabilities=["chat"])
    assert "google/claude-haiku-4-5" in google and "claude-haiku-4-5" not in google
    assert {r.provider for r in models.filter_models(rows, provider="google")} == {"google"}
    # reasoning: the curated models that can think, by default or when asked (issue 12.4)
    assert options(rows, capabilities=["reasoning"]) == [
        "claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-6", "claude-sonnet-5", "gpt-5", "gpt-5-mini",
        "gpt-5.6-terra", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro", "gemini-3.5-flash-lite",
        "gemini-3.5-flash", "mistral-small-2603"]
    tunable = options(rows, capabilities=["fine-tunable"])
    assert "accounts/fireworks/models/llama-v3p1-8b-instruct" in tunable and "llama-3.1-8b" in tunable  # open: GPUs
    assert "claude-haiku-4-5" not in tunable
    assert all(r.layer == "curated" for r in models.filter_models(rows, capabilities=["fine-tunable"]))  # genai-prices has no offers
    assert options(rows, capabilities=["embedding"], layer="curated") == [
        "text-embedding-3-small", "text-embedding-3-large", "gemini-embedding-2", "embed-v4.0", "voyage-4", "voyage-4-lite"]
    assert options(rows, capabilities=["rerank"], provider="voyageai") == ["rerank-2.5", "rerank-2.5-lite", "rerank-3", "rerank-3-lite"]
    # Cohere's by its alias cohere-rerank-3.5, and Bedrock's resale of it
    assert options(rows, text="cohere rerank 3.5") == ["rerank-v3.5", "cohere.rerank-v3-5:0"]
    assert set(options(rows, provider="voyageai", capabilities=["embedding"])) >= {"voyage-4", "voyageai/voyage-3.5"}
    with pytest.raises(CatalogError, match="unknown capability 'chatty'"):
        models.filter_models(rows, capabilities=["chatty"])


def test_availability_through_the_horizon_drops_retiring_models(rows, catalog):
    through = options(rows, capabilities=["chat"], available=SHIPPED_HORIZON)
    # Gemini 2.5 Flash shut down on 2026-12-01 (llm_models.yaml); GPT-4o retires 2027-01-14, inside it.
    assert catalog.llm["gemini-2.5-flash"].available_until == dt.date(2026, 12, 1)
    assert "gemini-2.5-flash" not in through and "gpt-4o" not in through
    assert "gemini-2.5-flash" in options(rows, capabilities=["chat"], available=(dt.date(2026, 1, 1), dt.date(2026, 11, 1)))
    assert "claude-haiku-4-5" in through and "llama-3.1-8b" in through
    # a deprecated bulk model counts as retired on the bulk layer's date
    deprecated = [m for m in bulk.bulk_models() if m["deprecated"] and m["kind"] == "chat"]
    assert deprecated and f"{deprecated[0]['provider']}/{deprecated[0]['id']}" not in through
    layer_day = dt.date.fromisoformat(bulk.settings()["as_of"])
    assert f"{deprecated[0]['provider']}/{deprecated[0]['id']}" in options(rows, available=(layer_day, layer_day))
    retiring = [r for r in rows if r.kind == "chat" and r.available_until and r.available_until < SHIPPED_HORIZON[1]]
    assert len(through) == sum(r.kind == "chat" for r in rows) - len(retiring)
    with pytest.raises(CatalogError, match="after its end"):
        models.filter_models(rows, available=(dt.date(2028, 1, 1), dt.date(2027, 1, 1)))


def test_the_horizon_ends_on_the_first_of_the_month_after_it():
    assert horizon_end(dt.date(2027, 1, 1), 24) == dt.date(2029, 1, 1)
    assert horizon_end(dt.date(2027, 1, 15), 12) == dt.date(2028, 1, 1)  # the start's month is month one
    assert horizon_end(dt.date(2027, 11, 1), 3) == dt.date(2028, 2, 1)


def test_an_unknown_provider_gets_did_you_mean(rows):
    models.check_provider(rows, "together")
    with pytest.raises(CatalogError, match=r"unknown provider 'gogle'; did you mean google"):
        models.check_provider(rows, "gogle")


def test_filtering_every_row_is_fast(rows):
    """The picker filters on every rerun: all ~2,000 rows well under 20 ms (measured ~1 ms)."""
    assert len(rows) > 1900
    start = time.perf_counter()
    for _ in range(10):
        models.filter_models(rows, text="llama 70b instruct", capabilities=["chat"], available=SHIPPED_HORIZON)
    assert (time.perf_counter() - start) / 10 < 0.020
    assert models.model_rows() is rows                               # built once per process
