"""Start the dashboard with the model already loaded: `python scripts/serve.py [streamlit flags]`.

`streamlit run app.py` imports NumPy, pandas, Plotly, pydantic, the catalog and tiktoken's BPE files
only when the first visitor arrives, so the first chart waits for all of it. Importing them here,
in the same process and before the server starts, moves that wait to start-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def warm() -> None:
    import plotly.graph_objects  # noqa: F401  (the pages' heaviest imports)

    from pricing.catalog import default_catalog
    from simulator.model.evaluate import evaluate
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
        ev = evaluate(scenario, catalog)  # also fills the token-count cache for the examples
        if scenario.ranges and ev.feasible:  # the landing page's Monte Carlo, ready before the first visit
            state.remember_simulation(scenario, simulate(ev))


if __name__ == "__main__":
    warm()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(cli.main())
