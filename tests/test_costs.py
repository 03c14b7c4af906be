"""Hand-computed costs for each setup on the round-number scenario in conftest.HAND."""

import numpy as np
import pytest

from simulator.model.evaluate import evaluate
from simulator.model.parts import PARTS
from conftest import SHIPPED_SCENARIOS


def test_prompt_only_by_hand(make_scenario, catalog):
    r = evaluate(make_scenario(), catalog).to_dict()["setups"]["prompt_only"]
    b = r["cost_breakdown_usd"]
    # Static prefix 2,000 tokens >= 1,024-token minimum, so cacheable; hit rate 0.5.
    # input  = (query 100) x $1/M + 2,000 x (1 - 0.5) writes x $1/M  = 1,100 per 1M queries
    assert b["input_tokens"] == pytest.approx(1_100.0)
    # cached = 2,000 x 0.5 x $0.10/M = 100
    assert b["cached_input_tokens"] == pytest.approx(100.0)
    # output = 200 x $2/M = 400
    assert b["output_tokens"] == pytest.approx(400.0)
    # people: 1 ops day x $1,000; one-time 5 build days x $1,000 over 10 months
    assert b["operations"] == pytest.approx(1_000.0)
    assert b["one_time_amortised"] == pytest.approx(500.0)
    assert r["one_time_cost_usd"] == pytest.approx(5_000.0)
    assert r["monthly_cost_usd"] == pytest.approx(3_100.0)
    assert r["cost_per_query_usd"] == pytest.approx(3_100.0 / 1e6)
    assert r["input_tokens_per_query"] == pytest.approx(2_100.0)
    assert r["output_tokens_per_query"] == pytest.approx(200.0)


def test_rag_by_hand(make_scenario, catalog):
    r = evaluate(make_scenario(), catalog).to_dict()["setups"]["rag"]
    b = r["cost_breakdown_usd"]
    # 500-token system prompt is below the caching minimum: everything at the input price.
    # input = (500 system + 4 x 500 chunks + 100 query) x $1/M = 2,600
    assert b["input_tokens"] == pytest.approx(2_600.0)
    assert b["cached_input_tokens"] == 0.0
    assert b["output_tokens"] == pytest.approx(400.0)
    # query embedding: 100 tokens x $0.10/M = 10
    assert b["query_embeddings"] == pytest.approx(10.0)
    # 10M tokens / 500 = 20,000 records of 4 x 1,000 + 500 x 4 text + 100 metadata = 6,100 B -> 0.122 GB
    # reads: max(0.25, 0.122) RU x $10/M = $2.5 per 1M queries; storage 0.122; writes (test_parts:
    # 24,404 WU) x $2/M = 0.048808; all under the $50 minimum.
    assert b["vector_store"] == pytest.approx(50.0)
    # re-embedding 10% of 10M tokens at the batch price $0.05/M
    assert b["corpus_reembedding"] == pytest.approx(0.05)
    # one-time: 10 days x $1,000 + first embedding 10M x $0.05/M + first writes 122,019 WU x $2/M
    assert r["one_time_cost_usd"] == pytest.approx(10_000 + 0.5 + 0.244038, rel=1e-12)
    assert b["one_time_amortised"] == pytest.approx(1_000.0744038)
    assert b["operations"] == pytest.approx(2_000.0)
    assert r["monthly_cost_usd"] == pytest.approx(6_060.1244038)


def test_rag_vector_store_above_its_minimum(make_scenario, catalog):
    ev = evaluate(make_scenario(), catalog)
    # Above the minimum the store costs storage + writes + reads: 0.122 + 0.048808 + 2.5e-6 x q.
    q = 100e6
    assert float(ev.setups["rag"].curve.breakdown(q)["vector_store"]) == pytest.approx(0.122 + 0.048808 + 250.0)


def test_fine_tuned_api_by_hand(make_scenario, catalog):
    r = evaluate(make_scenario(), catalog).to_dict()["setups"]["fine_tuned"]
    b = r["cost_breakdown_usd"]
    # fine-tuned inference: (100 system + 100 query) x $0.2/M; 200 output x $0.4/M
    assert b["input_tokens"] == pytest.approx(40.0)
    assert b["output_tokens"] == pytest.approx(80.0)
    # training: 1,000 examples x 500 tokens x 2 epochs x $1/M = $1 per run, every 4 months: over the
    # 10-month horizon runs at months 4 and 8 (floor(9 / 4) = 2), $2 / 10 months
    assert b["retraining"] == pytest.approx(0.2)
    # one-time: 20 days x $1,000 + $1 first training + 1,000 x $2 labelling
    assert r["one_time_cost_usd"] == pytest.approx(22_001.0)
    assert r["one_time_breakdown_usd"] == {"first_training": 1.0, "labelling": 2_000.0, "building": 20_000.0}
    assert r["monthly_cost_usd"] == pytest.approx(40 + 80 + 0.2 + 2_000 + 2_200.1)


def test_hybrid_by_hand(make_scenario, catalog):
    r = evaluate(make_scenario(), catalog).to_dict()["setups"]["hybrid"]
    b = r["cost_breakdown_usd"]
    # (100 system + 2 x 500 chunks + 100 query) x $0.2/M
    assert b["input_tokens"] == pytest.approx(240.0)
    assert b["query_embeddings"] == pytest.approx(10.0)
    assert b["vector_store"] == pytest.approx(50.0)
    assert r["one_time_cost_usd"] == pytest.approx(30_000 + 1 + 2_000 + 0.744038, rel=1e-12)
    # retraining $1 per run at months 4 and 8 of 10: $0.20 a month
    assert r["monthly_cost_usd"] == pytest.approx(240 + 80 + 10 + 50 + 0.05 + 0.2 + 3_000 + 3_200.1744038)


