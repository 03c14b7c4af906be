"""Saved scenarios in a database (SQLite by default, PostgreSQL for a shared server), with history.

The same interface and rules as the file store (``store.py``), so the pages work with either: a
scenario's *version* is the SHA-256 of its YAML text; every change names the version it replaces
and is refused with :class:`ChangedElsewhere` if the scenario changed since, now naming who changed
it and when; names are unique among live scenarios; ids (slugs) are made once from the name; the
shipped examples in ``scenarios/`` are read-only and win over a saved scenario with their id.

What the database adds: every save is a new numbered row of ``versions`` (``tables.py``), never an
overwrite, so :meth:`DatabaseStore.history` lists them and :meth:`DatabaseStore.restore_version`
saves an old one again as the newest. A replace (``trash_previous``) or a rename therefore puts no
copy in the trash: the version replaced is in the history. The trash holds deleted scenarios (with
their history), bounded as the file store's is (``trash.KEEP_DAYS``, ``trash.MAX_TRASHED``).

Check and write are one transaction. On PostgreSQL the scenario's row is locked with ``SELECT ...
FOR UPDATE`` before its current version is compared, so a second writer waits and then sees the
first one's version; two writers creating the same id or name both pass their checks, and the
partial unique indexes refuse the second, whose change is then run again and refused with the
usual message. On SQLite every change starts with ``BEGIN IMMEDIATE``: the database's one write
lock is taken before the check, so writers queue (for up to :data:`SQLITE_BUSY_S`) and never both
pass it.

SQLAlchemy Core, not the ORM: each change is a few explicit statements whose order matters (lock,
check, insert the version, update the row, audit) inside one transaction; the ORM's unit of work
would choose when to flush them and its identity map would keep rows across a check that must read
the database's latest. There is no object graph to navigate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, and_, create_engine, event, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from pricing.catalog import Catalog

from simulator.scenario import Scenario, ScenarioError, parse_scenario
from simulator.storage import index, location, trash
from simulator.storage.audit import FIELD_CHARS, Actor
from simulator.storage.errors import AlreadyExists, ChangedElsewhere, StoreError, changed_elsewhere
from simulator.storage.slugs import SLUG, name_key, slugify, unique_slug
from simulator.storage.store import COPIES, EXAMPLES_DIR, MAX_SAVED, Entry, example_entries, version_of
from simulator.storage.tables import MESSAGE_CHARS, audit, scenarios, versions

__all__ = ["Actor", "AlreadyExists", "ChangedElsewhere", "DatabaseStore", "StoreError", "Version", "open_store"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_S = 30  # how long a SQLite writer waits for another's transaction before giving up
PAUSE_ENV = "CROSSOVER_TEST_PAUSE_IN_SAVE"  # tests only: a flag file; see _pause_if_testing
_PAUSE_S = 60  # long enough for a test to kill the paused writer
_ATTEMPTS = 3  # a change refused by a unique index is run again (its checks then see the other writer)
_WRITE = "crossover_write"  # execution option: this connection's transaction will write
_MIGRATION_LOCK = 0x63726F73  # PostgreSQL advisory lock key ("cros"): one server migrates at a time
_LIVE = scenarios.c.deleted_at.is_(None)

T = TypeVar("T")


@dataclass(frozen=True)
class Version:
    """One saved version of a scenario, as :meth:`DatabaseStore.history` lists it."""

    number: int  # 1 for the first save, then 2, 3 …
    author: str
    time: dt.datetime  # UTC
    message: str | None
    sha256: str  # the scenario's version as Entry.version and ``replaces=`` name it


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def open_store(url: str | None = None) -> DatabaseStore:
    """The database store at ``url`` (default :func:`location.database_url`)."""
    return DatabaseStore(url or location.database_url())


def engine(url: str) -> Engine:
    """One engine per URL per process, whose connection pool every session shares; the database
    is migrated to the newest schema the first time."""
    with _ENGINES_LOCK:
        found = _ENGINES.get(url)
        if found is None:
            found = _connect(url)
            try:
                migrate(found)
            except DBAPIError as exc:
                found.dispose()
                raise StoreError(f"the scenario database cannot be opened ({_reason(exc)})") from None
            _ENGINES[url] = found
    return found


def _connect(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)  # a server restarted since: reconnect, not fail
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    made = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_S})
    event.listen(made, "connect", _sqlite_connect)
    event.listen(made, "begin", _sqlite_begin)
    return made


def _sqlite_connect(dbapi_connection, _record) -> None:
    # pysqlite would start its own (deferred) transaction at the first write: then two writers
    # could both read before either locks. We begin every transaction ourselves (_sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer, nor it for them
    cursor.execute("PRAGMA foreign_keys=ON")  # a version goes with its scenario (ON DELETE CASCADE)
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    writing = connection.get_execution_options().get(_WRITE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration in code, for the migrations shipped in the package: it runs on
    ``connection`` (``migrations/env.py``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(target: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` in one write transaction: a second server starting at
    the same time waits for it, then finds nothing left to do."""
    with target.connect() as connection:
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            command.upgrade(alembic_config(connection), revision)


