"""Issue 12.7: prices that rise above a prompt length, and prompt caps apart from the context window.

A tier changes the price of the whole request (input, cache reads and writes, output) once the
prompt, cached part included, is longer than the tier's threshold; a cap makes the setup
infeasible. Each rule is pinned by a hand computation with the provider's page named beside it.
"""

import copy
import datetime as dt

import numpy as np
import pytest

from conftest import HAND
from pricing import bulk
from pricing.catalog import CatalogError, load_catalog
from pricing.provenance import FigureRecorder
from pricing.resolve import bulk_llm, with_llms
from simulator import evaluate
from simulator.analysis.context_fit import context_fit
from simulator.model.parts import api_token_parts, tier_prices
from simulator.scenario import validate_scenario


def per_query(contribution, part):
    (piece,) = contribution.parts[part]
    return piece.usd_per_query


def token_parts(catalog, model, tokens, **kwargs):
    read = FigureRecorder(catalog)
    kwargs = {"hit_rate": 0.5, "batch_share": 0.0, "fine_tuned": False, "sampled": False, **kwargs}
    return api_token_parts(read, catalog.llm[model], tokens, **kwargs), read


def gemini_pro_tokens(query):
    # a 150,000-token cached prefix and the query: the prompt is 150,000 + query tokens
    return {"system_prompt": 150_000.0, "few_shot": 0.0, "query": query, "answer": 1_000.0, "reasoning": 0.0}


def test_gemini_2_5_pro_long_context_tier_is_the_providers(catalog):
    """ai.google.dev/gemini-api/docs/pricing#gemini-2.5-pro: $1.25 / $10 per M input / output tokens for
    prompts <= 200k tokens, $2.50 / $15 above, context caching $0.125 / $0.25 (genai-prices 0.2.3's
    TieredPrices for google/gemini-2.5-pro hold the same figures)."""
    (tier,) = catalog.llm["gemini-2.5-pro"].prices.prompt_tiers
    assert (tier.above_prompt_tokens.value, tier.input_usd_per_mtok.value, tier.cached_input_usd_per_mtok.value,
            tier.output_usd_per_mtok.value) == (200_000, 2.50, 0.25, 15.00)


def test_a_prompt_of_exactly_200k_tokens_pays_gemini_2_5_pros_base_prices(catalog):
    """Google prices "prompts <= 200k tokens" at the base rate. Half of the requests read the
    150,000-token prefix from the cache, the other half send it as plain input (Gemini has no
    cache-write price)."""
    out, read = token_parts(catalog, "gemini-2.5-pro", gemini_pro_tokens(50_000.0))
    assert per_query(out, "input_tokens") == pytest.approx((50_000 + 150_000 * 0.5) * 1.25 / 1e6)   # $0.15625
    assert per_query(out, "cached_input_tokens") == pytest.approx(150_000 * 0.5 * 0.125 / 1e6)   # $0.009375
    assert per_query(out, "output_tokens") == pytest.approx(1_000 * 10.0 / 1e6)                  # $0.01
    # the threshold was compared, the tier's prices not used: they bring no figure to the result
    assert "llm.gemini-2.5-pro.prices.prompt_tiers.0.above_prompt_tokens" in read.compared
    assert not any("prompt_tiers.0.input" in k for k in read.used)


def test_one_token_more_puts_the_whole_gemini_request_in_the_long_context_tier(catalog):
    """Prompts > 200k tokens: every token of the request, the cached prefix and the answer too, pays the
    higher price, not only the tokens past 200,000 (genai-prices' TieredPrices: "crossing a tier applies
    that rate to ALL tokens")."""
    out, read = token_parts(catalog, "gemini-2.5-pro", gemini_pro_tokens(50_001.0))
    assert per_query(out, "input_tokens") == pytest.approx((50_001 + 150_000 * 0.5) * 2.50 / 1e6)   # $0.3125025
    assert per_query(out, "cached_input_tokens") == pytest.approx(150_000 * 0.5 * 0.25 / 1e6)    # $0.01875
    assert per_query(out, "output_tokens") == pytest.approx(1_000 * 15.0 / 1e6)                  # $0.015
    assert read.used["llm.gemini-2.5-pro.prices.prompt_tiers.0.output_usd_per_mtok"].value == 15.0


