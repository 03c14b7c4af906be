"""Latency rules of issue 12 (items 4, 12, 13), each pinned by a hand computation.

- Thinking is generated before the first visible token: its time is in time to first token, and
  generation is the answer's alone (issue 12.4). Sources on billing and order: Claude's thinking
  blocks arrive "ahead of the response" (https://platform.claude.com/docs/en/build-with-claude/thinking);
  OpenAI's reasoning tokens are produced before the visible answer (https://platform.openai.com/docs/guides/reasoning).
- A cache hit skips most of the prefill: OpenAI's prompt caching guide says caching "can reduce latency
  by up to 80%" (https://developers.openai.com/docs/guides/prompt-caching); the catalog's
  ``defaults.workload.cached_prefill_time_share`` (0.2) is that bound read as a cached token's share.
- A TTFT figure records the prompt length it was measured at (``ttft_prompt_tokens``); only the prompt
  beyond it adds prefill time at the model's prefill rate.
- claude-haiku-4-5 streams about 97 tokens/s (lmspeed.net, 30 tests), not the reasoning variant's 53.
"""

import numpy as np
import pytest

from simulator.model import latency as lat
from simulator.model.evaluate import evaluate

N = 1000


def api_inputs(*, static=1000.0, dynamic=100.0, answer=200.0, reasoning=0.0, hit_rate=0.0, cached=0.0,
               ttft_prompt=0.0, share=1.0, ttft_ms=500.0):
    timing = lat.ApiTiming(ttft_draws=np.full(N, ttft_ms), prefill_tokens_per_s=10_000, output_tokens_per_s=100,
                           ttft_prompt_tokens=ttft_prompt, cached_prefill_time_share=share)
    return lat.LatencyInputs(
        static_tokens=static, dynamic_draws=np.full(N, dynamic), dynamic_tokens=dynamic,
        output_draws=np.full(N, answer + reasoning), output_tokens=answer + reasoning, retrieval_draws=np.zeros(N),
        hit_rate=hit_rate, ratio=1.0, timing=timing, reasoning_tokens=reasoning, cached_prefix_tokens=cached)


def test_thinking_time_is_in_time_to_first_token_once():
    """500 ms + 1,100 prompt tokens / 10,000 per s = 610 ms, + 300 thinking tokens / 100 per s = 3,000 ms:
    TTFT 3,610 ms. Generation: the 200-token answer alone, 200 / 100 per s = 2,000 ms. Total 5,610 ms."""
    parts, _ = lat.latency_parts(api_inputs(reasoning=300))
    assert parts["time_to_first_token"] == pytest.approx(np.full(N, 500 + 110 + 3_000))
    assert parts["generation"] == pytest.approx(np.full(N, 2_000))
    assert lat.summarise(parts).p50 == pytest.approx(5_610)


def test_only_the_prompt_beyond_the_measured_length_adds_prefill():
    """Measured at 1,000 tokens: a 1,100-token prompt adds 100 / 10,000 per s = 10 ms; a 600-token
    prompt adds nothing (the figure already holds a longer prompt's prefill)."""
    parts, _ = lat.latency_parts(api_inputs(ttft_prompt=1_000))
    assert parts["time_to_first_token"] == pytest.approx(np.full(N, 510))
    parts, _ = lat.latency_parts(api_inputs(static=500, ttft_prompt=1_000))
    assert parts["time_to_first_token"] == pytest.approx(np.full(N, 500))


