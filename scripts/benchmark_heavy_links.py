"""How one visitor's page load fares while other visitors open the heaviest links. Figures, not pass/fail.

    .venv/bin/python scripts/benchmark_heavy_links.py [--against /path/to/older/checkout]

A heavy link is support-bot with 24 ranged inputs and 100,000 draws (the largest the schema takes),
each with its own seed so the result cache cannot help. For 0, 1 and 6 heavy links opened at once it
prints a quiet visitor's time from opening the landing page to its first chart (the median of three
visits, starting 10 s after the heavy links were opened, while their Monte Carlo runs), and the
server's peak memory (VmHWM). The browsers run on the same machine as the server: on 2 cores the
figures include their drawing too. ``--against`` runs the same on another checkout (say, a commit before the Monte Carlo
gate) and prints both side by side.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from pricing.catalog import default_catalog  # noqa: E402
from simulator.scenario import Scenario, load_scenario  # noqa: E402
from simulator.scenario.schema import MAX_DRAWS, range_target  # noqa: E402
from simulator.storage import sharing  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
RANGED_INPUTS = 24
# The landing page's first chart: an SVG drawn on the server since issue 13, a Plotly chart before.
CHART = '[data-testid="xo-chart"] svg, [data-testid="stPlotlyChart"] .main-svg'
SETTLE_S = 10  # after opening the heavy links, before the quiet visits
VISITS = 3  # quiet visits per count; the median is printed


def heavy_link(seed: int) -> str:
    """support-bot with every positive number it has ranged ±10% (up to 24), 100,000 draws."""
    catalog = default_catalog()
    data = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog).model_dump()
    ranges = dict(data.get("ranges") or {})

    def numbers(node, prefix=""):
        for key, value in node.items():
            if isinstance(value, dict):
                yield from numbers(value, f"{prefix}{key}.")
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                yield f"{prefix}{key}", value

    skipped = ("ranges", "uncertainty", "decision", "schema_version")
    for path, value in numbers({k: v for k, v in data.items() if k not in skipped}):
        kind = range_target(path)
        if len(ranges) >= RANGED_INPUTS or path in ranges or kind is None:
            continue
        if "horizon" in path or "gpus_per_replica" in path or (kind is int and value < 3):
            continue  # single-valued inputs, and counts a ±10% range would push below their minimum
        ranges[path] = {"dist": "triangular", "low": value * 0.9, "likely": value, "high": value * 1.1}
    data["ranges"] = ranges
    data["uncertainty"].update(draws=MAX_DRAWS, seed=seed)
    return sharing.encode(Scenario.model_validate(data))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "scripts/serve.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "CROSSOVER_SCENARIO_DIR": str(root / ".bench-saved")})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"the server in {root} did not start")


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def quiet_visit(browser, url: str) -> float:
    """Seconds from opening the landing page in a new session to its first chart."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(CHART, timeout=300_000)
    seconds = time.perf_counter() - start
    context.close()
    return seconds


def measure(root: Path, links: dict[int, list[str]]) -> dict[int, tuple[float, float]]:
    """For each number of heavy links: the quiet visitor's first chart [s] and the peak memory [MB]."""
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for count, packed in links.items():
            proc, url = start_server(root)  # a fresh server per count: peak memory is per count
            quiet_visit(browser, url)  # the first visit of a process imports the pages
            heavy = []
            for link in packed:
                context = browser.new_context()
                page = context.new_page()
                page.goto(f"{url}/?d={link}", wait_until="commit")
                heavy.append(context)
            # Opening a link evaluates it and draws its page (as for any new visitor); then its Monte
            # Carlo runs. Visits start once the heavy runs are under way.
            time.sleep(SETTLE_S if packed else 0)
            seconds = statistics.median(quiet_visit(browser, url) for _ in range(VISITS))
            out[count] = (seconds, peak_memory_mb(proc.pid))
            for context in heavy:
                context.close()
            proc.terminate()
            proc.wait(30)
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout to measure the same way")
    parser.add_argument("--counts", type=int, nargs="+", default=[0, 1, 6])
    args = parser.parse_args()
    links = {count: [heavy_link(seed=1000 + count * 10 + i) for i in range(count)] for count in args.counts}
    print(f"heavy link: support-bot, {RANGED_INPUTS} ranged inputs, {MAX_DRAWS:,} draws, "
          f"{len(links[max(links)][0]) if max(links) else 0:,} characters")
    results = {"this checkout": measure(ROOT, links)}
    if args.against:
        results[str(args.against)] = measure(args.against.resolve(), links)
    print(f"{'heavy links open':>18}  " + "  ".join(f"{name[:34]:>34}" for name in results))
    for count in links:
        cells = [f"first chart {r[count][0]:5.1f} s, peak {r[count][1]:5.0f} MB" for r in results.values()]
        print(f"{count:>18}  " + "  ".join(f"{c:>34}" for c in cells))


if __name__ == "__main__":
    main()
