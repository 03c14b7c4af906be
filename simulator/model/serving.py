"""Self-hosted serving: a roofline model of prefill and decode, vectorized over configurations.

Prefill is compute-bound: ``2 x parameters`` FLOPs per prompt token plus attention
(``4 x layers x hidden x P^2 / 2`` per causal prompt, i.e. QK^T and AV over half the square),
divided by the achievable FLOP/s. Decode is memory-bound: each step reads all weights once and
every sequence's KV cache, divided by the achievable memory bandwidth. Each phase takes the larger
of its compute time and its memory time, as in cli99/llm-analysis.

A replica serves with chunked-prefill continuous batching, as vLLM V1 always does ("chunked
prefill is always enabled by default": docs/configuration/optimization.md of vllm-project/vllm at
00620f91ea186ca295a1eb69f4acba9d0efaaaaa; SGLang and TensorRT-LLM do the same): one step carries a
decode token of every running sequence *and* chunks of waiting prompts, so a step costs the larger
of the compute of all its tokens and the memory traffic of the weights plus every sequence's KV
cache (``chunked_step``). Prefill thereby rides on the weight reads decode pays anyway.

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


def prefill_flops(arch: Architecture, batch, prompt_tokens):
    """FLOPs to prefill ``batch`` prompts of ``prompt_tokens`` tokens each: ``2 x parameters`` per
    token plus causal attention ``2 x layers x hidden x P^2`` per prompt [FLOP]. ``batch`` may be a
    fraction (the prompts one chunked step advances, on average)."""
    batch, prompt_tokens = np.asarray(batch, float), np.asarray(prompt_tokens, float)
    return 2.0 * arch.parameters * batch * prompt_tokens + 2.0 * arch.layers * arch.hidden_size * batch * prompt_tokens**2


def decode_flops(arch: Architecture, batch, context_tokens):
    """FLOPs of one decode token for each of ``batch`` sequences: ``2 x parameters`` per token plus
    attention over ``context_tokens`` of KV cache, ``4 x layers x hidden x context`` [FLOP]."""
    batch, context_tokens = np.asarray(batch, float), np.asarray(context_tokens, float)
    return 2.0 * arch.parameters * batch + 4.0 * arch.layers * arch.hidden_size * batch * context_tokens


def prefill_ms(arch: Architecture, hw: Hardware, batch, prompt_tokens, gpus, flops_efficiency,
               bandwidth_efficiency):
    """Time to prefill ``batch`` prompts of ``prompt_tokens`` tokens each [ms].

    Tensor-parallel over ``gpus``: FLOP/s and bandwidth add up; communication is not modelled.
    """
    batch, prompt_tokens, gpus = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (batch, prompt_tokens, gpus)))
    compute_s = prefill_flops(arch, batch, prompt_tokens) / (hw.peak_flops_per_s * flops_efficiency * gpus)
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
    compute_s = decode_flops(arch, batch, context_tokens) / (hw.peak_flops_per_s * flops_efficiency * gpus)
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
class StepTime:
    """One serving step's roofline: its compute time, its memory time and the step itself [ms]."""

    compute_ms: np.ndarray
    memory_ms: np.ndarray

    @property
    def ms(self) -> np.ndarray:
        return np.maximum(self.compute_ms, self.memory_ms)


