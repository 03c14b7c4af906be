"""Fine-tuning cost: through a provider's API, or self-hosted LoRA / full fine-tuning on rented GPUs.

API: ``training tokens x epochs x price per training token``.

Self-hosted: ``FLOPs = k x parameters x tokens x epochs`` with ``k = 6`` for full fine-tuning
(forward 2N, backward 4N; Kaplan et al. 2020) and ``k = 4`` for LoRA (frozen weights need no
weight gradients, so the backward pass costs about 2N; the LoRA paper reports a 25% throughput
gain, inside this 33% bound). GPU-hours = FLOPs / (peak FLOP/s x model FLOPs utilisation), plus a fixed per-run overhead
(setup, download, evaluation) on each GPU.
Memory: full fine-tuning with mixed-precision Adam needs 16 bytes per parameter (ZeRO paper);
LoRA keeps the frozen weights in bf16 and Adam state only for the adapters. Both are sharded
over the GPUs and add an activation allowance. A setup that does not fit is refused with the numbers.
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
    flops: float
    gpu_hours: float
    wall_clock_hours: float
    cost_usd: float
    memory_needed_gb: float
    memory_available_gb: float
    gpu: str
    gpus: int
    cloud: str
    usd_per_gpu_hour: float

    @property
    def fits(self) -> bool:
        return self.memory_needed_gb <= self.memory_available_gb

    def refusal(self) -> str:
        return (f"{self.method} fine-tuning needs about {self.memory_needed_gb:,.0f} GB of GPU memory; "
                f"there are {self.memory_available_gb:,.0f} GB on {self.gpus} x {self.gpu}")


def training_memory_gb(arch: Architecture, method: Literal["lora", "full"], *,
                       adam_bytes_per_parameter: float, lora_trainable_share: float,
                       activation_overhead: float) -> float:
    """GPU memory a training run needs in all [GB]; sharded over the GPUs (FSDP / ZeRO-3).

    Full: every parameter carries weights, gradients and Adam state (16 bytes with mixed precision).
    LoRA: frozen bf16 weights, plus full Adam state for the adapters only.
    """
    if method == "full":
        state = arch.parameters * adam_bytes_per_parameter
    else:
        state = arch.weight_bytes + arch.parameters * lora_trainable_share * adam_bytes_per_parameter
    return state * (1.0 + activation_overhead) / 1e9


def self_hosted_training(read: FigureRecorder, model: str, gpu: str, *, method: Literal["lora", "full"],
                         training_tokens: float, epochs: int = 1, gpus: int = 1,
                         cloud: str | None = None) -> TrainingEstimate:
    """One self-hosted training run on ``gpus`` x ``gpu``; ``training_tokens`` [model tokens] per epoch."""
    catalog = read.catalog
    arch = Architecture.from_catalog(catalog.get("open_model", model), read)
    hw = Hardware.from_catalog(catalog.get("gpu", gpu), read)
    t = catalog.defaults.training
    cloud, price = gpu_offer(read, gpu, cloud)
    per_token = read(t.full_flops_per_parameter_token if method == "full" else t.lora_flops_per_parameter_token)
    flops = per_token * arch.parameters * training_tokens * epochs
    compute_hours = flops / (hw.peak_flops_per_s * read(t.model_flops_utilisation)) / SECONDS_PER_HOUR
    # Every run also pays for setup, model download, evaluation and checkpoints on every GPU.
    gpu_hours = compute_hours + read(t.overhead_gpu_hours_per_run) * gpus
    need = training_memory_gb(
        arch, method, adam_bytes_per_parameter=read(t.adam_bytes_per_parameter),
        lora_trainable_share=read(t.lora_trainable_share) if method == "lora" else 0.0,
        activation_overhead=read(t.activation_overhead),
    )
    return TrainingEstimate(
        method=method, training_tokens=training_tokens, epochs=epochs, flops=flops,
        gpu_hours=gpu_hours, wall_clock_hours=gpu_hours / gpus, cost_usd=gpu_hours * price,
        memory_needed_gb=need, memory_available_gb=hw.memory_bytes / 1e9 * gpus,
        gpu=gpu, gpus=gpus, cloud=cloud, usd_per_gpu_hour=price,
    )


def api_training_cost_usd(training_usd_per_mtok: float, training_tokens: float, epochs: int) -> float:
    """Provider fine-tuning: tokens per epoch x epochs x price [USD]."""
    return training_tokens * epochs * training_usd_per_mtok / 1e6
