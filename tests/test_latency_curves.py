"""Latency as the prompt grows and under load: hand computations, agreement with the cost model."""


import numpy as np
import pytest

from simulator.model.evaluate import evaluate
from simulator.analysis.latency_curves import (latency_figures, latency_vs_prompt_size, latency_warnings,
                                      self_hosted_latency_vs_load)
from simulator.scenario import load_scenario
from conftest import SHIPPED_SCENARIOS


API = {  # HAND's mistral-small-2603 with round latency figures and no TTFT spread
    "overrides.llm.mistral-small-2603.latency.ttft_ms": 500,
    "overrides.defaults.workload.api_ttft_p95_over_p50": 1.0,
    "overrides.llm.mistral-small-2603.latency.prefill_tokens_per_s": 10_000,
    "overrides.llm.mistral-small-2603.latency.output_tokens_per_s": 100,
}
RETRIEVAL = {  # 100 ms to embed, 20 ms to search at any corpus size, no spread
    "overrides.embedding.text-embedding-3-small.latency.query_ms_p50": 100,
    "overrides.embedding.text-embedding-3-small.latency.query_ms_p95": 100,
    "overrides.vector_store.pinecone-serverless.latency.query_ms_p50_at_1m": 20,
    "overrides.vector_store.pinecone-serverless.latency.query_ms_p95_at_1m": 20,
    "overrides.vector_store.pinecone-serverless.latency.growth_per_10x_vectors": 1.0,
}
SELF_HOSTED = {  # Llama 3.1 8B on one H100 with round figures
    "fine_tuned.model": {"name": "llama-3.1-8b", "gpu": "h100-sxm", "max_batch": 16, "target_utilisation": 0.5},
    "overrides.open_model.llama-3.1-8b.architecture.parameters_billion": 8.0,
    "overrides.gpu.h100-sxm.spec.peak_bf16_tflops": 1000,
    "overrides.gpu.h100-sxm.spec.memory_bandwidth_tb_per_s": 2.0,
    "overrides.gpu.h100-sxm.spec.memory_gb": 80,
    "overrides.defaults.serving.flops_efficiency": 0.5,
    "overrides.defaults.serving.bandwidth_efficiency": 0.8,
    "overrides.defaults.serving.gpu_memory_utilisation": 0.9,
}

# The hand roofline for SELF_HOSTED: 8e9 parameters x 2 bytes = 16e9 bytes of weights; KV cache
# 2 x 32 layers x 8 KV heads x 128 x 2 bytes = 131,072 bytes per token; 1e15 x 0.5 FLOP/s and
# 2e12 x 0.8 bytes/s achievable.
WEIGHTS, KV, FLOPS, BANDWIDTH = 16e9, 131_072, 1e15 * 0.5, 2e12 * 0.8


def step_ms(batch, context, prompt=200, output=200, extra=0.0):
    """One chunked-prefill step (serving.chunked_step) by hand: ``batch`` decode tokens over
    ``context``, plus ``batch x prompt / output`` prompt tokens (``batch / output`` prompts), plus one
    more prompt of ``extra`` tokens (the step that carries a query's own prompt)."""
    prompts = batch / output
    compute = (2 * 8e9 * (batch + prompts * prompt + extra) + 4 * 32 * 4096 * batch * context
               + 2 * 32 * 4096 * (prompts * prompt**2 + extra**2)) / FLOPS
    memory = (WEIGHTS + (batch * context + prompts * prompt + extra) * KV) / BANDWIDTH
    return max(memory, compute) * 1e3


def little_batch(rate, context, prompt=200, output=200):
    """Sequences decoding at once at ``rate`` queries/s: b = rate x output x step(b), on the memory
    roofline (M0 = weights / bandwidth, m = (context + prompt / output) x KV / bandwidth)."""
    a, m0, m = rate * output / 1e3, WEIGHTS / BANDWIDTH * 1e3, (context + prompt / output) * KV / BANDWIDTH * 1e3
    b = a * m0 / (1 - a * m)
    assert step_ms(b, context, prompt, output) == pytest.approx(m0 + m * b)  # memory-bound indeed
    return b


