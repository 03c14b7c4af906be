"""What the database store's changes are made of: statements run inside the caller's transaction,
the id check, and the test-only pause point between writing a version and committing it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from pathlib import Path

from sqlalchemy import Connection, and_, func, insert, select, text, update

from simulator.scenario import Scenario, ScenarioError, parse_scenario
from simulator.storage import index, refs, trash
from simulator.storage.audit import FIELD_CHARS, Actor
from simulator.storage.errors import StoreError
from simulator.storage.slugs import SLUG, name_key
from simulator.storage.store import Entry
from simulator.storage.tables import MESSAGE_CHARS, audit, scenarios, versions

LIVE = scenarios.c.deleted_at.is_(None)
# What one scenario's history and the audit log may grow to; each change prunes in its transaction.
# A scenario keeps its newest MAX_VERSIONS versions, the older ones only while the history's YAML
# stays within MAX_HISTORY_CHARS (a scenario file is at most 2 MB: a hundred saves of the largest
# fill it); the version shown is always kept. The log keeps its newest MAX_AUDIT_ROWS rows.
MAX_VERSIONS = 200
MAX_HISTORY_CHARS = 20_000_000
MAX_AUDIT_ROWS = 100_000
_CREATE_LOCK = 0x63726F63  # PostgreSQL advisory lock key ("croc"): one new scenario at a time (others: engines, importing)
PAUSE_ENV = "CROSSOVER_TEST_PAUSE_IN_SAVE"  # tests only: a flag file; see pause_if_testing
_PAUSE_S = 60  # long enough for a test to kill the paused writer


def current_version():
    """The join condition of a scenario with the version it shows."""
    return and_(versions.c.scenario_id == scenarios.c.id, versions.c.number == scenarios.c.current)


def version_row(connection: Connection, scenario_id: int, number: int):
    return connection.execute(select(versions).where(versions.c.scenario_id == scenario_id,
                                                     versions.c.number == number)).first()


def live_count(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(scenarios).where(LIVE)).scalar_one()


def write_version(connection: Connection, row, slug: str, scenario: Scenario, yaml_text: str, sha: str,
                  actor: Actor, message: str | None, visibility: str = refs.SHARED) -> tuple[Entry, int]:
    """Add the next version of ``row`` (None: a new scenario, version 1, owned by ``actor`` and
    seen as ``visibility`` says) and make it current; the entry and the scenario's row id."""
    at, author = now(), cut(actor.user)
    shown = {"slug": slug, "name": scenario.name, "name_key": name_hash(scenario.name),
             "description": scenario.description[:index.DESCRIPTION_CHARS], "modified_at": at}
    if row is None:
        number, owner = 1, refs.owner_of(actor.user)
        scenario_id = connection.execute(insert(scenarios).values(
            **shown, author=author, created_at=at, current=number, owner=owner,
            visibility=visibility)).inserted_primary_key[0]
    else:
        number, scenario_id, owner, visibility = row.current + 1, row.id, row.owner, row.visibility
        connection.execute(update(scenarios).where(scenarios.c.id == scenario_id).values(**shown, current=number))
    connection.execute(insert(versions).values(
        scenario_id=scenario_id, number=number, yaml=yaml_text, sha256=sha, author=author, created_at=at,
        message=None if message is None else str(message)[:MESSAGE_CHARS]))
    prune_versions(connection, scenario_id)
    return Entry(slug, scenario.name, shown["description"], sha, local(at), False, None, owner or None,
                 visibility), scenario_id


def prune_versions(connection: Connection, scenario_id: int) -> None:
    """Delete the versions of ``scenario_id`` beyond MAX_VERSIONS or MAX_HISTORY_CHARS, oldest first."""
    sizes = connection.execute(select(versions.c.number, func.length(versions.c.yaml))
                               .where(versions.c.scenario_id == scenario_id).order_by(versions.c.number.desc()))
    total = 0
    for kept, (number, size) in enumerate(sizes):
        total += size
        if kept and (kept >= MAX_VERSIONS or total > MAX_HISTORY_CHARS):
            connection.execute(versions.delete().where(versions.c.scenario_id == scenario_id,
                                                       versions.c.number <= number))
            return


