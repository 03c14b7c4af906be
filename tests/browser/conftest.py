"""A real `streamlit run` server on a free local port, and the Debian chromium driven by Playwright."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("CROSSOVER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def saved_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("saved")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The server's database: a SQLite file of this run's own, never the user's data folder."""
    return f"sqlite:///{tmp_path_factory.mktemp('data') / 'crossover.db'}"


@contextlib.contextmanager
def streamlit_server(env: dict, log_name: str, *flags: str, port: int | None = None):
    """scripts/serve.py on ``port`` (default: a free one) with ``env`` (added to this process's) and
    extra Streamlit ``flags``; yields its URL once the health check answers, and stops it after.
    ``env`` must name the database: without it the server would use the user's data folder's."""
    assert "CROSSOVER_DATABASE_URL" in env, "give the test server a database of its own"
    port = port or free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS.parent / log_name, "w")
    proc = subprocess.Popen(
        [sys.executable, "scripts/serve.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         # Serve the code the run started with: a file saved during a run would make Streamlit drop
         # modules from sys.modules while sessions import them (a run failed that way).
         "--server.fileWatcherType", "none", *flags],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{url}/_stcore/health", proc,
                           f"streamlit did not start within 60 s; see test-artifacts/{log_name}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_until_answers(url: str, proc: subprocess.Popen, failure: str, timeout_s: float = 60) -> None:
    """Poll ``url`` until it answers 200; fail with ``failure`` if ``proc`` exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail(failure)


@pytest.fixture(scope="session")
def server(saved_dir, database_url):
    with streamlit_server({"CROSSOVER_SCENARIO_DIR": str(saved_dir), "CROSSOVER_DATABASE_URL": database_url},
                          "streamlit-server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (scripts/dev.sh does it as root)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def shot(request):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(page, step: str):
        path = ARTIFACTS / f"{request.node.name}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return take


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(30_000)
    yield p
    context.close()


def wait_for_chart(page):
    """A Plotly chart, or the landing page's break-even chart (an SVG drawn on the server), is drawn."""
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg, [data-testid="xo-chart"] svg', timeout=30_000)