def test_a_cache_hit_reads_the_prefix_at_the_cached_share():
    """10,000-token prefix, all of it cached, 100 query tokens, cached share 0.2.
    Hit: 10,000 x 0.2 + 100 = 2,100 tokens / 10,000 per s = 210 ms; TTFT 710 ms.
    Miss: 10,100 tokens = 1,010 ms; TTFT 1,510 ms. At a 30% hit rate, 300 of 1,000 draws hit."""
    parts, _ = lat.latency_parts(api_inputs(static=10_000, hit_rate=1.0, cached=10_000, share=0.2))
    assert parts["time_to_first_token"] == pytest.approx(np.full(N, 710))
    parts, _ = lat.latency_parts(api_inputs(static=10_000, hit_rate=0.3, cached=10_000, share=0.2))
    ttft = parts["time_to_first_token"]
    assert np.sum(np.isclose(ttft, 710)) == 300 and np.sum(np.isclose(ttft, 1_510)) == 700
    # A hit cannot read more than the provider caches: 8,192 of 10,000 (e.g. OpenAI's 128-token steps).
    parts, _ = lat.latency_parts(api_inputs(static=10_000, hit_rate=1.0, cached=8_192, share=0.2))
    assert parts["time_to_first_token"] == pytest.approx(np.full(N, 500 + (1_808 + 8_192 * 0.2 + 100) / 10))


def test_scalar_and_monte_carlo_draws_agree():
    """Draws of shape (draws, 1) for the TTFT: each row gives the scalar answer."""
    inp = api_inputs(static=10_000, hit_rate=0.5, cached=10_000, share=0.2, reasoning=100)
    scalar, _ = lat.latency_parts(inp)
    timing = lat.ApiTiming(ttft_draws=np.full((3, N), 500.0), prefill_tokens_per_s=10_000, output_tokens_per_s=100,
                           cached_prefill_time_share=0.2)
    rows, _ = lat.latency_parts(lat.LatencyInputs(**{**inp.__dict__, "timing": timing}))
    for k in scalar:
        assert np.allclose(np.broadcast_to(rows[k], (3, N)), scalar[k])


def test_self_hosted_thinking_decodes_before_the_first_visible_token(make_scenario, catalog):
    """Self-hosted: the 300 thinking tokens take 300 decode steps inside TTFT; generation is the answer's
    200 steps. So TTFT(with thinking) - TTFT(without) = 300 x step and generation = 200 x step."""
    from simulator.model.setups import Context, build_setup
    s0 = make_scenario(**{"fine_tuned.model.name": "llama-3.1-8b", "fine_tuned.model.gpu": "l40s"})
    base = build_setup(Context(s0, catalog), "fine_tuned").latency_inputs
    think = lat.LatencyInputs(**{**base.__dict__, "output_draws": base.output_draws + 300,
                                 "output_tokens": base.output_tokens + 300, "reasoning_tokens": 300.0})
    p_think, _ = lat.latency_parts(think)
    p_base, _ = lat.latency_parts(lat.LatencyInputs(**{**think.__dict__, "reasoning_tokens": 0.0}))
    step = p_base["generation"][0] / 500  # without the split, all 500 output tokens are generation
    assert p_think["time_to_first_token"][0] - p_base["time_to_first_token"][0] == pytest.approx(300 * step)
    assert p_think["generation"][0] == pytest.approx(200 * step)


def test_evaluate_puts_a_cached_prefix_and_thinking_in_time_to_first_token(make_scenario, catalog):
    """HAND's prompt-only (mistral-small-2603: optional reasoning, billed when asked), 2,000-token prefix
    at a 100% hit rate, 100 query tokens, 300 reasoning tokens; TTFT 500 ms measured at 0 tokens, prefill
    10,000 tokens/s, output 100 tokens/s, cached share 0.2, no TTFT spread:
    TTFT = 500 + (2,000 x 0.2 + 100) / 10 + 300 / 100 x 1,000 = 500 + 50 + 3,000 = 3,550 ms;
    generation = 200 / 100 x 1,000 = 2,000 ms."""
    s = make_scenario(**{"prompt_only.cache_hit_rate": 1.0, "workload.reasoning_tokens": 300,
                         "overrides.llm.mistral-small-2603.latency.ttft_ms": 500,
                         "overrides.llm.mistral-small-2603.latency.ttft_prompt_tokens": 0,
                         "overrides.defaults.workload.api_ttft_p95_over_p50": 1.0,
                         "overrides.defaults.workload.cached_prefill_time_share": 0.2,
                         "overrides.llm.mistral-small-2603.latency.prefill_tokens_per_s": 10_000,
                         "overrides.llm.mistral-small-2603.latency.output_tokens_per_s": 100})
    r = evaluate(s, catalog).to_dict()["setups"]["prompt_only"]
    assert r["latency_parts_ms"]["p50"]["time_to_first_token"] == pytest.approx(3_550)
    assert r["latency_parts_ms"]["p50"]["generation"] == pytest.approx(2_000)