def no_such_version(connection: Connection, row, ref: str, number: int) -> str:
    """Why version ``number`` of the scenario ``row`` (named ``ref``) cannot be shown or restored."""
    oldest = connection.execute(select(func.min(versions.c.number)).where(versions.c.scenario_id == row.id)).scalar()
    kept = f"version {row.current} only" if oldest == row.current else f"versions {oldest} to {row.current}"
    gone = (f"; a scenario keeps its newest {MAX_VERSIONS} versions, older ones only within "
            f"{MAX_HISTORY_CHARS:,} characters" if oldest and oldest > 1 else "")
    return f"{ref!r} has no version {number} (it has {kept}{gone})"


def prune_audit(connection: Connection) -> None:
    """Keep the newest MAX_AUDIT_ROWS rows of the log (ids only grow)."""
    newest = connection.execute(select(func.max(audit.c.id))).scalar()
    if newest is not None and newest > MAX_AUDIT_ROWS:
        connection.execute(audit.delete().where(audit.c.id <= newest - MAX_AUDIT_ROWS))


def count_before_creating(connection: Connection) -> int:
    """The live scenarios, counted for the MAX_SAVED check of a change that adds one. On PostgreSQL
    two such changes could both count 4,999 and both insert; an advisory lock held to the end of the
    transaction makes them count one after the other (SQLite's writers queue already)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_LOCK})
    return live_count(connection)


def add_audit(connection: Connection, action: str, slug: str, name: str, old_version: str | None,
              new_version: str | None, actor: Actor, scenario_id: int | None = None, **extra: str) -> None:
    """One line of the log about the scenario ``scenario_id`` (shown to whoever may see it)."""
    detail = {"name": name, "old_version": old_version, "new_version": new_version, **extra}
    connection.execute(insert(audit).values(time=now(), actor=cut(actor.user), client=cut(actor.client),
                                            action=action, slug=slug, detail=json.dumps(detail),
                                            scenario_id=scenario_id))


def expire_trash(connection: Connection) -> None:
    """Delete (with their versions) the scenarios trashed more than trash.KEEP_DAYS days ago and
    those beyond the newest trash.MAX_TRASHED, as the file store's trash does after every write."""
    cutoff = now() - dt.timedelta(days=trash.KEEP_DAYS)
    kept = (select(scenarios.c.id).where(scenarios.c.deleted_at >= cutoff)
            .order_by(scenarios.c.deleted_at.desc()).limit(trash.MAX_TRASHED))
    connection.execute(scenarios.delete().where(scenarios.c.deleted_at.is_not(None), scenarios.c.id.not_in(kept)))


def name_hash(name: str) -> str:
    """What ``scenarios.name_key`` holds (tables.py): the SHA-256 of slugs.name_key."""
    return hashlib.sha256(name_key(name).encode("utf-8")).hexdigest()


def cut(value: str) -> str:
    """A user name or client address as the audit log keeps it (audit.FIELD_CHARS)."""
    return str(value)[:FIELD_CHARS]


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def local(when: dt.datetime) -> dt.datetime:
    """As the file store's Entry.modified: local time without a zone."""
    return when.astimezone().replace(tzinfo=None)


def pause_if_testing() -> None:
    """Tests only: with ``CROSSOVER_TEST_PAUSE_IN_SAVE`` naming a file, a save creates that file
    after writing its version and before committing, then sleeps, so a test can kill the writer
    in the middle of its transaction."""
    flag = os.environ.get(PAUSE_ENV)
    if flag:
        Path(flag).touch()
        time.sleep(_PAUSE_S)


def valid_slug(slug: str) -> str:
    """``slug`` in lower case, as ids are stored (slugify): a link typed as ?s=Support-Bot means the
    same one. Anything else is refused with what an id is."""
    if not isinstance(slug, str) or not SLUG.match(slug.lower()):
        raise StoreError(f"{str(slug)[:80]!r} is not a scenario name (letters, digits and dashes, "
                         "starting with a letter or digit, at most 64)")
    return slug.lower()


def parse_for_change(slug: str, yaml_text: str) -> Scenario:
    """A saved version about to be changed (renamed, restored); schema only, as the file store does."""
    try:
        return parse_scenario(yaml_text.encode("utf-8"), f"{slug}.yaml")
    except ScenarioError as exc:
        raise StoreError(f"{slug!r} cannot be read: {exc.problems[0]}") from None
