"""Sensitivity: which ranged inputs move the costs and the break-even most, and what would change the answer."""

import math

import pandas as pd
import streamlit as st

from app_pages import state
from simulator.analysis import answer
from simulator.analysis.sensitivity import BREAK_EVEN_PAIR, Tornado, tornado, what_would_change
from ui import charts_uncertainty, fmt

ev = state.evaluation()
scenario = ev.scenario
q0 = scenario.workload.queries_per_month

st.title("Sensitivity")
st.caption("Each ranged input is swung to the ends of its range (low and high; P5 and P95 for a lognormal) "
           "while every other input stays at its point value. The longest bars are the guesses worth "
           "checking before the meeting.")

if not scenario.ranges:
    st.info("Every input of this scenario is a single value, so there is nothing to swing. Give the guesses a "
            "range in the **Scenario editor**'s Uncertainty tab.")
    state.end_page()
if not ev.feasible:
    st.warning("No setup is feasible for this scenario: see the cost breakdown page.")
    state.end_page()

result = tornado(ev)
pair_key = next((k for k in result.bars if k.startswith("break_even:")), None)
outputs = {Tornado.cost_key(name): f"Monthly cost of {fmt.setup(name)} at {fmt.volume(q0)} queries/month"
           for name in ev.feasible}
if pair_key:
    outputs[pair_key] = f"{fmt.setup(BREAK_EVEN_PAIR[0])} vs {fmt.setup(BREAK_EVEN_PAIR[1])} break-even volume"
pick = answer.headline(ev)  # "the answer" below is the one every page leads with
among = pick.allowed or None  # nothing meets the requirements: the cheapest feasible setup
cheapest = ev.cheapest(q0, among=among)
state.bind("sens_output", st.session_state.get("sens_output") if st.session_state.get("sens_output") in outputs
           else Tornado.cost_key(cheapest))
chosen = st.selectbox("What moves", list(outputs), format_func=outputs.get, key="sens_output")
is_volume = chosen == pair_key
unit = "Break-even (queries/month)" if is_volume else "Monthly cost (USD)"
base = result.base[chosen]
st.markdown(f"At the point values: **{fmt.volume(base) if is_volume else fmt.usd_month(base)}**"
            if math.isfinite(base) else "At the point values the two setups never cross between 1 and 1e12 queries/month.")
st.plotly_chart(charts_uncertainty.tornado_figure(result, chosen, fmt.input_label, fmt.input_value, unit,
                                                  title=f"What moves it most: {outputs[chosen]}"),
                key="tornado", width="stretch")


def shown(x: float) -> str:
    if not math.isfinite(x):
        return "never cross"
    return f"{x:,.0f}" if is_volume else fmt.usd_month(x)


st.dataframe(pd.DataFrame([
    {
        "input": fmt.input_label(bar.path),
        "range swung": f"{fmt.input_value(bar.path, bar.low)} to {fmt.input_value(bar.path, bar.high)}",
        "at the low end": shown(bar.at_low),
        "at the high end": shown(bar.at_high),
        "swing": "exists at one end only" if math.isinf(bar.swing) else (
            f"{bar.swing:,.0f}" if is_volume else fmt.usd_month(bar.swing)),
    }
    for bar in result.bars[chosen]
]), hide_index=True, width="stretch")

st.subheader("What would change the answer")
st.caption(f"At {fmt.volume(q0)} queries/month **{fmt.setup(cheapest)}** is the cheapest "
           + ("that meets the requirements " if pick.restricted and pick.allowed else "") + "at the point values. "
           "For the inputs that move costs most, the value at which another setup becomes the cheapest "
           "(everything else at its point value), searched within each input's range.")
changes = what_would_change(ev, ranking=result, among=among)


def change(side) -> str:
    if side is None:
        return "no change within the range"
    value, winner = side
    return f"{fmt.setup(winner) if winner else 'no setup'} at {fmt.input_value(path, value)}"


rows = []
for item in changes:
    path = item.path
    rows.append({
        "input": fmt.input_label(path),
        "point value": fmt.input_value(path, item.point),
        "range": f"{fmt.input_value(path, item.low)} to {fmt.input_value(path, item.high)}",
        "lower, cheapest becomes": change(item.below),
        "higher, cheapest becomes": change(item.above),
    })
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
flips = [item for item in changes if item.below or item.above]
if not flips:
    st.success(f"No single input within its range changes the answer: **{fmt.setup(cheapest)}** stays cheapest.")
