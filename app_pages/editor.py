"""Scenario editor: every input of the current scenario, grouped as in its YAML; edits apply together.

Widgets hold their values under ``ed_`` keys (see ``ui.editing``), filled from the current
scenario whenever it changes; pending overrides and ranges are kept beside them. A ranged input's
widget is disabled and shows the range's point value; ranges are edited on the Uncertainty tab.
Nothing is evaluated while editing: "Apply changes" builds a scenario dict, validates it completely,
and only then replaces the current scenario.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages import state
from pricing import history as price_history
from simulator.scenario import (OVERRIDES as OVERRIDE_PATH, SETUPS, ModelChoice, ScenarioError, Training, horizon_end,
                                schema_bounds, schema_field)
from ui import fmt
from ui import editing

K = editing.key
RESULT = "ed_result"            # the outcome of the last apply: {"success"|"info": text} or {"problems": [...]}
SHADOW = "ed_shadow"            # the last value each widget showed (kept while widgets are hidden or off-page)
DRAWN_KEY = "ed_drawn"          # the widget keys the last editor run drew
OVERRIDE_KEY, OVERRIDE_CUSTOM = "ed_override_key", "ed_override_custom"
OVERRIDE_VALUE, OVERRIDE_FOR = "ed_override_value", "ed_override_for"
RANGE_PATH, RANGE_DIST, RANGE_FOR = "ed_range_path", "ed_range_dist", "ed_range_for"
RANGE_LOW, RANGE_LIKELY, RANGE_HIGH = "ed_range_low", "ed_range_likely", "ed_range_high"
RANGE_PROBLEM = "ed_range_problem"  # why the last "Add range" was refused
# The model pickers' filters, one set per setup (suffix: prompt_only, rag, fine_tuned); view state, not scenario.
PICK_SEARCH, PICK_PROVIDER, PICK_ALSO, PICK_WHOLE = "ed_pick_search_", "ed_pick_provider_", "ed_pick_also_", "ed_pick_whole_"
TABS = ["Workload", "Knowledge", "People", "Prompt-only", "RAG", "Fine-tuned", "Hybrid", "Overrides", "Uncertainty"]
DRAWN: list[str] = []           # the widget keys this run draws


def _drawn(widget_key: str) -> str:
    DRAWN.append(widget_key)
    return widget_key


def W(path: str) -> str:
    """The widget key of a scenario path, recorded as drawn on this run."""
    return _drawn(K(path))


catalog = state.catalog()
current = state.scenario()
current_yaml = state.scenario_yaml()
defaults = editing.widget_values(current, catalog)


# --- Widget state -----------------------------------------------------------------------------------


def _fill() -> None:
    """Fill the widgets from the current scenario when it changed; restore values Streamlit dropped."""
    ss = st.session_state
    if ss.get(editing.FILLED_FROM) != current_yaml:
        for k, v in defaults.items():
            ss[k] = v
        ss[editing.OVERRIDES] = dict(current.overrides)
        ss[editing.RANGES] = editing.scenario_ranges(current)
        ss.pop(RANGE_PROBLEM, None)
        ss[editing.FILLED_FROM] = current_yaml
        ss[SHADOW] = {}
        ss[DRAWN_KEY] = []
        if RESULT in ss and "problems" in ss[RESULT]:
            del ss[RESULT]  # problems of an edit of another scenario
        return
    # Streamlit drops (or leaves stale) the values of widgets a run did not draw: a widget hidden by a
    # choice, or every widget after a visit to another page. Restore what each one last showed.
    shadow = ss.get(SHADOW, {})
    returning = "ed_apply" not in ss  # the last run drew another page
    last_drawn = set(ss.get(DRAWN_KEY, ()))
    for k, v in defaults.items():
        if returning or k not in last_drawn or k not in ss:
            ss[k] = shadow.get(k, v)
    if editing.OVERRIDES not in ss:
        ss[editing.OVERRIDES] = dict(current.overrides)
    if editing.RANGES not in ss:
        ss[editing.RANGES] = editing.scenario_ranges(current)


def _values() -> dict:
    """What the widgets show: drawn widgets' values, the remembered values of hidden ones."""
    ss = st.session_state
    shadow, drawn = ss.get(SHADOW, {}), set(ss.get(DRAWN_KEY, ()))
    held = {k: ss[k] if k in drawn and k in ss else shadow[k]
            for k in defaults if (k in drawn and k in ss) or k in shadow}
    return editing.merged_values(state.scenario(), state.catalog(), held)


def _build(cat) -> dict:
    """The scenario dict of what the editor holds now."""
    ss = st.session_state
    current = state.scenario()
    traffic = current.workload.traffic
    return editing.build_scenario(_values(), ss.get(editing.OVERRIDES, {}), cat,
                                  current.decision.model_dump(exclude_none=True), ss.get(editing.RANGES, {}),
                                  traffic.model_dump(mode="json") if traffic else None)


