"""Break-even: monthly cost of the four setups across query volume, crossings marked and explained."""

import pandas as pd
import streamlit as st

from app_pages import state
from simulator.analysis import answer
from simulator.analysis.montecarlo import BAND_DRAWS, LATENCY_DRAWS
from ui import charts, charts_uncertainty, fmt, summary, svg_chart

CHARTS_KEY = "uncertainty_charts"
INTERACTIVE_KEY = "interactive_break_even"
DRAW_OPTIONS = [500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000]

ev = state.evaluation()
scenario = ev.scenario
q0 = scenario.workload.queries_per_month

st.title("Break-even")
st.caption(fmt.plain(scenario.description or scenario.name))

lo, hi = state.view_range()
pick = answer.headline(ev)  # the one answer: the cheapest setup that meets the requirements
st.markdown(" ".join(summary.conclusions(ev, lo, hi, pick)),
            help="Feasible setups that meet the requirements (the Decision page's questionnaire) only. "
                 "Costs include people and amortised one-time costs.")
for line in summary.infeasible(ev):
    st.warning(line)

uncertain = bool(scenario.ranges) and bool(ev.feasible)
lines_slot = st.empty()
chart_slot = st.empty()
# The figures below do not change with the volume: each is built once (state.figure) and a volume
# change only moves its marker.
marker = charts.volume_marker(q0, lo, hi)
# Which setups are marked ruled out can change with the volume (a latency budget at peak load), so it
# is part of each figure's key.
marked = (tuple(sorted(pick.ruled_out)), pick.allowed)


def draw(name: str, build) -> None:
    """The break-even chart (the figure ``build`` makes, kept as ``name``) as an SVG drawn on the server,
    with the volume marker over it (issue 13: no 4.7 MB plotly.js to load before a new session's first
    chart, and a volume change redraws only the marker), or, on request, in Plotly to zoom and hover."""
    figure = state.figure(name, build, lo, hi, marked)
    if st.session_state.get(INTERACTIVE_KEY):
        chart_slot.plotly_chart(figure.update_layout(marker), key=name, width="stretch")
        return
    drawing = state.figure(f"{name}_svg", lambda: svg_chart.Drawing(figure), lo, hi, marked)
    with chart_slot.container():
        st.markdown(drawing.svg, unsafe_allow_html=True)
        st.markdown(drawing.overlay(marker), unsafe_allow_html=True)


if not (uncertain and state.simulation_ready()):
    # The chart goes out before a Monte Carlo that still has to run, so the browser starts drawing it
    # first; the uncertainty bands replace it once the draws are in.
    draw("break_even_chart", lambda: charts.break_even_figure(ev, lo, hi, pick=pick, mark_volume=False))
sim = state.simulation(status=lines_slot) if uncertain else None  # the wait shows above the chart


def lines_and_bands():
    figure = charts.break_even_figure(ev, lo, hi, pick=pick, mark_volume=False)
    charts_uncertainty.add_bands(figure, sim, lo, hi)
    figure.data = figure.data[-2 * len(sim.setups):] + figure.data[:-2 * len(sim.setups)]  # bands behind lines
    return figure


if sim is not None:
    draw("break_even_chart_bands", lines_and_bands)
    lines_slot.markdown(" ".join(summary.uncertainty(ev, sim, pick)),
                        help="Percentiles over the Monte Carlo draws of every ranged input; the lines and "
                             "the numbers above use the point (likely) values.")
range_column, zoom_column = st.columns([4, 1], vertical_alignment="bottom")
range_column.select_slider(
    "Chart range (queries per month)", options=state.RANGE_OPTIONS, key=state.RANGE_KEY, value=(lo, hi),
    format_func=fmt.volume, help="The chart's horizontal range. Break-even points are solved over 1 to 1e12.",
    on_change=lambda: state.set_view_range(st.session_state[state.RANGE_KEY]),
)
zoom_column.toggle("Zoom and hover", key=INTERACTIVE_KEY,
                   help="The same chart drawn with Plotly: zoom, pan and a hover on every point (slower to "
                        "open). Without it, hovering a line shows its cost parts at about 25 volumes.")

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
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=fmt.table_height(len(rows)))

st.subheader(f"At {fmt.volume(q0)} queries/month")
evaluated = ev.to_dict()
result = evaluated["setups"]
table = pd.DataFrame([
    {
        "setup": fmt.setup(name),
        "model": s["model"] + (" (self-hosted)" if s["hosting"] != "api" else ""),
        "monthly cost": fmt.usd_month(s["monthly_cost_usd"]) if s["feasible"] else "infeasible",
        "cost per query": fmt.usd(s["cost_per_query_usd"]) if s["feasible"] else "–",
        # A conversation workload: a conversation is turns x queries (evaluate's usd_per_conversation).
        **({"per conversation": fmt.usd(s["usd_per_conversation"]) if s["feasible"] else "–"}
           if "usd_per_conversation" in s else {}),
        "one-time cost": fmt.usd(s["one_time_cost_usd"]) if s["feasible"] else "–",
        "p50 / p95 latency": f"{fmt.ms(s['latency_ms']['p50'])} / {fmt.ms(s['latency_ms']['p95'])}" if s["feasible"] else "–",
        "tokens in / out per query": f"{fmt.tokens(s['input_tokens_per_query'])} / {fmt.tokens(s['output_tokens_per_query'])}",
    }
    for name, s in result.items()
])
st.dataframe(table, hide_index=True, width="stretch", height=fmt.table_height(len(table)),
             column_config={"tokens in / out per query": st.column_config.TextColumn("tokens in / out")})