class DatabaseStore:
    """Saved scenarios in the database at ``url``, plus the shipped examples in ``examples``, read-only."""

    def __init__(self, url: str, examples: Path = EXAMPLES_DIR):
        self.url = url
        self.engine = engine(url)
        self.examples = examples

    # -- reading --------------------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        """Examples first, then saved scenarios by name, then saved ones an example shadows."""
        examples = example_entries(self.examples)
        shadowed = {e.slug for e in examples}
        query = (select(scenarios.c.slug, scenarios.c.name, scenarios.c.description, scenarios.c.modified_at,
                        versions.c.sha256).join(versions, _current_version()).where(_LIVE))
        with self._reading() as connection:
            rows = connection.execute(query).all()
        saved, broken = [], []
        for row in rows:
            if row.slug in shadowed:
                broken.append(Entry(row.slug, row.name, "", row.sha256, _local(row.modified_at), False,
                                    f"has the id of the shipped example {row.slug!r}, which is opened instead: "
                                    "rename it or move it to the trash"))
            else:
                saved.append(Entry(row.slug, row.name, row.description, row.sha256, _local(row.modified_at), False))
        by_name = sorted(saved, key=lambda e: (name_key(e.name), e.slug))
        return examples + by_name + sorted(broken, key=lambda e: e.slug)

    def load(self, slug: str, catalog: Catalog | None = None) -> tuple[Scenario, str, bool]:
        """The scenario, its version and whether it is a read-only example."""
        slug = _valid(slug)
        example = self.examples / f"{slug}.yaml"
        if example.is_file() and not example.is_symlink():
            try:
                data = example.read_bytes()
            except OSError as exc:
                raise StoreError(f"{slug!r} cannot be read ({exc.strerror or type(exc).__name__})") from None
            return parse_scenario(data, example.name, catalog), version_of(data), True
        query = (select(versions.c.yaml, versions.c.sha256).join(scenarios, _current_version())
                 .where(scenarios.c.slug == slug, _LIVE))
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
            rows = connection.execute(query).all()
        return [trash.Trashed(trash.file_name(r.slug, r.deleted_at), r.slug, r.deleted_at, None) for r in rows]

    def audit_log(self, lines: int = 20) -> list[dict]:
        """The last changes, newest first, as the file store's log has them."""
        with self._reading() as connection:
            rows = connection.execute(select(audit).order_by(audit.c.id.desc()).limit(lines)).all()
        log = []
        for row in rows:
            detail = json.loads(row.detail)
            main = {k: detail.pop(k) for k in ("name", "old_version", "new_version")}
            log.append({"time": row.time.isoformat(timespec="seconds"), "action": row.action, "slug": row.slug,
                        **detail, **main, "user": row.actor, "client": row.client})
        return log

    def history(self, slug: str) -> list[Version]:
        """Every saved version of ``slug``, newest first."""
        slug = _valid(slug)
        query = (select(versions).join(scenarios, versions.c.scenario_id == scenarios.c.id)
                 .where(scenarios.c.slug == slug, _LIVE).order_by(versions.c.number.desc()))
        with self._reading() as connection:
            rows = connection.execute(query).all()
        if not rows:
            raise StoreError(self._no_history(slug))
        return [Version(r.number, r.author, r.created_at, r.message, r.sha256) for r in rows]

    def version(self, slug: str, number: int) -> str:
        """The YAML text of version ``number`` of ``slug``, as it was saved (diffable line by line)."""
        slug = _valid(slug)
        with self._reading() as connection:
            row = connection.execute(select(scenarios.c.id, scenarios.c.current)
                                     .where(scenarios.c.slug == slug, _LIVE)).first()
            if row is None:
                raise StoreError(self._no_history(slug))
            found = _version_row(connection, row.id, number)
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
        "replace") is recorded as such in the audit log; the version replaced stays in the history.
        A name another scenario has is refused with :class:`AlreadyExists` naming that scenario;
        saving the same scenario again under no id is a no-op. ``message`` (at most
        :data:`tables.MESSAGE_CHARS` characters) is kept with the version."""
        yaml_text = scenario.to_yaml()
        sha = version_of(yaml_text.encode("utf-8"))
        actor = actor or Actor()

        def change(connection: Connection) -> Entry:
            target, seen = slug, replaces
            if target is None:
                same = self._live_named(connection, scenario.name)
                if same is not None and _version_row(connection, same.id, same.current).sha256 == sha:
                    return Entry(same.slug, same.name, same.description, sha, _local(same.modified_at), False)
                target, seen = unique_slug(slugify(scenario.name), self._taken(connection)), None
            row, current = self._check(connection, target, seen)
            self._refuse_taken_name(connection, scenario.name, target)
            if row is None and _live_count(connection) >= MAX_SAVED:
                raise StoreError(f"the store holds {MAX_SAVED:,} scenarios already; delete some first")
            entry = _write_version(connection, row, target, scenario, yaml_text, sha, actor, message)
            _audit(connection, "replace" if trash_previous else "save", target, scenario.name,
                   current.sha256 if current else None, sha, actor)
            _pause_if_testing()
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
            if _live_count(connection) >= MAX_SAVED:
                raise StoreError(f"the store holds {MAX_SAVED:,} scenarios already; delete some first")
            copy = Scenario.model_validate({**scenario.model_dump(), "name": name})
            new_slug = unique_slug(slugify(name), self._taken(connection))
            yaml_text = copy.to_yaml()
            entry = _write_version(connection, None, new_slug, copy, yaml_text, version_of(yaml_text.encode("utf-8")),
                                   actor, f"copy of {slug}")
            _audit(connection, "duplicate", new_slug, name, None, entry.version, actor, source=_valid(slug))
            return entry

        return self._change(change)

    def rename(self, slug: str, new_name: str, *, replaces: str, actor: Actor | None = None) -> Entry:
        """Give the scenario the user saw (``slug`` at version ``replaces``) a new name and an id
        made from it: a new version with the new name; the history moves with it."""
        slug = _valid(slug)
        actor = actor or Actor()

        def change(connection: Connection) -> Entry:
            row, current = self._check(connection, slug, replaces)
            scenario = _parse_for_change(slug, current.yaml)
            try:
                renamed = Scenario.model_validate({**scenario.model_dump(), "name": new_name})
            except ValueError as exc:
                raise StoreError(f"{str(new_name)[:80]!r} cannot be a name: {str(exc).splitlines()[-1]}") from None
            self._refuse_taken_name(connection, new_name, slug)
            new_slug = unique_slug(slugify(new_name), self._taken(connection) - {slug})
            yaml_text = renamed.to_yaml()
            entry = _write_version(connection, row, new_slug, renamed, yaml_text,
                                   version_of(yaml_text.encode("utf-8")), actor, f"renamed from {slug}")
            _audit(connection, "rename", new_slug, renamed.name, replaces, entry.version, actor, from_slug=slug)
            return entry

        return self._change(change)

    def delete(self, slug: str, *, replaces: str, actor: Actor | None = None) -> trash.Trashed:
        """Move the scenario the user saw (version ``replaces``) to the trash, with its history.
        Works on a saved scenario that has an example's id."""
        slug = _valid(slug)
        actor = actor or Actor()

        def change(connection: Connection) -> trash.Trashed:
            row, _ = self._check(connection, slug, replaces, deleting=True)
            now = _now()
            connection.execute(update(scenarios).where(scenarios.c.id == row.id)
                               .values(deleted_at=now, deleted_by=_cut(actor.user)))
            _audit(connection, "delete", slug, row.name, replaces, None, actor)
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
            taken = connection.execute(select(scenarios.c.id).where(scenarios.c.slug == row.slug, _LIVE)).first()
            if taken is not None or self.is_example(row.slug):
                raise AlreadyExists(f"a scenario with the id {row.slug!r} exists again; rename it before restoring")
            self._refuse_taken_name(connection, row.name, row.slug)
            connection.execute(update(scenarios).where(scenarios.c.id == row.id).values(deleted_at=None, deleted_by=None))
            current = _version_row(connection, row.id, row.current)
            _audit(connection, "restore", row.slug, row.name, None, current.sha256, actor, trashed=file_name)
            return row.slug

        return self._change(change)

    def restore_version(self, slug: str, number: int, *, replaces: str, actor: Actor | None = None) -> Entry:
        """Save version ``number`` of the scenario the user saw (at version ``replaces``) again, as
        its newest version: the text as it was, so its version (SHA-256) is that version's. Its
        name comes back with it, and is refused if another scenario has it now."""
        slug = _valid(slug)
        actor = actor or Actor()

        def change(connection: Connection) -> Entry:
            row, _ = self._check(connection, slug, replaces)
            old = _version_row(connection, row.id, number)
            if old is None:
                raise StoreError(f"{slug!r} has no version {number} (it has versions 1 to {row.current})")
            scenario = _parse_for_change(slug, old.yaml)
            self._refuse_taken_name(connection, scenario.name, slug)
            entry = _write_version(connection, row, slug, scenario, old.yaml, old.sha256, actor,
                                   f"restored version {number}")
            _audit(connection, "restore_version", slug, scenario.name, replaces, old.sha256, actor,
                   from_version=str(number))
            return entry

        return self._change(change)

    # -- checks, inside a change's transaction --------------------------------------------------------
    def _check(self, connection: Connection, slug: str, replaces: str | None, deleting: bool = False):
        """The row of ``slug``, locked until the change commits, and its current version, if that
        is the one the user saw; else refuse. (None, None) for an id not in use."""
        slug = _valid(slug)
        # The row alone is locked, then its version read by a second statement: a join's other table
        # would keep the rows it read before the lock was granted (PostgreSQL's READ COMMITTED).
        row = connection.execute(select(scenarios).where(scenarios.c.slug == slug, _LIVE).with_for_update()).first()
        current = None if row is None else _version_row(connection, row.id, row.current)
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
        query = select(scenarios).where(scenarios.c.name_key == _name_hash(name), _LIVE)
        if besides is not None:
            query = query.where(scenarios.c.slug != besides)
        return connection.execute(query).first()

    def _example_named(self, name: str) -> bool:
        return any(name_key(e.name) == name_key(name) for e in example_entries(self.examples))

    def _refuse_taken_name(self, connection: Connection, name: str, slug: str) -> None:
        """A name belongs to one scenario: refuse it for ``slug`` if another has it."""
        same = self._live_named(connection, name, besides=slug)
        if same is not None:
            version = _version_row(connection, same.id, same.current).sha256
            raise AlreadyExists(f"a scenario called {same.name!r} already exists (`{same.slug}`): choose "
                                "another name or open it first", same.slug, version)
        if self._example_named(name):
            raise AlreadyExists(f"{name!r} is the name of a shipped example: choose another name")

    def _taken(self, connection: Connection) -> set[str]:
        """Ids in use: every live saved scenario and every shipped example."""
        live = connection.execute(select(scenarios.c.slug).where(_LIVE)).scalars()
        return set(live) | {p.stem for p in self.examples.glob("*.yaml")}

    # -- transactions ---------------------------------------------------------------------------------
    def _change(self, change: Callable[[Connection], T]) -> T:
        """Run ``change`` in one write transaction, then expire the trash in it; a failure of the
        database becomes a :class:`StoreError` that names the reason and leaves everything as it was."""
        refused = 0
        while True:
            try:
                with self.engine.connect() as connection:
                    connection.execution_options(**{_WRITE: True})
                    with connection.begin():
                        result = change(connection)
                        _expire_trash(connection)
                return result
            except IntegrityError:
                # PostgreSQL only (SQLite's writers queue): another writer took the id or the name
                # between this one's check and its insert. Run again: the check now sees theirs.
                refused += 1
                if refused == _ATTEMPTS:
                    raise StoreError("other changes to the same scenario kept coming first; nothing was changed, "
                                     "try again") from None
            except DBAPIError as exc:
                raise StoreError(f"the scenario store cannot be written ({_reason(exc)}); nothing was changed") from None

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection for reading; a failure of the database becomes a :class:`StoreError`."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except DBAPIError as exc:
            raise StoreError(f"the scenario store cannot be read ({_reason(exc)})") from None