def test_gemini_batch_halves_both_tiers_but_not_the_cached_price(catalog):
    """ai.google.dev batch-mode: batch halves input and output in both prompt-size tiers; cache hits pay
    the standard cached price (genai-prices 0.2.3 price_comments of google/gemini-2.5-pro say the same).
    60% batched at 50% off: factor 1 - 0.6 x 0.5 = 0.7 on input and output, 1 on cache hits."""
    out, _ = token_parts(catalog, "gemini-2.5-pro", gemini_pro_tokens(50_001.0), batch_share=0.6)
    assert per_query(out, "input_tokens") == pytest.approx(0.7 * (50_001 + 150_000 * 0.5) * 2.50 / 1e6)
    assert per_query(out, "cached_input_tokens") == pytest.approx(150_000 * 0.5 * 0.25 / 1e6)
    assert per_query(out, "output_tokens") == pytest.approx(0.7 * 1_000 * 15.0 / 1e6)


def test_each_monte_carlo_draw_pays_the_tier_of_its_own_prompt(catalog):
    """Draws of shape (draws, 1): one prompt just below the threshold, one just above; each draw's cost
    equals the scalar call's (the np.where selection)."""
    queries = np.array([[50_000.0], [50_001.0]])
    out, _ = token_parts(catalog, "gemini-2.5-pro", gemini_pro_tokens(queries), sampled=True)
    for i, query in enumerate((50_000.0, 50_001.0)):
        scalar, _ = token_parts(catalog, "gemini-2.5-pro", gemini_pro_tokens(query))
        for part in ("input_tokens", "cached_input_tokens", "output_tokens"):
            assert per_query(out, part)[i, 0] == pytest.approx(per_query(scalar, part))
    assert per_query(out, "output_tokens")[:, 0] == pytest.approx([1_000 * 10.0 / 1e6, 1_000 * 15.0 / 1e6])


def test_gpt_5_6_terra_above_272k_pays_twice_the_input_and_cache_write_and_one_and_a_half_the_output(catalog):
    """developers.openai.com/api/docs/models/gpt-5.6-terra (as genai-prices 0.2.3's openai/gpt-5.6-terra
    records it, after the 2026-07-30 cut): prompts with more than 272K input tokens pay 2x input ($2 ->
    $4, cache write $2.50 -> $5, cache read $0.20 -> $0.40) and 1.5x output ($12 -> $18). The prefix,
    271,104 = 1,024 + 128 x 2,110 tokens, is cached whole (OpenAI's 128-token steps)."""
    tokens = {"system_prompt": 271_104.0, "few_shot": 0.0, "query": 896.0, "answer": 2_000.0, "reasoning": 0.0}
    below, _ = token_parts(catalog, "gpt-5.6-terra", tokens)           # prompt 272,000: base prices
    assert below.details["cacheable_prefix_tokens"] == 271_104
    assert per_query(below, "input_tokens") == pytest.approx((896 * 2.00 + 271_104 * 0.5 * 2.50) / 1e6)  # $0.340672
    assert per_query(below, "cached_input_tokens") == pytest.approx(271_104 * 0.5 * 0.20 / 1e6)
    assert per_query(below, "output_tokens") == pytest.approx(2_000 * 12.00 / 1e6)
    above, _ = token_parts(catalog, "gpt-5.6-terra", {**tokens, "query": 897.0})   # prompt 272,001
    assert per_query(above, "input_tokens") == pytest.approx((897 * 4.00 + 271_104 * 0.5 * 5.00) / 1e6)  # $0.681348
    assert per_query(above, "cached_input_tokens") == pytest.approx(271_104 * 0.5 * 0.40 / 1e6)
    assert per_query(above, "output_tokens") == pytest.approx(2_000 * 18.00 / 1e6)


def test_fine_tuned_prices_have_no_tiers_and_the_base_prices_apply():
    """A price object without ``prompt_tiers`` (a fine-tuning offer) keeps its one price."""
    catalog = load_catalog()
    read = FigureRecorder(catalog)
    offer = catalog.llm["gpt-4.1-mini"].fine_tuning.prices
    assert tier_prices(read, offer, 1e6)["input_usd_per_mtok"] == offer.input_usd_per_mtok.value


# --- The bulk layer: genai-prices' tiers carried through -------------------------------------------


