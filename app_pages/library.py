"""Scenario library: open, save, duplicate, rename, delete (with trash), compare, download, upload."""

import pandas as pd
import streamlit as st

from app_pages import state
from simulator.model.evaluate import evaluate
from simulator.scenario import Scenario, ScenarioError, parse_scenario
from simulator.storage.store import AlreadyExists, ChangedElsewhere, StoreError, slugify
from ui import charts, fmt

store = state.store()
catalog = state.catalog()
current = state.scenario()
origin = state.origin()

st.title("Scenario library")
st.caption(f"Saved scenarios live in `{store.root}`; the shipped examples are read-only (use “save as”).")

flash = st.session_state.pop("lib_flash", None)
if flash:
    getattr(st, flash[0])(flash[1])


def done(kind: str, message: str) -> None:
    st.session_state["lib_flash"] = (kind, message)
    st.rerun()


# --- Save the current scenario ------------------------------------------------------------------------
st.subheader("Save the current scenario")
can_overwrite = origin.get("slug") and not store.is_example(origin["slug"]) and origin["kind"] in ("saved", "edited")
left, right = st.columns(2)
with left:
    if can_overwrite:
        st.markdown(f"**{current.name}** is saved as `{origin['slug']}`"
                    + (" and has unsaved changes." if origin["kind"] == "edited" else "."))
        if st.button("Save changes", key="lib_save", disabled=origin["kind"] != "edited", type="primary"):
            try:
                entry = store.save(current, origin["slug"], replaces=origin["version"])
                state.mark_saved(entry.slug, entry.version)
                done("success", f"Saved '{fmt.plain(entry.name)}'.")
            except ChangedElsewhere as exc:
                st.session_state["lib_conflict"] = str(exc)
            except StoreError as exc:
                st.error(str(exc))
    else:
        st.markdown(f"**{current.name}** is " + ("a shipped example." if origin["kind"] == "example" else "not saved yet."))
conflict = st.session_state.get("lib_conflict")
if conflict:
    st.error(f"Not saved: {conflict}")
    a, b = st.columns(2)
    if a.button("Load their version (discard mine)", key="lib_conflict_reload"):
        st.session_state.pop("lib_conflict")
        try:
            state.load(origin["slug"])
            done("info", "Loaded the version saved by someone else.")
        except StoreError as exc:
            st.error(str(exc))
    if b.button("Keep mine: save it under a new name below", key="lib_conflict_keep"):
        st.session_state.pop("lib_conflict")
        st.rerun()
with right:
    with st.form("lib_save_as"):
        name = st.text_input("Save as (name)", value=f"{current.name} (copy)" if origin["kind"] != "edited" else current.name,
                             max_chars=200, key="lib_save_as_name")
        description = st.text_area("Description", value=current.description, max_chars=10_000, key="lib_save_as_desc")
        if st.form_submit_button("Save as new scenario"):
            try:
                renamed = Scenario.model_validate({**current.model_dump(), "name": name, "description": description})
                entry = store.save(renamed)
                state.load(entry.slug)
                done("success", f"Saved as '{fmt.plain(entry.name)}' (`{entry.slug}`).")
            except AlreadyExists as exc:
                st.error(f"{exc}")
                if not store.is_example(slugify(name)):
                    st.session_state["lib_overwrite"] = (slugify(name), renamed.to_yaml())
            except (StoreError, ValueError) as exc:
                st.error(f"Not saved: {str(exc).splitlines()[0]}")
    pending = st.session_state.get("lib_overwrite")
    if pending:
        st.warning(f"Replace the saved scenario `{pending[0]}` with this one? The one there now goes to the "
                   "trash, so it can be restored.")
        yes, no = st.columns(2)
        if yes.button("Replace it", key="lib_overwrite_yes", type="primary"):
            st.session_state.pop("lib_overwrite")
            try:
                _, version, _ = store.load(pending[0], catalog)
                store.delete(pending[0], replaces=version)
                entry = store.save(state.parse(pending[1]), pending[0])
                state.load(entry.slug)
                done("success", f"Replaced `{entry.slug}`; the previous version is in the trash.")
            except (StoreError, ScenarioError) as exc:
                st.error(f"Not saved: {str(exc).splitlines()[0]}")
        if no.button("Keep both: I will choose another name", key="lib_overwrite_no"):
            st.session_state.pop("lib_overwrite")
            st.rerun()

# --- Browse --------------------------------------------------------------------------------------------
st.subheader("Saved scenarios and examples")
entries = store.entries(catalog)
st.dataframe(pd.DataFrame([{
    "name": e.name, "id": e.slug, "kind": "example" if e.read_only else "saved",
    "modified": e.modified.strftime("%Y-%m-%d %H:%M"), "description": e.description[:120],
} for e in entries]), hide_index=True, width="stretch")

