"""Prints how fast the simulator is on this machine. Figures, not pass/fail: timed tests flake.

    bash scripts/dev.sh bench
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pricing.catalog import default_catalog  # noqa: E402
from pricing.provenance import FigureRecorder  # noqa: E402
from simulator.model.evaluate import evaluate  # noqa: E402
from simulator.model.serving import Architecture, Hardware, decode_ms_per_step, max_batch_in_memory, prefill_ms  # noqa: E402
from simulator.scenario import load_scenario  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls [ms], and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), result


def main() -> None:
    catalog = default_catalog()
    print(f"Crossover benchmark ({sys.platform}, Python {sys.version.split()[0]}, numpy {np.__version__})")

    for name in ("support-bot", "ticket-classifier"):
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml", catalog)
        ms, ev = timed(lambda: evaluate(scenario, catalog), 20)
        print(f"\n{name}: evaluate (4 setups, latency draws, 6 break-even pairs over 1..1e12): {ms:.1f} ms median")
        volumes = np.geomspace(1, 1e12, 10_000)
        ms, _ = timed(lambda: [ev.monthly_cost(s, volumes) for s in ev.feasible], 50)
        print(f"  sweep, 4 setups x 10,000 volumes, totals:            {ms:.2f} ms median (aim < 50 ms)")
        ms, table = timed(lambda: ev.sweep(volumes), 20)
        print(f"  sweep, 4 setups x 10,000 volumes, every part (table): {ms:.2f} ms median ({len(table):,} rows)")
        ms, _ = timed(lambda: ev.to_dict(), 20)
        print(f"  JSON result at the scenario's volume:                  {ms:.2f} ms median")

    arch = Architecture.from_catalog(catalog.get("open_model", "llama-3.1-8b"), FigureRecorder(catalog))
    gpus_hw = [Hardware.from_catalog(catalog.get("gpu", g), FigureRecorder(catalog)) for g in ("h100-sxm", "a100-80gb-sxm", "l40s", "l4")]
    batches = np.arange(1, 257, dtype=float)[:, None, None]
    contexts = np.geomspace(128, 131072, 256)[None, :, None]
    gpu_counts = np.array([1.0, 2.0, 4.0, 8.0])[None, None, :]

    def vectorized():
        out = []
        for hw in gpus_hw:
            prefill = prefill_ms(arch, hw, batches, contexts, gpu_counts, 0.7, 0.8)
            decode = decode_ms_per_step(arch, hw, batches, contexts, gpu_counts, 0.7, 0.8)
            fits = batches <= max_batch_in_memory(arch, hw, contexts, gpu_counts, 0.9)
            out.append((prefill, decode, fits))
        return out

    configs = batches.size * contexts.size * gpu_counts.size * len(gpus_hw)
    ms, _ = timed(vectorized, 10)
    print(f"\nserving model, arrays of batch x context x GPU count x GPU type ({configs:,} configurations):")
    print(f"  vectorized: {ms:.1f} ms -> {configs / ms * 1e3:,.0f} configurations/s (aim 100,000+)")

    sample = [(float(b), float(c), float(g)) for b in (1, 8, 64) for c in (512, 4096) for g in (1, 2)] * 50
    start = time.perf_counter()
    for b, c, g in sample:
        prefill_ms(arch, gpus_hw[0], b, c, g, 0.7, 0.8)
        decode_ms_per_step(arch, gpus_hw[0], b, c, g, 0.7, 0.8)
        max_batch_in_memory(arch, gpus_hw[0], c, g, 0.9)
    scalar_rate = len(sample) / (time.perf_counter() - start)
    print(f"  one configuration per call (same code, scalar loop): {scalar_rate:,.0f} configurations/s")
    command_line()


def command_line() -> None:
    """Fresh processes, as a user runs them: the catalog loads once per process from the bulk
    snapshot, never from genai-prices' own data module."""
    def wall(code: list[str], repeat: int = 5) -> float:
        return timed(lambda: subprocess.run(code, cwd=ROOT, check=True, capture_output=True), repeat)[0]

    python = [sys.executable, "-c"]
    print("\ncommand line, fresh processes (median of 5):")
    print(f"  python start + numpy/pandas/pydantic imports:          {wall(python + ['import numpy, pandas, pydantic']):.0f} ms")
    print(f"  importing genai-prices' data module (what the snapshot avoids): {wall(python + ['import genai_prices.data']):.0f} ms")
    load = ("import time; t = time.perf_counter(); from pricing.catalog import default_catalog; "
            "from pricing.bulk import bulk_models; default_catalog(); bulk_models(); "
            "print(round((time.perf_counter() - t) * 1e3))")
    inside = [float(subprocess.run(python + [load], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
              for _ in range(5)]
    print(f"  both catalog layers loaded, inside the process:        {statistics.median(inside):.0f} ms")
    crossover = [sys.executable, "-m", "simulator", "evaluate"]
    ms = wall([*crossover, "scenarios/support-bot.yaml", "--json"])
    print(f"  crossover evaluate support-bot --json:                 {ms:.0f} ms (aim < 1,500 ms)")
    bulk_model = ROOT / ".cache" / "benchmark-bulk-model.yaml"
    text = (ROOT / "scenarios" / "support-bot.yaml").read_text()
    bulk_model.write_text(text.replace("prompt_only:\n  model:\n    name: claude-haiku-4-5",
                                       "prompt_only:\n  model:\n    name: gpt-4.1\n    provider: azure", 1))
    ms = wall([*crossover, str(bulk_model), "--json"])
    print(f"  the same with prompt-only on Azure's gpt-4.1 (a bulk model): {ms:.0f} ms")


if __name__ == "__main__":
    main()
