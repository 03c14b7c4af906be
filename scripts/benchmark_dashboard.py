"""Prints how fast the dashboard is on this machine: AppTest reruns of each page, a cold first
chart in a real browser, and input change -> redrawn chart. Figures, not pass/fail.

    bash scripts/dev.sh bench
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CROSSOVER_CHROMIUM", "/usr/bin/chromium")
PAGES = ["break_even", "cost_breakdown", "latency", "tokens", "editor", "library", "catalog"]


def apptest_reruns(repeat: int = 5) -> None:
    from streamlit.testing.v1 import AppTest
    print("Full rerun of each page (AppTest, warm caches, median of 5):")
    for name in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        at.switch_page(f"app_pages/{name}.py").run()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - start) * 1e3)
        status = "error" if at.exception else "ok"
        print(f"  {name:<16} {statistics.median(times):7.1f} ms  ({status})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_timings(changes: int = 15) -> None:
    if not Path(CHROMIUM).exists():
        print(f"\nBrowser timings skipped: no Chromium at {CHROMIUM}")
        return
    from playwright.sync_api import sync_playwright
    port = free_port()
    env = {**os.environ, "CROSSOVER_SCENARIO_DIR": tempfile.mkdtemp()}
    server = subprocess.Popen(
        [sys.executable, "scripts/serve.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=60_000)
            cold = (time.perf_counter() - start) * 1e3
            print(f"\nCold first chart (fresh server started by scripts/serve.py, first browser visit): "
                  f"{cold:,.0f} ms (aim < 2,500 ms)")
            warm = []
            for _ in range(3):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                fresh = context.new_page()
                start = time.perf_counter()
                fresh.goto(url)
                fresh.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=60_000)
                warm.append((time.perf_counter() - start) * 1e3)
                context.close()
            print(f"First chart for a new visitor of a running server: median {statistics.median(warm):,.0f} ms")
            box = page.locator("[data-testid='stSidebar'] input[aria-label='Queries per month']")
            times = []
            for i in range(changes):
                value = 400_000 + (i + 1) * 1_000
                label = f"{value / 1e3:.0f}k/month"
                box.fill(str(value))
                start = time.perf_counter()
                box.press("Enter")
                page.wait_for_function(
                    "label => [...document.querySelectorAll('.annotation-text')].some(e => e.textContent.includes(label))",
                    arg=label, timeout=30_000, polling="raf")
                times.append((time.perf_counter() - start) * 1e3)
            print(f"Input change -> chart redrawn ({changes} changes): median {statistics.median(times):,.0f} ms, "
                  f"min {min(times):,.0f}, max {max(times):,.0f} (aim < 300 ms)")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    os.environ.setdefault("CROSSOVER_SCENARIO_DIR", tempfile.mkdtemp())
    apptest_reruns()
    browser_timings()
