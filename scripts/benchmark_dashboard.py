"""Prints how fast the dashboard is on this machine: AppTest reruns of each page, then, in a real
browser, Crossover side by side with a comparable public Streamlit calculator and with a bare
Streamlit page holding one Plotly chart (the floor for a Plotly page on this machine; Crossover's
landing chart is an SVG drawn on the server, ui/svg_chart.py). Figures, not pass/fail. Every server
gets the same flags (STREAMLIT_FLAGS), so only the apps differ.

    bash scripts/dev.sh bench
    python scripts/benchmark_dashboard.py --peer /tmp/peer --browser-only

The peer is AmelieChatelain/long-context-surely-killed-RAG, a Streamlit cost calculator that needs
only Streamlit; its code is never copied here, only run from a work tree given by ``--peer`` (or
found at ``PEER_DEFAULT``). The servers run one after another, never at once, so they do not compete
for the cores; other load on the machine still moves the figures (``uptime`` is printed with them):
compare within one run.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CROSSOVER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
PAGES = ["break_even", "cost_breakdown", "latency", "tokens", "editor", "library", "catalog"]
PEER_REPO = "AmelieChatelain/long-context-surely-killed-RAG"
PEER_DEFAULT = Path("/tmp/peer")
VIEWPORT = {"width": 1400, "height": 1000}
QUIET_MS = 500  # a rerun is over once the websocket has been silent this long after the redraw
# The same flags for every server, so only the apps differ.
STREAMLIT_FLAGS = ["--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats",
                   "false", "--server.fileWatcherType", "none", "--logger.hideWelcomeMessage", "true"]

# The floor: one number input driving one Plotly chart about the size of Crossover's break-even chart
# (four lines and four bands of a few hundred points), in a page that does nothing else.
BARE_PAGE = '''
import numpy as np
import plotly.graph_objects as go
import streamlit as st

scale = st.number_input("Scale", min_value=1.0, value=1.0, step=1.0)
x = np.geomspace(1e3, 1e9, 300)
fig = go.Figure()
for i in range(4):
    y = scale * (100 * (i + 1) + x * 1e-3 / (i + 1))
    fig.add_trace(go.Scatter(x=x, y=y * 0.8, mode="lines", line=dict(width=0), showlegend=False))
    fig.add_trace(go.Scatter(x=x, y=y * 1.2, mode="lines", line=dict(width=0), fill="tonexty"))
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=f"setup {i}"))
fig.add_annotation(x=6, y=1, yref="paper", showarrow=False, text=f"scale {scale:.0f}")
fig.update_layout(xaxis=dict(type="log"), yaxis=dict(type="log"), height=520)
st.plotly_chart(fig)
'''

CHART = "[data-testid='stPlotlyChart'] .main-svg"
# Crossover's break-even chart is an SVG drawn on the server (ui/svg_chart.py); its volume label moves.
CROSSOVER_CHART = "[data-testid='xo-chart'] svg"
PEER_RESULT = ".metric-value"


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


@dataclass
class App:
    """A server to start and how to tell, in its page, that a result is shown and that a change
    of one number input has been drawn."""

    name: str
    command: Callable[[int], list[str]]  # port -> argv
    cwd: Path
    first_result: str  # CSS selector of the first result
    change: Callable  # (page, i) -> a JS predicate (string) and its argument, true once redrawn
    env: dict = field(default_factory=dict)


def crossover_change(page, i: int):
    value = 400_000 + (i + 1) * 1_000
    box = page.locator("[data-testid='stSidebar'] input[aria-label='Queries per month']")
    box.fill(str(value))
    box.press("Enter")
    return ("label => [...document.querySelectorAll('.xo-overlay .volume-label')].some(e => e.textContent.includes(label))",
            f"your volume: {value / 1e3:.0f}k/month")


def peer_change(page, i: int):
    before = page.locator(PEER_RESULT).evaluate_all("els => els.map(e => e.textContent).join('|')")
    box = page.locator("input[aria-label='Requests per Day']")
    box.fill(str(1_000 + (i + 1) * 100))
    box.press("Enter")
    return ("before => [...document.querySelectorAll('.metric-value')].map(e => e.textContent).join('|') !== before",
            before)


def bare_change(page, i: int):
    box = page.locator("input[aria-label='Scale']")
    box.fill(str(i + 2))
    box.press("Enter")
    return ("label => [...document.querySelectorAll('.annotation-text')].some(e => e.textContent === label)",
            f"scale {i + 2}")


def wait_for_health(url: str, deadline_s: float = 120) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no answer from {url} within {deadline_s:.0f} s")


class WebsocketBytes:
    """Counts the bytes the page receives over Streamlit's websocket."""

    def __init__(self, page):
        self.total = 0
        self.last_frame = time.perf_counter()
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, payload) -> None:
        self.total += len(payload.encode() if isinstance(payload, str) else payload)
        self.last_frame = time.perf_counter()

    def wait_quiet(self, page, quiet_ms: int = QUIET_MS, timeout_s: float = 30) -> None:
        """Until no frame has arrived for ``quiet_ms`` (Playwright delivers events while it waits)."""
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            if (time.perf_counter() - self.last_frame) * 1e3 >= quiet_ms:
                return
            page.wait_for_timeout(50)