def _current_version():
    return and_(versions.c.scenario_id == scenarios.c.id, versions.c.number == scenarios.c.current)


def _version_row(connection: Connection, scenario_id: int, number: int):
    return connection.execute(select(versions).where(versions.c.scenario_id == scenario_id,
                                                     versions.c.number == number)).first()


def _live_count(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(scenarios).where(_LIVE)).scalar_one()


def _write_version(connection: Connection, row, slug: str, scenario: Scenario, yaml_text: str, sha: str,
                   actor: Actor, message: str | None) -> Entry:
    """Add the next version of ``row`` (None: a new scenario, version 1) and make it current."""
    now, author = _now(), _cut(actor.user)
    shown = {"slug": slug, "name": scenario.name, "name_key": _name_hash(scenario.name),
             "description": scenario.description[:index.DESCRIPTION_CHARS], "modified_at": now}
    if row is None:
        number = 1
        scenario_id = connection.execute(insert(scenarios).values(
            **shown, author=author, created_at=now, current=number)).inserted_primary_key[0]
    else:
        number, scenario_id = row.current + 1, row.id
        connection.execute(update(scenarios).where(scenarios.c.id == scenario_id).values(**shown, current=number))
    connection.execute(insert(versions).values(
        scenario_id=scenario_id, number=number, yaml=yaml_text, sha256=sha, author=author, created_at=now,
        message=None if message is None else str(message)[:MESSAGE_CHARS]))
    return Entry(slug, scenario.name, shown["description"], sha, _local(now), False)