def chunked_step(arch: Architecture, hw: Hardware, *, batch, context_tokens, prefill_tokens, output_tokens,
                 gpus, flops_efficiency, bandwidth_efficiency, extra_prompt_tokens=0.0) -> StepTime:
    """One step of chunked-prefill continuous batching in steady state [ms].

    ``batch`` sequences decode one token each over ``context_tokens`` of KV cache, and the step also
    prefills ``batch x prefill_tokens / output_tokens`` prompt tokens: the prompts of the
    ``batch / output_tokens`` queries that start while as many finish (every ``output_tokens``
    steps a sequence ends and a new prompt of ``prefill_tokens`` takes its place). So:

    - compute = ``decode_flops(batch, context) + prefill_flops(batch / output, prefill_tokens)``
      over the achievable FLOP/s;
    - memory = weights + ``batch x context`` KV read + the prefilled tokens' KV written, over the
      achievable bandwidth;
    - step = the larger of the two.

    ``extra_prompt_tokens`` (scalar or draws) adds one more prompt to this step: the step that
    carries a given query's prompt and emits its first token. ``output_tokens`` below 1 counts as
    1 (an answer has at least its first token). The per-step token budget
    (``max_num_batched_tokens``) is not modelled: at 2,048 tokens a step is compute-bound.
    """
    batch, context_tokens, prefill_tokens, output_tokens, gpus, extra = np.broadcast_arrays(*(
        np.asarray(x, dtype=float) for x in (batch, context_tokens, prefill_tokens, output_tokens, gpus,
                                             extra_prompt_tokens)))
    prompts_per_step = batch / np.maximum(output_tokens, 1.0)
    flops = (decode_flops(arch, batch, context_tokens) + prefill_flops(arch, prompts_per_step, prefill_tokens)
             + prefill_flops(arch, 1.0, extra))
    kv_tokens = batch * context_tokens + prompts_per_step * prefill_tokens + extra
    memory_bytes = arch.weight_bytes + kv_tokens * arch.kv_bytes_per_token
    return StepTime(compute_ms=flops / (hw.peak_flops_per_s * flops_efficiency * gpus) * 1e3,
                    memory_ms=memory_bytes / (hw.memory_bandwidth_bytes_per_s * bandwidth_efficiency * gpus) * 1e3)


@dataclass(frozen=True)
class ReplicaPerformance:
    """What one replica does at a steady operating batch, for one query shape."""

    batch: np.ndarray  # sequences decoding together [sequences]
    step_ms: np.ndarray  # one chunked step at that batch [ms]
    step_compute_ms: np.ndarray  # its compute time [ms]
    step_memory_ms: np.ndarray  # its memory time [ms]
    prefill_tokens_per_step: np.ndarray  # prompt tokens each step carries [tokens]
    queries_per_s: np.ndarray
    fits: np.ndarray


def replica_performance(arch: Architecture, hw: Hardware, *, prefill_tokens, output_tokens,
                        context_tokens, gpus, max_batch, flops_efficiency, bandwidth_efficiency,
                        memory_utilisation) -> ReplicaPerformance:
    """Throughput of one replica under chunked-prefill continuous batching [queries/s].

    The operating batch ``B`` is ``max_batch`` (vLLM's ``max_num_seqs``) or as many sequences of
    ``context_tokens`` as memory holds, whichever is less. Each step emits ``B`` decode tokens and
    prefills ``B x prefill_tokens / output_tokens`` prompt tokens (``chunked_step``); a query needs
    ``output_tokens`` steps, so ``queries/s = B / (output_tokens x step)``. Zero where nothing fits.
    """
    fit = max_batch_in_memory(arch, hw, context_tokens, gpus, memory_utilisation)
    batch = np.minimum(np.asarray(max_batch, float), fit)
    safe_batch = np.maximum(batch, 1.0)
    output = np.maximum(np.asarray(output_tokens, float), 1.0)
    step = chunked_step(arch, hw, batch=safe_batch, context_tokens=context_tokens, prefill_tokens=prefill_tokens,
                        output_tokens=output, gpus=gpus, flops_efficiency=flops_efficiency,
                        bandwidth_efficiency=bandwidth_efficiency)
    qps = np.where(batch >= 1, safe_batch / (output * step.ms / 1e3), 0.0)
    prefill_per_step = np.broadcast_to(safe_batch * np.asarray(prefill_tokens, float) / output, np.shape(qps))
    return ReplicaPerformance(batch=batch, step_ms=step.ms, step_compute_ms=step.compute_ms,
                              step_memory_ms=step.memory_ms, prefill_tokens_per_step=prefill_per_step,
                              queries_per_s=qps, fits=batch >= 1)


