"""Scenario library: open, save, duplicate, rename, delete (with trash), history, compare, download, upload.

Everything listed, opened and changed is what this session's user may see (``simulator/storage/
access.py``): their own scenarios, the shared ones, and everything for an admin; a scenario is named by
its ref (``<owner>/<id>``, or ``<id>`` for one of nobody). Who sees a scenario is ``visibility.py``.

Buttons that change a saved scenario run as callbacks whose arguments are fixed when the page is
drawn: they act on exactly the id and version the user saw, so a change someone else made since is
refused ("changed by someone else") instead of being deleted, renamed or restored by mistake.
"""

import math

import pandas as pd
import streamlit as st

from app_pages import history, state, visibility
from simulator.model.evaluate import evaluate
from simulator.scenario import MAX_FILE_MB, Scenario, ScenarioError, parse_scenario
from simulator.storage import trash as trash_rules
from simulator.storage.store import AlreadyExists, ChangedElsewhere, StoreError, matching, slugify
from simulator.storage.tables import MESSAGE_CHARS
from ui import charts, fmt

PAGE_SIZE = 50  # rows, and choices in the pickers: a full store (5,000) is never one list
TRASH_SHOWN = 50

store = state.store()
catalog = state.catalog()
current = state.scenario()
origin = state.origin()
WHO = state.identity()
ACTOR = WHO.actor

st.title("Scenario library")
st.caption("Saved scenarios live in the server's database (`CROSSOVER_DATABASE_URL`, by default a file in its data "
           "folder), each with every version saved; the shipped examples are read-only (use “save as”). Deleted "
           f"scenarios stay in the trash for {trash_rules.KEEP_DAYS} days (the newest {trash_rules.MAX_TRASHED:,} at most).")
st.caption(f"Your changes are recorded as **{fmt.plain(WHO.user)}**"
           + {"oidc": " (signed in).", "proxy": " (named by the proxy in front of this server).",
              "anonymous": "."}[WHO.source])


def done(kind: str, message: str) -> None:
    st.session_state["lib_flash"] = (kind, message)
    st.rerun()


def tell(kind: str, message: str) -> None:
    """From a callback (which cannot rerun): shown at the top of the run that follows."""
    st.session_state["lib_flash"] = (kind, message)


def refusal(exc: Exception) -> str:
    return fmt.plain(str(exc).splitlines()[0])


def download_current() -> None:
    st.download_button("Download the current scenario (YAML)", data=state.scenario_yaml(),
                       file_name=f"{slugify(current.name)}.yaml", mime="application/x-yaml", key="lib_download")


try:
    listing = store.entries(ACTOR)
except StoreError as exc:  # the database is down or misconfigured: the rest of the app does not need it
    st.error(f"The saved scenarios cannot be shown, opened or changed: {refusal(exc)}. The other pages still work "
             f"on the current scenario, '{fmt.plain(current.name)}'; download it here to keep it.")
    download_current()
    state.end_page()

flash = st.session_state.pop("lib_flash", None)
if flash:
    getattr(st, flash[0])(flash[1])


# --- Save the current scenario ------------------------------------------------------------------------
st.subheader("Save the current scenario")
can_overwrite = origin.get("slug") and not store.is_example(origin["slug"]) and origin["kind"] in ("saved", "edited")
left, right = st.columns(2)
with left:
    if can_overwrite:
        st.markdown(f"**{fmt.plain(current.name)}** is saved as {visibility.code(origin['slug'])}"
                    + (" and has unsaved changes." if origin["kind"] == "edited" else "."))
        message = st.text_input("What changed (optional, kept with the version)", max_chars=MESSAGE_CHARS,
                                key="lib_save_message", disabled=origin["kind"] != "edited")
        if st.button("Save changes", key="lib_save", disabled=origin["kind"] != "edited", type="primary"):
            try:
                entry = store.save(current, origin["slug"], replaces=origin["version"], actor=ACTOR,
                                   message=message.strip() or None)
                state.mark_saved(entry.ref, entry.version)
                st.session_state.pop("lib_save_message", None)
                done("success", f"Saved '{fmt.plain(entry.name)}'.")
            except ChangedElsewhere as exc:
                st.session_state["lib_conflict"] = ("Not saved", origin["slug"], str(exc))
            except StoreError as exc:
                st.error(refusal(exc))
    else:
        st.markdown(f"**{fmt.plain(current.name)}** is "
                    + ("a shipped example." if origin["kind"] == "example" else "not saved yet."))
conflict = st.session_state.get("lib_conflict")  # (what was refused, the scenario's id, why): a save or a restore
if conflict:
    refused, conflict_slug, why = conflict
    st.error(f"{refused}: {fmt.plain(why)}")
    a, b = st.columns(2)
    if a.button("Load their version (discard mine)", key="lib_conflict_reload"):
        st.session_state.pop("lib_conflict")
        try:
            state.load(conflict_slug)
            done("info", "Loaded the version saved by someone else.")
        except (StoreError, ScenarioError) as exc:
            st.error(refusal(exc))
    if b.button("Keep mine: save it under a new name below", key="lib_conflict_keep"):
        st.session_state.pop("lib_conflict")
        st.rerun()