def _audit(connection: Connection, action: str, slug: str, name: str, old_version: str | None,
           new_version: str | None, actor: Actor, **extra: str) -> None:
    detail = {"name": name, "old_version": old_version, "new_version": new_version, **extra}
    connection.execute(insert(audit).values(time=_now(), actor=_cut(actor.user), client=_cut(actor.client),
                                            action=action, slug=slug, detail=json.dumps(detail)))


def _expire_trash(connection: Connection) -> None:
    """Delete (with their versions) the scenarios trashed more than trash.KEEP_DAYS days ago and
    those beyond the newest trash.MAX_TRASHED, as the file store's trash does after every write."""
    cutoff = _now() - dt.timedelta(days=trash.KEEP_DAYS)
    kept = (select(scenarios.c.id).where(scenarios.c.deleted_at >= cutoff)
            .order_by(scenarios.c.deleted_at.desc()).limit(trash.MAX_TRASHED))
    connection.execute(scenarios.delete().where(scenarios.c.deleted_at.is_not(None), scenarios.c.id.not_in(kept)))


def _pause_if_testing() -> None:
    """Tests only: with ``CROSSOVER_TEST_PAUSE_IN_SAVE`` naming a file, a save creates that file
    after writing its version and before committing, then sleeps, so a test can kill the writer
    in the middle of its transaction."""
    flag = os.environ.get(PAUSE_ENV)
    if flag:
        Path(flag).touch()
        time.sleep(_PAUSE_S)


