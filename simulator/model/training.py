"""Fine-tuning cost: through a provider's API, or self-hosted LoRA / full fine-tuning on rented GPUs.

API: ``training tokens x epochs x price per training token``.

Self-hosted throughput: full fine-tuning runs ``peak FLOP/s x model FLOPs utilisation / (6 N)``
tokens/s per GPU (6 N FLOPs per token: forward 2N, backward 4N; Kaplan et al. 2020). LoRA runs
``lora_speed_vs_full`` times that, a ratio taken from published measurements of the same model, GPU
and sequence length (the catalog cites them), not from a FLOP count: frozen weights still need the
backward pass through every layer, and the measured gain is 1.1-1.9x, not a fixed 1.5x.
Compute GPU-hours = tokens x epochs / (tokens/s per GPU) / 3600, plus a fixed per-run overhead
(setup, download, evaluation) on each GPU, kept apart.

Memory: full fine-tuning with mixed-precision Adam needs 16 bytes per parameter (ZeRO paper);
LoRA keeps the frozen weights in bf16 and Adam state only for the adapters. Both are sharded
over the GPUs (FSDP / ZeRO-3). Activations follow Korthikanti et al. 2022 (arXiv 2205.05198): per
layer ``s b h (34 + c a s / h)`` bytes without recomputation (c = 5 when the attention scores are
stored; 0 with flash attention, which recomputes them: the catalog's assumption) and ``2 s b h``
with full recomputation (only each layer's input kept), plus the one layer being recomputed during
the backward pass. Each GPU holds its own micro-batch's activations. A setup that does not fit is
refused with the numbers. Recomputation changes memory only: its extra forward pass is taken to be
inside the utilisation figure (torchtune's measured runs recompute).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pricing.provenance import FigureRecorder, gpu_offer
from simulator.units import SECONDS_PER_HOUR

from .serving import Architecture, Hardware



@dataclass(frozen=True)
class TrainingEstimate:
    method: str
    training_tokens: float
    epochs: int
    flops: float                    # 6 N x tokens x epochs: full fine-tuning's count, the throughput's unit
    tokens_per_s_per_gpu: float     # training tokens x epochs / compute seconds / GPUs
    compute_gpu_hours: float
    overhead_gpu_hours: float       # the fixed per-run overhead on every GPU
    gpu_hours: float                # compute + overhead
    wall_clock_hours: float
    cost_usd: float
    state_gb: float                 # weights, gradients and optimizer state, all GPUs together
    activation_gb: float            # activations of every GPU's micro-batch, all GPUs together
    memory_needed_gb: float         # state + activations
    memory_available_gb: float
    sequence_length: int
    micro_batch: int
    recompute: bool
    gpu: str
    gpus: int
    cloud: str
    usd_per_gpu_hour: float

    @property
    def fits(self) -> bool:
        return self.memory_needed_gb <= self.memory_available_gb

    def refusal(self) -> str:
        return (f"{self.method} fine-tuning needs about {self.memory_needed_gb:,.0f} GB of GPU memory "
                f"({self.activation_gb:,.1f} GB of it activations at {self.sequence_length:,} tokens x "
                f"micro-batch {self.micro_batch}, recomputation {'on' if self.recompute else 'off'}); "
                f"there are {self.memory_available_gb:,.0f} GB on {self.gpus} x {self.gpu}")


def training_state_gb(arch: Architecture, method: Literal["lora", "full"], *,
                      adam_bytes_per_parameter: float, lora_trainable_share: float) -> float:
    """Weights, gradients and optimizer state of a training run, all GPUs together [GB].

    Full: every parameter carries weights, gradients and Adam state (16 bytes with mixed precision).
    LoRA: frozen bf16 weights, plus full Adam state for the adapters only.
    """
    if method == "full":
        state = arch.parameters * adam_bytes_per_parameter
    else:
        state = arch.weight_bytes + arch.parameters * lora_trainable_share * adam_bytes_per_parameter
    return state / 1e9


def activation_gb_per_gpu(*, layers: int, hidden_size: int, attention_heads: int, sequence_length: int,
                          micro_batch: int, recompute: bool, bytes_per_layer: float,
                          attention_score_bytes: float, recomputed_bytes_per_layer: float) -> float:
    """Activation memory of one GPU's micro-batch [GB] (Korthikanti et al. 2022, 16-bit activations).

    One layer stores ``s b h (bytes_per_layer + attention_score_bytes x a s / h)`` bytes (34 and 5 in
    the paper). Without recomputation every layer keeps that. With full recomputation each layer keeps
    only its input, ``recomputed_bytes_per_layer x s b h`` (2 in the paper), and the layer being
    recomputed in the backward pass holds its full activations once.
    """
    s, b, h = float(sequence_length), float(micro_batch), float(hidden_size)
    per_layer = s * b * h * (bytes_per_layer + attention_score_bytes * attention_heads * s / h)
    if recompute:
        total = layers * recomputed_bytes_per_layer * s * b * h + per_layer
    else:
        total = layers * per_layer
    return total / 1e9


def full_tokens_per_s_per_gpu(arch: Architecture, hw: Hardware, *, full_flops_per_parameter_token: float,
                              model_flops_utilisation: float) -> float:
    """Full fine-tuning's throughput on one GPU [tokens/s]: peak x MFU / (6 N)."""
    return hw.peak_flops_per_s * model_flops_utilisation / (full_flops_per_parameter_token * arch.parameters)


