"""Self-hosted serving roofline: published reference, hand computations, vectorization."""

import numpy as np
import pytest

from pricing.provenance import FigureRecorder
from simulator.model.serving import (Architecture, Hardware, decode_ms_per_step, max_batch_in_memory,
                               prefill_ms, replica_performance, serve_estimate)


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


def test_replica_throughput_by_hand(catalog):
    arch = Architecture.from_catalog(catalog.get("open_model", "llama-3.1-8b"), FigureRecorder(catalog))
    hw = Hardware.from_catalog(catalog.get("gpu", "h100-sxm"), FigureRecorder(catalog))
    perf = replica_performance(arch, hw, prefill_tokens=500, output_tokens=100, context_tokens=600, gpus=1,
                               max_batch=16, flops_efficiency=0.7, bandwidth_efficiency=0.8, memory_utilisation=0.9)
    prefill = float(prefill_ms(arch, hw, 1, 500, 1, 0.7, 0.8))
    step = float(decode_ms_per_step(arch, hw, 16, 600, 1, 0.7, 0.8))
    # one query = its prefill + 100 steps shared by 16 sequences
    assert float(perf.queries_per_s) == pytest.approx(1000 / (prefill + 100 * step / 16))