def _valid(slug: str) -> str:
    # Ids are stored in lower case (slugify); a link typed as ?s=Support-Bot means the same one.
    if not isinstance(slug, str) or not SLUG.match(slug.lower()):
        raise StoreError(f"{str(slug)[:80]!r} is not a scenario name (letters, digits and dashes, "
                         "starting with a letter or digit, at most 64)")
    return slug.lower()


def _name_hash(name: str) -> str:
    return hashlib.sha256(name_key(name).encode("utf-8")).hexdigest()


def _parse_for_change(slug: str, yaml_text: str) -> Scenario:
    try:
        return parse_scenario(yaml_text.encode("utf-8"), f"{slug}.yaml")
    except ScenarioError as exc:
        raise StoreError(f"{slug!r} cannot be read: {exc.problems[0]}") from None


def _cut(value: str) -> str:
    return str(value)[:FIELD_CHARS]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _local(when: dt.datetime) -> dt.datetime:
    """As the file store's Entry.modified: local time without a zone."""
    return when.astimezone().replace(tzinfo=None)


def _reason(exc: DBAPIError) -> str:
    """Why the database refused, without the server's address or a file's path."""
    if isinstance(exc.orig, sqlite3.Error):
        return str(exc.orig)  # "database is locked", "database or disk is full": no path in them
    if exc.connection_invalidated or type(exc.orig).__name__ == "OperationalError":
        return "the database server does not answer or dropped the connection"
    return type(exc.orig).__name__
