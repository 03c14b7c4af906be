"""Self-hosted serving roofline: published reference, hand computations, vectorization."""

import numpy as np
import pytest

from pricing.provenance import FigureRecorder
from simulator.model.serving import (Architecture, Hardware, chunked_step, concurrent_sequences, decode_ms_per_step,
                                     max_batch_in_memory, prefill_ms, replica_performance, serve_estimate)


def test_llm_analysis_llama_7b_on_a100(catalog):
    # cli99/llm-analysis, examples/llama outputs: LLaMA-7B fp16 on A100-80GB SXM, batch 1,
    # 512-token prompt, flops efficiency 0.7, bandwidth efficiency 0.9 -> prefill 31.89 ms,
    # 7.48 ms per decoded token.
    r = serve_estimate(FigureRecorder(catalog), "llama-7b", "a100-80gb-sxm", batch=1, prompt_tokens=512,
                       flops_efficiency=0.7, bandwidth_efficiency=0.9)
    assert r["prefill_ms"] == pytest.approx(31.89, rel=0.05)
    assert r["decode_ms_per_token"] == pytest.approx(7.48, rel=0.05)
    # And in fact within 1%.
    assert r["prefill_ms"] == pytest.approx(31.89, rel=0.01)
    assert r["decode_ms_per_token"] == pytest.approx(7.48, rel=0.01)


def test_decode_step_by_hand(catalog):
    arch = Architecture.from_catalog(catalog.get("open_model", "llama-3.1-8b"), FigureRecorder(catalog))
    hw = Hardware.from_catalog(catalog.get("gpu", "h100-sxm"), FigureRecorder(catalog))
    # weights 8.03e9 x 2 B = 16.06 GB; KV per token 2 x 32 layers x 8 heads x 128 x 2 B = 131,072 B
    assert arch.kv_bytes_per_token == 131_072
    # batch 8 x 1,024 tokens of KV = 1.0737 GB; bandwidth 3.35e12 x 0.8
    expected_ms = (16.06e9 + 8 * 1024 * 131_072) / (3.35e12 * 0.8) * 1e3
    assert float(decode_ms_per_step(arch, hw, 8, 1024, 1, 0.7, 0.8)) == pytest.approx(expected_ms)
    # tokens/s per GPU = batch x 1000 / step
    r = serve_estimate(FigureRecorder(catalog), "llama-3.1-8b", "h100-sxm", batch=8, prompt_tokens=2048, context_tokens=1024,
                       bandwidth_efficiency=0.8)
    assert r["tokens_per_s_per_gpu"] == pytest.approx(8 * 1000 / expected_ms)


def test_prefill_by_hand(catalog):
    arch = Architecture.from_catalog(catalog.get("open_model", "llama-3.1-8b"), FigureRecorder(catalog))
    hw = Hardware.from_catalog(catalog.get("gpu", "h100-sxm"), FigureRecorder(catalog))
    # 2 x 8.03e9 x 4 x 2,048 linear + 2 x 32 x 4,096 x 4 x 2,048^2 attention, over 989e12 x 0.5
    flops = 2 * 8.03e9 * 4 * 2048 + 2 * 32 * 4096 * 4 * 2048**2
    assert float(prefill_ms(arch, hw, 4, 2048, 1, 0.5, 0.9)) == pytest.approx(flops / (989e12 * 0.5) * 1e3)


def test_scalar_and_array_calls_agree(catalog):
    arch = Architecture.from_catalog(catalog.get("open_model", "llama-3.3-70b"), FigureRecorder(catalog))
    hw = Hardware.from_catalog(catalog.get("gpu", "h100-sxm"), FigureRecorder(catalog))
    batches = np.array([1, 4, 16, 64])
    contexts = np.array([512, 2048, 8192, 32768])
    vector = decode_ms_per_step(arch, hw, batches, contexts, 4, 0.7, 0.8)
    scalar = [float(decode_ms_per_step(arch, hw, b, c, 4, 0.7, 0.8)) for b, c in zip(batches, contexts)]
    np.testing.assert_allclose(vector, scalar)
    grid = prefill_ms(arch, hw, batches[:, None], contexts[None, :], 4, 0.7, 0.8)
    assert grid.shape == (4, 4)
    assert np.all(np.diff(grid, axis=0) > 0) and np.all(np.diff(grid, axis=1) > 0)