def _apply() -> None:
    cat = state.catalog()
    try:
        changed = editing.apply(_build(cat), cat)
    except ScenarioError as exc:
        st.session_state[RESULT] = {"problems": editing.problem_lines(exc)}
        return
    except Exception as exc:  # never a traceback in the browser
        st.session_state[RESULT] = {"problems": [f"the edit could not be checked: {exc}"]}
        return
    if changed.to_yaml() == state.scenario_yaml():
        st.session_state[RESULT] = {"info": "Nothing to apply: the editor shows the current scenario."}
        return
    state.replace(changed)
    st.session_state[RESULT] = {"success": f"Applied: every page now shows the edited “{fmt.plain(changed.name)}”. "
                                           "It is not saved yet: save it in the Scenario library to keep it."}


def _reset() -> None:
    st.session_state[editing.FILLED_FROM] = None
    st.session_state.pop(RESULT, None)


def _add_override() -> None:
    ss = st.session_state
    target = (ss.get(OVERRIDE_CUSTOM) or "").strip() or ss.get(OVERRIDE_KEY)
    value = ss.get(OVERRIDE_VALUE)
    if not target or value is None:
        return
    ss[editing.OVERRIDES] = editing.with_override(ss.get(editing.OVERRIDES, {}), target, value)
    # A single value typed here replaces the figure's range (the form says so before the click).
    ss[editing.RANGES] = editing.without_range(ss.get(editing.RANGES, {}), OVERRIDE_PATH + target.strip())
    ss[OVERRIDE_CUSTOM] = ""


def _remove_override(figure_key: str) -> None:
    ss = st.session_state
    ss[editing.OVERRIDES] = editing.without_override(ss.get(editing.OVERRIDES, {}), figure_key)
    ss[editing.RANGES] = editing.without_range(ss.get(editing.RANGES, {}), OVERRIDE_PATH + figure_key)


def _add_range() -> None:
    ss = st.session_state
    path = ss.get(RANGE_PATH)
    try:
        spec = editing.range_from_inputs(path, ss.get(RANGE_DIST), ss.get(RANGE_LOW), ss.get(RANGE_LIKELY),
                                         ss.get(RANGE_HIGH))
    except ValueError as exc:
        ss[RANGE_PROBLEM] = str(exc)
        return
    ss.pop(RANGE_PROBLEM, None)
    ss[editing.RANGES] = editing.with_range(ss.get(editing.RANGES, {}), path, spec)
    if path.startswith(OVERRIDE_PATH):  # the Overrides tab lists the value that counts: the range's point
        figure_key = path[len(OVERRIDE_PATH):]
        ss[editing.OVERRIDES] = editing.with_override(ss.get(editing.OVERRIDES, {}), figure_key,
                                                      editing.range_point(path, spec))


def _remove_range(path: str) -> None:
    """The input keeps the range's point value, now as a plain number."""
    ss = st.session_state
    ss[editing.RANGES] = editing.without_range(ss.get(editing.RANGES, {}), path)


def _guard(widget_key: str, options: list) -> None:
    """Keep a choice valid when its options depend on another choice."""
    if options and st.session_state.get(widget_key) not in options:
        st.session_state[widget_key] = options[0]


# --- Inputs -----------------------------------------------------------------------------------------


def ranged(path: str, widget_key: str) -> dict:
    """Widget arguments of a ranged input: disabled, showing the range's point value."""
    spec = pending["ranges"].get(path)
    if spec is None:
        return {}
    st.session_state[widget_key] = editing.widget_point(path, spec)  # before the widget is drawn
    return {"disabled": True}


def range_note(path: str, where=st) -> None:
    spec = pending["ranges"].get(path)
    if spec is not None:
        where.caption(f"Range: {editing.describe_range(path, spec)}. The value shown is its point value; "
                      "edit or remove the range on the Uncertainty tab.")


def number(path: str, where=st) -> None:
    n = editing.NUMBER[path]
    lo, hi = n.bounds()
    kw = {"min_value": lo, "max_value": hi, "key": _drawn(n.key), "help": n.help_text(), **ranged(path, n.key)}
    if n.step is not None:
        kw["step"] = int(n.step) if n.integer else float(n.step)
    if n.format:
        kw["format"] = n.format
    if n.optional:
        kw["value"] = None
        kw["placeholder"] = editing.placeholder(n, catalog)
    where.number_input(n.label, **kw)
    range_note(path, where)
    if n.optional and "disabled" not in kw:
        note = editing.default_note(n, catalog)
        if note:
            where.caption(note)


