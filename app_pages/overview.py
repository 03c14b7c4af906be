"""Overview: the default scenario's four setups at a chosen volume, straight from the simulator."""

from pathlib import Path

import streamlit as st

from pricing.catalog import default_catalog
from simulator.evaluate import evaluate
from simulator.scenario import ScenarioError, load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "support-bot.yaml"


@st.cache_data(show_spinner=False)
def _result(path: str, volume: float) -> dict:
    catalog = default_catalog()
    return evaluate(load_scenario(path, catalog), catalog).to_dict(volume)


try:
    base = load_scenario(DEFAULT_SCENARIO, default_catalog())
except ScenarioError as exc:
    st.error(f"The default scenario cannot be loaded:\n\n{exc}")
    st.stop()

st.title("Crossover")
st.caption(base.description)
volume = st.number_input(
    "Queries per month", min_value=1.0, max_value=1e12, value=float(base.workload.queries_per_month),
    step=10_000.0, format="%.0f", key="overview_volume",
)
result = _result(str(DEFAULT_SCENARIO), volume)
rows = []
for name, s in result["setups"].items():
    rows.append({
        "setup": name,
        "model": s["model"],
        "monthly cost (USD)": None if s["monthly_cost_usd"] is None else round(s["monthly_cost_usd"]),
        "cost per query (USD)": s["cost_per_query_usd"],
        "p95 latency (ms)": None if s["latency_ms"] is None else round(s["latency_ms"]["p95"]),
    })
st.metric("Cheapest at this volume", result["cheapest_setup"] or "none feasible")
st.dataframe(rows, hide_index=True)
