"""Where saved work lives: one data folder per user, whatever the working directory.

``CROSSOVER_DATA_DIR`` is the data folder; by default ``$XDG_DATA_HOME/crossover``, else
``~/.local/share/crossover`` (the XDG base-directory default). Saved scenarios, with their trash,
index and audit log, are in its ``scenarios/`` folder, so the app started from any directory, and
any later command, reads and writes the same saves. ``CROSSOVER_SCENARIO_DIR`` names the scenario
folder itself and wins (the tests give each test its own).

Until issue 13 the default was ``scenarios/saved/`` inside the checkout (:data:`LEGACY_DIR`, found
from this file, not the working directory). :func:`copy_legacy_saves` copies what is there into the
new folder once, the first time the new folder is used and holds no saves; the old folder is never
moved or changed.

The database store (``database.py``) is at :func:`database_url`: ``CROSSOVER_DATABASE_URL``, else a
SQLite file ``crossover.db`` in the data folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from simulator.storage import audit, index, trash
from simulator.storage.slugs import SLUG

LEGACY_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "saved"
COPIED_MARKER = ".copied-from-legacy"  # in the new folder once the copy is made: it is never made twice


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """``CROSSOVER_DATA_DIR``, else ``$XDG_DATA_HOME/crossover``, else ``~/.local/share/crossover``.
    A relative ``XDG_DATA_HOME`` is ignored, as the XDG specification says."""
    if env.get("CROSSOVER_DATA_DIR"):
        return Path(env["CROSSOVER_DATA_DIR"]).expanduser()
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "crossover"


def scenario_dir(env: Mapping[str, str] = os.environ) -> Path:
    """``CROSSOVER_SCENARIO_DIR``, else ``scenarios/`` in the data folder."""
    if env.get("CROSSOVER_SCENARIO_DIR"):
        return Path(env["CROSSOVER_SCENARIO_DIR"]).expanduser()
    return data_dir(env) / "scenarios"


def database_url(env: Mapping[str, str] = os.environ) -> str:
    """``CROSSOVER_DATABASE_URL`` (a SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host:5432/crossover``),
    else ``sqlite:///<data folder>/crossover.db``."""
    return env.get("CROSSOVER_DATABASE_URL") or f"sqlite:///{data_dir(env) / 'crossover.db'}"


@dataclass(frozen=True)
class Copied:
    """What :func:`copy_legacy_saves` copied, and from where to where."""

    scenarios: int
    trashed: int
    source: Path
    target: Path

    def sentence(self) -> str:
        """For the server's log: with both folders' paths."""
        return (f"Crossover: copied {_count(self.scenarios, 'saved scenario')} and "
                f"{_count(self.trashed, 'trashed copy', 'trashed copies')} from {self.source}, the folder used "
                f"before, to {self.target}; the old folder is left as it was.")


def copy_legacy_saves(env: Mapping[str, str] = os.environ, legacy: Path | None = None) -> Copied | None:
    """Copy the saved scenarios of ``legacy`` (with their trash and audit log) into the default
    scenario folder when ``legacy`` holds some, that folder holds none and no copy was made before;
    None when there was nothing to do. A folder named by ``CROSSOVER_SCENARIO_DIR`` is left alone:
    it was the store before as it is now. Nothing in ``legacy`` is moved, changed or deleted. Runs
    under the store's lock, so two servers starting together copy once. The index is not copied: it
    is rebuilt from the files."""
    if env.get("CROSSOVER_SCENARIO_DIR"):
        return None
    legacy = legacy or LEGACY_DIR
    target = scenario_dir(env)
    if (target / COPIED_MARKER).exists() or not holds_saves(legacy) or holds_saves(target):
        return None  # the usual case: a stat, and a look into a folder that is missing or empty
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if (target / COPIED_MARKER).exists() or holds_saves(target):
                return None  # another process was first
            saved = index.scan(legacy)
            for slug in saved:
                shutil.copy2(legacy / f"{slug}.yaml", target / f"{slug}.yaml")  # copy2: modified times stay
            trashed = trash.items(legacy)
            if trashed:
                (target / trash.FOLDER).mkdir(exist_ok=True)
            for item in trashed:  # their names carry the deletion time, so they expire as before
                shutil.copy2(item.path, target / trash.FOLDER / item.file_name)
            log = legacy / audit.LOG_FILE
            if log.is_file() and not log.is_symlink():
                shutil.copy2(log, target / audit.LOG_FILE)
            copied = Copied(len(saved), len(trashed), legacy, target)
            (target / COPIED_MARKER).write_text(
                f"{dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')} {copied.sentence()}\n",
                encoding="utf-8")
            return copied
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(lock, fcntl.LOCK_UN)


def holds_saves(folder: Path) -> bool:
    """Whether ``folder`` has a saved scenario file; stops at the first (a store holds up to 5,000)."""
    with contextlib.suppress(FileNotFoundError, NotADirectoryError), os.scandir(folder) as it:
        for item in it:
            if item.name.endswith(".yaml") and SLUG.match(item.name[:-5]) and item.is_file(follow_symlinks=False):
                return True
    return False


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"