def test_memory_limits_the_batch(catalog):
    arch = Architecture.from_catalog(catalog.get("open_model", "llama-3.3-70b"), FigureRecorder(catalog))
    hw = Hardware.from_catalog(catalog.get("gpu", "h100-sxm"), FigureRecorder(catalog))
    # 70.6B x 2 B = 141 GB of weights: nothing fits on one 80 GB GPU, some on two.
    assert float(max_batch_in_memory(arch, hw, 4096, 1, 0.9)) == 0
    two = float(max_batch_in_memory(arch, hw, 4096, 2, 0.9))
    # (2 x 80e9 x 0.9 - 141.2e9) / (4,096 x 327,680 B per token)
    assert two == np.floor((2 * 80e9 * 0.9 - 70.6e9 * 2) / (4096 * 2 * 80 * 8 * 128 * 2))
    perf = replica_performance(arch, hw, prefill_tokens=1000, output_tokens=200, context_tokens=4096, gpus=1,
                               max_batch=32, flops_efficiency=0.7, bandwidth_efficiency=0.8, memory_utilisation=0.9)
    assert not bool(perf.fits) and float(perf.queries_per_s) == 0


# A made-up small model and GPU with round figures, for the chunked-prefill hand computations:
# 1e9 parameters x 2 bytes = 2e9 bytes of weights; KV cache 2 x 16 layers x 8 KV heads x 64 x 2 bytes
# = 32,768 bytes per token; 100e12 x 0.5 = 50e12 FLOP/s and 1e12 x 0.8 = 0.8e12 bytes/s achievable.
SMALL = Architecture(parameters=1e9, layers=16, hidden_size=2048, kv_heads=8, head_dim=64, bytes_per_parameter=2,
                     context_window_tokens=8192)
SMALL_GPU = Hardware(peak_flops_per_s=100e12, memory_bandwidth_bytes_per_s=1e12, memory_bytes=24e9)
QUERY = dict(prefill_tokens=400, output_tokens=100, context_tokens=600, gpus=1, flops_efficiency=0.5,
             bandwidth_efficiency=0.8)