def test_per_price_tiers_become_tiers_of_the_whole_request():
    """genai-prices tiers each price on its own; a price without a tier at a threshold keeps the one in
    effect there. Input tiers at 100 and 200 tokens, output only at 200, cache reads none."""
    prices = {"input_usd_per_mtok": 1.0, "cached_input_usd_per_mtok": 0.1, "output_usd_per_mtok": 5.0}
    tiers = bulk.request_tiers(prices, {"input_usd_per_mtok": [(100, 2.0), (200, 3.0)],
                                        "output_usd_per_mtok": [(200, 9.0)]})
    assert tiers == [
        {"above_prompt_tokens": 100, "input_usd_per_mtok": 2.0, "cached_input_usd_per_mtok": 0.1, "output_usd_per_mtok": 5.0},
        {"above_prompt_tokens": 200, "input_usd_per_mtok": 3.0, "cached_input_usd_per_mtok": 0.1, "output_usd_per_mtok": 9.0},
    ]
    assert bulk.request_tiers(prices, {}) == []


def test_claude_haiku_5_5_of_the_bulk_layer_bills_a_prompt_over_100k_at_five_times(catalog):
    """genai-prices 0.2.3 anthropic/claude-haiku-5-5: $0.10 / $0.50 per M input / output, above 100,000
    input tokens $0.50 / $2.50, cache read $0.01 -> $0.05, write $0.125 -> $0.625 (its Vertex record's
    price_comments: "Prompts over 100K input tokens bill every token at the long-context rate").
    genai-prices' own calculator, given the same request, gives the same bill."""
    from genai_prices import Usage, calc_price

    key = "anthropic/claude-haiku-5-5"
    model = with_llms(catalog, [key]).llm[key]
    (tier,) = model.prices.prompt_tiers
    assert (tier.above_prompt_tokens.value, tier.input_usd_per_mtok.value, tier.cache_write_usd_per_mtok.value,
            tier.cached_input_usd_per_mtok.value, tier.output_usd_per_mtok.value) == (100_000, 0.5, 0.625, 0.05, 2.5)
    assert tier.input_usd_per_mtok.source == "genai-prices==0.2.3 data.py: anthropic/claude-haiku-5-5"
    cat = with_llms(catalog, [key])
    for query, (p_in, p_out) in ((100_000.0, (0.10, 0.50)), (100_001.0, (0.50, 2.50))):
        tokens = {"system_prompt": 0.0, "few_shot": 0.0, "query": query, "answer": 1_000.0, "reasoning": 0.0}
        out, _ = token_parts(cat, key, tokens, hit_rate=0.0)
        assert per_query(out, "input_tokens") == pytest.approx(query * p_in / 1e6)
        assert per_query(out, "output_tokens") == pytest.approx(1_000 * p_out / 1e6)
        theirs = calc_price(Usage(input_tokens=int(query), output_tokens=1_000), model_ref="claude-haiku-5-5",
                            provider_id="anthropic")
        assert float(theirs.total_price) == pytest.approx(per_query(out, "input_tokens") + per_query(out, "output_tokens"))


def test_a_bulk_record_dated_before_a_change_keeps_that_dates_tiers(catalog):
    """genai-prices 0.2.3 anthropic/claude-sonnet-4-6: $3 -> $6 input above 200,000 tokens until
    2026-03-13, one price to 1M tokens since. Priced on 2026-03-01 the tier is there; on 2026-04-01 not."""
    sonnet = next(r for r in bulk.bulk_models() if r["provider"] == "anthropic" and r["id"] == "claude-sonnet-4-6")
    early, late = bulk_llm(sonnet, on=dt.date(2026, 3, 1)), bulk_llm(sonnet, on=dt.date(2026, 4, 1))
    assert [t.input_usd_per_mtok.value for t in early.prices.prompt_tiers] == [6.0]
    assert [t.output_usd_per_mtok.value for t in early.prices.prompt_tiers] == [22.5]
    assert late.prices.prompt_tiers == ()


# --- Prompt caps: a cap rules the setup out, a tier only changes its price -------------------------


def scenario(model, system_prompt, query=100, answer=200, **workload):
    data = copy.deepcopy(HAND)
    data["workload"].update({"query": {"tokens": query}, "answer": {"tokens": answer}, **workload})
    data["prompt_only"] = {"model": {"name": model}, "system_prompt": {"tokens": system_prompt},
                           "few_shot": {"tokens": 0}, "cache_hit_rate": 0.0}
    return data


