"""Fine-tuning cost and memory fit."""

import json
import subprocess
import sys

import pytest

from pricing.provenance import FigureRecorder
from simulator.model.training import api_training_cost_usd, self_hosted_training
from conftest import ROOT


# The hand computations below use these figures; overrides pin them so a catalog update moves none.
PINNED = {
    "gpu.h100-sxm.spec.peak_bf16_tflops": 989.0, "gpu.h100-sxm.spec.memory_gb": 80.0,
    "gpu.h100-sxm.prices.aws.usd_per_gpu_hour": 6.88,
    "open_model.llama-3.1-8b.architecture.parameters_billion": 8.03,
    "defaults.training.model_flops_utilisation": 0.4, "defaults.training.overhead_gpu_hours_per_run": 1.0,
    "defaults.training.adam_bytes_per_parameter": 16.0, "defaults.training.activation_overhead": 0.2,
    "defaults.training.lora_flops_per_parameter_token": 4.0, "defaults.training.full_flops_per_parameter_token": 6.0,
}


@pytest.fixture(scope="module")
def pinned(catalog):
    return catalog.with_overrides(PINNED)


def test_full_fine_tuning_of_8b_does_not_fit_one_80gb_gpu(pinned):
    est = self_hosted_training(FigureRecorder(pinned), "llama-3.1-8b", "h100-sxm", method="full", training_tokens=3e6)
    # 8.03e9 parameters x 16 B (mixed-precision Adam, ZeRO paper) x 1.2 activations = 154 GB > 80 GB
    assert est.memory_needed_gb == pytest.approx(8.03e9 * 16 * 1.2 / 1e9)
    assert not est.fits
    assert "154 GB" in est.refusal() and "80 GB" in est.refusal()
    assert self_hosted_training(FigureRecorder(pinned), "llama-3.1-8b", "h100-sxm", method="full", training_tokens=3e6, gpus=2).fits


def test_lora_gpu_hours_by_hand(pinned):
    est = self_hosted_training(FigureRecorder(pinned), "llama-3.1-8b", "h100-sxm", method="lora", training_tokens=3e6,
                               epochs=2, cloud="aws")
    # 4 x 8.03e9 x 3e6 x 2 FLOPs / (989e12 x 0.4 MFU) / 3600 + 1 h per-run overhead, at $6.88
    hours = 4 * 8.03e9 * 3e6 * 2 / (989e12 * 0.4) / 3600 + 1.0
    assert est.gpu_hours == pytest.approx(hours)
    assert est.cost_usd == pytest.approx(hours * 6.88)
    assert est.fits


def test_full_costs_one_and_a_half_times_lora_compute(pinned):
    lora = self_hosted_training(FigureRecorder(pinned), "llama-3.1-8b", "h100-sxm", method="lora", training_tokens=1e9, gpus=2)
    full = self_hosted_training(FigureRecorder(pinned), "llama-3.1-8b", "h100-sxm", method="full", training_tokens=1e9, gpus=2)
    assert full.flops / lora.flops == pytest.approx(6 / 4)


def test_api_training_cost_by_hand():
    # 3,000 examples x 700 tokens x 3 epochs x $3 per 1M training tokens = $18.90
    assert api_training_cost_usd(3.0, 3000 * 700, 3) == pytest.approx(18.9)


def test_cli_refuses_what_does_not_fit():
    run = subprocess.run(
        [sys.executable, "-m", "simulator", "train-estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm",
         "--method", "full", "--training-tokens", "3000000", "--json"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert run.returncode == 2
    assert "needs about 154 GB" in run.stderr and "80 GB" in run.stderr
    assert "Traceback" not in run.stderr
    assert json.loads(run.stdout)["fits"] is False
