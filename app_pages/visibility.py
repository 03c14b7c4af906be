"""The library's "who sees it": the "Private (only me)" box of a save, and the chosen scenario's
"Make private" / "Share with the team" button (its owner's or an admin's), over the store's rules
(``simulator/storage/refs.py`` and ``access.py``; the store refuses what the page does not offer).

The button runs as a callback bound to the scenario the page showed, as the library's others do.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from simulator.storage import refs
from simulator.storage.database import Actor, DatabaseStore, StoreError
from simulator.storage.store import Entry
from ui import fmt


def private_box(actor: Actor) -> bool:
    """The save's "Private (only me)" box: offered to a signed-in user (who can own a scenario);
    shown off, with why, to an anonymous visitor, whose scenarios belong to nobody."""
    if refs.may_own(actor):
        return st.checkbox("Private (only me)", key="lib_save_as_private",
                           help="Only you and the admins see it, in the library and by its link; you can share it "
                                "with the team later.")
    st.checkbox("Private (only me)", key="lib_save_as_private", value=False, disabled=True,
                help="Sign in to keep a scenario private: one saved anonymously belongs to nobody, and everyone sees it.")
    return False


def code(ref: str) -> str:
    """``ref`` as Markdown code: shown as it is (an owner's e-mail is not made a link), and a
    backtick in it cannot end the code span early."""
    fence = "``" if "`" in ref else "`"
    return f"{fence} {ref} {fence}" if fence == "``" else f"`{ref}`"


def seen_by(entry: Entry) -> str:
    """The listing's "seen by" of ``entry``."""
    return "only its owner" if entry.visibility == refs.PRIVATE else "everyone"


def panel(store: DatabaseStore, entry: Entry, actor: Actor, tell: Callable[[str, str], None]) -> None:
    """Who sees the chosen saved scenario, and the button that changes it for its owner or an admin."""
    private = entry.visibility == refs.PRIVATE
    owner = fmt.plain(entry.owner) if entry.owner else "nobody (saved anonymously or imported), so everyone sees it"
    st.caption(f"Owner: {owner}." + (" Private: only its owner and the admins see it." if private else
                                     " Shared: everyone who can open Crossover sees it." if entry.owner else ""))
    if entry.owner is None:
        return
    mine = actor.admin or refs.owner_of(actor.user) == entry.owner
    wanted = refs.SHARED if private else refs.PRIVATE
    st.button("Share with the team" if private else "Make private (only me)", key="lib_visibility",
              disabled=not mine, on_click=_change, args=(store, entry.ref, entry.name, wanted, actor, tell),
              help=None if mine else f"Only {entry.owner} or an admin can change who sees it.")


def _change(store: DatabaseStore, ref: str, name: str, wanted: str, actor: Actor,
            tell: Callable[[str, str], None]) -> None:
    try:
        store.set_visibility(ref, wanted, actor=actor)
    except StoreError as exc:
        tell("error", f"Not changed: {fmt.plain(str(exc).splitlines()[0])}")
        return
    tell("success", f"'{fmt.plain(name)}' is now " + ("private: only you (and the admins) see it."
                                                      if wanted == refs.PRIVATE else "shared with the team."))
