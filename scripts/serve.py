"""Start the dashboard with the model already loaded: `python scripts/serve.py [streamlit flags]`.

`streamlit run app.py` imports NumPy, pandas, Plotly, pydantic, the catalog and tiktoken's BPE files
only when the first visitor arrives, so the first chart waits for all of it. Importing them here,
in the same process and before the server starts, moves that wait to start-up.

It always runs headless, so it starts unattended (a CI job, a service, ``nohup``, a container): a
non-headless Streamlit asks for an e-mail on its first run and exits with code 255 when no terminal
answers. ``CROSSOVER_PORT`` (default 8501) and ``CROSSOVER_ADDRESS`` (default: every interface)
choose where it listens; ``CROSSOVER_OPEN_BROWSER=1`` opens the dashboard in the default browser once
the server answers. Streamlit flags given on the command line win over all three.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def warm() -> None:
    import plotly.graph_objects  # noqa: F401  (the pages' heaviest imports)

    from pricing.catalog import default_catalog
    from simulator.scenario import load_scenario
    from simulator.model.tokens import encoding

    catalog = default_catalog()
    for name in ("o200k_base", "cl100k_base"):
        encoding(name)
    import ui.charts  # noqa: F401
    from app_pages import state
    from simulator.analysis.montecarlo import simulate

    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path, catalog)
        ev = state.prepare(scenario)  # the dashboard's own caches; also fills the token-count cache
        if scenario.ranges and ev.feasible:  # the landing page's Monte Carlo, ready before the first visit
            state.remember_simulation(scenario, simulate(ev))


def server_flags(argv: list[str], env) -> tuple[list[str], str]:
    """Streamlit flags from ``CROSSOVER_PORT`` / ``CROSSOVER_ADDRESS`` and headless mode, before the
    caller's own flags (which win), and the URL the dashboard answers on."""
    def given(flag: str) -> str | None:
        for i, arg in enumerate(argv):
            if arg == flag and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith(flag + "="):
                return arg.split("=", 1)[1]
        return None

    flags = [] if given("--server.headless") else ["--server.headless", "true"]
    # Streamlit's own welcome lists an "External URL" it asks checkip.amazonaws.com for: a network
    # call at every start, on machines that may reach nothing. The line printed here says the URL.
    if not given("--logger.hideWelcomeMessage"):
        flags += ["--logger.hideWelcomeMessage", "true"]
    port = given("--server.port") or env.get("CROSSOVER_PORT", "8501")
    if not given("--server.port"):
        flags += ["--server.port", port]
    address = given("--server.address") or env.get("CROSSOVER_ADDRESS")
    if address and not given("--server.address"):
        flags += ["--server.address", address]
    host = "localhost" if address in (None, "", "0.0.0.0") else address
    return flags + argv, f"http://{host}:{port}/"


def open_when_ready(url: str) -> None:
    """Open ``url`` in the default browser once the server's health check answers (at most 2 min)."""
    import threading
    import time
    import urllib.request
    import webbrowser

    def wait_and_open():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2):
                    webbrowser.open(url)
                    return
            except OSError:
                time.sleep(0.5)

    threading.Thread(target=wait_and_open, daemon=True).start()


if __name__ == "__main__":
    import os

    flags, url = server_flags(sys.argv[1:], os.environ)
    print(f"Crossover: loading the model, then serving {url} (CROSSOVER_PORT / CROSSOVER_ADDRESS change it)",
          flush=True)
    warm()
    from streamlit.web import cli

    if os.environ.get("CROSSOVER_OPEN_BROWSER", "").lower() in ("1", "true", "yes"):
        open_when_ready(url)
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *flags]
    sys.exit(cli.main())