def test_api_latency_grows_with_the_prompt_by_hand(make_scenario, catalog):
    # No cache hits: a hit reads the prefix faster (tests/test_latency_rules.py)
    ev = evaluate(make_scenario(**API, **{"prompt_only.cache_hit_rate": 0.0}), catalog)
    curve = latency_vs_prompt_size(ev, "prompt_only", np.array([0, 1000, 10_000]))
    # 500 ms + (2,000 prefix + 100 query + E) tokens / 10,000 per s + 200 tokens / 100 per s
    expected = [500 + (2100 + e) / 10_000 * 1e3 + 2_000 for e in (0, 1000, 10_000)]
    np.testing.assert_allclose(curve.p50, expected)
    np.testing.assert_allclose(curve.p95, expected)  # length spread 0, TTFT spread 0
    np.testing.assert_allclose(curve.parts_p95["time_to_first_token"], [710, 810, 1_710])
    np.testing.assert_allclose(curve.parts_p95["generation"], 2_000)
    np.testing.assert_allclose(curve.parts_p95["retrieval"], 0)
    assert curve.fits.all()


def test_rag_latency_adds_retrieval_by_hand(make_scenario, catalog):
    ev = evaluate(make_scenario(**API, **RETRIEVAL), catalog)
    curve = latency_vs_prompt_size(ev, "rag", 500)
    # 120 ms retrieval + 500 ms + (500 system + 4 x 500 chunks + 100 query + 500) / 10,000 per s + 2,000 ms
    assert float(curve.p95) == pytest.approx(120 + 500 + 310 + 2_000)
    assert float(curve.parts_p50["retrieval"]) == pytest.approx(120)


def test_self_hosted_latency_grows_with_the_prompt_by_hand(make_scenario, catalog):
    ev = evaluate(make_scenario(**SELF_HOSTED), catalog)
    assert ev.setups["fine_tuned"].feasible, ev.setups["fine_tuned"].problems
    curve = latency_vs_prompt_size(ev, "fine_tuned", np.array([0, 1000]))
    # 100 system + 100 query (+ E) prompt tokens, 200 output; 16 sequences fit (max_batch). The
    # replica's capacity: 16 queries per 200 steps of 16 sequences at the mid-answer context of
    # 300 (+ E) tokens. The scenario's peak, 1M queries/month x 2 / 2,628,000 s = 0.761 queries/s,
    # is below half of it (the 50% target utilisation), so one replica serves it and Little's law at
    # that rate gives the sequences decoding together; they decode over the whole context of 400 (+ E).
    peak = 1e6 * 2 / 2_628_000
    for i, e in enumerate((0, 1000)):
        capacity = 16 * 1e3 / (200 * step_ms(16, 300 + e, prompt=200 + e))
        assert peak < 0.5 * capacity
        batch = little_batch(peak, 300 + e, prompt=200 + e)
        assert curve.batch[i] == pytest.approx(batch)
        step = step_ms(batch, 400 + e, prompt=200 + e)
        ttft = step_ms(batch, 400 + e, prompt=200 + e, extra=200 + e)  # the step carrying the prompt
        assert curve.parts_p95["time_to_first_token"][i] == pytest.approx(ttft)
        assert curve.parts_p95["generation"][i] == pytest.approx(200 * step)
        assert curve.p95[i] == pytest.approx(ttft + 200 * step)
    assert 1 <= curve.batch[0] < 8  # fewer than half the slots: a fuller batch would outpace the arrivals
    # The step carrying a 200-token prompt sits on the memory roofline, one carrying 1,200 on compute.
    b0 = float(curve.batch[0])
    assert step_ms(b0, 400, extra=200) == pytest.approx((WEIGHTS + (b0 * 401 + 200) * KV) / BANDWIDTH * 1e3)
    assert step_ms(b0, 400, extra=1200) > (WEIGHTS + (b0 * 401 + 1200) * KV) / BANDWIDTH * 1e3