def length(path: str) -> None:
    label, help_text = editing.LENGTHS[path]
    mode_key = K(f"{path}.mode")
    modes = list(editing.length_modes(path, st.session_state.get(mode_key)))
    _guard(mode_key, modes)
    how = ("A count is taken as o200k_base tokens; texts are counted with tiktoken (and converted to the "
           "model's tokenizer) when the scenario is evaluated.")
    mode = st.radio(f"{label}: given as", modes, key=_drawn(mode_key), horizontal=True,
                    format_func=editing.LENGTH_MODE_LABELS.get, help=f"{help_text} {how}")
    if mode == "tokens":
        lo, _, hi = schema_bounds(f"{path}.tokens")
        tokens_key = W(f"{path}.tokens")
        st.number_input(f"{label} (tokens)", min_value=float(lo), max_value=float(hi), step=10.0, format="%.0f",
                        key=tokens_key, help=f"{help_text} In o200k_base tokens (about 4 characters of English each).",
                        **ranged(f"{path}.tokens", tokens_key))
        range_note(f"{path}.tokens")
    elif mode == "text":
        text = st.text_area(f"{label} (text, counted with tiktoken)", key=W(f"{path}.text"),
                            max_chars=editing.max_chars(f"{path}.text"), height=150, help=help_text)
        st.caption(editing.count_preview("text", text))
    elif mode == "quantiles":
        st.text_area(f"{label}: 21 quantiles (0 %, 5 %, ..., 100 %), o200k_base tokens", key=W(f"{path}.quantiles"),
                     height=80, help=f"{help_text} Fitted from a traffic log by `crossover traffic --apply`: cost and "
                     "latency use this distribution instead of a mean with an assumed spread.")
    else:
        samples = st.text_area(f"{label}: sample texts, separated by a blank line", key=W(f"{path}.samples"),
                               height=180, help=f"{help_text} Paste typical examples, one after another with an "
                               "empty line between them (a sample may span several lines). Their token counts "
                               "give the mean length and its spread.")
        st.caption(editing.count_preview("samples", samples))


def horizon() -> tuple[dt.date, dt.date] | None:
    """(start, end) of the horizon the Workload tab's widgets hold; None while one is empty."""
    start = st.session_state.get(K("workload.start_date"))
    months = editing.NUMBER["workload.horizon_months"].from_widget(st.session_state.get(K("workload.horizon_months")))
    if not isinstance(start, dt.date) or months is None:
        return None
    return start, horizon_end(start, int(months))


def model_block(setup: str, fine_tuning: bool = False) -> str:
    """The model picker (search, provider, capabilities, availability, then the choice) and, for an
    open model, its GPU fields. Filters only narrow what is listed: the current choice stays."""
    ss = st.session_state
    name_key = K(f"{setup}.model.name")
    search_key, provider_key = PICK_SEARCH + setup, PICK_PROVIDER + setup
    also_key, whole_key = PICK_ALSO + setup, PICK_WHOLE + setup
    ss.setdefault(whole_key, True)
    span = horizon()
    providers = ["", *editing.picker_providers(catalog, fine_tuning)]
    _guard(provider_key, providers)
    extras = ["reasoning"] if fine_tuning else ["reasoning", "fine-tunable"]
    c1, c2, c3 = st.columns([3, 2, 2])
    text = c1.text_input("Find a model", key=_drawn(search_key), max_chars=200,
                         placeholder="words of its id or name, e.g. haiku 4.5",
                         help="Every word must appear in the model's API id, an alias or its name (any case). "
                              "The list holds both layers: the curated models and every chat model of genai-prices.")
    provider = c2.selectbox("Provider", providers, key=_drawn(provider_key),
                            format_func=lambda p: "All providers" if p == "" else p,
                            help="Who sells it: the maker, a cloud (aws: Bedrock, azure, google: Gemini and Vertex) "
                                 "or a host; self-hosted: open models on rented GPUs.")
    also = c3.multiselect("Must also be", extras, key=_drawn(also_key),
                          help="Known for the curated models only: genai-prices has no fine-tuning offers or "
                               "reasoning flags.")
    whole = st.checkbox(
        "Only models available through the whole horizon"
        + (f" ({span[0]} to {span[1] - dt.timedelta(days=1)})" if span else ""),
        key=_drawn(whole_key), disabled=span is None,
        help="Leaves out models their provider retires before the horizon ends (the start date and horizon on the "
             "Workload tab); a model genai-prices marks deprecated counts as retired on its data's date.")
    picked = editing.model_picker(catalog, fine_tuning, text, provider or None, tuple(also),
                                  span if whole else None, ss.get(name_key))
    _guard(name_key, picked.options)
    help_text = ("API models are billed per token by their provider. Open models are self-hosted: you rent GPUs "
                 "and pay for them by the hour, whatever the volume. Ages are at the scenario's start date.")
    if fine_tuning:
        help_text = ("API models listed here can be fine-tuned through their provider (“closed to new customers”: "
                     "only if your organisation already fine-tunes there). Open models are trained and served on "
                     "rented GPUs.")
    start = span[0] if span else None
    name = st.selectbox("Model", picked.options, key=_drawn(name_key), help=help_text,
                        format_func=lambda n: editing.model_label(n, catalog, fine_tuning, start))
    listed = f"{picked.matched:,} models match" if picked.matched != 1 else "1 model matches"
    if picked.hidden:
        listed += f"; the first {editing.PICKER_LIMIT} are listed, {picked.hidden:,} more: refine the search"
    if not picked.current_matches:
        listed += f". The current choice, {fmt.plain(name)}, does not match these filters: it stays until you choose another"
    st.caption(listed + ".")
    if not editing.is_open_model(name, catalog):
        st.caption("API model: no GPUs to size. Choose an open model to self-host it and set GPUs, cloud and replicas.")
        return name
    gpu_key, cloud_key = K(f"{setup}.model.gpu"), K(f"{setup}.model.cloud")
    _guard(gpu_key, editing.gpu_options(catalog))
    c1, c2 = st.columns(2)
    gpu = c1.selectbox("GPU type", editing.gpu_options(catalog), key=_drawn(gpu_key),
                       format_func=lambda g: editing.gpu_label(g, catalog),
                       help=f"{ModelChoice.model_fields['gpu'].description} Its memory must hold the weights and the KV cache.")
    clouds = ["", *editing.cloud_options(catalog, gpu)]
    _guard(cloud_key, clouds)
    cheapest = editing.cheapest_cloud(catalog, gpu)
    c2.selectbox("Cloud (price per GPU-hour)", clouds, key=_drawn(cloud_key),
                 format_func=lambda c: f"cheapest listed ({cheapest})" if c == "" else editing.cloud_label(c, catalog, gpu),
                 help=f"{ModelChoice.model_fields['cloud'].description} Only clouds with a catalog price for this GPU.")
    c1, c2 = st.columns(2)
    number(f"{setup}.model.gpus_per_replica", c1)
    number(f"{setup}.model.min_replicas", c2)
    c1, c2 = st.columns(2)
    number(f"{setup}.model.target_utilisation", c1)
    number(f"{setup}.model.max_batch", c2)
    return name


