"""Cost breakdown at the chosen volume: parts, one-time costs, payback, cumulative cost over time."""

import pandas as pd
import streamlit as st

from app_pages import state
from simulator.model.parts import PARTS
from ui import charts, figure_links, fmt

ev = state.evaluation()
scenario = ev.scenario
w = scenario.workload
result = ev.to_dict()
setups = result["setups"]
link_params = state.url_params()  # a figure's catalog link keeps this scenario

st.title("Cost breakdown")
st.markdown(f"At **{fmt.volume(w.queries_per_month)} queries/month** (change it in the sidebar). "
            f"One-time costs are spread over the **{w.horizon_months}-month horizon** in the monthly figures.")

columns = st.columns(4)
for column, (name, s) in zip(columns, setups.items()):
    with column:
        st.markdown(f"#### {fmt.setup(name)}")
        st.caption(f"{s['model']} · {s['hosting']}")
        if not s["feasible"]:
            st.error("Infeasible: " + " ".join(ev.setups[name].problems))
            continue
        st.metric("Monthly cost", fmt.usd_month(s["monthly_cost_usd"]),
                  help="Every part below, one-time costs amortised over the horizon included.")
        st.metric("Cost per query", fmt.usd(s["cost_per_query_usd"]))
        if "usd_per_conversation" in s:
            st.metric("Cost per conversation", fmt.usd(s["usd_per_conversation"]),
                      help=f"{result['turns_per_conversation']:g} turns (queries) per conversation, each "
                           "re-sending what earlier turns carry forward; cost per query is their average.")
        st.metric("One-time cost", fmt.usd(s["one_time_cost_usd"]),
                  help="Building work, first training, labelling and first embedding; undiscounted.")
        payback = s["payback_months_vs_prompt_only"]
        if name != "prompt_only":
            st.metric("Pays back vs prompt-only", fmt.months(payback, ev.scenario.workload.horizon_months),
                      help="Months until lower running costs repay the extra one-time cost, with the scenario's growth.")
        for warning in ev.setups[name].risks:
            st.warning(warning, icon="⚠️")
        for warning in figure_links.aged_warnings(ev.setups[name].figures_used, w.start_date, link_params):
            st.warning(warning, icon="⚠️")
        assumed = ev.setups[name].assumed_figures
        if assumed:
            with st.expander(f"{len(assumed)} assumed figures"):
                st.markdown("\n".join(figure_links.assumed_lines(assumed, link_params)))

feasible = {name: s["cost_breakdown_usd"] for name, s in setups.items() if s["feasible"]}
if not feasible:
    state.end_page()

st.subheader("Monthly cost by part")
st.plotly_chart(charts.breakdown_figure(feasible), key="breakdown_chart", width="stretch")
table = pd.DataFrame({fmt.setup(n): [parts[p] for p in PARTS] for n, parts in feasible.items()},
                     index=[fmt.PART_LABELS[p] for p in PARTS])
table.loc["Total"] = [setups[n]["monthly_cost_usd"] for n in feasible]
st.dataframe(table.map(fmt.usd), width="stretch", height=fmt.table_height(len(table)))

st.subheader("One-time costs")
one_time = pd.DataFrame({fmt.setup(n): setups[n]["one_time_breakdown_usd"] for n in feasible}).fillna(0.0)
one_time.index = [i.replace("_", " ").capitalize() for i in one_time.index]
one_time.loc["Total"] = [setups[n]["one_time_cost_usd"] for n in feasible]
one_time.loc[f"Amortised per month ({w.horizon_months} months)"] = [
    setups[n]["cost_breakdown_usd"]["one_time_amortised"] for n in feasible]
st.dataframe(one_time.map(fmt.usd), width="stretch", height=fmt.table_height(len(one_time)))

st.subheader("Cumulative cost over the horizon")
growth = f"{w.monthly_growth:+.0%}/month" if w.monthly_growth else "no growth"
st.caption(f"Volume starts at {fmt.volume(w.queries_per_month)} queries/month with {growth}; "
           "one-time costs are paid in the first month.")
st.plotly_chart(charts.cumulative_figure({n: ev.cumulative_cost(n) for n in feasible}, str(w.start_date)),
                key="cumulative_chart", width="stretch")
totals = {fmt.setup(n): fmt.usd(setups[n]["cumulative_cost_usd"]) for n in feasible}
st.markdown("Total over the horizon: " + " · ".join(f"**{k}** {v}" for k, v in totals.items()))
