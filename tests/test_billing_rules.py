"""Issue 12: bills as providers compute them. Each rule is pinned by a hand computation, with the
provider's page it follows named beside it."""

import pytest

from pricing.provenance import FigureRecorder
from simulator.model.parts import api_token_parts, cached_prefix_tokens

TOKENS = {"system_prompt": 10_000.0, "few_shot": 0.0, "query": 100.0, "answer": 50.0, "reasoning": 0.0}
GEMINI = {  # round prices, so the arithmetic below is checkable by eye
    "llm.gemini-2.5-flash-lite.prices.input_usd_per_mtok": 0.1,
    "llm.gemini-2.5-flash-lite.prices.cached_input_usd_per_mtok": 0.01,
    "llm.gemini-2.5-flash-lite.prices.output_usd_per_mtok": 0.4,
    "llm.gemini-2.5-flash-lite.prices.batch_discount": 0.5,
}
HAIKU = {
    "llm.claude-haiku-4-5.prices.input_usd_per_mtok": 1.0,
    "llm.claude-haiku-4-5.prices.cached_input_usd_per_mtok": 0.1,
    "llm.claude-haiku-4-5.prices.cache_write_usd_per_mtok": 1.25,
    "llm.claude-haiku-4-5.prices.output_usd_per_mtok": 5.0,
    "llm.claude-haiku-4-5.prices.batch_discount": 0.5,
}


def per_query(contribution, part):
    (piece,) = contribution.parts[part]
    return piece.usd_per_query


def tokens_cost(catalog, overrides, model, tokens=TOKENS, **kwargs):
    read = FigureRecorder(catalog.with_overrides(overrides))
    kwargs = {"hit_rate": 0.9, "batch_share": 0.6, "fine_tuned": False, "sampled": False, **kwargs}
    return api_token_parts(read, read.catalog.llm[model], tokens, **kwargs), read


def test_gemini_batch_requests_pay_the_normal_cached_price_for_cache_hits(catalog):
    """ai.google.dev/gemini-api/docs/batch-mode, "Caching": a batch request's cache hits are priced
    as for non-batch traffic. 60% of the traffic is batched at half price: factor 1 - 0.6 x 0.5 = 0.7
    on input and output, 1 on cache hits."""
    out, read = tokens_cost(catalog, GEMINI, "gemini-2.5-flash-lite")
    # 90% of requests read the 10,000-token prefix at $0.01/M, whether batched or not
    assert per_query(out, "cached_input_tokens") == pytest.approx(10_000 * 0.9 * 0.01 / 1e6)       # $0.00009
    # the query (100 tokens) and the 10% of prefixes that miss are plain input at $0.10/M, x 0.7
    assert per_query(out, "input_tokens") == pytest.approx(0.7 * (100 + 10_000 * 0.1) * 0.1 / 1e6)  # $0.000077
    assert per_query(out, "output_tokens") == pytest.approx(0.7 * 50 * 0.4 / 1e6)
    assert read.used["llm.gemini-2.5-flash-lite.prices.batch_discount_on_cache"].value == 0


def test_anthropic_stacks_the_batch_discount_on_cache_reads_and_writes(catalog):
    """platform.claude.com batch-processing#pricing: batches cost 50% of standard rates, cache
    prices included. Factor 0.7 on everything, cache writes ($1.25/M) and reads ($0.10/M) too."""
    out, _ = tokens_cost(catalog, HAIKU, "claude-haiku-4-5")
    assert per_query(out, "cached_input_tokens") == pytest.approx(0.7 * 10_000 * 0.9 * 0.1 / 1e6)   # $0.00063
    assert per_query(out, "input_tokens") == pytest.approx(0.7 * (100 * 1.0 + 10_000 * 0.1 * 1.25) / 1e6)
    assert out.warnings == []