def figure_frame(rows) -> pd.DataFrame:
    return pd.DataFrame([
        {
            "figure": r.key,
            "catalog value": editing.format_value(r.value),
            "override": "" if r.override is None else editing.format_value(r.override),
            "assumption": "⚠ assumption" if r.assumption else "",
            "as of": r.as_of,
            "source": r.source,
        }
        for r in rows
    ], columns=["figure", "catalog value", "override", "assumption", "as of", "source"])


def setup_figures(setup: str) -> None:
    groups = editing.relevant_figures(pending, catalog, setup)
    if not groups:
        return
    with st.expander(f"Catalog figures {fmt.setup(setup)} uses"):
        st.caption("Source, date and whether each figure is a planning assumption. Override any of them on the "
                   "Overrides tab.")
        for group in groups:
            st.markdown(f"**{group.title}**")
            st.dataframe(figure_frame(group.rows), hide_index=True, width="stretch")


def uncertainty_ranges() -> None:
    """The pending ranges in the units their inputs show, each with a Remove button."""
    st.subheader("Ranges")
    rows = editing.range_rows(pending_ranges, pending)
    if not rows:
        st.caption("No ranges: every input is a single value.")
        return
    widths = [4, 1.3, 1.2, 1.2, 1.2, 1.3]
    for col, head in zip(st.columns(widths), ["Input", "Distribution", "Low / p05", "Likely", "High / p95", ""]):
        col.caption(head)
    for row in rows:
        c = st.columns(widths, vertical_alignment="center")
        c[0].markdown(f"{row.label}  \n`{row.path}`")
        c[1].markdown(row.dist)
        c[2].markdown(row.low)
        c[3].markdown(row.likely)
        c[4].markdown(row.high)
        c[5].button("Remove", key=f"ed_range_remove_{row.path}", on_click=_remove_range, args=(row.path,),
                    help="The input keeps the range's point value as a single number (applied with Apply changes).")
        if not row.used:
            st.caption(f"⚠ Not used: the current choices hide {row.label}, so this range is left out.")


