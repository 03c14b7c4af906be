"""Break-even: monthly cost of the four setups across query volume, crossings marked and explained."""

import pandas as pd
import streamlit as st

from app_pages import charts, fmt, state, summary

ev = state.evaluation()
scenario = ev.scenario
q0 = scenario.workload.queries_per_month

st.title("Break-even")
st.caption(scenario.description or scenario.name)

lo, hi = state.view_range()
st.markdown(" ".join(summary.conclusions(ev, lo, hi)),
            help="Feasible setups only. Costs include people and amortised one-time costs.")
for line in summary.infeasible(ev):
    st.warning(line)

# The chart goes out before the controls below it, so the browser starts drawing it first.
st.plotly_chart(charts.break_even_figure(ev, lo, hi), key="break_even_chart", width="stretch")
st.select_slider(
    "Chart range (queries per month)", options=state.RANGE_OPTIONS, key=state.RANGE_KEY, value=(lo, hi),
    format_func=fmt.volume, help="The chart's horizontal range. Break-even points are solved over 1 to 1e12.",
    on_change=lambda: state.set_view_range(st.session_state[state.RANGE_KEY]),
)

st.subheader("Where the setups cross")
rows = []
for b in ev.break_even:
    other = b.b if b.cheaper_at_low_volume == b.a else b.a
    first = b.first
    rows.append({
        "setups": f"{fmt.setup(b.a)} vs {fmt.setup(b.b)}",
        "first crossing (queries/month)": "never (1 to 1e12)" if first is None else f"{first:,.0f}",
        "cheaper below it": fmt.setup(b.cheaper_at_low_volume) if b.cheaper_at_low_volume else "equal",
        "cheaper above it": "–" if first is None else fmt.setup(other),
        "further crossings": ("many (within one GPU step of each other)" if b.truncated
                              else str(max(0, len(b.crossings) - 1))),
    })
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

st.subheader(f"At {fmt.volume(q0)} queries/month")
result = ev.to_dict()["setups"]
table = pd.DataFrame([
    {
        "setup": fmt.setup(name),
        "model": s["model"] + (" (self-hosted)" if s["hosting"] != "api" else ""),
        "monthly cost": fmt.usd_month(s["monthly_cost_usd"]) if s["feasible"] else "infeasible",
        "cost per query": fmt.usd(s["cost_per_query_usd"]) if s["feasible"] else "–",
        "one-time cost": fmt.usd(s["one_time_cost_usd"]) if s["feasible"] else "–",
        "p50 / p95 latency": f"{fmt.ms(s['latency_ms']['p50'])} / {fmt.ms(s['latency_ms']['p95'])}" if s["feasible"] else "–",
        "tokens in / out per query": f"{fmt.tokens(s['input_tokens_per_query'])} / {fmt.tokens(s['output_tokens_per_query'])}",
    }
    for name, s in result.items()
])
st.dataframe(table, hide_index=True, width="stretch")
st.caption("Figures marked as assumptions in the catalog are listed per setup on the cost breakdown page.")
