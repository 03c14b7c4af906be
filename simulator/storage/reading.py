"""What the database store (``database.py``) reads: the listing, a scenario, its history, the trash
and the audit log, each as the viewer may see it (``access.py``: a scenario someone else keeps
private is neither listed nor opened, and its history and log lines are not shown)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, and_, or_, select
from sqlalchemy.exc import DBAPIError

from pricing.catalog import Catalog

from simulator.scenario import Scenario, parse_scenario
from simulator.storage import access, refs, rows, trash
from simulator.storage.audit import Actor
from simulator.storage.engines import engine, reason
from simulator.storage.errors import StoreError
from simulator.storage.slugs import name_key
from simulator.storage.store import EXAMPLES_DIR, Entry, example_entries, version_of
from simulator.storage.tables import audit, scenarios, versions

ANYONE = Actor()  # the viewer when none is named: an anonymous visitor, who sees what is shared


@dataclass(frozen=True)
class Version:
    """One saved version of a scenario, as :meth:`Reading.history` lists it."""

    number: int  # 1 for the first save, then 2, 3 …
    author: str
    time: dt.datetime  # UTC
    message: str | None
    sha256: str  # the scenario's version as Entry.version and ``replaces=`` name it


@dataclass(frozen=True)
class Opened:
    """A scenario as :meth:`Reading.open` found it."""

    scenario: Scenario
    version: str
    read_only: bool  # a shipped example
    ref: str  # what names it in a link: refs.py (an old bare id becomes <owner>/<id>)


class Reading:
    """The reading half of :class:`database.DatabaseStore`."""

    def __init__(self, url: str, examples: Path = EXAMPLES_DIR):
        self.url = url
        self.examples = examples

    @property
    def engine(self) -> Engine:
        """Opened (and migrated) at the first use, not when the store is made: the shipped examples
        open while the database cannot, and a database that answers again is used at the next call."""
        return engine(self.url)

    def entries(self, viewer: Actor = ANYONE) -> list[Entry]:
        """Examples first, then the saved scenarios ``viewer`` may see by name, then saved ones an example shadows."""
        examples = example_entries(self.examples)
        shadowed = {e.slug for e in examples}
        query = (select(scenarios, versions.c.sha256).join(versions, rows.current_version())
                 .where(rows.LIVE, access.visible(viewer)))
        with self._reading() as connection:
            listed = connection.execute(query).all()
        saved, broken = [], []
        for row in listed:
            found = access.entry(row, row.sha256)
            if row.slug in shadowed:
                broken.append(Entry(row.slug, row.name, "", row.sha256, found.modified, False,
                                    f"has the id of the shipped example {row.slug!r}, which is opened instead: "
                                    "rename it or move it to the trash", found.owner, found.visibility))
            else:
                saved.append(found)
        by_name = sorted(saved, key=lambda e: (name_key(e.name), e.ref))
        return examples + by_name + sorted(broken, key=lambda e: e.ref)

    def load(self, ref: str, catalog: Catalog | None = None, viewer: Actor = ANYONE) -> tuple[Scenario, str, bool]:
        """The scenario, its version and whether it is a read-only example."""
        opened = self.open(ref, catalog, viewer)
        return opened.scenario, opened.version, opened.read_only

    def open(self, ref: str, catalog: Catalog | None = None, viewer: Actor = ANYONE) -> Opened:
        """The scenario ``ref`` names (refs.py) as ``viewer`` may see it; a shipped example's id
        opens the example."""
        _, slug = refs.parse(ref)
        example = self.examples / f"{slug}.yaml"
        if example.is_file() and not example.is_symlink():
            try:
                data = example.read_bytes()
            except OSError as exc:
                raise StoreError(f"{slug!r} cannot be read ({exc.strerror or type(exc).__name__})") from None
            return Opened(parse_scenario(data, example.name, catalog), version_of(data), True, slug)
        with self._reading() as connection:
            row = access.find(connection, ref, viewer)
            found = None if row is None else rows.version_row(connection, row.id, row.current)
        if found is None:
            raise StoreError(f"no saved scenario or example is called {ref!r}")
        scenario = parse_scenario(found.yaml.encode("utf-8"), f"{slug}.yaml", catalog)
        return Opened(scenario, found.sha256, False, refs.ref_of(row.owner, row.slug))

    def is_example(self, ref: str) -> bool:
        """Whether ``ref``'s id is a shipped example's, which it then opens."""
        try:
            slug = refs.parse(ref)[1]
        except StoreError:
            return False
        return (self.examples / f"{slug}.yaml").is_file()

    def trash(self, viewer: Actor = ANYONE) -> list[trash.Trashed]:
        """Deleted scenarios ``viewer`` may see, newest first."""
        query = (select(scenarios.c.slug, scenarios.c.deleted_at, scenarios.c.owner)
                 .where(scenarios.c.deleted_at.is_not(None), access.visible(viewer))
                 .order_by(scenarios.c.deleted_at.desc()))
        with self._reading() as connection:
            listed = connection.execute(query).all()
        return [trash.Trashed(trash.file_name(r.slug, r.deleted_at), r.slug, r.deleted_at, None, r.owner or None)
                for r in listed]

    def audit_log(self, lines: int = 20, viewer: Actor = ANYONE) -> list[dict]:
        """The last changes ``viewer`` may see, newest first, as the file store's log has them: those
        to scenarios they may see, and the lines imported from a file store's log. A line about a
        scenario purged from the trash since is an admin's to see: whose it was is gone with it."""
        query = select(audit).order_by(audit.c.id.desc()).limit(lines)
        if not viewer.admin:
            query = (query.outerjoin(scenarios, audit.c.scenario_id == scenarios.c.id)
                     .where(or_(audit.c.scenario_id.is_(None), and_(scenarios.c.id.is_not(None),
                                                                     access.visible(viewer)))))
        with self._reading() as connection:
            listed = connection.execute(query).all()
        log = []
        for row in listed:
            detail = json.loads(row.detail)
            main = {k: detail.pop(k) for k in ("name", "old_version", "new_version")}
            log.append({"time": row.time.isoformat(timespec="seconds"), "action": row.action, "slug": row.slug,
                        **detail, **main, "user": row.actor, "client": row.client})
        return log

    def history(self, ref: str, viewer: Actor = ANYONE) -> list[Version]:
        """Every saved version of ``ref``, newest first."""
        with self._reading() as connection:
            row = access.find(connection, ref, viewer)
            listed = [] if row is None else connection.execute(
                select(versions).where(versions.c.scenario_id == row.id).order_by(versions.c.number.desc())).all()
        if not listed:
            raise StoreError(self._no_history(ref))
        return [Version(r.number, r.author, r.created_at, r.message, r.sha256) for r in listed]

    def version(self, ref: str, number: int, viewer: Actor = ANYONE) -> str:
        """The YAML text of version ``number`` of ``ref``, as it was saved (diffable line by line)."""
        with self._reading() as connection:
            row = access.find(connection, ref, viewer)
            if row is None:
                raise StoreError(self._no_history(ref))
            found = rows.version_row(connection, row.id, number)
            if found is None:
                raise StoreError(rows.no_such_version(connection, row, ref, number))
        return found.yaml

    def _no_history(self, ref: str) -> str:
        if self.is_example(ref):
            return f"{ref!r} is a shipped example: it has no saved versions"
        return f"no saved scenario is called {ref!r}"

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection for reading; a failure of the database becomes a :class:`StoreError`."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except DBAPIError as exc:
            raise StoreError(f"the scenario store cannot be read ({reason(exc)})") from None