def range_form() -> None:
    """Choose an input, a distribution and its values (in the input's units); "Add range" checks them."""
    st.markdown("**Add or change a range**")
    choices = editing.range_choices(pending)
    _guard(RANGE_PATH, list(choices))
    c1, c2 = st.columns([3, 2])
    path = c1.selectbox("Input", list(choices), key=RANGE_PATH, format_func=choices.get,
                        help="Every number of the scenario that may be uncertain, with its unit; percentages "
                             "are entered in %. Overrides appear here once added on the Overrides tab.")
    if path and st.session_state.get(RANGE_FOR) != path:  # start from the input's range or its value
        dist, low, likely, high = editing.range_start(path, pending, catalog, pending_ranges)
        st.session_state.update({RANGE_DIST: dist, RANGE_LOW: low, RANGE_HIGH: high, RANGE_FOR: path,
                                 RANGE_LIKELY: low if likely is None else likely})
        st.session_state.pop(RANGE_PROBLEM, None)  # it was about the input chosen before
    _guard(RANGE_DIST, editing.distributions_for(path))
    dist = c2.selectbox("Distribution", editing.distributions_for(path), key=RANGE_DIST,
                        format_func=editing.DISTRIBUTION_LABELS.get,
                        help="PERT weights the likely value more than a triangle does; a lognormal suits "
                             "positive figures that may be several times larger (give where 90 % of it lies).")
    lognormal, observed = dist == "lognormal", dist == "observed"
    if observed and path:  # its numbers are the price history's: shown, not entered
        _, low, likely, high = editing.range_inputs(path, {"dist": "observed"})
        st.session_state.update({RANGE_LOW: low, RANGE_LIKELY: likely, RANGE_HIGH: high})
    c1, c2, c3 = st.columns(3)
    entry = {"format": "%g", "step": None, "disabled": observed}
    c1.number_input("5th percentile, p05" if lognormal else "Low", key=RANGE_LOW, **entry)
    # Disabled rather than hidden for a lognormal: a hidden widget would lose its value.
    c2.number_input("Likely (not used by a lognormal)" if lognormal else "Likely (the point value)",
                    key=RANGE_LIKELY, **{**entry, "disabled": lognormal or observed})
    c3.number_input("95th percentile, p95" if lognormal else "High", key=RANGE_HIGH, **entry)
    if observed:
        st.caption(f"Price drift: {price_history.observed_drift().describe()}; see the Catalog page's price history.")
    st.button("Add range", key="ed_range_add", on_click=_add_range, disabled=not path,
              help="Checks the values and sets the range (applied with Apply changes).")
    problem = st.session_state.get(RANGE_PROBLEM)
    if problem:
        st.error(fmt.plain(problem))


# --- The page ---------------------------------------------------------------------------------------

_fill()
overrides = dict(st.session_state.get(editing.OVERRIDES, {}))
pending_ranges = dict(st.session_state.get(editing.RANGES, {}))
pending = _build(catalog)

st.title("Scenario editor")
st.caption(f"Editing **{fmt.plain(current.name)}**. Change any input, then press **Apply changes**: the edit is checked "
           "as a whole and, if it is valid, every page shows the edited scenario (unsaved until you save it in "
           "the Scenario library). Nothing is recalculated while you type.")
if state.origin()["kind"] == "example":
    st.caption("This is a shipped example: it stays as it is; applying gives you an edited copy to save under "
               "your own name.")

c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="center")
c1.button("Apply changes", key="ed_apply", type="primary", on_click=_apply, width="stretch")
c2.button("Reset to current scenario", key="ed_reset", on_click=_reset, width="stretch",
          help="Discard the edits that were not applied and show the current scenario again.")
same = editing.same_as(pending, current_yaml)
c3.caption("No unapplied changes." if same else "You have changes that are not applied yet.")

result = st.session_state.get(RESULT)
if result:
    if "success" in result:
        st.success(result["success"])
        st.page_link("app_pages/break_even.py", label="See the break-even page", icon="➡️")
        del st.session_state[RESULT]
    elif "info" in result:
        st.info(result["info"])
        del st.session_state[RESULT]
    else:
        lines = [f"- **{editing.problem_group(p, pending_ranges)}** · {fmt.plain(p)}"  # p repeats typed values
                 for p in result["problems"]]
        st.error("The scenario was **not** changed: fix these and apply again (your entries are kept).\n\n"
                 + "\n".join(lines))

st.text_input("Scenario name", key=W("name"), max_chars=editing.max_chars("name"),
              help="Shown in the sidebar and used when you save the scenario.")
st.text_area("Description", key=W("description"), max_chars=editing.max_chars("description"), height=90,
             help="The decision this scenario describes: who asks what, and what each setup would be.")

tabs = st.tabs(TABS)

with tabs[0]:  # Workload
    source = current.workload.traffic
    if source is not None:
        st.info(f"From traffic: {fmt.plain(source.file)} ({source.rows:,} requests of {fmt.plain(source.model)}, "
                f"{source.first:%Y-%m-%d} to {source.last:%Y-%m-%d}, sha256 {source.sha256[:12]}) set "
                + ", ".join(f"`{f}`" for f in source.fields) + ".", icon=":material/monitoring:")
    c1, c2 = st.columns(2)
    number("workload.queries_per_month", c1)
    number("workload.monthly_growth", c2)
    c1, c2 = st.columns(2)
    number("workload.peak_to_average", c1)
    number("workload.batch_share", c2)
    c1, c2 = st.columns(2)
    c1.date_input("Start date", key=W("workload.start_date"), min_value=dt.date(2000, 1, 1),
                  max_value=dt.date(2100, 12, 31), format="YYYY-MM-DD",
                  help="The first month of the horizon. Retirements and price ages are compared with this date, "
                       "never with today's.")
    number("workload.horizon_months", c2)
    st.divider()
    length("workload.query")
    length("workload.answer")
    st.divider()
    c1, c2 = st.columns(2)
    number("workload.reasoning_tokens", c1)
    number("workload.length_cv", c2)
    st.divider()
    multi_turn = st.toggle("Conversations (multi-turn)", key=W(editing.CONVERSATION),
                           help=schema_field(editing.CONVERSATION).description)
    if multi_turn:
        c1, c2 = st.columns(2)
        number(f"{editing.CONVERSATION}.turns", c1)
        number(f"{editing.CONVERSATION}.gap_minutes", c2)
        carry_key = K(f"{editing.CONVERSATION}.carry")
        _guard(carry_key, list(editing.CARRY_LABELS))
        carry = c1.selectbox("Each turn carries", list(editing.CARRY_LABELS), key=_drawn(carry_key),
                             format_func=editing.CARRY_LABELS.get,
                             help=schema_field(f"{editing.CONVERSATION}.carry").description)
        if carry == "last_n":
            number(f"{editing.CONVERSATION}.last_n", c2)
        elif carry == "summary":
            number(f"{editing.CONVERSATION}.summary_tokens", c2)
        st.checkbox("Earlier turns' retrieved chunks stay in the history (RAG, hybrid)",
                    key=W(f"{editing.CONVERSATION}.keep_retrieval"),
                    help=schema_field(f"{editing.CONVERSATION}.keep_retrieval").description)