def test_chunked_prefill_replica_throughput_by_hand():
    """Chunked-prefill continuous batching (vLLM V1: "chunked prefill is always enabled by default",
    vllm-project/vllm docs/configuration/optimization.md at 00620f91ea186ca295a1eb69f4acba9d0efaaaaa):
    a step carries every running sequence's decode token and chunks of waiting prompts."""
    assert SMALL.kv_bytes_per_token == 32_768
    perf = replica_performance(SMALL, SMALL_GPU, **QUERY, max_batch=64, memory_utilisation=0.9)
    # Memory holds floor((24e9 x 0.9 - 2e9) / (600 x 32,768)) = floor(19.6e9 / 19,660,800) = 996 sequences,
    # so vLLM's max_num_seqs (64 here) sets the batch.
    assert float(max_batch_in_memory(SMALL, SMALL_GPU, 600, 1, 0.9)) == 996
    assert float(perf.batch) == 64
    # Each step: 64 decode tokens over 600 tokens of context, and 64 x 400 / 100 = 256 prompt tokens
    # (0.64 of a 400-token prompt: a new query starts each time one of the 64 finishes its 100 steps).
    assert float(perf.prefill_tokens_per_step) == 256
    decode = 2 * 1e9 * 64 + 4 * 16 * 2048 * 64 * 600          # 1.28e11 + 5.0331648e9
    prefill = 2 * 1e9 * 256 + 2 * 16 * 2048 * 0.64 * 400**2   # 5.12e11 + 6.7108864e9
    compute_ms = (decode + prefill) / 50e12 * 1e3
    memory_ms = (2e9 + (64 * 600 + 256) * 32_768) / 0.8e12 * 1e3
    assert compute_ms == pytest.approx(13.03488, rel=1e-6)
    assert memory_ms == pytest.approx(4.08335, rel=1e-6)
    assert float(perf.step_compute_ms) == pytest.approx(compute_ms)
    assert float(perf.step_memory_ms) == pytest.approx(memory_ms)
    assert float(perf.step_ms) == pytest.approx(compute_ms)  # compute-bound: prefill fills the step
    # 64 queries finish every 100 steps: 64 / (100 x 13.03488 ms) = 49.099 queries/s
    assert float(perf.queries_per_s) == pytest.approx(64 / (100 * compute_ms / 1e3))
    assert float(perf.queries_per_s) == pytest.approx(49.0990, rel=1e-5)
    # The separate-prefill model gave 1000 / (16.21 ms batch-1 prefill + 100 x 4.073 ms / 64) = 44.3:
    # the prefill now rides on the weight reads every decode step pays anyway.
    old = 1000 / (float(prefill_ms(SMALL, SMALL_GPU, 1, 400, 1, 0.5, 0.8))
                  + 100 * float(decode_ms_per_step(SMALL, SMALL_GPU, 64, 600, 1, 0.5, 0.8)) / 64)
    assert old == pytest.approx(44.32, rel=1e-3)


def test_memory_bound_step_by_hand():
    # A short prompt (40 tokens for 100 out) leaves the step on the memory roofline.
    step = chunked_step(SMALL, SMALL_GPU, batch=64, context_tokens=600, prefill_tokens=40, output_tokens=100, gpus=1,
                        flops_efficiency=0.5, bandwidth_efficiency=0.8)
    compute_ms = (2 * 1e9 * (64 + 25.6) + 4 * 16 * 2048 * 64 * 600 + 2 * 16 * 2048 * 0.64 * 40**2) / 50e12 * 1e3
    memory_ms = (2e9 + (64 * 600 + 25.6) * 32_768) / 0.8e12 * 1e3
    assert float(step.compute_ms) == pytest.approx(compute_ms)
    assert float(step.ms) == pytest.approx(memory_ms) and memory_ms > compute_ms
    # Two GPUs (tensor parallel) halve both rooflines.
    two = chunked_step(SMALL, SMALL_GPU, batch=64, context_tokens=600, prefill_tokens=40, output_tokens=100, gpus=2,
                       flops_efficiency=0.5, bandwidth_efficiency=0.8)
    assert float(two.ms) == pytest.approx(memory_ms / 2)


def test_the_step_that_carries_a_prompt_by_hand():
    # One more 300-token prompt in the step adds its prefill FLOPs and its KV writes.
    base = chunked_step(SMALL, SMALL_GPU, batch=8, **{k: QUERY[k] for k in QUERY if k != "prefill_tokens"},
                        prefill_tokens=400)
    carrying = chunked_step(SMALL, SMALL_GPU, batch=8, **{k: QUERY[k] for k in QUERY if k != "prefill_tokens"},
                            prefill_tokens=400, extra_prompt_tokens=np.array([0.0, 300.0]))
    extra_flops = 2 * 1e9 * 300 + 2 * 16 * 2048 * 300**2
    np.testing.assert_allclose(carrying.compute_ms, float(base.compute_ms) + np.array([0, extra_flops / 50e12 * 1e3]))
    np.testing.assert_allclose(carrying.memory_ms, float(base.memory_ms) + np.array([0, 300 * 32_768 / 0.8e12 * 1e3]))


