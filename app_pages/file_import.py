"""The app's one import of the file store's folder into the database (``simulator.storage.importing``):
run at the first use of the store per process, said on the server's log and once above the page."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import streamlit as st

from simulator.storage import importing, location
from simulator.storage.database import StoreError, open_store
from ui import fmt

REFUSED_SHOWN = 10


class _Import:
    """The one import of a process, told by the first session that asks and by no other."""

    def __init__(self, report: importing.ImportReport | None):
        self._report, self._lock = report, threading.Lock()

    def take(self) -> importing.ImportReport | None:
        with self._lock:
            report, self._report = self._report, None
        return report


# A folder of 5,000 files takes a minute or two (scripts/benchmark_library.py): the first visitor is told why they wait.
@st.cache_resource(show_spinner="Importing the scenarios saved before into the database (once)…")
def _first_import(url: str, folder: str) -> _Import:
    """Once per process and database. A database that cannot be opened raises, which is not
    cached: the import is tried again at the next use."""
    return _Import(importing.first_import(open_store(url), Path(folder)))


def first_import(url: str) -> str | None:
    """importing.first_import of the file store's folder into the database at ``url``: what to
    say above the page (no server path in it) the first time, else None. The server's log gets
    the sentence with the folder's path. A database that cannot be opened is the library page's
    to say: the rest of the app does not need it."""
    try:
        report = _first_import(url, str(location.scenario_dir())).take()
    except StoreError:
        return None
    if report is None:
        return None
    print(report.sentence(), file=sys.stderr, flush=True)
    saved = len(report.imported)
    what = "1 saved scenario" if saved == 1 else f"{saved:,} saved scenarios"
    what += f" (and {len(report.trashed):,} from the trash)" if report.trashed else ""
    text = (f"{what} {'was' if saved == 1 and not report.trashed else 'were'} imported into Crossover's "
            "database from the folder it saved them in before (`scenarios` in its data folder, or "
            "`CROSSOVER_SCENARIO_DIR`); the folder is left as it was. Every save is now a version in the "
            "scenario's history (Scenario library).")
    if report.refused:
        shown = "; ".join(f"`{name}` ({fmt.plain(why)})" for name, why in report.refused[:REFUSED_SHOWN])
        more = len(report.refused) - REFUSED_SHOWN
        text += f" Not imported: {shown}" + (f" and {more:,} more." if more > 0 else ".")
    return text
