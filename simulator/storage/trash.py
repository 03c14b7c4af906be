"""The store's trash: deleted, replaced and renamed-away files, restorable for a while.

A trashed file is ``.trash/<slug>--<UTC time to the microsecond>.yaml``; that file name is its
identity (the page keys its Restore button by it). The trash is bounded: every write to the store
expires files deleted more than :data:`KEEP_DAYS` days ago and keeps at most :data:`MAX_TRASHED`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from simulator.storage.errors import StoreError

FOLDER = ".trash"
KEEP_DAYS = 30
MAX_TRASHED = 500
_STAMP = "%Y%m%dT%H%M%S%f"
_TRASHED = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]{0,63})--(?P<stamp>\d{8}T\d{12})\.yaml$")


@dataclass(frozen=True)
class Trashed:
    file_name: str  # the identity of this trashed copy
    slug: str
    deleted: dt.datetime  # UTC
    path: Path | None  # None in the database store, where a trashed scenario is a row, not a file
    owner: str | None = None  # the database store's: whose it is (refs.py); None: nobody's

    @property
    def ref(self) -> str:
        """What named it while it was live (refs.py): ``<owner>/<slug>``, or ``<slug>``."""
        return f"{self.owner}/{self.slug}" if self.owner else self.slug


def file_name(slug: str, deleted: dt.datetime) -> str:
    """The identity of the copy of ``slug`` trashed at ``deleted`` (UTC), to the microsecond."""
    return f"{slug}--{deleted.astimezone(dt.timezone.utc).strftime(_STAMP)}.yaml"


def parse_file_name(name: str) -> tuple[str, dt.datetime] | None:
    """The slug and deletion time (UTC) a trashed copy's name holds; None for any other name."""
    found = _TRASHED.match(name) if isinstance(name, str) else None
    if not found:
        return None
    return found["slug"], dt.datetime.strptime(found["stamp"], _STAMP).replace(tzinfo=dt.timezone.utc)


def _parse(path: Path) -> Trashed | None:
    parsed = parse_file_name(path.name)
    return None if parsed is None else Trashed(path.name, *parsed, path)


def items(root: Path) -> list[Trashed]:
    """Newest first."""
    folder = root / FOLDER
    if not folder.is_dir():
        return []
    found = (_parse(p) for p in folder.iterdir() if not p.is_symlink())
    return sorted((t for t in found if t is not None), key=lambda t: t.deleted, reverse=True)


def find(root: Path, file_name: str) -> Trashed:
    """The trashed copy called exactly ``file_name``; no path can be formed from it."""
    item = _parse(Path(str(file_name))) if isinstance(file_name, str) else None
    path = root / FOLDER / str(file_name)
    if item is None or Path(file_name).name != file_name or not path.is_file() or path.is_symlink():
        raise StoreError("that copy is no longer in the trash (restored, or expired, by someone else)")
    return Trashed(item.file_name, item.slug, item.deleted, path)


def move_in(root: Path, path: Path, slug: str) -> Path:
    """Move a saved file into the trash (atomic rename within the store folder)."""
    target = _new_name(root, slug)
    os.replace(path, target)
    return target


def keep_copy(root: Path, path: Path, slug: str) -> Path:
    """Put the version about to be replaced in the trash as a hard link: the saved file stays in
    place until its replacement is written, so a failed write loses nothing."""
    target = _new_name(root, slug)
    os.link(path, target)
    return target


def _new_name(root: Path, slug: str) -> Path:
    folder = root / FOLDER
    folder.mkdir(exist_ok=True)
    return folder / file_name(slug, dt.datetime.now(dt.timezone.utc))


def expire(root: Path, now: dt.datetime | None = None) -> int:
    """Delete what is older than KEEP_DAYS and what is beyond the newest MAX_TRASHED; how many."""
    now = now or dt.datetime.now(dt.timezone.utc)
    trashed = items(root)  # newest first
    recent = [t for t in trashed if now - t.deleted <= dt.timedelta(days=KEEP_DAYS)]
    kept = {t.file_name for t in recent[:MAX_TRASHED]}
    gone = [t for t in trashed if t.file_name not in kept]
    for item in gone:
        with contextlib.suppress(OSError):  # best effort: the next write tries again
            item.path.unlink()
    return len(gone)