with tabs[1]:  # Knowledge
    mode_key = K("knowledge.corpus.mode")
    _guard(mode_key, list(editing.CORPUS_MODES))
    corpus_mode = st.radio("Corpus given as", editing.CORPUS_MODES, key=_drawn(mode_key), horizontal=True,
                           format_func=editing.CORPUS_MODE_LABELS.get,
                           help="The knowledge base retrieval searches (RAG and hybrid): its size in tokens, or "
                                "sample documents plus how many documents there are.")
    if corpus_mode == "tokens":
        number("knowledge.corpus.tokens")
    else:
        docs = st.text_area(f"Sample documents, separated by a line holding only {editing.DOCUMENT_SEPARATOR}",
                            key=W("knowledge.corpus.documents"), height=220,
                            help="Paste a few typical documents; put a line with just --- between two documents. "
                                 "Their mean token count times the number of documents gives the corpus size.")
        st.caption(editing.count_preview("documents", docs))
        number("knowledge.corpus.document_count")
    number("knowledge.monthly_change_share")

with tabs[2]:  # People
    st.caption("Empty inputs use the catalog's planning assumptions (shown under each). Set your own figures "
               "where you know them.")
    c1, c2 = st.columns(2)
    number("people.day_rate_usd", c1)
    number("people.self_hosting_ops_days_per_month", c2)
    st.markdown("**Build effort (one-time)**")
    for setup, col in zip(SETUPS, st.columns(4)):
        number(f"people.build_days.{setup}", col)
    st.markdown("**Running effort (every month)**")
    for setup, col in zip(SETUPS, st.columns(4)):
        number(f"people.ops_days_per_month.{setup}", col)

with tabs[3]:  # Prompt-only
    model_block("prompt_only")
    length("prompt_only.system_prompt")
    length("prompt_only.few_shot")
    number("prompt_only.cache_hit_rate")
    setup_figures("prompt_only")

with tabs[4]:  # RAG
    model_block("rag")
    length("rag.system_prompt")
    c1, c2 = st.columns(2)
    number("rag.chunk_tokens", c1)
    number("rag.top_k", c2)
    current_embedding = st.session_state.get(K("rag.embedding_model"))
    # A bulk model the scenario names (``voyageai/voyage-3.5``) stays among the options.
    embeddings = [*([current_embedding] if current_embedding and current_embedding not in catalog.embedding else []),
                  *catalog.embedding]
    stores = list(catalog.vector_store)
    rerankers = ["", *catalog.reranker]
    _guard(K("rag.embedding_model"), embeddings)
    _guard(K("rag.vector_store"), stores)
    _guard(K("rag.reranker.model"), rerankers)
    c1, c2 = st.columns(2)
    span = horizon()
    c1.selectbox(
        "Embedding model", embeddings, key=W("rag.embedding_model"),
        format_func=lambda e: editing.embedding_label(e, catalog, span[0] if span else None),
        help="Embeds the corpus once (and its monthly changes) and every query. Type to search. The curated "
             "embedding models are listed; any of the bulk layer's (`crossover catalog models --capability "
             "embedding`) can be named in the scenario's YAML as <provider>/<id>, e.g. voyageai/voyage-3.5.")
    c2.selectbox(
        "Vector store", stores, key=W("rag.vector_store"),
        format_func=lambda v: f"{v} · {catalog.vector_store[v].kind}",
        help="Serverless stores bill storage, reads and writes (with a monthly minimum); instance stores bill "
             "machines sized for the index and the peak query rate.")
    c1, c2 = st.columns(2)
    reranker = c1.selectbox(
        "Reranker (optional)", rerankers, key=W("rag.reranker.model"),
        format_func=lambda r: "No reranker" if r == "" else f"{r} · {catalog.reranker[r].provider}",
        help="A reranker scores more candidate chunks and keeps the best top_k: better answers for a price "
             "per search and some latency.")
    if reranker:
        number("rag.reranker.candidates", c2)
    number("rag.cache_hit_rate")
    setup_figures("rag")