def test_gpt_5_refuses_a_prompt_over_272k_that_its_400k_window_would_hold(catalog):
    """openai.com/index/introducing-gpt-5-for-developers: the API accepts up to 272,000 input tokens
    and emits up to 128,000 reasoning and output tokens, 400,000 in all. A 280,100-token prompt with
    a 200-token answer (280,300 tokens) fits the window but not the cap."""
    data = scenario("gpt-5", 280_000, start_date="2026-12-02", horizon_months=1)
    po = evaluate(validate_scenario(data, catalog=catalog), catalog).setups["prompt_only"]
    assert not po.feasible
    assert po.problems == (
        "an average query's prompt is 280,100 tokens; gpt-5 accepts at most 272,000 prompt tokens "
        "(max_prompt_tokens), though its context window is 400,000",)
    assert context_fit(po).fits is False and context_fit(po).window_share < 1
    # at the cap it is accepted (gpt-5 counts in o200k_base, the scenario's own tokens)
    at_cap = evaluate(validate_scenario(scenario("gpt-5", 271_900, start_date="2026-12-02", horizon_months=1),
                                        catalog=catalog), catalog).setups["prompt_only"]
    assert at_cap.feasible and at_cap.details["max_prompt_tokens"] == 272_000


def test_a_cap_counts_the_models_own_tokens():
    """Counts are o200k_base tokens; a model with another tokenizer is capped in its own tokens. With a
    ratio of 1.2 (an override), 230,000 o200k tokens are 276,000 of the model's: over a 272,000 cap."""
    catalog = load_catalog()
    data = scenario("claude-sonnet-4-6", 229_900)  # gpt-5 counts in o200k_base exactly: a ratio model instead
    data["overrides"] = {**data["overrides"], "tokenizer.claude.ratio": 1.2,
                         "llm.claude-sonnet-4-6.facts.max_prompt_tokens": 272_000}
    po = evaluate(validate_scenario(data, catalog=catalog), catalog).setups["prompt_only"]
    assert po.problems == ("an average query's prompt is 276,000 tokens; claude-sonnet-4-6 accepts at most 272,000 "
                           "prompt tokens (max_prompt_tokens), though its context window is 1,000,000",)


def test_a_tiered_model_over_its_threshold_stays_feasible_and_costs_the_tier(catalog):
    """gpt-5.6-terra: a 300,100-token prompt is over the 272,000-token tier but inside the 922,000-token
    cap (litellm 1.110.2 azure/gpt-5.6-terra max_input_tokens): feasible, every token at the tier's
    price. No request hits the cache, so each writes the cacheable prefix, 1,024 + 128 x 2,335 =
    299,904 tokens, at the tier's cache-write price ($5); the other 96 prefix tokens and the 100-token
    query are input at $4, the 200-token answer output at $18. At 1,000,000 queries/month."""
    data = scenario("gpt-5.6-terra", 300_000)
    po = evaluate(validate_scenario(data, catalog=catalog), catalog).setups["prompt_only"]
    assert po.feasible, po.problems
    parts = po.curve.breakdown(1e6)
    assert float(parts["input_tokens"]) == pytest.approx(1e6 * ((96 + 100) * 4.00 + 299_904 * 5.00) / 1e6)  # $1,500,304
    assert float(parts["output_tokens"]) == pytest.approx(1e6 * 200 * 18.00 / 1e6)     # $3,600
    over_cap = evaluate(validate_scenario(scenario("gpt-5.6-terra", 950_000), catalog=catalog), catalog)
    assert any("accepts at most 922,000 prompt tokens" in p for p in over_cap.setups["prompt_only"].problems)
    assert not any("context window is" in p and "needs" in p for p in over_cap.setups["prompt_only"].problems)


def test_an_average_prompt_below_a_tier_that_1_in_20_passes_is_a_warning(catalog):
    """Costs price each draw's average query at its tier; queries of varying length above the
    threshold pay more, so a p95 prompt over a tier that the average stays under is said."""
    data = scenario("gpt-5.6-terra", 200_000, query=60_000, length_cv=0.3)
    po = evaluate(validate_scenario(data, catalog=catalog), catalog).setups["prompt_only"]
    assert any("above the 272,000 tokens from which gpt-5.6-terra bills the whole request at higher prices" in w
               for w in po.warnings)
    flat = evaluate(validate_scenario(scenario("gpt-5.6-terra", 200_000, query=60_000), catalog=catalog), catalog)
    assert not any("higher prices" in w for w in flat.setups["prompt_only"].warnings)


