"""Saved scenarios on disk: one YAML file per scenario, atomic writes, versions, a trash folder.

A scenario's *version* is the SHA-256 of its file. Every change names the version it replaces (the
one the user saw); if the file changed since (someone else saved it), the change is refused with
:class:`ChangedElsewhere` instead of silently overwriting. Check-and-write runs under an
exclusive ``flock`` on the folder's lock file, so two processes cannot both pass the check.
Writes go to a temporary file that is fsynced and renamed into place: a reader sees the old file
or the new one, never half of one. Deleting moves the file to ``.trash/`` (``trash.py``), from
where it can be restored. Every change keeps the listing's index current (``index.py``) and adds
a line to the audit log (``audit.py``), under the same lock.

Names are unique in the store (compared by :func:`slugs.name_key`); ids (slugs) are made once from
the name and kept (``slugs.py``). Shipped examples are read-only and win over a saved file with
the same id, which the listing shows as a problem.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pricing.catalog import Catalog

from simulator.scenario import Scenario, ScenarioError, parse_scenario
from simulator.storage import audit, index, location, trash
from simulator.storage.audit import Actor
from simulator.storage.errors import AlreadyExists, ChangedElsewhere, StoreError, changed_elsewhere
from simulator.storage.slugs import SLUG, name_key, slugify, unique_slug

__all__ = ["Actor", "AlreadyExists", "ChangedElsewhere", "Entry", "ScenarioStore", "StoreError", "matching", "slugify"]

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "scenarios"
MAX_SAVED = 5_000
COPIES = 100  # "(copy)", "(copy 2)" … "(copy 99)"


@dataclass(frozen=True)
class Entry:
    slug: str
    name: str
    description: str  # the first index.DESCRIPTION_CHARS characters
    version: str
    modified: dt.datetime
    read_only: bool
    problem: str | None = None  # set: the file is listed so it can be trashed, but cannot be opened
    owner: str | None = None  # who it belongs to (refs.py); None: nobody (saved anonymously, imported, an example)
    visibility: str = "shared"  # or "private": its owner and admins only (refs.py)

    @property
    def file_name(self) -> str:
        return f"{self.slug}.yaml"

    @property
    def ref(self) -> str:
        """What names it in a link (``?s=``) and to the store: ``<owner>/<slug>``, or ``<slug>`` (refs.py)."""
        return f"{self.owner}/{self.slug}" if self.owner else self.slug


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ScenarioStore:
    """Saved scenarios in ``root`` (default :func:`location.scenario_dir`: ``CROSSOVER_SCENARIO_DIR``,
    else ``scenarios/`` in ``CROSSOVER_DATA_DIR``), plus the shipped examples, read-only."""

    def __init__(self, root: Path | None = None, examples: Path = EXAMPLES_DIR):
        self.root = Path(root) if root else location.scenario_dir()
        self.examples = examples

    # -- reading --------------------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        """Examples first, then saved scenarios by name, then files that cannot be used (each
        with its problem). Parses only files changed since the index was written."""
        examples = self._example_entries()
        shadowed = {e.slug for e in examples}
        saved, broken = [], []
        for slug, record in index.refresh(self.root, version_of).items():
            entry = _entry(slug, record)
            if slug in shadowed:
                entry = Entry(slug, record.name, "", record.version, entry.modified, False,
                              f"has the id of the shipped example {slug!r}, which is opened instead: "
                              "rename it or move it to the trash")
            (broken if entry.problem else saved).append(entry)
        by_name = sorted(saved, key=lambda e: (name_key(e.name), e.slug))
        return examples + by_name + sorted(broken, key=lambda e: e.slug)

    def _example_entries(self) -> list[Entry]:
        return example_entries(self.examples)

    def load(self, slug: str, catalog: Catalog | None = None) -> tuple[Scenario, str, bool]:
        """The scenario, its version and whether it is a read-only example."""
        path, read_only = self._find(slug)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StoreError(f"{slug!r} cannot be read ({exc.strerror or type(exc).__name__})") from None
        return parse_scenario(data, path.name, catalog), version_of(data), read_only

    def _find(self, slug: str) -> tuple[Path, bool]:
        """The example called ``slug`` if there is one (a saved file cannot shadow it), else the
        saved file."""
        saved = self._saved_path(slug)
        for path, read_only in ((self.examples / saved.name, True), (saved, False)):
            if path.is_file() and not path.is_symlink():
                return path, read_only
        raise StoreError(f"no saved scenario or example is called {slug!r}")

    def _saved_path(self, slug: str) -> Path:
        # Names are stored in lower case (slugify); a link typed as ?s=Support-Bot means the same one.
        if not isinstance(slug, str) or not SLUG.match(slug.lower()):
            raise StoreError(f"{str(slug)[:80]!r} is not a scenario name (letters, digits and dashes, "
                             "starting with a letter or digit, at most 64)")
        return self.root / f"{slug.lower()}.yaml"

    def is_example(self, slug: str) -> bool:
        return (self.examples / f"{slug}.yaml").is_file()

    def trash(self) -> list[trash.Trashed]:
        """Trashed copies, newest first."""
        return trash.items(self.root)

    def audit_log(self, lines: int = 20) -> list[dict]:
        """The last changes, newest first."""
        return audit.tail(self.root, lines)

    # -- writing --------------------------------------------------------------------------------
    def save(self, scenario: Scenario, slug: str | None = None, *, replaces: str | None = None,
             trash_previous: bool = False, actor: Actor | None = None) -> Entry:
        """Save a new scenario (``slug`` None: an id is made from the name) or a new version of
        ``slug``, whose current version must be ``replaces``. ``trash_previous`` keeps the version
        replaced in the trash. A name another scenario has is refused with :class:`AlreadyExists`
        naming that scenario; saving the same file again is a no-op."""
        data = scenario.to_yaml().encode("utf-8")
        with self._locked():
            records = index.refresh(self.root, version_of)
            if slug is None:
                same = self._same_name(records, scenario.name)
                if same is not None and same[1].version == version_of(data):
                    return _entry(same[0], same[1])  # a repeated click: it is saved already
                slug = self._new_slug(records, scenario.name)
                replaces = None
            previous = self._check(slug, replaces, records)
            self._refuse_taken_name(records, scenario.name, slug)
            path = self.root / f"{slug}.yaml"
            if previous is None and len(records) >= MAX_SAVED:
                raise StoreError(f"the store holds {MAX_SAVED:,} scenarios already; delete some first")
            kept = trash.keep_copy(self.root, path, slug) if previous is not None and trash_previous else None
            try:
                _atomic_write(path, data)
            except OSError:
                if kept is not None:
                    kept.unlink()  # the previous version is still in place: no copy in the trash
                raise
            entry = self._record_write(records, slug, scenario, data)
            action = "save" if not trash_previous else "replace"
            audit.append(self.root, action, slug, scenario.name, previous, entry.version, actor)
        return entry

    def duplicate(self, slug: str, *, actor: Actor | None = None) -> Entry:
        """Save a copy under the first free name "<name> (copy)", "(copy 2)" …, cut so it fits."""
        scenario, _, _ = self.load(slug)
        with self._locked():
            records = index.refresh(self.root, version_of)
            for n in range(1, COPIES):
                suffix = " (copy)" if n == 1 else f" (copy {n})"
                name = scenario.name[:200 - len(suffix)] + suffix
                if self._same_name(records, name) is None and not self._example_named(name):
                    break
            else:
                raise AlreadyExists(f"{scenario.name!r} has {COPIES - 1} copies already: rename some first")
            if len(records) >= MAX_SAVED:
                raise StoreError(f"the store holds {MAX_SAVED:,} scenarios already; delete some first")
            copy = Scenario.model_validate({**scenario.model_dump(), "name": name})
            new_slug = self._new_slug(records, name)
            data = copy.to_yaml().encode("utf-8")
            _atomic_write(self.root / f"{new_slug}.yaml", data)
            entry = self._record_write(records, new_slug, copy, data)
            audit.append(self.root, "duplicate", new_slug, name, None, entry.version, actor, source=slug)
        return entry

    def rename(self, slug: str, new_name: str, *, replaces: str, actor: Actor | None = None) -> Entry:
        """Give the scenario the user saw (``slug`` at version ``replaces``) a new name and an id
        made from it. The new file is written before the old one goes to the trash; if that second
        step fails the new file is removed again, so there is always exactly one copy."""
        path = self._saved_path(slug)
        with self._locked():
            records = index.refresh(self.root, version_of)
            self._check(slug, replaces, records)
            scenario = _parse_for_change(slug, path.read_bytes())
            try:
                renamed = Scenario.model_validate({**scenario.model_dump(), "name": new_name})
            except ValueError as exc:
                raise StoreError(f"{str(new_name)[:80]!r} cannot be a name: {str(exc).splitlines()[-1]}") from None
            self._refuse_taken_name(records, new_name, slug)
            new_slug = unique_slug(slugify(new_name), self._taken(records) - {slug})
            data = renamed.to_yaml().encode("utf-8")
            if new_slug == slug:
                _atomic_write(path, data)
            else:
                self._write_then_trash(path, self.root / f"{new_slug}.yaml", data, slug)
                records.pop(slug, None)
            entry = self._record_write(records, new_slug, renamed, data)
            audit.append(self.root, "rename", new_slug, renamed.name, replaces, entry.version, actor, from_slug=slug)
        return entry

    def delete(self, slug: str, *, replaces: str, actor: Actor | None = None) -> Path:
        """Move the saved file the user saw (version ``replaces``) to the trash. Works on files that
        cannot be parsed, and on a saved file that has an example's id."""
        path = self._saved_path(slug)
        with self._locked():
            records = index.refresh(self.root, version_of)
            self._check(slug, replaces, records, deleting=True)
            target = trash.move_in(self.root, path, slug)
            record = records.pop(slug, None)
            index.write(self.root, records)
            audit.append(self.root, "delete", slug, record.name if record else "", replaces, None, actor)
        return target

    def restore(self, file_name: str, *, actor: Actor | None = None) -> str:
        """Put the trashed copy called ``file_name`` back under its id; refused if the id or its
        name is taken again."""
        with self._locked():
            item = trash.find(self.root, file_name)
            records = index.refresh(self.root, version_of)
            target = self.root / f"{item.slug}.yaml"
            if target.exists() or self.is_example(item.slug):
                raise AlreadyExists(f"a scenario with the id {item.slug!r} exists again; rename it before restoring")
            restored = index.read_record(item.path, version_of)
            if restored is not None and not restored.problem:
                self._refuse_taken_name(records, restored.name, item.slug)
            os.replace(item.path, target)
            records.pop(item.slug, None)
            fresh = index.read_record(target, version_of)
            if fresh is not None:
                records[item.slug] = fresh
            index.write(self.root, records)
            audit.append(self.root, "restore", item.slug, fresh.name if fresh else "", None,
                         fresh.version if fresh else None, actor, trashed=file_name)
        return item.slug

    # -- checks and bookkeeping under the lock -------------------------------------------------------
    def _check(self, slug: str, replaces: str | None, records: dict, deleting: bool = False) -> str | None:
        """The current version of ``slug``, if it is the one the user saw; else refuse."""
        path = self._saved_path(slug)
        try:
            current = version_of(path.read_bytes()) if path.is_file() and not path.is_symlink() else None
        except OSError:
            current = None
        if current is None and self.is_example(slug):
            what = "deleted" if deleting else "changed"
            raise AlreadyExists(f"{slug!r} is a shipped example and read-only: it cannot be {what}; "
                                "save it under another name")
        if replaces is None and current is not None:
            raise AlreadyExists(f"a scenario with the id {slug!r} already exists: open it first", slug, current)
        if current != replaces:
            raise changed_elsewhere(slug, current)
        return current

    def _same_name(self, records: dict, name: str) -> tuple[str, index.Record] | None:
        key = name_key(name)
        return next(((s, r) for s, r in records.items() if not r.problem and name_key(r.name) == key), None)

    def _example_named(self, name: str) -> bool:
        return any(name_key(e.name) == name_key(name) for e in self._example_entries())

    def _refuse_taken_name(self, records: dict, name: str, slug: str) -> None:
        """A name belongs to one scenario: refuse it for ``slug`` if another has it."""
        same = self._same_name({s: r for s, r in records.items() if s != slug}, name)
        if same is not None:
            raise AlreadyExists(f"a scenario called {same[1].name!r} already exists (`{same[0]}`): choose "
                                "another name or open it first", same[0], same[1].version)
        if self._example_named(name):
            raise AlreadyExists(f"{name!r} is the name of a shipped example: choose another name")

    def _taken(self, records: dict) -> set[str]:
        """Ids in use: every saved file (readable or not) and every shipped example."""
        return set(records) | {p.stem for p in self.examples.glob("*.yaml")}

    def _new_slug(self, records: dict, name: str) -> str:
        return unique_slug(slugify(name), self._taken(records))

    def _record_write(self, records: dict, slug: str, scenario: Scenario, data: bytes) -> Entry:
        st = (self.root / f"{slug}.yaml").stat()
        records[slug] = index.record_of(scenario, version_of(data), st)
        index.write(self.root, records)
        return _entry(slug, records[slug])

    def _write_then_trash(self, old: Path, new: Path, data: bytes, old_slug: str) -> None:
        _atomic_write(new, data)
        try:
            trash.move_in(self.root, old, old_slug)
        except OSError:
            with contextlib.suppress(OSError):
                new.unlink()  # back to exactly one copy: the old one, unchanged
            raise

    @contextlib.contextmanager
    def _locked(self):
        """Hold the store's lock for a change; a disk that refuses it (full, read-only) becomes a
        :class:`StoreError` that names the reason, never a path. The atomic write leaves the old
        file whole."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with open(self.root / ".lock", "a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    yield
                    with contextlib.suppress(OSError):  # after every change that went through: a bounded trash
                        trash.expire(self.root)
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        except OSError as exc:
            raise StoreError(f"the scenario store cannot be written ({exc.strerror or type(exc).__name__}); "
                             "nothing was changed") from None


def matching(entries: list[Entry], query: str) -> list[Entry]:
    """Entries whose name or (listed start of the) description contains ``query``, compared like
    names: case-insensitive, Unicode-normalised."""
    key = name_key(query)
    return [e for e in entries if not key or key in name_key(e.name) or key in name_key(e.description)]


def example_entries(folder: Path) -> list[Entry]:
    """The shipped examples in ``folder`` that parse, by id; read-only in every store."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.yaml")):
        if path.is_symlink() or not SLUG.match(path.stem):
            continue
        record = _example_record(str(path), index.fingerprint(path.stat()))
        if record.problem is None:
            found.append(Entry(path.stem, record.name, record.description, record.version,
                               dt.datetime.fromtimestamp(record.modified), True))
    return found


def _entry(slug: str, record: index.Record) -> Entry:
    return Entry(slug, record.name, record.description, record.version,
                 dt.datetime.fromtimestamp(record.modified), False, record.problem)


@functools.lru_cache(maxsize=64)
def _example_record(path: str, fingerprint: tuple[int, int, int]) -> index.Record:
    """Examples change only with a deployment: parsed once per file version, not on every listing."""
    return index.read_record(Path(path), version_of) or index.Record(fingerprint, "", "", "0" * 64, 0.0, "vanished")


def _parse_for_change(slug: str, data: bytes) -> Scenario:
    try:
        return parse_scenario(data, f"{slug}.yaml")
    except ScenarioError as exc:
        raise StoreError(f"{slug!r} cannot be read: {exc.problems[0]}") from None


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