with right:
    with st.form("lib_save_as"):
        name = st.text_input("Save as (name)", value=f"{current.name} (copy)" if origin["kind"] != "edited" else current.name,
                             max_chars=200, key="lib_save_as_name")
        description = st.text_area("Description", value=current.description, max_chars=10_000, key="lib_save_as_desc")
        note = st.text_input("What it is for (optional, kept with the version)", max_chars=MESSAGE_CHARS,
                             key="lib_save_as_message")
        private = visibility.private_box(ACTOR)
        if st.form_submit_button("Save as new scenario"):
            try:
                renamed = Scenario.model_validate({**current.model_dump(), "name": name, "description": description})
                entry = store.save(renamed, actor=ACTOR, message=note.strip() or None, private=private)
                state.load(entry.ref)
                done("success", f"Saved as '{fmt.plain(entry.name)}' ({visibility.code(entry.ref)})"
                                + (", private: only you (and admins) see it." if private else "."))
            except AlreadyExists as exc:
                st.error(refusal(exc))
                if exc.slug is not None:  # the same NAME: offer to replace exactly that scenario
                    st.session_state["lib_overwrite"] = (exc.slug, exc.version, renamed.to_yaml())
            except (StoreError, ValueError) as exc:
                st.error(f"Not saved: {refusal(exc)}")
    pending = st.session_state.get("lib_overwrite")
    if pending:
        slug, version, yaml_text = pending
        st.warning(f"Replace the saved scenario {visibility.code(slug)} with this one? The one there now stays in its "
                   "history, so it can be restored.")
        yes, no = st.columns(2)
        if yes.button("Replace it", key="lib_overwrite_yes", type="primary"):
            st.session_state.pop("lib_overwrite")
            try:
                entry = store.save(state.parse(yaml_text), slug, replaces=version, trash_previous=True, actor=ACTOR)
                state.load(entry.ref)
                done("success", f"Replaced {visibility.code(entry.ref)}; the previous version is in its history.")
            except (StoreError, ScenarioError) as exc:
                st.error(f"Not saved: {refusal(exc)}")
        if no.button("Keep both: I will choose another name", key="lib_overwrite_no"):
            st.session_state.pop("lib_overwrite")
            st.rerun()


# --- Changes to a listed scenario: callbacks bound to what the user saw -------------------------------
def delete(slug: str, version: str, shown_as: str) -> None:
    try:
        store.delete(slug, replaces=version, actor=ACTOR)
        tell("success", f"Deleted '{fmt.plain(shown_as)}'; restore it from the trash if that was a mistake.")
    except StoreError as exc:
        tell("error", f"Not deleted: {refusal(exc)}")


def rename(slug: str, version: str) -> None:
    try:
        renamed = store.rename(slug, st.session_state.get("lib_rename_name", ""), replaces=version, actor=ACTOR)
        if origin.get("slug") == slug:
            state.load(renamed.ref)
        tell("success", f"Renamed to '{fmt.plain(renamed.name)}' ({visibility.code(renamed.ref)}).")
    except (StoreError, ScenarioError) as exc:
        tell("error", f"Not renamed: {refusal(exc)}")


def open_(ref: str, shown_as: str) -> None:
    """Bound to the scenario drawn, as the others are: one that vanished or was made private since is
    refused, never swapped for whatever the picker shows next."""
    try:
        state.load(ref)
        tell("success", f"Opened '{fmt.plain(shown_as)}'.")
    except (StoreError, ScenarioError) as exc:
        tell("error", f"Not opened: {refusal(exc)}")


def duplicate(slug: str) -> None:
    try:
        copy = store.duplicate(slug, actor=ACTOR)
        tell("success", f"Duplicated as '{fmt.plain(copy.name)}' ({visibility.code(copy.ref)}), yours.")
    except (StoreError, ScenarioError) as exc:
        tell("error", f"Not duplicated: {refusal(exc)}")


def restore(file_name: str) -> None:
    try:
        tell("success", f"Restored {visibility.code(store.restore(file_name, actor=ACTOR))}.")
    except StoreError as exc:
        tell("error", f"Not restored: {refusal(exc)}")


# --- Browse --------------------------------------------------------------------------------------------
st.subheader("Saved scenarios and examples")
usable = [e for e in listing if not e.problem]
broken = [e for e in listing if e.problem]
labels = {e.ref: f"{e.name} ({'example' if e.read_only else e.ref})" for e in usable}
query = st.text_input("Search names and descriptions", key="lib_search", max_chars=200)
found = matching(usable, query)
pages = max(1, math.ceil(len(found) / PAGE_SIZE))
if st.session_state.get("lib_page", 1) > pages:  # a narrower search: back onto a page that exists
    st.session_state["lib_page"] = pages