def measure(app: App, browser, sessions: int, changes: int) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tempfile.NamedTemporaryFile("w", prefix=f"bench-{app.name}-", suffix=".log", delete=False)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    counter = WebsocketBytes(page)
    start = time.perf_counter()
    server = subprocess.Popen(app.command(port), cwd=app.cwd, env={**os.environ, **app.env},
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_health(url)
        page.goto(url)
        page.wait_for_selector(app.first_result, timeout=120_000)
        launch = (time.perf_counter() - start) * 1e3
        counter.wait_quiet(page)
        first_session_kb = counter.total / 1e3

        new_session = []
        for _ in range(sessions):
            fresh_context = browser.new_context(viewport=VIEWPORT)
            fresh = fresh_context.new_page()
            begin = time.perf_counter()
            fresh.goto(url)
            fresh.wait_for_selector(app.first_result, timeout=60_000)
            new_session.append((time.perf_counter() - begin) * 1e3)
            fresh_context.close()

        redraw, received = [], []
        for i in range(changes):
            counter.wait_quiet(page)
            before = counter.total
            begin = time.perf_counter()
            predicate, arg = app.change(page, i)
            page.wait_for_function(predicate, arg=arg, timeout=60_000, polling="raf")
            redraw.append((time.perf_counter() - begin) * 1e3)
            counter.wait_quiet(page)  # the rest of the rerun (tables below the chart) counts too
            received.append((counter.total - before) / 1e3)
        return {"launch": launch, "session": statistics.median(new_session), "redraw": statistics.median(redraw),
                "redraw_range": (min(redraw), max(redraw)), "kb": statistics.median(received),
                "first_kb": first_session_kb}
    finally:
        context.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def find_peer(given: str | None) -> Path | None:
    candidate = Path(given) if given else PEER_DEFAULT
    return candidate if (candidate / "app.py").exists() and (candidate / "src").is_dir() else None


def browser_comparison(peer_dir: Path | None, sessions: int, changes: int) -> None:
    if not Path(CHROMIUM).exists():
        print(f"\nBrowser timings skipped: no Chromium at {CHROMIUM}")
        return
    from playwright.sync_api import sync_playwright
    bare = Path(tempfile.mkdtemp()) / "bare_plotly_page.py"
    bare.write_text(textwrap.dedent(BARE_PAGE))
    streamlit = [sys.executable, "-m", "streamlit", "run"]
    apps = [App("Crossover", lambda port: [sys.executable, "scripts/serve.py", "--server.port", str(port),
                                             *STREAMLIT_FLAGS],
                ROOT, CROSSOVER_CHART, crossover_change, env={"CROSSOVER_DATA_DIR": tempfile.mkdtemp()})]
    if peer_dir is not None:
        apps.append(App("peer", lambda port: [*streamlit, "app.py", "--server.port", str(port), *STREAMLIT_FLAGS],
                        peer_dir, PEER_RESULT, peer_change))
    else:
        print(f"\nPeer skipped: no work tree at {PEER_DEFAULT} (or --peer DIR). To get it:\n"
              f"  mkdir -p {PEER_DEFAULT} && git -C /work/.mirror/AmelieChatelain+long-context-surely-killed-RAG/repo "
              f"archive HEAD | tar -x -C {PEER_DEFAULT}\n  (or git clone https://github.com/{PEER_REPO} {PEER_DEFAULT})")
    apps.append(App("bare page", lambda port: [*streamlit, str(bare), "--server.port", str(port), *STREAMLIT_FLAGS],
                    bare.parent, CHART, bare_change))

    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for app in apps:  # one after another: never two servers at once
            print(f"  measuring {app.name}…", flush=True)
            results[app.name] = measure(app, browser, sessions, changes)
        browser.close()
    print_table(results, sessions, changes)


def print_table(results: dict, sessions: int, changes: int) -> None:
    names = list(results)
    ours, peer, bare = results["Crossover"], results.get("peer"), results["bare page"]
    targets = {
        "launch": f"≤ {2 * bare['launch']:,.0f} ms (2 × bare page)",
        "session": f"≤ {peer['session']:,.0f} ms (peer)" if peer else "≤ peer's (peer not run)",
        "redraw": f"≤ {peer['redraw']:,.0f} ms (peer)" if peer else "≤ peer's (peer not run)",
        "kb": "≤ 100 KB",
        "first_kb": "",
    }
    rows = [
        ("launch", "server launch → first result/chart", "{:,.0f} ms"),
        ("session", f"new session → first result/chart (median of {sessions})", "{:,.0f} ms"),
        ("redraw", f"change one number → redrawn (median of {changes})", "{:,.0f} ms"),
        ("kb", "received over the websocket per change (median)", "{:,.1f} KB"),
        ("first_kb", "received by the first session", "{:,.0f} KB"),
    ]
    load = os.getloadavg()
    print(f"\nSide by side ({time.strftime('%Y-%m-%d %H:%M')}, load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f} on {os.cpu_count()} cores):")
    widths = [52, *[max(14, len(n) + 2) for n in names], 0]
    print("".join(h.ljust(w) for h, w in zip(["", *names, "Crossover's target"], widths)))
    for key, label, form in rows:
        cells = [form.format(results[n][key]) for n in names]
        print("".join(c.ljust(w) for c, w in zip([label, *cells, targets[key]], widths)))
    low, high = ours["redraw_range"]
    print(f"Crossover's change → redrawn ranged {low:,.0f}–{high:,.0f} ms. Crossover's first result is its "
          "break-even chart (an SVG); the peer's its first metric card; the bare page's its one Plotly chart.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", help=f"work tree of {PEER_REPO} (default: {PEER_DEFAULT} if there)")
    parser.add_argument("--sessions", type=int, default=3, help="new sessions to time (median)")
    parser.add_argument("--changes", type=int, default=12, help="number changes to time (median)")
    parser.add_argument("--browser-only", action="store_true", help="skip the AppTest reruns")
    args = parser.parse_args()
    os.environ.setdefault("CROSSOVER_DATA_DIR", tempfile.mkdtemp())  # never the user's saved work
    if not args.browser_only:
        apptest_reruns()
    if args.peer and find_peer(args.peer) is None:
        sys.exit(f"--peer {args.peer}: not a work tree of {PEER_REPO} (no app.py and src/)")
    browser_comparison(find_peer(args.peer), max(3, args.sessions), max(10, args.changes))