labels = {e.slug: f"{e.name} ({'example' if e.read_only else e.slug})" for e in entries}
chosen = st.selectbox("Scenario", options=list(labels), format_func=labels.get, key="lib_choice")
entry = next((e for e in entries if e.slug == chosen), None)
if entry is not None:
    c1, c2, c3, c4 = st.columns(4)
    if c1.button("Open", key="lib_open", type="primary"):
        state.load(entry.slug)
        done("success", f"Opened '{fmt.plain(entry.name)}'.")
    if c2.button("Duplicate", key="lib_duplicate"):
        scenario, _, _ = store.load(entry.slug, catalog)
        for n in range(1, 100):
            copy_name = f"{scenario.name} (copy{'' if n == 1 else f' {n}'})"
            try:
                copy = store.save(Scenario.model_validate({**scenario.model_dump(), "name": copy_name}))
                done("success", f"Duplicated as '{fmt.plain(copy.name)}'.")
            except AlreadyExists:
                continue
    with c3.popover("Rename", disabled=entry.read_only):
        new_name = st.text_input("New name", value=entry.name, key="lib_rename_name")
        if st.button("Rename", key="lib_rename"):
            try:
                renamed = store.rename(entry.slug, new_name, replaces=entry.version, catalog=catalog)
                if origin.get("slug") == entry.slug:
                    state.load(renamed.slug)
                done("success", f"Renamed to '{fmt.plain(renamed.name)}'.")
            except (StoreError, ValueError) as exc:
                st.error(str(exc).splitlines()[0])
    with c4.popover("Delete", disabled=entry.read_only):
        st.write(f"Delete **{fmt.plain(entry.name)}**? It goes to the trash and can be restored below.")
        if st.button("Yes, delete", key="lib_delete", type="primary"):
            try:
                store.delete(entry.slug, replaces=entry.version)
                done("success", f"Deleted '{fmt.plain(entry.name)}'; restore it from the trash if that was a mistake.")
            except StoreError as exc:
                st.error(str(exc))

trash = store.trash()
if trash:
    with st.expander(f"Trash ({len(trash)})"):
        for i, (slug, path) in enumerate(trash[:50]):
            a, b = st.columns([4, 1])
            a.write(f"`{slug}` — deleted {path.stem.split('--', 1)[1][:15]}")
            if b.button("Restore", key=f"lib_restore_{i}"):
                try:
                    done("success", f"Restored `{store.restore(path)}`.")
                except StoreError as exc:
                    st.error(str(exc))

# --- Compare ---------------------------------------------------------------------------------------------
st.subheader("Compare scenarios")
picked = st.multiselect("Pick 2 to 4 scenarios", options=list(labels), format_func=labels.get,
                        max_selections=4, key="lib_compare")
if len(picked) >= 2:
    evaluations = {}
    for slug in picked:
        try:
            evaluations[labels[slug]] = evaluate(store.load(slug, catalog)[0], catalog)
        except (StoreError, ScenarioError) as exc:
            st.error(f"{labels[slug]} cannot be compared: {str(exc).splitlines()[0]}")
    rows = []
    for label, ev in evaluations.items():
        r = ev.to_dict()
        row = {"scenario": label, "queries/month": fmt.volume(r["queries_per_month"]),
               "cheapest": fmt.setup(r["cheapest_setup"]) if r["cheapest_setup"] else "none feasible"}
        for name, s in r["setups"].items():
            row[fmt.setup(name)] = fmt.usd_month(s["monthly_cost_usd"]) if s["feasible"] else "infeasible"
        pair = next((b for b in r["break_even"] if {b["a"], b["b"]} == {"rag", "fine_tuned"}), None)
        row["RAG = fine-tuned at"] = ("–" if pair is None else
                                     "never" if pair["queries_per_month"] is None else fmt.volume(pair["queries_per_month"]))
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    lo, hi = state.view_range()
    st.plotly_chart(charts.compare_figure(evaluations, lo, hi), key="compare_chart", width="stretch")
elif picked:
    st.info("Pick at least two scenarios to compare.")

# --- Files -------------------------------------------------------------------------------------------------
st.subheader("Download and upload")
st.download_button("Download the current scenario (YAML)", data=state.scenario_yaml(),
                   file_name=f"{slugify(current.name)}.yaml", mime="application/x-yaml", key="lib_download")
upload = st.file_uploader("Upload a scenario (YAML, at most 2 MB)", type=["yaml", "yml"], key="lib_upload")
if upload is not None and st.session_state.get("lib_uploaded") != upload.file_id:
    st.session_state["lib_uploaded"] = upload.file_id
    try:
        scenario = parse_scenario(upload.getvalue(), upload.name, catalog)
        state.replace(scenario)
        done("success", f"Opened {fmt.plain(upload.name)} as an unsaved scenario: save it to keep it.")
    except ScenarioError as exc:
        st.error("This file is not a usable scenario; nothing was changed:\n\n"
                 + "\n".join(f"- {p}" for p in exc.problems[:20]))