def concurrent_sequences(arch: Architecture, hw: Hardware, *, queries_per_s, context_tokens, prefill_tokens,
                         output_tokens, gpus, flops_efficiency, bandwidth_efficiency):
    """Sequences decoding at once when queries arrive at ``queries_per_s`` [sequences].

    Little's law over the ``output_tokens`` steps a query lasts: ``b = rate x output x step(b)``.
    A chunked step is linear in ``b`` in each roofline (compute ``c x b``, memory ``M0 + m x b``:
    ``chunked_step`` at batch 0 and 1), so ``b`` solves in closed form: ``a x M0 / (1 - a x m)``
    with ``a = rate x output``; ``inf`` where ``a x c >= 1`` or ``a x m >= 1`` (no batch keeps up).
    Below capacity the batch shrinks until its steps sit on the memory floor: a fuller batch would
    take longer steps and serve more queries than arrive.
    """
    output = np.maximum(np.asarray(output_tokens, float), 1.0)
    shape = dict(context_tokens=context_tokens, prefill_tokens=prefill_tokens, output_tokens=output, gpus=gpus,
                 flops_efficiency=flops_efficiency, bandwidth_efficiency=bandwidth_efficiency)
    empty, one = chunked_step(arch, hw, batch=0.0, **shape), chunked_step(arch, hw, batch=1.0, **shape)
    c, m0, m = one.compute_ms - empty.compute_ms, empty.memory_ms, one.memory_ms - empty.memory_ms
    a = np.asarray(queries_per_s, float) * output / 1e3  # queries started per ms x steps each
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.where((a * c < 1) & (a * m < 1), a * m0 / (1 - a * m), np.inf)
    return b


def serve_estimate(read: FigureRecorder, model: str, gpu: str, *, batch: int, prompt_tokens: int,
                   context_tokens: int | None = None, output_tokens: int | None = None, gpus: int = 1,
                   flops_efficiency: float | None = None, bandwidth_efficiency: float | None = None) -> dict:
    """The ``serve-estimate`` CLI command: one configuration, figures in a dict (token counts in
    tokens, efficiencies as fractions of peak).

    With ``output_tokens``, ``chunked_prefill`` holds the steady state of ``batch`` sequences under
    chunked-prefill continuous batching (``chunked_step``): the step's times [ms], the prompt tokens
    it carries, queries/s and output tokens/s per GPU. Without, it is None."""
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
    chunked = None
    if output_tokens is not None:
        out = max(output_tokens, 1)
        mixed = chunked_step(arch, hw, batch=batch, context_tokens=context, prefill_tokens=prompt_tokens,
                             output_tokens=out, gpus=gpus, flops_efficiency=fe, bandwidth_efficiency=be)
        step_ms = float(mixed.ms)
        chunked = {
            "step_ms": step_ms, "step_compute_ms": float(mixed.compute_ms), "step_memory_ms": float(mixed.memory_ms),
            "prefill_tokens_per_step": batch * prompt_tokens / out,
            "queries_per_s": batch * 1000.0 / (out * step_ms),
            "output_tokens_per_s_per_gpu": batch * 1000.0 / step_ms / gpus,
        }
    return {
        "model": model, "gpu": gpu, "gpus": gpus, "batch": batch,
        "prompt_tokens": prompt_tokens, "context_tokens": context, "output_tokens": output_tokens,
        "flops_efficiency": fe, "bandwidth_efficiency": be,
        "prefill_ms": prefill,
        "decode_ms_per_token": step,
        "tokens_per_s_per_gpu": batch * 1000.0 / step / gpus,
        "memory_needed_gb": need, "memory_available_gb": have, "fits": need <= have,
        "chunked_prefill": chunked,
        "figures_used": figure_rows(read.used),
    }