def self_hosted_training(read: FigureRecorder, model: str, gpu: str, *, method: Literal["lora", "full"],
                         training_tokens: float, epochs: int = 1, gpus: int = 1,
                         cloud: str | None = None, sequence_length: int | None = None,
                         micro_batch: int | None = None, recompute: bool | None = None) -> TrainingEstimate:
    """One self-hosted training run on ``gpus`` x ``gpu``; ``training_tokens`` [model tokens] per epoch.

    ``sequence_length`` [tokens], ``micro_batch`` [sequences per GPU per step] and ``recompute``
    (full activation recomputation) default to the catalog's ``defaults.training`` figures.
    """
    catalog = read.catalog
    open_model = catalog.get("open_model", model)
    arch = Architecture.from_catalog(open_model, read)
    hw = Hardware.from_catalog(catalog.get("gpu", gpu), read)
    t = catalog.defaults.training
    cloud, price = gpu_offer(read, gpu, cloud)

    seq = int(sequence_length if sequence_length is not None else read(t.sequence_length_tokens))
    mb = int(micro_batch if micro_batch is not None else read(t.micro_batch))
    rec = bool(recompute if recompute is not None else read(t.recompute_activations) >= 0.5)
    if seq < 1 or mb < 1:
        raise ValueError(f"sequence length and micro-batch must be at least 1 (got {seq} and {mb})")
    if seq > arch.context_window_tokens:
        raise ValueError(f"sequence length {seq:,} tokens is longer than {model}'s context window "
                         f"({arch.context_window_tokens:,} tokens)")

    full_flops = read(t.full_flops_per_parameter_token)
    tokens_per_s = full_tokens_per_s_per_gpu(arch, hw, full_flops_per_parameter_token=full_flops,
                                             model_flops_utilisation=read(t.model_flops_utilisation))
    if method == "lora":
        tokens_per_s *= read(t.lora_speed_vs_full)
    flops = full_flops * arch.parameters * training_tokens * epochs
    compute_hours = training_tokens * epochs / tokens_per_s / SECONDS_PER_HOUR  # GPU-hours over all GPUs
    # Every run also pays for setup, model download, evaluation and checkpoints on every GPU.
    overhead_hours = read(t.overhead_gpu_hours_per_run) * gpus
    gpu_hours = compute_hours + overhead_hours

    state = training_state_gb(arch, method, adam_bytes_per_parameter=read(t.adam_bytes_per_parameter),
                              lora_trainable_share=read(t.lora_trainable_share) if method == "lora" else 0.0)
    score_bytes = read(t.attention_score_bytes)
    heads = int(read(open_model.architecture.attention_heads)) if score_bytes else 0
    per_gpu = activation_gb_per_gpu(
        layers=arch.layers, hidden_size=arch.hidden_size, attention_heads=heads, sequence_length=seq,
        micro_batch=mb, recompute=rec,
        bytes_per_layer=read(t.activation_bytes_per_layer),
        attention_score_bytes=score_bytes,
        recomputed_bytes_per_layer=read(t.recomputed_activation_bytes_per_layer) if rec else 0.0,
    )
    activation = per_gpu * gpus
    return TrainingEstimate(
        method=method, training_tokens=training_tokens, epochs=epochs, flops=flops,
        tokens_per_s_per_gpu=tokens_per_s, compute_gpu_hours=compute_hours, overhead_gpu_hours=overhead_hours,
        gpu_hours=gpu_hours, wall_clock_hours=gpu_hours / gpus, cost_usd=gpu_hours * price,
        state_gb=state, activation_gb=activation, memory_needed_gb=state + activation,
        memory_available_gb=hw.memory_bytes / 1e9 * gpus, sequence_length=seq, micro_batch=mb, recompute=rec,
        gpu=gpu, gpus=gpus, cloud=cloud, usd_per_gpu_hour=price,
    )


def api_training_cost_usd(training_usd_per_mtok: float, training_tokens: float, epochs: int) -> float:
    """Provider fine-tuning: tokens per epoch x epochs x price [USD]."""
    return training_tokens * epochs * training_usd_per_mtok / 1e6
