"""Self-hosted serving: a roofline model of prefill and decode, vectorized over configurations.

Prefill is compute-bound: ``2 x parameters`` FLOPs per prompt token plus attention
(``4 x layers x hidden x P^2 / 2`` per causal prompt, i.e. QK^T and AV over half the square),
divided by the achievable FLOP/s. Decode is memory-bound: each step reads all weights once and
every sequence's KV cache, divided by the achievable memory bandwidth. Each phase takes the larger
of its compute time and its memory time, as in cli99/llm-analysis.

Efficiencies (achievable fractions of the peaks) are always passed in: their defaults are catalog
figures (``pricing/data/defaults.yaml``), never constants here. Every function accepts scalars or NumPy arrays (broadcast together) and returns arrays, so the
dashboard's latency-under-load charts can hand in grids of batch sizes, context lengths and GPU
counts at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pricing.catalog import Gpu, OpenModel
from pricing.provenance import FigureRecorder, figure_rows


@dataclass(frozen=True)
class Architecture:
    """An open model's shape. Units in the names."""

    parameters: float
    layers: int
    hidden_size: int
    kv_heads: int
    head_dim: int
    bytes_per_parameter: float
    context_window_tokens: int

    @classmethod
    def from_catalog(cls, model: OpenModel, read: FigureRecorder) -> "Architecture":
        a = model.architecture
        return cls(
            parameters=read(a.parameters_billion) * 1e9,
            layers=int(read(a.layers)),
            hidden_size=int(read(a.hidden_size)),
            kv_heads=int(read(a.kv_heads)),
            head_dim=int(read(a.head_dim)),
            bytes_per_parameter=read(a.bytes_per_parameter),
            context_window_tokens=int(read(a.context_window_tokens)),
        )

    @property
    def weight_bytes(self) -> float:
        return self.parameters * self.bytes_per_parameter

    @property
    def kv_bytes_per_token(self) -> float:
        """KV cache per token of context: keys and values, every layer [bytes]."""
        return 2 * self.layers * self.kv_heads * self.head_dim * self.bytes_per_parameter


@dataclass(frozen=True)
class Hardware:
    """One GPU's peaks. Units in the names."""

    peak_flops_per_s: float
    memory_bandwidth_bytes_per_s: float
    memory_bytes: float

    @classmethod
    def from_catalog(cls, gpu: Gpu, read: FigureRecorder) -> "Hardware":
        s = gpu.spec
        return cls(
            peak_flops_per_s=read(s.peak_bf16_tflops) * 1e12,
            memory_bandwidth_bytes_per_s=read(s.memory_bandwidth_tb_per_s) * 1e12,
            memory_bytes=read(s.memory_gb) * 1e9,
        )


def prefill_ms(arch: Architecture, hw: Hardware, batch, prompt_tokens, gpus, flops_efficiency,
               bandwidth_efficiency):
    """Time to prefill ``batch`` prompts of ``prompt_tokens`` tokens each [ms].

    Tensor-parallel over ``gpus``: FLOP/s and bandwidth add up; communication is not modelled.
    """
    batch, prompt_tokens, gpus = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (batch, prompt_tokens, gpus)))
    linear_flops = 2.0 * arch.parameters * batch * prompt_tokens
    attention_flops = 2.0 * arch.layers * arch.hidden_size * batch * prompt_tokens**2
    compute_s = (linear_flops + attention_flops) / (hw.peak_flops_per_s * flops_efficiency * gpus)
    memory_bytes = arch.weight_bytes + batch * prompt_tokens * arch.kv_bytes_per_token
    memory_s = memory_bytes / (hw.memory_bandwidth_bytes_per_s * bandwidth_efficiency * gpus)
    return np.maximum(compute_s, memory_s) * 1e3


def decode_ms_per_step(arch: Architecture, hw: Hardware, batch, context_tokens, gpus, flops_efficiency,
                       bandwidth_efficiency):
    """Time of one decode step that emits one token for each of ``batch`` sequences [ms].

    Each sequence attends over ``context_tokens`` tokens of KV cache.
    """
    batch, context_tokens, gpus = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (batch, context_tokens, gpus)))
    memory_bytes = arch.weight_bytes + batch * context_tokens * arch.kv_bytes_per_token
    memory_s = memory_bytes / (hw.memory_bandwidth_bytes_per_s * bandwidth_efficiency * gpus)
    flops = 2.0 * arch.parameters * batch + 4.0 * arch.layers * arch.hidden_size * batch * context_tokens
    compute_s = flops / (hw.peak_flops_per_s * flops_efficiency * gpus)
    return np.maximum(compute_s, memory_s) * 1e3