def test_self_hosted_latency_under_load_by_hand(make_scenario, catalog):
    ev = evaluate(make_scenario(**SELF_HOSTED), catalog)
    curve = self_hosted_latency_vs_load(ev, "fine_tuned", np.array([0.25, 0.5, 1.0]))
    # Capacity (the cost model's): 16 sequences, 200 chunked steps per query at the mid-answer
    # context of 100 + 100 + 200 / 2 = 300 tokens, each step also prefilling 16 x 200 / 200 = 16
    # prompt tokens.
    capacity = 16 * 1e3 / (200 * step_ms(16, 300))
    assert curve.capacity_queries_per_s == pytest.approx(capacity)
    np.testing.assert_allclose(curve.queries_per_s, [0.25 * capacity, 0.5 * capacity, capacity])
    # Little's law below full load; at full load the queue keeps all 16 slots busy.
    batches = [little_batch(0.25 * capacity, 300), little_batch(0.5 * capacity, 300), 16]
    np.testing.assert_allclose(curve.batch, batches)
    assert batches[0] < 4 and batches[1] < 8
    # M/M/1 mean wait u / (1 - u) x 1 / capacity, capped at 99 x at full load
    waits = [0.25 / 0.75 * 1e3 / capacity, 1.0 * 1e3 / capacity, 99 * 1e3 / capacity]
    np.testing.assert_allclose(curve.queue_wait_ms, waits)
    for i, batch in enumerate(batches):
        step, first = step_ms(batch, 400), step_ms(batch, 400, extra=200)
        assert curve.parts_p50["time_to_first_token"][i] == pytest.approx(first + waits[i])
        assert curve.p50[i] == pytest.approx(first + waits[i] + 200 * step)
    assert curve.target_utilisation == 0.5
    # At the scenario's peak load, generation is the cost model's; time to first token adds the wait.
    u = ev.setups["fine_tuned"].details["peak_load"]
    at_peak, reported = self_hosted_latency_vs_load(ev, "fine_tuned", np.array([u])), ev.setups["fine_tuned"].latency
    assert curve.parts_p95["generation"][1] > at_peak.parts_p95["generation"][0]  # u < 50%: smaller batches
    assert at_peak.parts_p95["generation"][0] == pytest.approx(reported.parts_p95["generation"])
    assert at_peak.parts_p95["time_to_first_token"][0] == pytest.approx(
        reported.parts_p95["time_to_first_token"] + at_peak.queue_wait_ms[0])




@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_no_extra_tokens_reproduce_the_cost_model(path, catalog):
    ev = evaluate(load_scenario(path, catalog), catalog)
    for name in ev.feasible:
        want = ev.setups[name].latency
        got = latency_vs_prompt_size(ev, name, 0)
        assert float(got.p50) == pytest.approx(want.p50, rel=1e-9, abs=1e-9), name
        assert float(got.p95) == pytest.approx(want.p95, rel=1e-9, abs=1e-9), name
        for part in want.parts_p95:
            assert float(got.parts_p50[part]) == pytest.approx(want.parts_p50[part], rel=1e-9, abs=1e-9)
            assert float(got.parts_p95[part]) == pytest.approx(want.parts_p95[part], rel=1e-9, abs=1e-9)


def test_hand_scenarios_reproduce_the_cost_model(make_scenario, catalog):
    for changes in ({}, {**API, **RETRIEVAL}, SELF_HOSTED, {**SELF_HOSTED, "workload.length_cv": 0.8}):
        ev = evaluate(make_scenario(**changes), catalog)
        for name in ev.feasible:
            got = latency_vs_prompt_size(ev, name, np.zeros(3))
            np.testing.assert_allclose(got.p50, ev.setups[name].latency.p50, rtol=1e-9)
            np.testing.assert_allclose(got.p95, ev.setups[name].latency.p95, rtol=1e-9)


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_latency_grows_with_prompt_and_load(path, catalog):
    ev = evaluate(load_scenario(path, catalog), catalog)
    extra = np.linspace(0, 50_000, 26)
    for name in ev.feasible:
        curve = latency_vs_prompt_size(ev, name, extra)
        assert curve.fits.all()
        assert np.all(np.diff(curve.parts_p95["time_to_first_token"]) > 0)
        if curve.batch is None:
            assert np.all(np.diff(curve.p95) > 0) and np.all(np.diff(curve.p50) > 0), name
        else:
            # Longer sequences: latency grows, except where fewer of them fit in memory and the
            # cost model's replicas decode fewer at once (below full load, longer steps keep more
            # sequences in flight: Little's law).
            same = np.diff(curve.batch) >= 0
            assert np.all(np.diff(curve.p95)[same] > 0) and np.all(np.diff(curve.p50)[same] > 0), name
        if ev.setups[name].hosting == "api":
            with pytest.raises(ValueError, match="served by an API; its latency under load is the provider's"):
                self_hosted_latency_vs_load(ev, name, 0.5)
            continue
        load = self_hosted_latency_vs_load(ev, name, np.linspace(0.05, 0.95, 19))
        assert np.all(np.diff(load.p95) > 0) and np.all(np.diff(load.p50) > 0), name
        assert np.all(np.diff(load.queries_per_s) > 0) and np.all(np.diff(load.batch) >= 0)
        assert np.all(np.diff(load.queue_wait_ms) > 0)