def test_break_even_by_hand(make_scenario, catalog):
    d = evaluate(make_scenario(), catalog).to_dict()
    pair = next(b for b in d["break_even"] if (b["a"], b["b"]) == ("prompt_only", "fine_tuned"))
    # prompt-only: 1,500 + 1.6e-3 q; fine-tuned: 4,200.30 + 1.2e-4 q (retraining $0.20 a month)
    #   ->  q = 2,700.30 / 1.48e-3
    assert pair["queries_per_month"] == pytest.approx(2_700.30 / 1.48e-3, rel=1e-9)
    assert pair["cheaper_at_low_volume"] == "prompt_only"
    never = next(b for b in d["break_even"] if (b["a"], b["b"]) == ("prompt_only", "rag"))
    assert never["queries_per_month"] is None and never["crossings"] == []


def test_batch_discount_applies_to_the_batchable_share(make_scenario, catalog):
    s = make_scenario(**{"workload.batch_share": 0.4, "overrides.llm.mistral-small-2603.prices.batch_discount": 0.5})
    b = evaluate(s, catalog).to_dict()["setups"]["prompt_only"]["cost_breakdown_usd"]
    # 40% of traffic at half price: x (1 - 0.4 x 0.5) = x 0.8
    assert b["input_tokens"] == pytest.approx(1_100.0 * 0.8)
    assert b["output_tokens"] == pytest.approx(400.0 * 0.8)


def test_cache_write_price_is_charged_on_misses(make_scenario, catalog):
    s = make_scenario(**{
        "prompt_only.model.name": "claude-haiku-4-5",
        "overrides.tokenizer.claude.ratio": 1.0,
        "overrides.llm.claude-haiku-4-5.prices.input_usd_per_mtok": 1.0,
        "overrides.llm.claude-haiku-4-5.prices.cache_write_usd_per_mtok": 1.25,
        "overrides.llm.claude-haiku-4-5.prices.cached_input_usd_per_mtok": 0.1,
        "overrides.llm.claude-haiku-4-5.prices.min_cacheable_prefix_tokens": 1024,
    })
    b = evaluate(s, catalog).to_dict()["setups"]["prompt_only"]["cost_breakdown_usd"]
    # 100 query tokens at $1/M + 2,000 prefix x 0.5 misses x $1.25/M write price
    assert b["input_tokens"] == pytest.approx(100 + 1_250.0)


def test_reasoning_tokens_are_billed_as_output(make_scenario, catalog):
    s = make_scenario(**{"workload.reasoning_tokens": 300})
    r = evaluate(s, catalog).to_dict()["setups"]["prompt_only"]
    assert r["cost_breakdown_usd"]["output_tokens"] == pytest.approx((200 + 300) * 2.0)
    assert r["output_tokens_per_query"] == pytest.approx(500)


def test_api_latency_by_hand(make_scenario, catalog):
    # No cache hits here: a hit reads the prefix faster (tests/test_latency_rules.py, issue 12.12).
    s = make_scenario(**{"overrides.llm.mistral-small-2603.latency.ttft_ms": 500, "prompt_only.cache_hit_rate": 0.0,
                         "overrides.defaults.workload.api_ttft_p95_over_p50": 1.0,
                         "overrides.llm.mistral-small-2603.latency.prefill_tokens_per_s": 10_000,
                         "overrides.llm.mistral-small-2603.latency.output_tokens_per_s": 100})
    r = evaluate(s, catalog).to_dict()["setups"]["prompt_only"]
    # length spread 0: 500 ms + 2,100 prompt tokens / 10,000 per s + 200 tokens / 100 per s
    assert r["latency_ms"]["p50"] == pytest.approx(500 + 210 + 2_000)
    assert r["latency_ms"]["p95"] == pytest.approx(500 + 210 + 2_000)
    # With the default spread of time to first token, p95 = p50 + the TTFT median x (2 - 1).
    s = make_scenario(**{"overrides.llm.mistral-small-2603.latency.ttft_ms": 500, "prompt_only.cache_hit_rate": 0.0,
                         "overrides.llm.mistral-small-2603.latency.prefill_tokens_per_s": 10_000,
                         "overrides.llm.mistral-small-2603.latency.output_tokens_per_s": 100})
    r = evaluate(s, catalog).to_dict()["setups"]["prompt_only"]
    assert r["latency_ms"]["p50"] == pytest.approx(2_710, rel=0.01)
    assert r["latency_ms"]["p95"] == pytest.approx(2_710 + 500, rel=0.01)


def test_every_setup_reports_every_part_and_sums(catalog):
    from simulator.scenario import load_scenario
    for path in SHIPPED_SCENARIOS:
        d = evaluate(load_scenario(path, catalog), catalog).to_dict()
        for name, s in d["setups"].items():
            assert s["feasible"], (path, name, s["warnings"])
            assert list(s["cost_breakdown_usd"]) == list(PARTS)
            assert s["monthly_cost_usd"] == pytest.approx(sum(s["cost_breakdown_usd"].values()))


def test_scalar_and_vector_calls_agree(make_scenario, catalog):
    ev = evaluate(make_scenario(), catalog)
    volumes = np.geomspace(1, 1e12, 50)
    for name in ev.feasible:
        vector = ev.monthly_cost(name, volumes)
        scalar = np.array([float(ev.monthly_cost(name, v)) for v in volumes])
        np.testing.assert_allclose(vector, scalar, rtol=1e-12)
