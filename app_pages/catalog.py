"""Catalog: every price and hardware figure with its source, date and age, filterable; for the bulk
layer, how prices moved over time and the yearly change the Monte Carlo's observed price drift rests on."""

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app_pages import state
from pricing import bulk, history, listing
from simulator.scenario import figure_words
from ui import charts_prices, figure_links, fmt

LAYERS = {"curated": "Curated: hand-checked, used first", "bulk": "Bulk: every model of genai-prices (and Azure's)"}
HISTORY_MODEL = "catalog_history_model"
FIGURE_KEY = "catalog_figure"  # the one figure a warning's link asked for
FIRST_SHOWN = "openai/o3"  # the longest dated history in genai-prices 0.2.3


@st.cache_data(show_spinner=False)
def history_figure(model: str, as_of: str) -> go.Figure:
    return charts_prices.price_history_figure(histories()[model], as_of)


@st.cache_data(show_spinner=False)
def yearly_change_figure(version: str) -> go.Figure:  # keyed by the pinned package's version
    return charts_prices.yearly_change_figure(list(histories().values()), history.observed_drift())


def histories() -> dict[str, history.ModelHistory]:
    """provider/model -> its history; derived once per process (pricing.history caches it)."""
    return {h.key: h for h in history.bulk_histories()}

today = dt.date.today()
catalog = state.catalog()
# ?figure=<dotted key> (a warning's link): show that row. Read once; the URL then holds the view's state.
if figure_links.FIGURE_PARAM in st.query_params:
    st.session_state[FIGURE_KEY] = st.query_params[figure_links.FIGURE_PARAM]
    st.session_state["catalog_layer"] = "curated"

st.title("Catalog")
st.caption(f"Every figure the simulator uses, with its source and the date it was checked. Ages are counted to "
           f"today ({today.isoformat()}); scenarios compare them with their own start date. Override any figure "
           "in a scenario with its dotted key.")
layer = st.radio("Layer", list(LAYERS), format_func=LAYERS.get, horizontal=True, key="catalog_layer",
                 help="Curated figures (pricing/data) are typed with their source and win where both layers have a "
                      "model; the bulk layer is the price data the genai-prices package ships, plus Azure OpenAI's "
                      "models from a pinned release of LiteLLM's price map.")
if layer == "bulk":
    settings = bulk.settings()
    st.caption(f"genai-prices {settings['version']}, its data dated {settings['as_of']} (the day it was published), "
               "and Azure OpenAI from litellm 1.110.2 (2026-11-20). A scenario can name any of these models with its "
               "provider; what this layer lacks (tokenizer, caching rules, latency) is taken from stated rules and "
               "flagged as assumptions. `crossover catalog --check` lists where the two layers disagree.")
rows = listing.figure_rows(catalog, today) if layer == "curated" else listing.bulk_rows(today)
everything = listing.counts(rows)
if one_figure := st.session_state.get(FIGURE_KEY):
    matching = [r for r in rows if r.key == one_figure]
    if matching:
        st.info(f"Showing one figure, as a warning linked it: **{fmt.plain(figure_words(one_figure))}**.")
        st.button("Show every figure", key="catalog_all_figures", on_click=lambda: st.session_state.pop(FIGURE_KEY))
    else:
        st.warning(f"The {layer} layer has no figure {fmt.plain(one_figure)}; every figure is shown.")
        st.session_state.pop(FIGURE_KEY)

left, middle, right = st.columns([2, 3, 2])
chosen_kinds = left.multiselect("Kind", listing.kinds_of(rows), key="catalog_kinds", placeholder="All kinds")
search = middle.text_input("Search key and source", key="catalog_search",
                           placeholder="e.g. h100, input_usd, pydantic/genai-prices")
only_assumptions = right.checkbox("Only assumptions", key="catalog_only_assumptions",
                                  help="Figures whose source is 'assumption: …' (a planning assumption with its rationale).")