def max_batch_in_memory(arch: Architecture, hw: Hardware, context_tokens, gpus, memory_utilisation):
    """How many sequences of ``context_tokens`` fit beside the weights (0: the weights alone don't fit)."""
    context_tokens, gpus = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (context_tokens, gpus)))
    free = hw.memory_bytes * memory_utilisation * gpus - arch.weight_bytes
    per_sequence = np.maximum(context_tokens, 1.0) * arch.kv_bytes_per_token
    return np.floor(np.maximum(free, 0.0) / per_sequence)


def memory_needed_gb(arch: Architecture, batch, context_tokens):
    """Weights plus KV cache for ``batch`` sequences of ``context_tokens`` [GB]."""
    return (arch.weight_bytes + np.asarray(batch, float) * np.asarray(context_tokens, float) * arch.kv_bytes_per_token) / 1e9


@dataclass(frozen=True)
class ReplicaPerformance:
    """What one replica does at a steady operating batch, for one query shape."""

    batch: np.ndarray
    prefill_ms_per_query: np.ndarray
    decode_ms_per_step: np.ndarray
    queries_per_s: np.ndarray
    fits: np.ndarray


def replica_performance(arch: Architecture, hw: Hardware, *, prefill_tokens, output_tokens,
                        context_tokens, gpus, max_batch, flops_efficiency, bandwidth_efficiency,
                        memory_utilisation) -> ReplicaPerformance:
    """Throughput of one replica under continuous batching.

    Each query costs its own prefill (prompts are compute-bound, so batching them saves little)
    plus ``output_tokens`` decode steps shared by the ``batch`` sequences decoding together:
    ``seconds per query = prefill + output_tokens x step / batch``.
    The operating batch is ``max_batch`` or as many sequences as memory holds, whichever is less.
    """
    fit = max_batch_in_memory(arch, hw, context_tokens, gpus, memory_utilisation)
    batch = np.minimum(np.asarray(max_batch, float), fit)
    safe_batch = np.maximum(batch, 1.0)
    prefill = prefill_ms(arch, hw, 1, prefill_tokens, gpus, flops_efficiency, bandwidth_efficiency)
    step = decode_ms_per_step(arch, hw, safe_batch, context_tokens, gpus, flops_efficiency, bandwidth_efficiency)
    seconds_per_query = (prefill + np.asarray(output_tokens, float) * step / safe_batch) / 1e3
    qps = np.where(batch >= 1, 1.0 / seconds_per_query, 0.0)
    return ReplicaPerformance(batch=batch, prefill_ms_per_query=prefill, decode_ms_per_step=step,
                              queries_per_s=qps, fits=batch >= 1)


def serve_estimate(read: FigureRecorder, model: str, gpu: str, *, batch: int, prompt_tokens: int,
                   context_tokens: int | None = None, gpus: int = 1, flops_efficiency: float | None = None,
                   bandwidth_efficiency: float | None = None) -> dict:
    """The ``serve-estimate`` CLI command: one configuration, figures in a dict (token counts in
    tokens, efficiencies as fractions of peak)."""
    arch = Architecture.from_catalog(read.catalog.get("open_model", model), read)
    hw = Hardware.from_catalog(read.catalog.get("gpu", gpu), read)
    d = read.catalog.defaults.serving
    fe = read(d.flops_efficiency) if flops_efficiency is None else flops_efficiency
    be = read(d.bandwidth_efficiency) if bandwidth_efficiency is None else bandwidth_efficiency
    context = prompt_tokens if context_tokens is None else context_tokens
    prefill = float(prefill_ms(arch, hw, batch, prompt_tokens, gpus, fe, be))
    step = float(decode_ms_per_step(arch, hw, batch, context, gpus, fe, be))
    need = float(memory_needed_gb(arch, batch, context))
    have = hw.memory_bytes * gpus / 1e9
    return {
        "model": model, "gpu": gpu, "gpus": gpus, "batch": batch,
        "prompt_tokens": prompt_tokens, "context_tokens": context,
        "flops_efficiency": fe, "bandwidth_efficiency": be,
        "prefill_ms": prefill,
        "decode_ms_per_token": step,
        "tokens_per_s_per_gpu": batch * 1000.0 / step / gpus,
        "memory_needed_gb": need, "memory_available_gb": have, "fits": need <= have,
        "figures_used": figure_rows(read.used),
    }