page = st.number_input("Page", min_value=1, max_value=pages, step=1, key="lib_page") if pages > 1 else 1
shown = found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
st.caption(f"{len(found):,} of {len(usable):,} scenarios" + (f"; page {page} of {pages}" if pages > 1 else ""))
st.dataframe(pd.DataFrame([{
    "name": e.name, "id": e.ref, "kind": "example" if e.read_only else "saved",
    "owner": e.owner or ("" if e.read_only else "nobody"), "seen by": visibility.seen_by(e),
    "modified": e.modified.strftime("%Y-%m-%d %H:%M"), "description": e.description[:120],
} for e in shown], columns=["name", "id", "kind", "owner", "seen by", "modified", "description"]), hide_index=True,
    width="stretch")

chosen = st.selectbox("Scenario", options=[e.ref for e in shown], format_func=labels.get, key="lib_choice")
entry = next((e for e in shown if e.ref == chosen), None)
if entry is not None:
    c1, c2, c3, c4 = st.columns(4)
    c1.button("Open", key="lib_open", type="primary", on_click=open_, args=(entry.ref, entry.name))
    c2.button("Duplicate", key="lib_duplicate", on_click=duplicate, args=(entry.ref,))
    with c3.popover("Rename", disabled=entry.read_only):
        st.text_input("New name", value=entry.name, max_chars=200, key="lib_rename_name")
        st.button("Rename", key="lib_rename", on_click=rename, args=(entry.ref, entry.version))
    with c4.popover("Delete", disabled=entry.read_only):
        st.write(f"Delete **{fmt.plain(entry.name)}**? It goes to the trash and can be restored below.")
        st.button("Yes, delete", key="lib_delete", type="primary", on_click=delete,
                  args=(entry.ref, entry.version, entry.name))
    if not entry.read_only:
        visibility.panel(store, entry, ACTOR, tell)
        history.panel(store, entry, ACTOR, origin, tell)

if broken:
    st.warning(f"{len(broken)} saved scenario(s) cannot be opened; move them to the trash (they keep their history there):")
    for bad in broken:
        a, b = st.columns([4, 1])
        a.markdown(f"'{fmt.plain(bad.name)}' ({visibility.code(bad.ref)}): {fmt.plain(bad.problem)}")
        b.button("Move to trash", key=f"lib_trash_file_{bad.ref}", on_click=delete,
                 args=(bad.ref, bad.version, bad.name))

trashed = store.trash(ACTOR)
if trashed:
    with st.expander(f"Trash ({len(trashed):,})"):
        if len(trashed) > TRASH_SHOWN:
            st.caption(f"The newest {TRASH_SHOWN} of {len(trashed):,}.")
        for item in trashed[:TRASH_SHOWN]:
            a, b = st.columns([4, 1])
            a.write(f"{visibility.code(item.ref)} — deleted {item.deleted:%Y-%m-%d %H:%M} UTC")
            b.button("Restore", key=f"lib_restore_{item.file_name}", on_click=restore, args=(item.file_name,))

with st.expander("Recent changes"):
    log = store.audit_log(20, viewer=ACTOR)
    if log:
        st.dataframe(pd.DataFrame(log, columns=["time", "action", "slug", "name", "user", "client"]),
                     hide_index=True, width="stretch")
    else:
        st.caption("No changes recorded yet.")

# --- Compare ---------------------------------------------------------------------------------------------
st.subheader("Compare scenarios")
picked_before = [s for s in st.session_state.get("lib_compare", []) if s in labels]
options = picked_before + [e.ref for e in shown if e.ref not in picked_before]  # this page, plus what is picked
picked = st.multiselect("Pick 2 to 4 scenarios (from the page above)", options=options, format_func=labels.get,
                        max_selections=4, key="lib_compare")
if len(picked) >= 2:
    evaluations = {}
    for slug in picked:
        try:
            evaluations[labels[slug]] = evaluate(store.load(slug, catalog, viewer=ACTOR)[0], catalog)
        except (StoreError, ScenarioError) as exc:
            st.error(f"{fmt.plain(labels[slug])} cannot be compared: {refusal(exc)}")
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
download_current()
# The widget states the limit and the browser enforces it; parse_scenario checks the same bytes for
# what arrives another way (a Windows browser counts an MB as 1,048,576 bytes).
upload = st.file_uploader("Upload a scenario (YAML)", type=["yaml", "yml"], key="lib_upload",
                          max_upload_size=MAX_FILE_MB)
if upload is not None and st.session_state.get("lib_uploaded") != upload.file_id:
    st.session_state["lib_uploaded"] = upload.file_id
    try:
        scenario = parse_scenario(upload.getvalue(), upload.name, catalog)
        state.replace(scenario)
        done("success", f"Opened {fmt.plain(upload.name)} as an unsaved scenario: save it to keep it.")
    except ScenarioError as exc:
        st.error("This file is not a usable scenario; nothing was changed:\n\n"
                 + "\n".join(f"- {fmt.plain(p)}" for p in exc.problems[:20]))
