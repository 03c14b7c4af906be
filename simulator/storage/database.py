"""Saved scenarios in a database (SQLite by default, PostgreSQL for a shared server), with history.

The same interface and rules as the file store (``store.py``), so the pages work with either: a
scenario's *version* is the SHA-256 of its YAML text; every change names the version it replaces
and is refused with :class:`ChangedElsewhere` if the scenario changed since, now naming who changed
it and when; names are unique among live scenarios; ids (slugs) are made once from the name; the
shipped examples in ``scenarios/`` are read-only and win over a saved scenario with their id.

What the database adds: every save is a new numbered row of ``versions`` (``tables.py``), never an
overwrite (:meth:`DatabaseStore.history`, :meth:`DatabaseStore.restore_version`), so a replace or
rename puts no copy in the trash. The trash holds deleted scenarios with their history, bounded as
the file store's is. Only a scenario's owner (its first version's author) or an admin renames or
deletes it; an anonymous visitor's scenario belongs to nobody (``rows.refuse_unless_owner``).

Check and write are one transaction. On PostgreSQL the scenario's row is locked with ``SELECT ...
FOR UPDATE`` before its current version is compared, so a second writer waits and then sees the
first one's version; two writers creating the same id or name both pass their checks, and the
partial unique indexes refuse the second, whose change is then run again and refused with the
usual message. On SQLite every change starts with ``BEGIN IMMEDIATE``: the database's one write
lock is taken before the check, so writers queue (``engines.py``) and never both pass it.

SQLAlchemy Core, not the ORM: each change is a few explicit statements whose order matters (lock,
check, insert the version, update the row, audit) in one transaction; the ORM's unit of work would
choose when to flush them, and its identity map keep rows across a check that must read the latest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from pricing.catalog import Catalog

from simulator.scenario import Scenario, parse_scenario
from simulator.storage import location, rows, trash
from simulator.storage.audit import Actor
from simulator.storage.engines import WRITE, alembic_config, engine, migrate, reason
from simulator.storage.errors import AlreadyExists, ChangedElsewhere, StoreError, changed_elsewhere
from simulator.storage.slugs import name_key, slugify, unique_slug
from simulator.storage.rows import PAUSE_ENV
from simulator.storage.store import COPIES, EXAMPLES_DIR, MAX_SAVED, Entry, example_entries, version_of
from simulator.storage.tables import audit, scenarios, versions

__all__ = ["PAUSE_ENV", "Actor", "AlreadyExists", "ChangedElsewhere", "DatabaseStore", "StoreError", "Version",
           "alembic_config", "migrate", "open_store"]

_ATTEMPTS = 3  # a change refused by a unique index is run again (its checks then see the other writer)

T = TypeVar("T")


@dataclass(frozen=True)
class Version:
    """One saved version of a scenario, as :meth:`DatabaseStore.history` lists it."""

    number: int  # 1 for the first save, then 2, 3 …
    author: str
    time: dt.datetime  # UTC
    message: str | None
    sha256: str  # the scenario's version as Entry.version and ``replaces=`` name it


def open_store(url: str | None = None) -> DatabaseStore:
    """The database store at ``url`` (default :func:`location.database_url`)."""
    return DatabaseStore(url or location.database_url())


class DatabaseStore:
    """Saved scenarios in the database at ``url``, plus the shipped examples in ``examples``, read-only."""

    def __init__(self, url: str, examples: Path = EXAMPLES_DIR):
        self.url = url
        self.examples = examples

    @property
    def engine(self) -> Engine:
        """Opened (and migrated) at the first use, not when the store is made: the shipped examples
        open while the database cannot, and a database that answers again is used at the next call."""
        return engine(self.url)

    # -- reading --------------------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        """Examples first, then saved scenarios by name, then saved ones an example shadows."""
        examples = example_entries(self.examples)
        shadowed = {e.slug for e in examples}
        query = (select(scenarios.c.slug, scenarios.c.name, scenarios.c.description, scenarios.c.modified_at,
                        versions.c.sha256).join(versions, rows.current_version()).where(rows.LIVE))
        with self._reading() as connection:
            listed = connection.execute(query).all()
        saved, broken = [], []
        for row in listed:
            if row.slug in shadowed:
                broken.append(Entry(row.slug, row.name, "", row.sha256, rows.local(row.modified_at), False,
                                    f"has the id of the shipped example {row.slug!r}, which is opened instead: "
                                    "rename it or move it to the trash"))
            else:
                saved.append(Entry(row.slug, row.name, row.description, row.sha256, rows.local(row.modified_at), False))
        by_name = sorted(saved, key=lambda e: (name_key(e.name), e.slug))
        return examples + by_name + sorted(broken, key=lambda e: e.slug)

    def load(self, slug: str, catalog: Catalog | None = None) -> tuple[Scenario, str, bool]:
        """The scenario, its version and whether it is a read-only example."""
        slug = rows.valid_slug(slug)
        example = self.examples / f"{slug}.yaml"
        if example.is_file() and not example.is_symlink():
            try:
                data = example.read_bytes()
            except OSError as exc:
                raise StoreError(f"{slug!r} cannot be read ({exc.strerror or type(exc).__name__})") from None
            return parse_scenario(data, example.name, catalog), version_of(data), True
        query = (select(versions.c.yaml, versions.c.sha256).join(scenarios, rows.current_version())
                 .where(scenarios.c.slug == slug, rows.LIVE))
        with self._reading() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise StoreError(f"no saved scenario or example is called {slug!r}")
        return parse_scenario(row.yaml.encode("utf-8"), f"{slug}.yaml", catalog), row.sha256, False

    def is_example(self, slug: str) -> bool:
        return (self.examples / f"{slug}.yaml").is_file()

    def trash(self) -> list[trash.Trashed]:
        """Deleted scenarios, newest first."""
        query = (select(scenarios.c.slug, scenarios.c.deleted_at).where(scenarios.c.deleted_at.is_not(None))
                 .order_by(scenarios.c.deleted_at.desc()))
        with self._reading() as connection:
            listed = connection.execute(query).all()
        return [trash.Trashed(trash.file_name(r.slug, r.deleted_at), r.slug, r.deleted_at, None) for r in listed]

    def audit_log(self, lines: int = 20) -> list[dict]:
        """The last changes, newest first, as the file store's log has them."""
        with self._reading() as connection:
            listed = connection.execute(select(audit).order_by(audit.c.id.desc()).limit(lines)).all()
        log = []
        for row in listed:
            detail = json.loads(row.detail)
            main = {k: detail.pop(k) for k in ("name", "old_version", "new_version")}
            log.append({"time": row.time.isoformat(timespec="seconds"), "action": row.action, "slug": row.slug,
                        **detail, **main, "user": row.actor, "client": row.client})
        return log

    def history(self, slug: str) -> list[Version]:
        """Every saved version of ``slug``, newest first."""
        slug = rows.valid_slug(slug)
        query = (select(versions).join(scenarios, versions.c.scenario_id == scenarios.c.id)
                 .where(scenarios.c.slug == slug, rows.LIVE).order_by(versions.c.number.desc()))
        with self._reading() as connection:
            listed = connection.execute(query).all()
        if not listed:
            raise StoreError(self._no_history(slug))
        return [Version(r.number, r.author, r.created_at, r.message, r.sha256) for r in listed]

    def version(self, slug: str, number: int) -> str:
        """The YAML text of version ``number`` of ``slug``, as it was saved (diffable line by line)."""
        slug = rows.valid_slug(slug)
        with self._reading() as connection:
            row = connection.execute(select(scenarios.c.id, scenarios.c.current)
                                     .where(scenarios.c.slug == slug, rows.LIVE)).first()
            if row is None:
                raise StoreError(self._no_history(slug))
            found = rows.version_row(connection, row.id, number)
        if found is None:
            raise StoreError(f"{slug!r} has no version {number} (it has versions 1 to {row.current})")
        return found.yaml

    def _no_history(self, slug: str) -> str:
        if self.is_example(slug):
            return f"{slug!r} is a shipped example: it has no saved versions"
        return f"no saved scenario is called {slug!r}"

    # -- writing --------------------------------------------------------------------------------
    def save(self, scenario: Scenario, slug: str | None = None, *, replaces: str | None = None,
             trash_previous: bool = False, actor: Actor | None = None, message: str | None = None) -> Entry:
        """Save a new scenario (``slug`` None: an id is made from the name) or a new version of
        ``slug``, whose current version must be ``replaces``. ``trash_previous`` (the file store's
        "replace") is audited as such; the version replaced stays in the history. A name another
        scenario has is refused with :class:`AlreadyExists` naming that scenario; saving the same
        scenario again under no id is a no-op. ``message`` (``tables.MESSAGE_CHARS``) is kept."""
        yaml_text = scenario.to_yaml()
        sha = version_of(yaml_text.encode("utf-8"))
        actor = actor or Actor()

        def change(connection: Connection) -> Entry:
            target, seen = slug, replaces
            if target is None:
                same = self._live_named(connection, scenario.name)
                if same is not None and rows.version_row(connection, same.id, same.current).sha256 == sha:
                    return Entry(same.slug, same.name, same.description, sha, rows.local(same.modified_at), False)
                target, seen = unique_slug(slugify(scenario.name), self._taken(connection)), None
            row, current = self._check(connection, target, seen)
            self._refuse_taken_name(connection, scenario.name, target)
            if row is None and rows.live_count(connection) >= MAX_SAVED:
                raise StoreError(f"the store holds {MAX_SAVED:,} scenarios already; delete some first")
            entry = rows.write_version(connection, row, target, scenario, yaml_text, sha, actor, message)
            rows.add_audit(connection, "replace" if trash_previous else "save", target, scenario.name,
                   current.sha256 if current else None, sha, actor)
            rows.pause_if_testing()
            return entry

        return self._change(change)

    def duplicate(self, slug: str, *, actor: Actor | None = None) -> Entry:
        """Save a copy under the first free name "<name> (copy)", "(copy 2)" …, cut so it fits."""
        scenario, _, _ = self.load(slug)
        actor = actor or Actor()

        def change(connection: Connection) -> Entry:
            for n in range(1, COPIES):
                suffix = " (copy)" if n == 1 else f" (copy {n})"
                name = scenario.name[:200 - len(suffix)] + suffix
                if self._live_named(connection, name) is None and not self._example_named(name):
                    break
            else:
                raise AlreadyExists(f"{scenario.name!r} has {COPIES - 1} copies already: rename some first")
            if rows.live_count(connection) >= MAX_SAVED:
                raise StoreError(f"the store holds {MAX_SAVED:,} scenarios already; delete some first")
            copy = Scenario.model_validate({**scenario.model_dump(), "name": name})
            new_slug = unique_slug(slugify(name), self._taken(connection))
            yaml_text = copy.to_yaml()
            entry = rows.write_version(connection, None, new_slug, copy, yaml_text, version_of(yaml_text.encode("utf-8")),
                                   actor, f"copy of {slug}")
            rows.add_audit(connection, "duplicate", new_slug, name, None, entry.version, actor, source=rows.valid_slug(slug))
            return entry

        return self._change(change)

    def rename(self, slug: str, new_name: str, *, replaces: str, actor: Actor | None = None) -> Entry:
        """Give the scenario the user saw (``slug`` at version ``replaces``; its owner or an admin
        only) a new name and an id made from it, as a new version; the history moves with it."""
        slug = rows.valid_slug(slug)
        actor = actor or Actor()

        def change(connection: Connection) -> Entry:
            row, current = self._check(connection, slug, replaces)
            rows.refuse_unless_owner(connection, row, actor, "rename")
            scenario = rows.parse_for_change(slug, current.yaml)
            try:
                renamed = Scenario.model_validate({**scenario.model_dump(), "name": new_name})
            except ValueError as exc:
                raise StoreError(f"{str(new_name)[:80]!r} cannot be a name: {str(exc).splitlines()[-1]}") from None
            self._refuse_taken_name(connection, new_name, slug)
            new_slug = unique_slug(slugify(new_name), self._taken(connection) - {slug})
            yaml_text = renamed.to_yaml()
            entry = rows.write_version(connection, row, new_slug, renamed, yaml_text,
                                   version_of(yaml_text.encode("utf-8")), actor, f"renamed from {slug}")
            rows.add_audit(connection, "rename", new_slug, renamed.name, replaces, entry.version, actor, from_slug=slug)
            return entry

        return self._change(change)

    def delete(self, slug: str, *, replaces: str, actor: Actor | None = None) -> trash.Trashed:
        """Move the scenario the user saw (version ``replaces``) to the trash, with its history
        (its owner or an admin only). Works on a saved scenario that has an example's id."""
        slug = rows.valid_slug(slug)
        actor = actor or Actor()

        def change(connection: Connection) -> trash.Trashed:
            row, _ = self._check(connection, slug, replaces, deleting=True)
            rows.refuse_unless_owner(connection, row, actor, "delete")
            now = rows.now()
            connection.execute(update(scenarios).where(scenarios.c.id == row.id)
                               .values(deleted_at=now, deleted_by=rows.cut(actor.user)))
            rows.add_audit(connection, "delete", slug, row.name, replaces, None, actor)
            return trash.Trashed(trash.file_name(slug, now), slug, now, None)

        return self._change(change)

    def restore(self, file_name: str, *, actor: Actor | None = None) -> str:
        """Bring the trashed scenario called ``file_name`` back under its id; refused if the id or
        its name is taken again."""
        found = trash.parse_file_name(file_name)
        actor = actor or Actor()

        def change(connection: Connection) -> str:
            row = None if found is None else connection.execute(
                select(scenarios).where(scenarios.c.slug == found[0], scenarios.c.deleted_at == found[1])
                .with_for_update()).first()
            if row is None:
                raise StoreError("that copy is no longer in the trash (restored, or expired, by someone else)")
            taken = connection.execute(select(scenarios.c.id).where(scenarios.c.slug == row.slug, rows.LIVE)).first()
            if taken is not None or self.is_example(row.slug):
                raise AlreadyExists(f"a scenario with the id {row.slug!r} exists again; rename it before restoring")
            self._refuse_taken_name(connection, row.name, row.slug)
            connection.execute(update(scenarios).where(scenarios.c.id == row.id).values(deleted_at=None, deleted_by=None))
            current = rows.version_row(connection, row.id, row.current)
            rows.add_audit(connection, "restore", row.slug, row.name, None, current.sha256, actor, trashed=file_name)
            return row.slug

        return self._change(change)

    def restore_version(self, slug: str, number: int, *, replaces: str, actor: Actor | None = None) -> Entry:
        """Save version ``number`` of the scenario the user saw (at version ``replaces``) again, as
        its newest version: the text as it was, so its version (SHA-256) is that version's. Its
        name comes back with it, and is refused if another scenario has it now."""
        slug = rows.valid_slug(slug)
        actor = actor or Actor()

        def change(connection: Connection) -> Entry:
            row, _ = self._check(connection, slug, replaces)
            old = rows.version_row(connection, row.id, number)
            if old is None:
                raise StoreError(f"{slug!r} has no version {number} (it has versions 1 to {row.current})")
            scenario = rows.parse_for_change(slug, old.yaml)
            self._refuse_taken_name(connection, scenario.name, slug)
            entry = rows.write_version(connection, row, slug, scenario, old.yaml, old.sha256, actor,
                                   f"restored version {number}")
            rows.add_audit(connection, "restore_version", slug, scenario.name, replaces, old.sha256, actor,
                   from_version=str(number))
            return entry

        return self._change(change)

    # -- checks, inside a change's transaction --------------------------------------------------------
    def _check(self, connection: Connection, slug: str, replaces: str | None, deleting: bool = False):
        """The row of ``slug``, locked until the change commits, and its current version, if that
        is the one the user saw; else refuse. (None, None) for an id not in use."""
        slug = rows.valid_slug(slug)
        # The row alone is locked, then its version read by a second statement: a join's other table
        # would keep the rows it read before the lock was granted (PostgreSQL's READ COMMITTED).
        row = connection.execute(select(scenarios).where(scenarios.c.slug == slug, rows.LIVE).with_for_update()).first()
        current = None if row is None else rows.version_row(connection, row.id, row.current)
        if row is None and self.is_example(slug):
            what = "deleted" if deleting else "changed"
            raise AlreadyExists(f"{slug!r} is a shipped example and read-only: it cannot be {what}; "
                                "save it under another name")
        sha = current.sha256 if current is not None else None
        if replaces is None and sha is not None:
            raise AlreadyExists(f"a scenario with the id {slug!r} already exists: open it first", slug, sha)
        if sha != replaces:
            if current is not None:
                raise changed_elsewhere(slug, sha, current.author, current.created_at)
            gone = connection.execute(select(scenarios.c.deleted_by, scenarios.c.deleted_at)
                                      .where(scenarios.c.slug == slug, scenarios.c.deleted_at.is_not(None))
                                      .order_by(scenarios.c.deleted_at.desc()).limit(1)).first()
            raise changed_elsewhere(slug, None, *(gone if gone is not None else (None, None)))
        return row, current

    def _live_named(self, connection: Connection, name: str, besides: str | None = None):
        query = select(scenarios).where(scenarios.c.name_key == rows.name_hash(name), rows.LIVE)
        if besides is not None:
            query = query.where(scenarios.c.slug != besides)
        return connection.execute(query).first()

    def _example_named(self, name: str) -> bool:
        return any(name_key(e.name) == name_key(name) for e in example_entries(self.examples))

    def _refuse_taken_name(self, connection: Connection, name: str, slug: str) -> None:
        """A name belongs to one scenario: refuse it for ``slug`` if another has it."""
        same = self._live_named(connection, name, besides=slug)
        if same is not None:
            version = rows.version_row(connection, same.id, same.current).sha256
            raise AlreadyExists(f"a scenario called {same.name!r} already exists (`{same.slug}`): choose "
                                "another name or open it first", same.slug, version)
        if self._example_named(name):
            raise AlreadyExists(f"{name!r} is the name of a shipped example: choose another name")

    def _taken(self, connection: Connection) -> set[str]:
        """Ids in use: every live saved scenario and every shipped example."""
        live = connection.execute(select(scenarios.c.slug).where(rows.LIVE)).scalars()
        return set(live) | {p.stem for p in self.examples.glob("*.yaml")}

    # -- transactions ---------------------------------------------------------------------------------
    def _change(self, change: Callable[[Connection], T]) -> T:
        """Run ``change`` in one write transaction, then expire the trash in it; a failure of the
        database becomes a :class:`StoreError` that names the reason and leaves everything as it was."""
        refused = 0
        while True:
            try:
                with self.engine.connect() as connection:
                    connection.execution_options(**{WRITE: True})
                    with connection.begin():
                        result = change(connection)
                        rows.expire_trash(connection)
                return result
            except IntegrityError:
                # PostgreSQL only (SQLite's writers queue): another writer took the id or the name
                # between this one's check and its insert. Run again: the check now sees theirs.
                refused += 1
                if refused == _ATTEMPTS:
                    raise StoreError("other changes to the same scenario kept coming first; nothing was changed, "
                                     "try again") from None
            except DBAPIError as exc:
                raise StoreError(f"the scenario store cannot be written ({reason(exc)}); nothing was changed") from None

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection for reading; a failure of the database becomes a :class:`StoreError`."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except DBAPIError as exc:
            raise StoreError(f"the scenario store cannot be read ({reason(exc)})") from None
