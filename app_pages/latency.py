"""Latency: p50/p95 end to end per setup and its parts, growth with the prompt, self-hosted load."""

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import state
from simulator.analysis.montecarlo import LATENCY_DRAWS
from ui import charts_latency, fmt
from simulator.analysis.latency_curves import (PART_NAMES, latency_figures, latency_vs_prompt_size, latency_warnings,
                                      self_hosted_latency_vs_load)

PROMPT_KEY = "latency_added_prompt_tokens"
PROMPT_OPTIONS = [500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000]
PROMPT_DEFAULT = 10_000
PROMPT_POINTS = 41
LOADS = np.round(np.linspace(0.05, 0.95, 19), 2)  # 5% .. 95% in steps of 5%

ev = state.evaluation()
scenario = ev.scenario
q0 = scenario.workload.queries_per_month
feasible = ev.feasible


def _ms(x) -> str:
    return fmt.ms(float(x)) if np.isfinite(x) else "does not fit"


def _label(name: str) -> str:
    s = ev.setups[name]
    return f"{fmt.setup(name)} ({fmt.model_name(s.model)}{', self-hosted' if s.hosting != 'api' else ''})"


st.title("Latency")
st.caption("End to end per query: retrieval (RAG and hybrid), time to first token (TTFT), then generating the answer. "
           "p50 is the median query, p95 the one slower than 19 in 20. Percentiles come from 4,000 fixed-seed "
           "draws of query and answer lengths; nothing here is measured.")

for name in ev.setups:
    if name not in feasible:
        st.warning(f"**{fmt.setup(name)}** is not shown: {'; '.join(ev.setups[name].problems)}")
if not feasible:
    st.error("No setup is feasible for this scenario, so there is no latency to show.")
    state.end_page()

# --- At the scenario's prompt -----------------------------------------------------------------------

st.subheader("Per setup, split into its parts")
latencies = {name: ev.setups[name].latency for name in feasible}
st.plotly_chart(charts_latency.parts_figure(latencies), key="latency_parts_chart", width="stretch")
st.caption("Bars: each part's own percentile. Diamonds: the end-to-end percentile. At p95 the parts add up to more "
           "than the end-to-end figure, because a slow retrieval and a long answer rarely hit the same query. "
           f"Self-hosted models are shown in the peak hour of {fmt.volume(q0)} queries/month on the replicas the cost "
           "model buys for it (at most their target utilisation), without queueing (see the load chart below); "
           "API latency does not depend on the volume.")
rows = []
for name, lat in latencies.items():
    row = {"setup": _label(name), "p50 end to end": fmt.ms(lat.p50), "p95 end to end": fmt.ms(lat.p95)}
    for part in PART_NAMES:
        label = charts_latency.PART_LABELS[part].lower()
        row[f"{label} p50"] = fmt.ms(lat.parts_p50.get(part, 0.0))
        row[f"{label} p95"] = fmt.ms(lat.parts_p95.get(part, 0.0))
    rows.append(row)
# Labels short enough for all nine columns at 1400 px: each header names its part once.
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="latency_table", column_config={
    "p50 end to end": st.column_config.TextColumn("p50", help="End to end, the median query."),
    "p95 end to end": st.column_config.TextColumn("p95", help="End to end, the query slower than 19 in 20."),
    "time to first token p50": st.column_config.TextColumn("TTFT p50", help="Time to first token."),
    "time to first token p95": st.column_config.TextColumn("TTFT p95", help="Time to first token."),
})
sim = state.simulation() if scenario.ranges else None
if sim is not None:
    st.markdown(f"**With the ranges** ({min(sim.draws, LATENCY_DRAWS):,} draws, seed {sim.seed}): P10–P90 of "
                "each setup's p50 and p95 over the draws of the ranged inputs (token counts, speeds, top_k...).")
    st.dataframe(pd.DataFrame([
        {"setup": _label(name),
         **{f"{q} P10 / P50 / P90": " / ".join(fmt.ms(v) for v in spread[q].values())
            for q in ("p50", "p95") if (spread := sim.latency_percentiles(name)) and spread[q]}}
        for name in feasible
    ]), hide_index=True, width="stretch", key="latency_bands_table")

# --- Prompt growth ----------------------------------------------------------------------------------

st.subheader("As the prompt grows")
added = st.select_slider(
    "Prompt tokens added to every query", options=PROMPT_OPTIONS, value=PROMPT_DEFAULT, key=PROMPT_KEY,
    format_func=fmt.tokens,
    help="Extra uncached prompt content per query (more retrieved chunks, longer instructions, conversation "
         "history), in o200k_base tokens like every token count in the scenario. The chart runs from 0 to this.",
)
grid = np.linspace(0.0, float(added), PROMPT_POINTS)
curves, at_added, refused = {}, {}, {}
for name in feasible:
    try:
        curves[name] = latency_vs_prompt_size(ev, name, grid)
        at_added[name] = latency_vs_prompt_size(ev, name, float(added))
    except ValueError as exc:
        refused[name] = str(exc)