@pytest.mark.parametrize("setup", ["prompt_only", "fine_tuned"])
def test_extra_tokens_equal_a_longer_query(setup, make_scenario, catalog):
    # Without length spread, E extra prompt tokens are E more query tokens in the cost model.
    changes = {**API, **SELF_HOSTED, "fine_tuned.model.max_batch": 64}
    extra = np.array([0, 1_000, 20_000, 60_000])
    curve = latency_vs_prompt_size(evaluate(make_scenario(**changes), catalog), setup, extra)
    batches = set()
    for i, e in enumerate(extra):
        longer = evaluate(make_scenario(**changes, **{"workload.query": {"tokens": 100 + int(e)}}), catalog)
        want = longer.setups[setup].latency
        assert curve.p95[i] == pytest.approx(want.p95, rel=1e-9)
        assert curve.parts_p50["time_to_first_token"][i] == pytest.approx(want.parts_p50["time_to_first_token"], rel=1e-9)
        if setup == "fine_tuned":
            batches.add(longer.setups[setup].details["batch"])
            assert curve.batch[i] == pytest.approx(float(latency_vs_prompt_size(longer, setup, 0).batch), rel=1e-9)
    assert setup == "prompt_only" or len(batches) > 1  # memory limits the batch somewhere in range


def test_scalar_and_array_calls_agree(make_scenario, catalog):
    ev = evaluate(make_scenario(**SELF_HOSTED, **{"workload.length_cv": 0.8}), catalog)
    extra = np.array([0.0, 300.0, 4_000.0])
    for name in ev.feasible:
        vector = latency_vs_prompt_size(ev, name, extra)
        assert vector.p95.shape == (3,)
        for i, e in enumerate(extra):
            scalar = latency_vs_prompt_size(ev, name, e)
            assert scalar.p95.shape == ()
            assert float(scalar.p95) == pytest.approx(vector.p95[i], rel=1e-12)
            assert float(scalar.parts_p50["generation"]) == pytest.approx(vector.parts_p50["generation"][i], rel=1e-12)
    loads = np.array([[0.1, 0.4], [0.7, 0.9]])
    grid = self_hosted_latency_vs_load(ev, "fine_tuned", loads)
    assert grid.p95.shape == (2, 2) and grid.batch.shape == (2, 2)
    for idx in np.ndindex(2, 2):
        one = self_hosted_latency_vs_load(ev, "fine_tuned", loads[idx])
        assert float(one.p95) == pytest.approx(grid.p95[idx], rel=1e-12)
        assert float(one.queries_per_s) == pytest.approx(grid.queries_per_s[idx], rel=1e-12)


def test_prompts_beyond_the_context_window_do_not_fit(make_scenario, catalog):
    ev = evaluate(make_scenario(**API), catalog)
    # mistral-small-2603 holds 128,000 tokens; the query needs 2,300 with its answer.
    window = ev.setups["prompt_only"].details["context_window_tokens"]
    curve = latency_vs_prompt_size(ev, "prompt_only", np.array([0, window - 2_300, window]))
    assert curve.fits.tolist() == [True, True, False]
    assert np.isnan(curve.p95[2]) and np.isfinite(curve.p95[1])


def test_bad_requests_are_refused(make_scenario, catalog):
    ev = evaluate(make_scenario(**{"fine_tuned.model": {"name": "llama-3.3-70b", "gpu": "l40s"}}), catalog)
    with pytest.raises(ValueError, match="fine_tuned is infeasible: llama-3.3-70b does not fit"):
        latency_vs_prompt_size(ev, "fine_tuned", 0)
    with pytest.raises(ValueError, match="infeasible"):
        self_hosted_latency_vs_load(ev, "fine_tuned", 0.5)
    with pytest.raises(ValueError, match="unknown setup"):
        latency_vs_prompt_size(ev, "nope", 0)
    with pytest.raises(ValueError, match="not negative"):
        latency_vs_prompt_size(ev, "prompt_only", -1)
    ev = evaluate(make_scenario(**SELF_HOSTED), catalog)
    for bad in (0, 1.5, float("nan")):
        with pytest.raises(ValueError, match=r"\(0, 1\]"):
            self_hosted_latency_vs_load(ev, "fine_tuned", bad)


def test_assumed_latency_figures_are_named(make_scenario, catalog):
    ev = evaluate(make_scenario(), catalog)
    figures = latency_figures(ev, "prompt_only")
    assert figures["llm.mistral-small-2603.latency.prefill_tokens_per_s"].is_assumption
    assert not any(".prices." in key or "people" in key for key in figures)
    notes = latency_warnings(ev, "prompt_only")
    assert any("mistral-small-2603's prefill speed (API model)" in n and "assumption" in n for n in notes)
    # An overridden figure is no longer an assumption.
    ev = evaluate(make_scenario(**API), catalog)
    assert not any("prefill speed" in n for n in latency_warnings(ev, "prompt_only"))