def test_a_provider_without_a_stated_rule_is_assumed_to_discount_cache_hits_and_says_so(catalog):
    mistral = {"llm.mistral-small-2603.prices.batch_discount": 0.5}
    out, _ = tokens_cost(catalog, mistral, "mistral-small-2603")
    assert out.warnings == ["the catalog does not say whether mistral's batch discount covers cache hits: assumed it does"]


@pytest.mark.parametrize(("prefix", "cached"), [
    (1_000, 0),       # below the 1,024 minimum: nothing cached
    (1_024, 1_024),
    (1_151, 1_024),   # 127 tokens past the minimum: not a whole 128-token step
    (1_152, 1_152),   # 1,024 + 128
    (2_000, 1_920),   # 1,024 + 7 x 128 = 1,920; (2,000 - 1,024) / 128 = 7.6
])
def test_openai_caches_the_longest_prefix_of_1024_plus_128n_tokens(prefix, cached):
    """platform.openai.com/docs/guides/prompt-caching: caching starts at 1,024 tokens and hits come in
    128-token increments."""
    assert cached_prefix_tokens(float(prefix), 1024, 128) == cached
    assert cached_prefix_tokens(float(prefix), 1024, None) == (prefix if prefix >= 1024 else 0)  # others: whole


def test_an_openai_prompt_pays_full_input_for_the_part_past_the_last_increment(catalog):
    prices = {"llm.gpt-4.1-mini.prices.input_usd_per_mtok": 0.4, "llm.gpt-4.1-mini.prices.cached_input_usd_per_mtok": 0.1}
    out, _ = tokens_cost(catalog, prices, "gpt-4.1-mini", tokens={**TOKENS, "system_prompt": 2_000.0},
                         hit_rate=1.0, batch_share=0.0)
    assert out.details["cacheable_prefix_tokens"] == 1_920
    assert per_query(out, "cached_input_tokens") == pytest.approx(1_920 * 0.1 / 1e6)
    assert per_query(out, "input_tokens") == pytest.approx((80 + 100) * 0.4 / 1e6)  # 80 prefix tokens + the query


@pytest.mark.parametrize(("horizon", "every", "runs"), [
    (24, 3, 7),    # months 3, 6, ..., 21: 23 // 3
    (24, 6, 3),    # months 6, 12, 18
    (24, 23, 1),   # month 23 is the horizon's last month
    (24, 24, 0),   # month 24 is past it
    (10, 4, 2),    # months 4 and 8
])
def test_retraining_runs_are_the_ones_the_horizon_holds(horizon, every, runs):
    """Issue 12.8: over H months with retraining every R months the runs are the first (month 0) plus
    floor((H - 1) / R); the first is a one-time cost, the others are spread over the horizon."""
    from simulator.model.parts import retraining_runs
    assert retraining_runs(horizon, every) == runs


def test_price_drift_leaves_one_time_costs_at_todays_prices(catalog):
    """Issue 12.8: one-time costs are paid in month 0, so a drift of +20%/year, which raises every
    monthly price by its horizon average, leaves the first training run and first embedding alone."""
    from conftest import HAND
    from simulator import evaluate
    from simulator.model.setups import price_drift_factor
    from simulator.scenario import validate_scenario
    flat = evaluate(validate_scenario(HAND, catalog=catalog), catalog)
    drifting = evaluate(validate_scenario({**HAND, "uncertainty": {"price_drift_pct_per_year": 20}}, catalog=catalog), catalog)
    for setup in ("rag", "fine_tuned"):
        assert dict(drifting.setups[setup].one_time_usd) == pytest.approx(dict(flat.setups[setup].one_time_usd))
    # the monthly token bill does carry it: mean of 1.2^(m/12) over the 10 months m = 0 .. 9
    factor = sum(1.2 ** (m / 12) for m in range(10)) / 10
    assert price_drift_factor(20, 10) == pytest.approx(factor)
    q = 1e6
    assert float(drifting.setups["fine_tuned"].curve.breakdown(q)["output_tokens"]) == pytest.approx(
        factor * float(flat.setups["fine_tuned"].curve.breakdown(q)["output_tokens"]))
