"""The listing of saved scenarios without parsing 5,000 files on every page view.

``.index.json`` in the store folder records, per file, what the library lists (name, the start of
the description, version, modified time, or the problem that makes it unreadable) together with the
file's fingerprint: inode, size and modification time in ns. :func:`refresh` compares those with a
directory scan (``stat`` only) and parses only files that are new or whose fingerprint changed;
saves replace files atomically (a new inode), so a changed file never keeps its fingerprint.

The index is a cache, never the truth: a missing, corrupt or foreign index is rebuilt from the
files, a record whose file changed is re-read, and versions are checked against the file's bytes
before any change (``store.py``). Writing it needs no lock: the write is atomic, and an index that
misses someone's concurrent change only costs that file a re-read at the next listing.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from simulator.scenario import MAX_FILE_BYTES, Scenario, ScenarioError, parse_scenario
from simulator.storage.slugs import SLUG

INDEX_FILE = ".index.json"
FORMAT = 1
DESCRIPTION_CHARS = 300  # what the listing shows and searches; the file keeps the whole text
_HEX = set("0123456789abcdef")


@dataclass(frozen=True)
class Record:
    fingerprint: tuple[int, int, int]  # inode, size [bytes], mtime [ns]
    name: str
    description: str
    version: str  # SHA-256 of the file's bytes
    modified: float  # mtime [s since the epoch]
    problem: str | None = None  # why the file cannot be read as a scenario


def fingerprint(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def record_of(scenario: Scenario, version: str, st: os.stat_result) -> Record:
    return Record(fingerprint(st), scenario.name, scenario.description[:DESCRIPTION_CHARS], version, st.st_mtime)


def scan(root: Path) -> dict[str, os.stat_result]:
    """Every saved scenario file by slug, with its ``stat``: no file is opened."""
    found = {}
    with contextlib.suppress(FileNotFoundError), os.scandir(root) as it:
        for item in it:
            slug = item.name[:-5]
            if not item.name.endswith(".yaml") or not SLUG.match(slug) or item.is_symlink():
                continue
            with contextlib.suppress(OSError):  # deleted by someone else during the scan
                st = item.stat(follow_symlinks=False)
                if item.is_file(follow_symlinks=False):
                    found[slug] = st
    return found


def read_record(path: Path, version_of: Callable[[bytes], str]) -> Record | None:
    """Parse one file (schema only: the catalog is checked when it is opened); None if it vanished."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())  # the fingerprint of exactly the bytes read
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    version = version_of(data)
    try:
        scenario = parse_scenario(data, path.name)
    except ScenarioError as exc:
        return Record(fingerprint(st), "", "", version, st.st_mtime, exc.problems[0][:300])
    return record_of(scenario, version, st)


def load(root: Path) -> dict[str, Record]:
    """The recorded index, or nothing when it is missing or not exactly what :func:`write` writes."""
    path = root / INDEX_FILE
    try:
        st = path.stat()
    except OSError:
        return {}
    return dict(_decoded(str(path), fingerprint(st)))  # a copy: callers change theirs


@functools.lru_cache(maxsize=8)
def _decoded(path: str, fingerprint: tuple[int, int, int]) -> dict[str, Record]:
    """Decoded once per version of the index file (an atomic write makes a new inode): a listing
    of 5,000 then costs the directory scan, not 3 MB of JSON."""
    try:
        raw = json.loads(Path(path).read_bytes())
        if raw.get("format") != FORMAT or not isinstance(raw.get("entries"), dict):
            return {}
        return {slug: _record(slug, value) for slug, value in raw["entries"].items()}
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return {}  # corrupt or foreign: rebuilt from the files, never trusted


def _record(slug: str, value: dict) -> Record:
    fp = value["fingerprint"]
    checks = [
        SLUG.match(slug), isinstance(fp, list) and len(fp) == 3 and all(type(v) is int for v in fp),
        isinstance(value["name"], str), isinstance(value["description"], str),
        isinstance(value["version"], str) and len(value["version"]) == 64 and set(value["version"]) <= _HEX,
        type(value["modified"]) in (int, float), value["problem"] is None or isinstance(value["problem"], str),
    ]
    if not all(checks):
        raise ValueError(f"index record {slug!r} is malformed")
    return Record(tuple(fp), value["name"], value["description"], value["version"], float(value["modified"]),
                  value["problem"])


def write(root: Path, records: dict[str, Record]) -> None:
    """Replace the index atomically. Not fsynced and failures ignored: it is a cache, and a lost or
    torn index is rebuilt from the files."""
    data = json.dumps({"format": FORMAT, "entries": {s: asdict(r) for s, r in records.items()}},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with contextlib.suppress(OSError):
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".index.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, root / INDEX_FILE)
        except OSError:
            os.unlink(tmp)
            raise


def refresh(root: Path, version_of: Callable[[bytes], str]) -> dict[str, Record]:
    """The current listing: recorded entries whose file is unchanged, every other file re-read.
    The index is rewritten when anything differed."""
    known = load(root)
    current: dict[str, Record] = {}
    for slug, st in scan(root).items():
        record = known.get(slug)
        if record is None or record.fingerprint != fingerprint(st):
            record = read_record(root / f"{slug}.yaml", version_of)
        if record is not None:
            current[slug] = record
    if current != known:
        write(root, current)
    return current