def test_concurrent_sequences_by_hand():
    """Little's law: at half the capacity, b = rate x output x step(b) on the memory floor."""
    perf = replica_performance(SMALL, SMALL_GPU, **QUERY, max_batch=64, memory_utilisation=0.9)
    rate = 0.5 * float(perf.queries_per_s)  # 24.55 queries/s
    b = float(concurrent_sequences(SMALL, SMALL_GPU, queries_per_s=rate, **QUERY))
    # Per sequence a step costs c = 13.03488 / 64 ms of compute; memory is M0 = 2e9 / 0.8e12 = 2.5 ms
    # plus m = (600 + 4) x 32,768 / 0.8e12 per sequence. a = rate x 100 steps [per ms].
    a, m0, m = rate * 100 / 1e3, 2.5, (600 + 4) * 32_768 / 0.8e12 * 1e3
    assert b == pytest.approx(a * m0 / (1 - a * m))
    assert b == pytest.approx(6.535, rel=1e-3)
    step = float(chunked_step(SMALL, SMALL_GPU, batch=b, **QUERY).ms)
    assert step == pytest.approx(m0 + m * b)       # on the memory floor, not at half the full batch
    assert b == pytest.approx(rate * 100 * step / 1e3)
    # No batch keeps up with more than the capacity.
    assert np.isinf(concurrent_sequences(SMALL, SMALL_GPU, queries_per_s=1.01 * float(perf.queries_per_s), **QUERY))


def test_replica_performance_scalar_and_array_agree():
    batches = np.array([1, 8, 64, 256])
    vector = replica_performance(SMALL, SMALL_GPU, **QUERY, max_batch=batches, memory_utilisation=0.9)
    for i, b in enumerate(batches):
        one = replica_performance(SMALL, SMALL_GPU, **QUERY, max_batch=int(b), memory_utilisation=0.9)
        assert vector.queries_per_s[i] == pytest.approx(float(one.queries_per_s))
    # More sequences, more queries/s, until the steps are compute-bound: then the FLOPs per query
    # (2e9 x 500 tokens + attention) over 50e12 FLOP/s set the capacity, whatever the batch.
    assert np.all(np.diff(vector.queries_per_s) >= 0)
    assert vector.queries_per_s[3] == pytest.approx(vector.queries_per_s[2])


def test_chunked_prefill_in_serve_estimate(catalog):
    r = serve_estimate(FigureRecorder(catalog), "llama-3.1-8b", "h100-sxm", batch=64, prompt_tokens=500,
                       context_tokens=600, output_tokens=100, bandwidth_efficiency=0.8)
    arch = Architecture.from_catalog(catalog.get("open_model", "llama-3.1-8b"), FigureRecorder(catalog))
    hw = Hardware.from_catalog(catalog.get("gpu", "h100-sxm"), FigureRecorder(catalog))
    step = chunked_step(arch, hw, batch=64, context_tokens=600, prefill_tokens=500, output_tokens=100, gpus=1,
                        flops_efficiency=0.7, bandwidth_efficiency=0.8)
    c = r["chunked_prefill"]
    assert c["step_ms"] == pytest.approx(float(step.ms))
    assert c["prefill_tokens_per_step"] == 320
    assert c["queries_per_s"] == pytest.approx(64 * 1000 / (100 * float(step.ms)))
    assert c["output_tokens_per_s_per_gpu"] == pytest.approx(64 * 1000 / float(step.ms))
    assert serve_estimate(FigureRecorder(catalog), "llama-3.1-8b", "h100-sxm", batch=8,
                          prompt_tokens=500)["chunked_prefill"] is None


def test_default_batch_limit_is_vllms_max_num_seqs(catalog):
    """vLLM's EngineArgs default max_num_seqs is 256 (vllm-project/vllm vllm/engine/arg_utils.py at
    99d7eb5d6a512cfcc5a2b104f24ebf2d6cda772b); a scenario's own max_batch still wins."""
    assert catalog.defaults.serving.max_batch.value == 256
    assert "vllm/engine/arg_utils.py" in catalog.defaults.serving.max_batch.source
