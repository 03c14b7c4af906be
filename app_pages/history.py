"""The library's history of the chosen saved scenario: its versions newest first, what changed
between any two of them (``ui.scenario_diff``), and "restore this version".

The restore runs as a callback bound to the version of the scenario the page showed: restored over
a version someone saved since, it is refused with the same "changed by <who> at <when>" and the
same choices as a stale save.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from app_pages import state
from simulator.scenario import Scenario, ScenarioError, parse_scenario
from simulator.storage.database import Actor, ChangedElsewhere, DatabaseStore, StoreError, Version
from simulator.storage import rows
from simulator.storage.store import Entry
from ui import fmt, scenario_diff

DIFF_SHOWN = 100  # rows: a scenario rewritten whole is not one endless list
CONFLICT = "lib_conflict"  # the library page's (what was refused, the scenario's id, why)


def panel(store: DatabaseStore, entry: Entry, actor: Actor, origin: dict, tell: Callable[[str, str], None]) -> None:
    """The history of ``entry`` (a saved scenario, as the listing showed it) in an expander."""
    with st.expander(f"History of '{fmt.plain(entry.name)}'"):
        try:
            versions = store.history(entry.ref, viewer=actor)
        except StoreError as exc:
            st.error(f"The history of '{fmt.plain(entry.name)}' cannot be shown: {fmt.plain(str(exc))}")
            return
        st.dataframe(pd.DataFrame([{"version": v.number, "author": v.author, "saved (UTC)": f"{v.time:%Y-%m-%d %H:%M}",
                                    "message": v.message or ""} for v in versions]), hide_index=True, width="stretch")
        if versions[-1].number > 1:
            st.caption(f"Versions 1 to {versions[-1].number - 1} are no longer kept: a scenario keeps its newest "
                       f"{rows.MAX_VERSIONS} versions, and older ones only within {rows.MAX_HISTORY_CHARS:,} characters "
                       "of YAML.")
        if len(versions) == 1:
            st.caption("One version so far: every save adds one." if versions[0].number == 1
                       else "Only the current version is kept.")
            return
        numbers = {v.number: v for v in versions}
        left, right = st.columns(2)
        old = left.selectbox("Compare version", list(numbers), index=1, format_func=lambda n: _label(numbers[n]),
                             key=f"lib_history_old_{entry.ref}")
        new = right.selectbox("with version", list(numbers), index=0, format_func=lambda n: _label(numbers[n]),
                              key=f"lib_history_new_{entry.ref}")
        _diff(store, entry, old, new, actor)
        current = versions[0]
        older = [n for n in numbers if n != current.number]
        back = st.selectbox("Version to restore", older, format_func=lambda n: _label(numbers[n]),
                            key=f"lib_history_restore_{entry.ref}")
        st.caption(f"Restoring saves version {back} again as the newest; it replaces version {current.number} "
                   f"(the current one), which stays in the history.")
        reload = origin.get("slug") == entry.ref and origin.get("kind") == "saved"
        st.button("Restore this version", key="lib_history_restore", on_click=_restore,
                  args=(store, entry.ref, entry.name, back, current.number, entry.version, actor, reload, tell))


def _label(version: Version) -> str:
    note = f": {version.message[:60]}" if version.message else ""
    return f"version {version.number} ({version.author}, {version.time:%Y-%m-%d %H:%M} UTC){note}"


def _diff(store: DatabaseStore, entry: Entry, old: int, new: int, actor: Actor) -> None:
    if old == new:
        st.caption("Pick two different versions to see what changed.")
        return
    try:
        before, after = (_version(store, entry.ref, n, actor) for n in (old, new))
    except (StoreError, ScenarioError) as exc:
        st.error(f"Versions {old} and {new} of '{fmt.plain(entry.name)}' cannot be compared: "
                 f"{fmt.plain(str(exc).splitlines()[0])}")
        return
    changes = scenario_diff.diff(before, after)
    if not changes:
        st.caption(f"Versions {old} and {new} hold the same scenario.")
        return
    st.markdown(f"**From version {old} to version {new}** ({len(changes):,} change{'s' if len(changes) != 1 else ''}):")
    st.markdown("\n".join(f"- {fmt.plain(c.label)}: {fmt.plain(c.before)} → {fmt.plain(c.after)}"
                          for c in changes[:DIFF_SHOWN]))
    if len(changes) > DIFF_SHOWN:
        st.caption(f"The first {DIFF_SHOWN} of {len(changes):,} changes.")


def _version(store: DatabaseStore, ref: str, number: int, actor: Actor) -> Scenario:
    """Schema only, not the catalog: an old version may name a model the catalog has since dropped."""
    return parse_scenario(store.version(ref, number, viewer=actor).encode("utf-8"), f"{ref} version {number}")


def _restore(store: DatabaseStore, slug: str, name: str, number: int, replaced: int, seen: str, actor: Actor,
             reload: bool, tell: Callable[[str, str], None]) -> None:
    """Version ``number`` saved again over ``replaced``, the current version the page showed
    (``seen`` is its SHA-256)."""
    try:
        restored = store.restore_version(slug, number, replaces=seen, actor=actor)
    except ChangedElsewhere as exc:
        st.session_state[CONFLICT] = ("Not restored", slug, str(exc))
        return
    except (StoreError, ScenarioError) as exc:
        tell("error", f"Version {number} of '{fmt.plain(name)}' was not restored: {fmt.plain(str(exc).splitlines()[0])}")
        return
    if reload:  # the user works on this scenario, without unsaved changes: show what is now saved
        state.load(restored.ref)
    tell("success", f"Restored version {number} of '{fmt.plain(restored.name)}' as its newest version; version "
                    f"{replaced}, which it replaces, stays in the history.")
