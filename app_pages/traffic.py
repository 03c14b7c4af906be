"""Traffic: a workload fitted from a usage log or trace export (simulator.traffic.fit_file)."""

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import state
from simulator.scenario import ScenarioError
from simulator.traffic.apply import apply_fit
from simulator.traffic.fit import FitError, ModelFit, TrafficFit, fit_file
from simulator.traffic.formats import (FORMATS, MAX_UPLOAD_BYTES, MAX_UPLOAD_MB, TrafficError, check_upload_size,
                                       shipped_samples)
from ui import charts_traffic, fmt, traffic_tables

DEFAULT_SAMPLE = "support-bot-requests.csv"  # every value present: a first visit shows the whole page
PROBLEMS_SHOWN = 10


@st.cache_data(show_spinner="Reading and fitting the traffic…", max_entries=16)
def fitted(sha256: str, name: str, model: str | None, _data: bytes) -> TrafficFit:
    """fit_file on a temporary copy of ``_data``, deleted once read. The key is the bytes' sha256 (with
    the name the messages show and the model): hashing the bytes again as a key would cost a second
    digest of up to 200 MB on every rerun."""
    with tempfile.TemporaryDirectory(prefix="crossover-traffic-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(_data)
        return fit_file(path, state.catalog(), model=model, name=name, max_bytes=MAX_UPLOAD_BYTES)


def fit_of(name: str, data: bytes, model: str | None = None) -> TrafficFit | None:
    """The fit, or None after an error naming the file (never a traceback)."""
    try:
        check_upload_size(name, len(data))  # before a copy is written: the browser's limit can be bypassed
        return fitted(hashlib.sha256(data).hexdigest(), name, model, data)
    except (TrafficError, FitError) as exc:
        st.error(fmt.plain(str(exc)))  # the message repeats the file's name and cells
        return None


def show_report(fit: TrafficFit) -> None:
    r = fit.report
    st.subheader("What was read")
    st.markdown(f"**{fmt.plain(r.file_name)}**: {FORMATS[r.format]}, {r.size_bytes:,} bytes "
                f"(sha256 `{r.sha256[:12]}`)")
    read, kept, refused = st.columns(3)
    read.metric("Rows read", f"{r.rows_read:,}")
    kept.metric("Rows kept", f"{r.rows_kept:,}")
    refused.metric("Rows refused", f"{r.rows_refused:,}")
    if r.problems:
        more = r.rows_refused - min(len(r.problems), PROBLEMS_SHOWN)
        st.warning("Refused rows (left out of the fit):\n\n"
                   + "\n".join(f"- {fmt.plain(p)}" for p in r.problems[:PROBLEMS_SHOWN])
                   + (f"\n- … and {more:,} more" if more > 0 else ""))
    for note in r.notes:
        st.info(fmt.plain(note))


def bullets(pairs: list[tuple[str, str]]) -> str:
    return "\n".join(f"- {fmt.plain(what)}: {fmt.plain(text)}" for what, text in pairs)


APPLIED = "traffic_applied"  # what the last "use this workload" set, shown after the rerun


def use_workload(fit: ModelFit, report) -> None:
    """Put the fitted workload into the current scenario (unsaved), as `crossover traffic --apply` does."""
    try:
        changed, said = apply_fit(state.scenario(), fit, report, state.catalog())
    except ScenarioError as exc:
        st.session_state[APPLIED] = {"error": "; ".join(exc.problems) if hasattr(exc, "problems") else str(exc)}
        return
    state.replace(changed)
    st.session_state[APPLIED] = {"name": changed.name, "said": said}


def show_applied() -> None:
    applied = st.session_state.pop(APPLIED, None)
    if not applied:
        return
    if "error" in applied:
        st.error("The workload was not applied: " + fmt.plain(applied["error"]))
        return
    st.success(f"Applied to “{fmt.plain(applied['name'])}” (unsaved: save it in the Scenario library to keep it). "
               "The editor's Workload tab shows which inputs came from this log.\n\n"
               + "\n".join(f"- {fmt.plain(line)}" for line in applied["said"]))


def show_model(fit: ModelFit) -> None:
    st.subheader(f"Fitted workload of {fmt.plain(fit.model)}")
    st.caption(f"{fit.requests:,} requests from {fit.first:%Y-%m-%d %H:%M} to {fit.last:%Y-%m-%d %H:%M} UTC, "
               f"{fit.whole_days} whole days.")
    if fit.tokens is not None:
        st.caption("Tokens: " + fmt.plain(fit.tokens.to_json()["note"]))
    values = traffic_tables.value_rows(fit)
    if values:
        st.dataframe(pd.DataFrame(values), hide_index=True, width="stretch", key="traffic_values")
        weekdays = traffic_tables.weekday_line(fit)
        st.caption((f"{weekdays}\n\n" if weekdays else "") + bullets(traffic_tables.methods(fit)))
    if fit.absent:
        st.markdown("**Not fitted**, and why:\n\n" + bullets(traffic_tables.absent(fit)))
    lengths = traffic_tables.length_rows(fit)
    if lengths:
        st.markdown("**Lengths**, in o200k_base tokens:")
        st.dataframe(pd.DataFrame(lengths), hide_index=True, width="stretch", key="traffic_lengths")
        if traffic_tables.length_notes(fit):
            st.caption(bullets(traffic_tables.length_notes(fit)))
    if fit.profile is not None:
        st.plotly_chart(charts_traffic.profile_figure(fit.profile, fit.model), key="traffic_profile", width="stretch")
    else:
        st.info("No weekday-by-hour profile: " + fmt.plain(fit.absent.get("peak_to_average", "the log has no hours")))
    if fit.daily:
        st.plotly_chart(charts_traffic.daily_figure(fit), key="traffic_daily", width="stretch")
    else:
        st.info("No daily chart: the log covers no whole day (its first and last days are partial).")


st.title("Traffic")
st.caption("Fit a workload from your own traffic: volume and growth, peaks, query and answer lengths, caching "
           "and conversations, each with the requests and days it rests on. Only counts and times are read "
           "(timestamps, model, token counts, conversation ids), never prompt or answer text. Nothing is stored: an "
           "upload is read from a temporary copy deleted at once, and only the fitted figures stay, in memory.")

upload = st.file_uploader(
    "Upload a usage log or trace export", type=["csv", "json", "jsonl"], key="traffic_upload",
    max_upload_size=MAX_UPLOAD_MB,  # the browser enforces it; fit_of checks the bytes again
    help="Told apart by content: " + "; ".join(FORMATS.values()) + ".",
)
samples = {p.name: p for p in shipped_samples()}
names = list(samples)
sample = st.selectbox("Or open a shipped sample", names, key="traffic_sample", disabled=upload is not None,
                      index=names.index(DEFAULT_SAMPLE) if DEFAULT_SAMPLE in names else 0,
                      help="Synthetic traffic of a support bot, one file in each format the import reads.")

if upload is not None:
    source = (upload.name, upload.getvalue())
elif sample:
    source = (sample, samples[sample].read_bytes())
else:  # an installed copy without the samples
    source = None
    st.info("Upload a traffic file to fit a workload from it.")
fit = fit_of(*source) if source else None
if fit is not None:
    show_report(fit)
    models = [m for m, _ in fit.models]
    counts = dict(fit.models)
    model = models[0]
    if len(models) > 1:
        model = st.selectbox("Model", models, key="traffic_model",
                             format_func=lambda m: f"{m} ({counts[m]:,} requests)")
    chosen = fit if model in fit.by_model else fit_of(*source, model=model)  # beyond the busiest: alone
    if chosen is not None:
        model_fit = chosen.by_model[model]
        show_model(model_fit)
        st.button(f"Use this workload in “{state.scenario().name}”", key="traffic_use", type="primary",
                  on_click=use_workload, args=(model_fit, chosen.report),
                  help="Sets volume, growth, peak, conversations, query and answer lengths (as 21 quantiles) and "
                       "the cache hit rate of the setup the log comes from, as `crossover traffic --apply` does. "
                       "Nothing is saved.")
        show_applied()
