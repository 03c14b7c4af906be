"""Saved scenarios on disk: one YAML file per scenario, atomic writes, versions, a trash folder.

A scenario's *version* is the SHA-256 of its file. Every change names the version it replaces;
if the file changed since (someone else saved it), the change is refused with
:class:`ChangedElsewhere` instead of silently overwriting. Check-and-write runs under an
exclusive ``flock`` on the folder's lock file, so two processes cannot both pass the check.
Writes go to a temporary file that is fsynced and renamed into place: a reader sees the old file
or the new one, never half of one. Deleting moves the file to ``.trash/``, from where it can be
restored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pricing.catalog import Catalog

from simulator.scenario import Scenario, ScenarioError, parse_scenario

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "saved"
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "scenarios"
MAX_SAVED = 5_000
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class StoreError(ValueError):
    """A store operation cannot be done; the message says why and what to do."""


class ChangedElsewhere(StoreError):
    """The file changed since it was loaded: saving would overwrite someone else's work."""


class AlreadyExists(StoreError):
    """A scenario of that name exists already."""


@dataclass(frozen=True)
class Entry:
    slug: str
    name: str
    description: str
    version: str
    modified: dt.datetime
    read_only: bool


def slugify(name: str) -> str:
    """A file-safe id for a scenario name: lowercase letters, digits and dashes, at most 64."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    if not slug:
        raise StoreError(f"{name!r} cannot name a scenario: use letters or digits")
    return slug


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ScenarioStore:
    """Saved scenarios in ``root`` (``CROSSOVER_SCENARIO_DIR``, default ``scenarios/saved``),
    plus the shipped examples, read-only."""

    def __init__(self, root: Path | None = None, examples: Path = EXAMPLES_DIR):
        self.root = Path(root or os.environ.get("CROSSOVER_SCENARIO_DIR") or DEFAULT_DIR)
        self.examples = examples

    # -- reading --------------------------------------------------------------------------------
    def entries(self, catalog: Catalog | None = None) -> list[Entry]:
        """Examples first, then saved scenarios by name; unreadable files are skipped."""
        out = []
        for folder, read_only in ((self.examples, True), (self.root, False)):
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.yaml")):
                if path.is_symlink() or not _SLUG.match(path.stem):
                    continue
                try:
                    scenario, version = self._read(path, catalog)
                    modified = dt.datetime.fromtimestamp(path.stat().st_mtime)
                except (ScenarioError, OSError):  # unreadable, or deleted by someone else meanwhile
                    continue
                out.append(Entry(path.stem, scenario.name, scenario.description, version, modified, read_only))
        examples = [e for e in out if e.read_only]
        saved = sorted((e for e in out if not e.read_only), key=lambda e: e.name.lower())
        return examples + saved

    def load(self, slug: str, catalog: Catalog | None = None) -> tuple[Scenario, str, bool]:
        """The scenario, its version and whether it is a read-only example."""
        path, read_only = self._find(slug)
        return (*self._read_entry(slug, path, catalog), read_only)

    def _read(self, path: Path, catalog: Catalog | None) -> tuple[Scenario, str]:
        data = path.read_bytes()
        return parse_scenario(data, path.name, catalog), version_of(data)

    def _read_entry(self, slug: str, path: Path, catalog: Catalog | None) -> tuple[Scenario, str]:
        try:
            return self._read(path, catalog)
        except OSError as exc:
            raise StoreError(f"{slug!r} cannot be read ({exc.strerror or type(exc).__name__})") from None

    def _find(self, slug: str) -> tuple[Path, bool]:
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise StoreError(f"{str(slug)[:80]!r} is not a scenario name (letters, digits and dashes only)")
        for folder, read_only in ((self.root, False), (self.examples, True)):
            path = folder / f"{slug}.yaml"
            if path.is_file() and not path.is_symlink():
                return path, read_only
        raise StoreError(f"no saved scenario or example is called {slug!r}")

    def is_example(self, slug: str) -> bool:
        return (self.examples / f"{slug}.yaml").is_file()

    # -- writing --------------------------------------------------------------------------------
    def save(self, scenario: Scenario, slug: str | None = None, *, replaces: str | None = None) -> Entry:
        """Save under ``slug`` (default: from the name). ``replaces``: the version loaded, or
        None for a new scenario; anything else is refused rather than overwritten."""
        slug = slug or slugify(scenario.name)
        if not _SLUG.match(slug):
            raise StoreError(f"{slug!r} is not a scenario name (letters, digits and dashes only)")
        if self.is_example(slug):
            raise AlreadyExists(f"{slug!r} is a shipped example and read-only: save it under another name")
        data = scenario.to_yaml().encode("utf-8")
        with self._locked():
            path = self.root / f"{slug}.yaml"
            current = version_of(path.read_bytes()) if path.exists() else None
            if replaces is None and current is not None:
                raise AlreadyExists(f"a scenario called {slug!r} already exists: choose another name or open it first")
            if replaces is not None and current != replaces:
                what = "deleted" if current is None else "changed"
                raise ChangedElsewhere(
                    f"{slug!r} was {what} by someone else since you opened it; reload it to see their version, "
                    "or save yours under another name"
                )
            if current is None and sum(1 for _ in self.root.glob("*.yaml")) >= MAX_SAVED:
                raise StoreError(f"the store holds {MAX_SAVED:,} scenarios already; delete some first")
            _atomic_write(path, data)
        return Entry(slug, scenario.name, scenario.description, version_of(data), dt.datetime.now(), False)

    def delete(self, slug: str, *, replaces: str) -> Path:
        """Move to the trash (restorable); refused if the file changed since it was loaded."""
        path, read_only = self._find(slug)
        if read_only:
            raise StoreError(f"{slug!r} is a shipped example and cannot be deleted")
        with self._locked():
            if not path.exists() or version_of(path.read_bytes()) != replaces:
                raise ChangedElsewhere(f"{slug!r} changed since you opened it; reload it before deleting")
            trash = self.root / ".trash"
            trash.mkdir(exist_ok=True)
            stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
            target = trash / f"{slug}--{stamp}.yaml"
            os.replace(path, target)
        return target

    def trash(self) -> list[tuple[str, Path]]:
        folder = self.root / ".trash"
        if not folder.is_dir():
            return []
        items = sorted(folder.glob("*--*.yaml"), reverse=True)
        return [(p.name.split("--", 1)[0], p) for p in items]

    def restore(self, trashed: Path) -> str:
        trashed = Path(trashed)
        if trashed.parent.resolve() != (self.root / ".trash").resolve() or not trashed.is_file():
            raise StoreError("that file is not in the trash")
        slug = trashed.name.split("--", 1)[0]
        with self._locked():
            target = self.root / f"{slug}.yaml"
            if target.exists():
                raise AlreadyExists(f"a scenario called {slug!r} exists again; rename it before restoring")
            os.replace(trashed, target)
        return slug

    def rename(self, slug: str, new_name: str, *, replaces: str, catalog: Catalog | None = None) -> Entry:
        scenario, _, read_only = self.load(slug, catalog)
        if read_only:
            raise StoreError(f"{slug!r} is a shipped example: duplicate it to change it")
        renamed = Scenario.model_validate({**scenario.model_dump(), "name": new_name})
        new_slug = slugify(new_name)
        if new_slug == slug:
            return self.save(renamed, slug, replaces=replaces)
        entry = self.save(renamed, new_slug)
        self.delete(slug, replaces=replaces)
        return entry

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
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        except OSError as exc:
            raise StoreError(f"the scenario store cannot be written ({exc.strerror or type(exc).__name__}); "
                             "nothing was changed") from None


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