with tabs[5]:  # Fine-tuned
    ft_name = model_block("fine_tuned", fine_tuning=True)
    ft_open = editing.is_open_model(ft_name, catalog)
    if not ft_open and ft_name in catalog.llm and catalog.llm[ft_name].fine_tuning is not None:
        offer = catalog.llm[ft_name].fine_tuning
        if not offer.new_customers:
            st.warning(f"{catalog.llm[ft_name].provider} no longer lets new customers fine-tune {ft_name} "
                       f"({offer.availability_source}). Tick the box below only if your organisation already can.")
        st.checkbox("Our organisation can still fine-tune with this provider (existing customer)",
                    key=W("fine_tuned.existing_customer"),
                    help=schema_field("fine_tuned.existing_customer").description)
    st.markdown("**Training**")
    c1, c2, c3 = st.columns(3)
    number("fine_tuned.training.examples", c1)
    number("fine_tuned.training.tokens_per_example", c2)
    number("fine_tuned.training.epochs", c3)
    c1, c2 = st.columns(2)
    number("fine_tuned.training.retrain_every_months", c1)
    number("fine_tuned.training.labelling_usd_per_example", c2)
    if ft_open:
        serving_gpu = st.session_state.get(K("fine_tuned.model.gpu"))
        serving_cloud = st.session_state.get(K("fine_tuned.model.cloud")) or ""
        methods = ["lora", "full"]
        _guard(K("fine_tuned.training.method"), methods)
        c1, c2 = st.columns(2)
        c1.selectbox("Method", methods, key=W("fine_tuned.training.method"),
                     format_func={"lora": "LoRA (adapters; frozen weights)", "full": "Full fine-tuning"}.get,
                     help="Full fine-tuning runs peak × utilisation / (6 FLOPs × parameters) tokens/s and needs 16 "
                          "bytes per parameter for mixed-precision Adam; LoRA runs the catalog's measured "
                          "lora_speed_vs_full times faster and keeps only the frozen weights and the adapters' state.")
        number("fine_tuned.training.gpus", c2)
        c1, c2, c3 = st.columns(3)
        number("fine_tuned.training.sequence_length", c1)
        number("fine_tuned.training.micro_batch", c2)
        recompute_options = ["", "on", "off"]
        _guard(K("fine_tuned.training.recompute"), recompute_options)
        c3.selectbox("Activation recomputation", recompute_options, key=W("fine_tuned.training.recompute"),
                     format_func={"": "catalog default", "on": "on (keep layer inputs only)",
                                  "off": "off (keep all activations)"}.get,
                     help=Training.model_fields["recompute"].description + " On: each layer keeps only its "
                          "input (2 × sequence × micro-batch × hidden bytes); off: every activation "
                          "(34 × the same per layer, Korthikanti et al. 2022).")
        train_gpus = ["", *editing.gpu_options(catalog)]
        _guard(K("fine_tuned.training.gpu"), train_gpus)
        c1, c2 = st.columns(2)
        train_gpu = c1.selectbox("Training GPU", train_gpus, key=W("fine_tuned.training.gpu"),
                                 format_func=lambda g: f"same as serving ({serving_gpu})" if g == "" else editing.gpu_label(g, catalog),
                                 help=Training.model_fields["gpu"].description)
        effective_gpu = train_gpu or serving_gpu
        train_clouds = ["", *editing.cloud_options(catalog, effective_gpu)]
        _guard(K("fine_tuned.training.cloud"), train_clouds)
        c2.selectbox("Training cloud", train_clouds, key=W("fine_tuned.training.cloud"),
                     format_func=lambda c: (f"same as serving ({serving_cloud or 'cheapest listed'})" if c == ""
                                            else editing.cloud_label(c, catalog, effective_gpu)),
                     help="Whose price per GPU-hour the training runs pay. Only clouds with a price for the "
                          "training GPU.")
        chosen_cloud = st.session_state.get(K("fine_tuned.training.cloud")) or serving_cloud
        if chosen_cloud and chosen_cloud not in editing.cloud_options(catalog, effective_gpu):
            st.caption(f"⚠ {effective_gpu} has no price on {chosen_cloud}: choose a training cloud that lists it.")
    else:
        st.caption("API fine-tuning runs on the provider's hardware at its price per training token.")
    length("fine_tuned.system_prompt")
    number("fine_tuned.cache_hit_rate")
    setup_figures("fine_tuned")

with tabs[6]:  # Hybrid
    rr = st.session_state.get(K("rag.reranker.model")) or "no reranker"
    st.caption(f"Hybrid runs the fine-tuned setup's model (**{st.session_state.get(K('fine_tuned.model.name'))}**) "
               f"with the RAG setup's retrieval (**{st.session_state.get(K('rag.embedding_model'))}**, "
               f"**{st.session_state.get(K('rag.vector_store'))}**, {rr}): change those on their tabs.")
    length("hybrid.system_prompt")
    c1, c2 = st.columns(2)
    number("hybrid.top_k", c1)
    number("hybrid.cache_hit_rate", c2)
    setup_figures("hybrid")