st.caption("Figures marked as assumptions in the catalog are listed per setup on the cost breakdown page.")

st.subheader("Uncertainty")
if not scenario.ranges:
    st.info("Every input of this scenario is a single value. Give the guesses a range (volume, retrieved "
            "tokens, prices, retraining interval...) in the **Scenario editor**'s Uncertainty tab to see "
            "cost bands, how sure each break-even is, and which setup is cheapest with what probability.")
elif not ev.feasible:
    st.warning("No setup is feasible, so there is nothing to simulate.")
elif sim is None:
    st.info("The Monte Carlo did not run (the reason is above the chart). Fewer draws or ranges make a "
            "run lighter: change them below or in the Scenario editor's Uncertainty tab.")
if sim is not None:
    ranged = ", ".join(fmt.input_label(p) for p in sorted(scenario.ranges))
    st.caption(f"Ranged inputs: {ranged}. Bands are P10–P90 over the draws (the first "
               f"{min(sim.draws, BAND_DRAWS):,}); latency percentiles over the first "
               f"{min(sim.draws, LATENCY_DRAWS):,} draws.")
    result = sim.add_to(evaluated, among=pick.allowed)
    odds = result["probability_cheapest"]
    st.dataframe(pd.DataFrame([
        {
            "setup": fmt.setup(name),
            "monthly cost at point values": fmt.usd_month(s["monthly_cost_usd"]),
            "P10 / P50 / P90": " / ".join(fmt.usd(s["monthly_cost_usd_percentiles"][k]) for k in ("p10", "p50", "p90")),
            f"cheapest {summary.AMONG}": "ruled out" if name in pick.ruled_out else f"{odds.get(name, 0):.0%} of draws",
            "feasible in": f"{s['probability_feasible']:.0%} of draws",
            "p95 latency P10–P90": fmt.interval(s["latency_ms_percentiles"]["p95"], fmt.ms),
        }
        for name, s in result["setups"].items() if s["monthly_cost_usd_percentiles"]
    ]), hide_index=True, width="stretch", column_config={  # short headers: every column fits at 1400 px
        "monthly cost at point values": st.column_config.TextColumn("at point values"),
        f"cheapest {summary.AMONG}": st.column_config.TextColumn(
            "cheapest (of allowed)", help=f"Share of the draws in which it is the cheapest {summary.AMONG}."),
    })
    # The three uncertainty charts are drawn on request: Plotly draws every chart of a run before it
    # paints the first, so these would hold back the break-even chart of every new session by seconds
    # (issue 13). Closed, the expander runs none of its code (on_change="rerun").
    charts_box = st.expander("Charts: the chance each setup is cheapest across volume, how sure each "
                             "break-even is, and the distribution of one", key=CHARTS_KEY, on_change="rerun")
    if charts_box.open:
        with charts_box:
            probability = state.figure("cheapest_probability",
                                       lambda: charts_uncertainty.probability_figure(sim, lo, hi, None, pick.ruled_out),
                                       lo, hi, marked)
            st.plotly_chart(probability.update_layout(charts.volume_marker(q0, lo, hi, label=False)),
                            key="cheapest_probability", width="stretch")
            st.plotly_chart(state.figure("break_even_spread", lambda: charts_uncertainty.break_even_spread_figure(ev, sim)),
                            key="break_even_spread", width="stretch")
            crossing_pairs = {f"{b.a}/{b.b}": b for b in ev.break_even
                              if sim.break_even_summary(b.a, b.b)["probability_crosses"]}
            if crossing_pairs:
                default = "rag/fine_tuned" if "rag/fine_tuned" in crossing_pairs else next(iter(crossing_pairs))
                chosen = st.selectbox("Distribution of the break-even between", list(crossing_pairs),
                                      index=list(crossing_pairs).index(default), key="mc_pair",
                                      format_func=lambda k: " and ".join(fmt.setup(n) for n in k.split("/")))
                pair = crossing_pairs[chosen]
                histogram = state.figure("break_even_histogram", lambda: charts_uncertainty.break_even_histogram_figure(
                    sim, pair.a, pair.b, pair.first), chosen)
                st.plotly_chart(histogram, key="break_even_histogram", width="stretch")
if uncertain:
    # A popover, not an expander: the browser draws a popover's widgets only when it opens, and these
    # two (a slider and a number box) redrawn on every volume change cost ~20 ms of it (issue 13).
    with st.popover("Monte Carlo settings: draws and seed"):
        state.bind("mc_draws", scenario.uncertainty.draws)
        st.select_slider("Draws", options=sorted({*DRAW_OPTIONS, scenario.uncertainty.draws}), key="mc_draws",
                         format_func=lambda n: f"{n:,}", width=360,
                         help="More draws, steadier percentiles; 100,000 takes about ten seconds.",
                         on_change=lambda: state.set_uncertainty(draws=st.session_state["mc_draws"]))
        state.bind("mc_seed", scenario.uncertainty.seed)
        st.number_input("Seed", min_value=0, max_value=2**32 - 1, step=1, key="mc_seed", width=360,
                        help="The same seed gives the same numbers; it is saved with the scenario and in the link.",
                        on_change=lambda: state.set_uncertainty(seed=int(st.session_state["mc_seed"])))