# --- The catalog's rules for tiers and caps --------------------------------------------------------


def test_tiers_must_rise_and_carry_the_prices_the_base_has(tmp_path):
    import shutil
    import yaml
    from pricing.catalog import DATA_DIR
    for f in DATA_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    doc = yaml.safe_load((tmp_path / "llm_models.yaml").read_text())
    pro = next(m for m in doc["models"] if m["id"] == "gemini-2.5-pro")
    tier = pro["prices"]["prompt_tiers"][0]
    pro["prices"]["prompt_tiers"] = [tier, {**tier, "above_prompt_tokens": 100_000}]
    (tmp_path / "llm_models.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(CatalogError, match="above_prompt_tokens must be positive and rise"):
        load_catalog(tmp_path)
    pro["prices"]["prompt_tiers"] = [{k: v for k, v in tier.items() if k != "cached_input_usd_per_mtok"}]
    (tmp_path / "llm_models.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(CatalogError, match="the base price has cached_input_usd_per_mtok"):
        load_catalog(tmp_path)
    pro["prices"]["prompt_tiers"] = [tier]
    pro["facts"]["max_prompt_tokens"] = {"value": 2_000_000, "source": "assumption: test", "as_of": "2026-12-02"}
    (tmp_path / "llm_models.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(CatalogError, match=r"max_prompt_tokens \(2,000,000\) exceeds context_window_tokens"):
        load_catalog(tmp_path)


def test_a_tier_price_can_be_overridden_by_its_dotted_key(catalog):
    key = "llm.gemini-2.5-pro.prices.prompt_tiers.0.input_usd_per_mtok"
    changed = catalog.with_overrides({key: 3.0})
    assert changed.figure(key).value == 3.0 and changed.figure(key).overridden
    assert catalog.figure(key).value == 2.50


def test_a_bulk_gpt_5_family_model_takes_its_cap_from_the_pinned_litellm_azure_entry(catalog):
    """litellm 1.110.2 azure/gpt-5-nano: max_input_tokens 272,000 of genai-prices' 400,000-token window
    (OpenAI: the GPT-5 models accept 272,000 input tokens, openai.com/index/introducing-gpt-5-for-developers);
    azure/gpt-5.4: 922,000 of 1,050,000. o3 keeps no output reserve: no cap, the window alone."""
    keys = ["openai/gpt-5-nano", "openai/gpt-5.4", "openai/o3"]
    llm = with_llms(catalog, keys).llm
    nano, big, o3 = (llm[k].facts for k in keys)
    assert (nano.context_window_tokens.value, nano.max_prompt_tokens.value) == (400_000, 272_000)
    assert nano.max_prompt_tokens.source.startswith("litellm==1.110.2 model_prices_and_context_window_backup.json: azure/gpt-5-nano")
    assert (big.context_window_tokens.value, big.max_prompt_tokens.value) == (1_050_000, 922_000)
    assert o3.max_prompt_tokens is None


def test_a_corpus_over_the_prompt_cap_rules_prompt_only_out_though_the_window_would_hold_it(make_scenario, catalog):
    """The questionnaire's corpus check uses the cap where it is below the window: a 300,000-token
    corpus fits gpt-5's 400,000-token window but not the 272,000 prompt tokens it accepts."""
    from simulator.analysis.decision import recommend
    answers = {"needs_private_knowledge": True, "behaviour_gap": False, "citations_required": False,
               "labelled_examples": 1000, "knowledge_changes": "monthly"}
    changes = {"prompt_only.model": {"name": "gpt-5"}, "workload.start_date": "2026-12-02",
               "workload.horizon_months": 1, "decision": answers}
    r = recommend(evaluate(make_scenario(**changes, **{"knowledge.corpus": {"tokens": 300_000}}), catalog))
    assert r.ruled_out["prompt_only"] == ("needs_private_knowledge = yes, but the 300,000-token corpus cannot fit "
                                          "gpt-5's 272,000-token prompt cap (max_prompt_tokens)")
    r = recommend(evaluate(make_scenario(**changes, **{"knowledge.corpus": {"tokens": 250_000}}), catalog))
    assert "prompt_only" not in r.ruled_out