with tabs[7]:  # Overrides
    st.caption("Every figure below comes from the catalog with its source and date. An override replaces one "
               "figure for this scenario only (by its dotted key); it is applied with **Apply changes**, like "
               "every other edit.")
    st.subheader("Overrides")
    table = editing.figure_table(catalog)
    if not overrides:
        st.caption("No overrides: the scenario uses the catalog as it is.")
    for figure_key, value in overrides.items():
        fig = table.get(figure_key)
        c1, c2, c3, c4 = st.columns([5, 2, 2, 1.3], vertical_alignment="center")
        c1.code(figure_key, language=None)
        c2.markdown(f"**{editing.format_value(value)}**")
        range_note(OVERRIDE_PATH + figure_key, c2)
        c3.caption("catalog: " + (editing.format_value(fig.value) if fig else "no figure by that name"))
        c4.button("Remove", key=f"ed_remove_{figure_key}", on_click=_remove_override, args=(figure_key,),
                  help="Back to the catalog figure (applied with Apply changes).")

    st.markdown("**Add or change an override**")
    candidates = editing.override_candidates(pending, catalog)
    _guard(OVERRIDE_KEY, candidates)
    c1, c2 = st.columns(2)
    selected = c1.selectbox(
        "Figure used by these choices", candidates, key=OVERRIDE_KEY,
        format_func=lambda k: f"{k} = {editing.format_value(table[k].value)}" if k in table else k,
        help="The figures the chosen models, GPUs, embedding model, store and reranker use, and the catalog "
             "defaults the scenario leaves in place.")
    custom = c2.text_input("…or any catalog figure by its dotted key", key=OVERRIDE_CUSTOM,
                           placeholder="e.g. llm.gpt-4.1-mini.prices.batch_discount",
                           help="Every key is on the Catalog page (and `python -m simulator catalog`). Optional "
                                "figures the catalog leaves empty, such as a missing batch discount, can be set too.")
    target = (custom or "").strip() or selected
    if target and st.session_state.get(OVERRIDE_FOR) != target:
        start = overrides.get(target, table[target].value if target in table else 0.0)
        st.session_state[OVERRIDE_VALUE] = float(start)
        st.session_state[OVERRIDE_FOR] = target
    st.session_state.setdefault(OVERRIDE_VALUE, 0.0)
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    c1.number_input("Value (in the figure's own unit, see its key)", key=OVERRIDE_VALUE, format="%g",
                    min_value=-1e15, max_value=1e15, step=None,
                    help="USD figures are in the unit their key names (usd_per_mtok: USD per million tokens).")
    c2.button("Add override", key="ed_override_add", on_click=_add_override, disabled=not target, width="stretch")
    target_range = pending_ranges.get(OVERRIDE_PATH + target) if target else None
    if target_range is not None:
        st.caption(f"`{target}` has a range ({editing.describe_range(OVERRIDE_PATH + target, target_range)}): "
                   "adding an override replaces it with this single value.")
    if target:
        fig = table.get(target)
        if fig is not None:
            badge = " · ⚠ assumption" if fig.is_assumption else ""
            st.caption(f"`{target}`: catalog value {editing.format_value(fig.value)}{badge} · source: {fig.source} "
                       f"· as of {fig.as_of}")
        elif not editing.known_figure(target, catalog):
            st.warning(f"`{target}` names no catalog figure; applying will report it.")
        else:
            st.caption(f"`{target}`: the catalog leaves this figure empty; an override sets it.")

    st.subheader("Catalog figures these choices use")
    for group in editing.relevant_figures(pending, catalog):
        users = ", ".join(fmt.setup(u) for u in group.used_by)
        with st.expander(f"{group.title} · used by {users}"):
            st.dataframe(figure_frame(group.rows), hide_index=True, width="stretch")

with tabs[8]:  # Uncertainty
    st.caption("Most numbers (volumes, shares, lengths, prices you override, ...) can be a range instead of a "
               "single value. Deterministic results use each range's point value (its likely value, or the "
               "median of a lognormal); the Monte Carlo draws from the ranges with the seed and number of "
               "draws set here.")
    c1, c2, c3 = st.columns(3)
    number("uncertainty.seed", c1)
    number("uncertainty.draws", c2)
    number("uncertainty.price_drift_pct_per_year", c3)
    uncertainty_ranges()
    range_form()

st.divider()
st.button("Apply changes", key="ed_apply_bottom", type="primary", on_click=_apply)

# Remember what each drawn widget shows, for when it is hidden or the user comes back from another page.
st.session_state[SHADOW] = {**st.session_state.get(SHADOW, {}),
                            **{k: st.session_state[k] for k in DRAWN if k in st.session_state}}
st.session_state[DRAWN_KEY] = list(DRAWN)