only_stale = right.checkbox(f"Older than {listing.STALE_AFTER_MONTHS} months", key="catalog_only_stale",
                            help="Checked more than a year ago (30.44-day months).")

shown = listing.filter_rows(rows, chosen_kinds, search, only_assumptions,
                            listing.STALE_AFTER_MONTHS if only_stale else None)
if st.session_state.get(FIGURE_KEY):
    shown = [r for r in shown if r.key == st.session_state[FIGURE_KEY]]
counts = listing.counts(shown)
filtered = len(shown) != len(rows)
line = f"**{counts.figures} figures, {counts.assumptions} assumptions**"
if filtered:
    line += f" shown (of {everything.figures} figures, {everything.assumptions} assumptions)"
line += f"; {counts.stale} older than {listing.STALE_AFTER_MONTHS} months"
if layer == "curated":
    line += f"; catalog last checked {catalog.as_of}"
st.markdown(line)

if not shown:
    st.info("No figure matches these filters.")
else:
    table = pd.DataFrame([
        {
            "kind": r.kind,
            "entry id": r.entry,
            "figure": r.figure,
            "value": r.value,
            "source": r.source,
            "link": r.url,
            "as_of": r.as_of,
            "age (months)": r.age_months,
            "assumption": r.assumption,
            **({"note": r.note} if layer == "bulk" else {}),
        }
        for r in shown
    ])
    st.dataframe(
        table, hide_index=True, width="stretch", key="catalog_table",
        column_config={
            "value": st.column_config.NumberColumn("value", format="%g",
                                                   help="In the unit named by the figure (usd_per_mtok: USD per million tokens)."),
            "entry id": st.column_config.TextColumn("entry"),
            "source": st.column_config.TextColumn("source", width="medium"),
            "link": st.column_config.LinkColumn("link", display_text=r"https?://([^/]+)",
                                                help="The source's URL, when it is one."),
            "as_of": st.column_config.TextColumn("checked", help="The date the figure was last checked (as_of)."),
            "age (months)": st.column_config.NumberColumn("age", format="%.1f mo", help="Months since it was checked."),
            "assumption": st.column_config.CheckboxColumn("assumed", help="A planning assumption, its rationale in the source."),
        },
    )
    st.caption("The same list on the command line: `crossover catalog --kind gpu --layer curated` "
               "(`--layer bulk` for this package's models).")

if layer == "bulk":
    st.subheader("How prices moved")
    st.caption("The dated prices genai-prices records (time-of-day prices left out; prices dated after the "
               "layer's date are scheduled, drawn dotted and not counted). The yearly change each model shows is "
               "the evidence the Monte Carlo draws price drift from when a scenario says `{dist: observed}`.")
    settings = bulk.settings()
    models = histories()
    keys = sorted(models)
    if st.session_state.get(HISTORY_MODEL) not in keys:
        st.session_state[HISTORY_MODEL] = FIRST_SHOWN if FIRST_SHOWN in keys else keys[0]
    chosen = st.selectbox(f"Model ({len(keys)} with dated prices)", keys, key=HISTORY_MODEL,
                          help="Only models whose price genai-prices records more than once; type to search.")
    st.plotly_chart(history_figure(chosen, settings["as_of"]), key="catalog_history_chart", width="stretch")
    st.markdown(charts_prices.history_line(models[chosen]))

    st.markdown("**Observed yearly change across models**")
    st.markdown(charts_prices.summary_line(history.observed_drift()))
    st.plotly_chart(yearly_change_figure(settings["version"]), key="catalog_history_histogram", width="stretch")
    st.dataframe(
        pd.DataFrame(charts_prices.history_rows(list(models.values()))), hide_index=True, width="stretch",
        key="catalog_history_table",
        column_config={name: st.column_config.NumberColumn(name, format="%+.1f")
                       for name in ("input (%/year)", "output (%/year)", "yearly change (%/year)")},
    )
    st.caption("The same on the command line: `crossover catalog --history [MODEL] [--json]`.")