def test_haiku_speed_is_the_non_reasoning_measurement(catalog):
    """lmspeed.net: Claude Haiku 4.5 at 97 tokens/s over 30 tests; the 53 tokens/s page was about its
    reasoning variant (issue 12.13)."""
    speed = catalog.llm["claude-haiku-4-5"].latency.output_tokens_per_s
    assert speed.value == 97 and "lmspeed.net" in speed.source


def test_every_curated_ttft_states_its_prompt_length(catalog):
    for key, m in catalog.llm.items():
        assert m.latency.ttft_prompt_tokens is not None, key


def test_reasoning_models_ttft_excludes_thinking(catalog):
    """Thinking time now comes from reasoning_tokens: a default_on model's TTFT figure must not hold it
    too. The gpt-5 family's 2-3 s assumptions and Gemini 2.5 Pro's 6,065 ms included thinking."""
    for key in ("gpt-5", "gpt-5-mini", "gpt-5.6-terra", "gemini-2.5-pro"):
        assert catalog.llm[key].latency.ttft_ms.value <= 1_000, key


def test_peak_load_is_the_share_of_capacity_the_bought_replicas_serve_in_the_peak_hour():
    """Capacity 10 queries/s per replica, target 60%: one replica carries 6/s. At a peak of 3/s,
    1 replica at 3 / 10 = 30% load; at 30/s, ceil(30 / 6) = 5 replicas at 30 / 50 = 60%; at 36/s,
    6 replicas at 60%; 3/s with min_replicas 4: 3 / 40 = 7.5%; min_replicas 0 still buys one."""
    assert lat.peak_load(3.0, 10.0, 0.6, 1) == pytest.approx(0.30)
    assert lat.peak_load(30.0, 10.0, 0.6, 1) == pytest.approx(0.60)
    assert lat.peak_load(36.0, 10.0, 0.6, 1) == pytest.approx(0.60)
    assert lat.peak_load(3.0, 10.0, 0.6, 4) == pytest.approx(0.075)
    assert lat.peak_load(3.0, 10.0, 0.6, 0) == pytest.approx(0.30)
    assert lat.peak_load(np.array([3.0, 30.0]), 10.0, 0.6, 1) == pytest.approx([0.30, 0.60])


def test_a_self_hosted_setup_reports_latency_at_its_peak_load_not_at_the_target(make_scenario, catalog):
    """A replica serving a small volume decodes fewer sequences at once than at its target
    utilisation, so its reported latency is the load curve's value at the peak load it runs at."""
    from simulator.model.setups import Context, build_setup
    s = make_scenario(**{"fine_tuned.model.name": "llama-3.1-8b", "fine_tuned.model.gpu": "l40s"})
    built = build_setup(Context(s, catalog), "fine_tuned")
    u = built.details["peak_load"]
    timing = built.latency_inputs.timing
    # HAND: 1M queries/month x peak 2 / 2,628,000 s (730 h) = 0.761 queries/s at peak
    assert timing.peak_queries_per_s == pytest.approx(1_000_000 * 2 / 2_628_000)
    assert u == pytest.approx(timing.peak_queries_per_s / built.details["queries_per_s_per_replica"] * timing.utilisation)
    assert 0 < u < timing.utilisation
    at_u, _ = lat.latency_parts(built.latency_inputs, load=u)
    at_target, _ = lat.latency_parts(built.latency_inputs, load=timing.utilisation)
    assert built.latency.p50 == pytest.approx(lat.summarise(at_u).p50)
    assert built.latency.p50 < lat.summarise(at_target).p50
