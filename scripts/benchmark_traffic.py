"""Prints how fast and how lean a traffic import is on this machine. Figures, not pass/fail.

    bash scripts/dev.sh bench        (or: .venv/bin/python scripts/benchmark_traffic.py [SPANS])

Aim (issue 14): 1 million GenAI spans read, checked and fitted in under a minute on a 2-core
machine with peak memory under 1 GB. The trace is OTLP JSON lines from the synthetic generator
(100 chat spans and 100 retrieval spans per line, the retrieval spans left out on import), made
once and kept in the temporary directory. The import runs in a child process, so its peak resident
memory (Python, NumPy and DuckDB together) is the child's own.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from synthetic_traffic import TraceSpec, generate, write_otlp  # noqa: E402
from simulator.traffic.trend import DAYS_PER_MONTH  # noqa: E402

AIM_SECONDS = 60.0
AIM_PEAK_MB = 1000.0
CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
start = time.perf_counter()
from pricing.catalog import default_catalog
from simulator.traffic.fit import fit_file
catalog = default_catalog()
loaded = time.perf_counter()
fit = fit_file(sys.argv[1], catalog)
done = time.perf_counter()
(model,) = fit.by_model.values()
print(json.dumps({"import_s": done - loaded, "startup_s": loaded - start, "rows": fit.report.rows_kept,
                  "skipped": fit.report.skipped, "queries_per_month": model.values["queries_per_month"]["value"]}))
"""


def trace(spans: int) -> tuple[Path, TraceSpec]:
    days = 30
    base = TraceSpec()
    growth = np.mean((1 + base.monthly_growth) ** (np.arange(days) / DAYS_PER_MONTH))  # the mean day's factor
    spec = dataclasses.replace(base, days=days, requests_per_day=spans / days / growth, seed=3)
    path = Path(tempfile.gettempdir()) / f"crossover-bench-{spans}.otlp.jsonl"
    if not path.exists():
        start = time.perf_counter()
        partial = path.with_suffix(".partial")
        write_otlp(generate(spec), partial, spec.model)
        partial.replace(path)
        print(f"generated {path} in {time.perf_counter() - start:.0f} s")
    return path, spec


def main() -> None:
    spans = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path, spec = trace(spans)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(ROOT)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"the import failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
    if peak_mb < before / 1024:
        peak_mb = float("nan")
    size_mb = path.stat().st_size / 1e6
    print(f"traffic import: {result['rows']:,} GenAI spans (+{result['skipped']:,} other spans left out), "
          f"{size_mb:,.0f} MB of OTLP JSON lines, {os.cpu_count()} cores")
    print(f"  {'':28} {'measured':>10} {'aim':>10}")
    print(f"  {'read + check + fit [s]':28} {result['import_s']:>10.1f} {AIM_SECONDS:>10.0f}")
    print(f"  {'whole process [s]':28} {wall:>10.1f} {'':>10}")
    print(f"  {'peak memory [MB]':28} {peak_mb:>10.0f} {AIM_PEAK_MB:>10.0f}")
    print(f"  {'throughput [spans/s]':28} {result['rows'] / result['import_s']:>10,.0f}")
    print(f"  fitted queries/month at the end {result['queries_per_month']:,.0f}; the trace's own "
          f"{spec.end_queries_per_month():,.0f}")


if __name__ == "__main__":
    main()