for name, reason in refused.items():
    st.warning(f"**{fmt.setup(name)}**: {reason}")
if curves:
    st.plotly_chart(charts_latency.prompt_growth_figure(curves), key="latency_prompt_chart", width="stretch")
    st.dataframe(pd.DataFrame([
        {"setup": _label(name),
         "p95 now": fmt.ms(ev.setups[name].latency.p95),
         f"p95 with +{fmt.tokens(added)} tokens": _ms(at_added[name].p95),
         f"p50 with +{fmt.tokens(added)} tokens": _ms(at_added[name].p50),
         f"TTFT p95 with +{fmt.tokens(added)}": _ms(at_added[name].parts_p95["time_to_first_token"])}
        for name in curves
    ]), hide_index=True, width="stretch", key="latency_prompt_table")
    notes = []
    for name, curve in curves.items():
        if not curve.fits.all():
            first = float(curve.x[~curve.fits][0])
            notes.append(f"**{fmt.setup(name)}**: from about +{fmt.tokens(first)} tokens the average query no "
                         f"longer fits {ev.setups[name].model}'s context window or GPU memory (gap in the line).")
        if curve.batch is not None and len(np.unique(curve.batch[curve.fits])) > 1:
            notes.append(f"**{fmt.setup(name)}**: as sequences grow, fewer fit in GPU memory, so the cost model "
                         "runs more replicas that each decode fewer sequences at once; latency steps down where that "
                         "happens (the monthly cost goes up).")
    for note in notes:
        st.info(note)
    st.caption("API models: measured time to first token + prompt tokens / prefill speed + answer tokens / output "
               "speed. Self-hosted: chunked-prefill steps (vLLM's default): each step decodes a token of every "
               "running sequence and prefills chunks of new prompts; its time is the larger of their compute and "
               "of reading the weights and the batch's KV cache.")

# --- Under load (self-hosted) -----------------------------------------------------------------------

self_hosted = [name for name in feasible if ev.setups[name].hosting != "api"]
st.subheader("Self-hosted replicas under load")
if not self_hosted:
    st.caption("Every feasible setup is served by an API: its latency under load is the provider's.")
for name in self_hosted:
    try:
        load = self_hosted_latency_vs_load(ev, name, LOADS)
        target = self_hosted_latency_vs_load(ev, name, load.target_utilisation)
    except ValueError as exc:
        st.warning(f"**{fmt.setup(name)}**: {exc}")
        continue
    st.markdown(f"**{_label(name)}** · {ev.setups[name].hosting}")
    st.plotly_chart(charts_latency.load_figure(load), key=f"latency_load_chart_{name}", width="stretch")
    columns = st.columns(4)
    columns[0].metric(f"p95 at {load.target_utilisation:.0%} load", _ms(target.p95))
    columns[1].metric("of which queueing (mean)", _ms(target.queue_wait_ms))
    columns[2].metric("Queries/s per replica", f"{float(target.queries_per_s):.2f}",
                      help=f"Capacity at full load: {load.capacity_queries_per_s:.2f} queries/s.")
    columns[3].metric("Sequences decoding together", f"{float(target.batch):.0f}")
st.caption("Batch = the sequences decoding at once when queries arrive at this load (Little's law: rate × "
           "answer steps × step time), at most the batch that fits; each step reads the weights and every "
           "sequence's KV cache, so a fuller batch generates each answer more slowly. Time to first token adds the "
           "M/M/1 mean wait load / (1 − load) × the replica's mean service time (1 / capacity), capped at 99× near "
           "full load; the same mean wait is added to every query, so the p95 understates queueing tails. "
           "The charts above use the target utilisation without this wait.")

# --- What the numbers rest on -----------------------------------------------------------------------

st.subheader("What these numbers rest on")
for name in feasible:
    figures = latency_figures(ev, name)
    notes = latency_warnings(ev, name)
    assumed = sum(f.is_assumption for f in figures.values())
    title = f"{_label(name)}: {len(figures)} figures" + (f", {assumed} of them assumptions" if assumed else "")
    with st.expander(title, expanded=False):
        for note in notes:
            st.warning(note, icon="⚠️")
        st.dataframe(pd.DataFrame([
            {"figure": key, "value": f"{f.value:,.4g}",
             "kind": "assumption" if f.is_assumption else ("override" if f.overridden else "published"),
             "source": f.source, "as of": f.as_of}
            for key, f in figures.items()
        ]), hide_index=True, width="stretch")
