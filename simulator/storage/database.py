"""Saved scenarios in a database (SQLite by default, PostgreSQL for a shared server), with history.

The same interface and rules as the file store (``store.py``), so the pages work with either: a
scenario's *version* is the SHA-256 of its YAML text; every change names the version it replaces
and is refused with :class:`ChangedElsewhere` if the scenario changed since, now naming who changed
it and when; names are unique among an owner's live scenarios; ids (slugs) are made once from the name; the
shipped examples in ``scenarios/`` are read-only and win over a saved scenario with their id.

What the database adds: every save is a new numbered row of ``versions`` (``tables.py``), never an
overwrite (:meth:`DatabaseStore.history`, :meth:`DatabaseStore.restore_version`), so a replace or
rename puts no copy in the trash. The trash holds deleted scenarios with their history, bounded as
the file store's is. Only a scenario's owner (its first version's author) or an admin renames or
deletes it, or makes it private or shared again; an anonymous visitor's scenario belongs to nobody
and is always shared (``access.py``). Ids and names are unique per owner; every method takes a
*ref* (``refs.py``: ``<owner>/<id>``, or a bare id) and a viewer, and acts only on what they may see.
Reading is ``reading.py``.

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

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from simulator.scenario import Scenario
from simulator.storage import access, location, refs, rows, trash
from simulator.storage.audit import Actor
from simulator.storage.engines import WRITE, alembic_config, migrate, reason
from simulator.storage.errors import AlreadyExists, ChangedElsewhere, NotShared, StoreError, changed_elsewhere
from simulator.storage.reading import Opened, Reading, Version
from simulator.storage.rows import PAUSE_ENV
from simulator.storage.slugs import name_key, slugify, unique_slug
from simulator.storage.store import COPIES, MAX_SAVED, Entry, example_entries, version_of
from simulator.storage.tables import scenarios

__all__ = ["PAUSE_ENV", "Actor", "AlreadyExists", "ChangedElsewhere", "DatabaseStore", "NotShared", "Opened",
           "StoreError", "Version", "alembic_config", "migrate", "open_store"]

_ATTEMPTS = 3  # a change refused by a unique index is run again (its checks then see the other writer)

T = TypeVar("T")


def open_store(url: str | None = None) -> DatabaseStore:
    """The database store at ``url`` (default :func:`location.database_url`)."""
    return DatabaseStore(url or location.database_url())


class DatabaseStore(Reading):
    """Saved scenarios in the database at ``url``, plus the shipped examples in ``examples``, read-only."""

    def save(self, scenario: Scenario, ref: str | None = None, *, replaces: str | None = None,
             trash_previous: bool = False, actor: Actor | None = None, message: str | None = None,
             private: bool = False) -> Entry:
        """Save a new scenario of ``actor``'s (``ref`` None: an id is made from the name; ``private``:
        only they and admins see it) or a new version of ``ref``, whose current version must be
        ``replaces``. ``trash_previous`` (the file store's "replace") is audited as such; the version
        replaced stays in the history. A name another scenario of the same owner has is refused with
        :class:`AlreadyExists` naming that scenario; saving the same scenario again under no id is a
        no-op. ``message`` (``tables.MESSAGE_CHARS``) is kept."""
        yaml_text = scenario.to_yaml()
        sha = version_of(yaml_text.encode("utf-8"))
        actor = actor or Actor()
        mine = refs.owner_of(actor.user)
        if private:
            access.refuse_private_for_nobody(mine, scenario.name)

        def change(connection: Connection) -> Entry:
            target, seen = ref, replaces
            if target is None:
                same = self._live_named(connection, scenario.name, mine)
                if same is not None and rows.version_row(connection, same.id, same.current).sha256 == sha:
                    return access.entry(same, sha)
                target, seen = refs.ref_of(mine, unique_slug(slugify(scenario.name), self._taken(connection, mine))), None
            row, current = self._check(connection, target, seen, actor)
            if row is None and refs.parse(target)[0] not in (None, mine):
                raise StoreError(f"{target!r} would be someone else's: save it under your own name")
            owner = mine if row is None else row.owner
            self._refuse_taken_name(connection, scenario.name, owner, row)
            if row is None and rows.count_before_creating(connection) >= MAX_SAVED:
                raise StoreError(f"the store holds {MAX_SAVED:,} scenarios already; delete some first")
            entry, made = rows.write_version(connection, row, refs.parse(target)[1], scenario, yaml_text, sha, actor,
                                             message, refs.PRIVATE if private else refs.SHARED)
            rows.add_audit(connection, "replace" if trash_previous else "save", entry.slug, scenario.name,
                           current.sha256 if current else None, sha, actor, made)
            rows.pause_if_testing()
            return entry

        return self._change(change)

    def duplicate(self, ref: str, *, actor: Actor | None = None) -> Entry:
        """Save a copy of what ``actor`` may see, as theirs, under the first of their free names
        "<name> (copy)", "(copy 2)" …, cut so it fits; private if the original is and they can own it."""
        actor = actor or Actor()
        mine = refs.owner_of(actor.user)
        scenario, _, _ = self.load(ref, viewer=actor)

        def change(connection: Connection) -> Entry:
            source = access.find(connection, ref, actor) if not self.is_example(ref) else None
            for n in range(1, COPIES):
                suffix = " (copy)" if n == 1 else f" (copy {n})"
                name = scenario.name[:200 - len(suffix)] + suffix
                if self._live_named(connection, name, mine) is None and not self._example_named(name):
                    break
            else:
                raise AlreadyExists(f"{scenario.name!r} has {COPIES - 1} copies already: rename some first")
            if rows.count_before_creating(connection) >= MAX_SAVED:
                raise StoreError(f"the store holds {MAX_SAVED:,} scenarios already; delete some first")
            copy = Scenario.model_validate({**scenario.model_dump(), "name": name})
            new_slug = unique_slug(slugify(name), self._taken(connection, mine))
            yaml_text = copy.to_yaml()
            private = source is not None and source.visibility == refs.PRIVATE and mine != refs.NOBODY
            entry, made = rows.write_version(connection, None, new_slug, copy, yaml_text,
                                             version_of(yaml_text.encode("utf-8")), actor, f"copy of {ref}",
                                             refs.PRIVATE if private else refs.SHARED)
            rows.add_audit(connection, "duplicate", new_slug, name, None, entry.version, actor, made, source=ref)
            return entry

        return self._change(change)

    def rename(self, ref: str, new_name: str, *, replaces: str, actor: Actor | None = None) -> Entry:
        """Give the scenario the user saw (``ref`` at version ``replaces``; its owner or an admin
        only) a new name and an id made from it, as a new version; the history moves with it."""
        actor = actor or Actor()

        def change(connection: Connection) -> Entry:
            row, current = self._check(connection, ref, replaces, actor)
            access.refuse_unless_owner(row, actor, "rename")
            scenario = rows.parse_for_change(row.slug, current.yaml)
            try:
                renamed = Scenario.model_validate({**scenario.model_dump(), "name": new_name})
            except ValueError as exc:
                raise StoreError(f"{str(new_name)[:80]!r} cannot be a name: {str(exc).splitlines()[-1]}") from None
            self._refuse_taken_name(connection, new_name, row.owner, row)
            new_slug = unique_slug(slugify(new_name), self._taken(connection, row.owner) - {row.slug})
            yaml_text = renamed.to_yaml()
            entry, _ = rows.write_version(connection, row, new_slug, renamed, yaml_text,
                                          version_of(yaml_text.encode("utf-8")), actor, f"renamed from {row.slug}")
            rows.add_audit(connection, "rename", new_slug, renamed.name, replaces, entry.version, actor, row.id,
                           from_slug=row.slug)
            return entry

        return self._change(change)

    def delete(self, ref: str, *, replaces: str, actor: Actor | None = None) -> trash.Trashed:
        """Move the scenario the user saw (version ``replaces``) to the trash, with its history
        (its owner or an admin only). Works on a saved scenario that has an example's id."""
        actor = actor or Actor()

        def change(connection: Connection) -> trash.Trashed:
            row, _ = self._check(connection, ref, replaces, actor, deleting=True)
            access.refuse_unless_owner(row, actor, "delete")
            now = rows.now()
            connection.execute(update(scenarios).where(scenarios.c.id == row.id)
                               .values(deleted_at=now, deleted_by=rows.cut(actor.user)))
            rows.add_audit(connection, "delete", row.slug, row.name, replaces, None, actor, row.id)
            return trash.Trashed(trash.file_name(row.slug, now), row.slug, now, None, row.owner or None)

        return self._change(change)

    def set_visibility(self, ref: str, visibility: str, *, actor: Actor | None = None) -> Entry:
        """Make the scenario ``ref`` private (its owner and admins see it) or shared with everyone
        (``refs.VISIBILITIES``); its owner or an admin only, and never private for a scenario of
        nobody. Audited ("make_private", "share"); no new version: its content is unchanged."""
        actor = actor or Actor()
        if visibility not in refs.VISIBILITIES:
            raise StoreError(f"{str(visibility)[:20]!r} is not a visibility: {' or '.join(refs.VISIBILITIES)}")

        def change(connection: Connection) -> Entry:
            row = access.find(connection, ref, actor, lock=True)
            if row is None:
                raise StoreError(f"{ref!r} is a shipped example: everyone sees it" if self.is_example(ref)
                                 else f"no saved scenario is called {ref!r}")
            access.refuse_unless_owner(row, actor, "make private" if visibility == refs.PRIVATE else "share")
            if visibility == refs.PRIVATE:
                access.refuse_private_for_nobody(row.owner, row.name)
            sha = rows.version_row(connection, row.id, row.current).sha256
            if row.visibility != visibility:
                connection.execute(update(scenarios).where(scenarios.c.id == row.id).values(visibility=visibility))
                rows.add_audit(connection, "make_private" if visibility == refs.PRIVATE else "share", row.slug,
                               row.name, sha, sha, actor, row.id, visibility=visibility)
            return dataclasses.replace(access.entry(row, sha), visibility=visibility)

        return self._change(change)

    def restore(self, file_name: str, *, actor: Actor | None = None) -> str:
        """Bring the trashed scenario called ``file_name`` (one ``actor`` may see) back under its
        id; refused if its owner has the id or its name again. Returns its ref."""
        found = trash.parse_file_name(file_name)
        actor = actor or Actor()

        def change(connection: Connection) -> str:
            row = None if found is None else connection.execute(
                select(scenarios).where(scenarios.c.slug == found[0], scenarios.c.deleted_at == found[1],
                                        access.visible(actor)).with_for_update()).first()
            if row is None:
                raise StoreError("that copy is no longer in the trash (restored, or expired, by someone else)")
            if row.slug in self._taken(connection, row.owner):
                raise AlreadyExists(f"a scenario with the id {row.slug!r} exists again; rename it before restoring")
            self._refuse_taken_name(connection, row.name, row.owner, None)
            connection.execute(update(scenarios).where(scenarios.c.id == row.id).values(deleted_at=None, deleted_by=None))
            current = rows.version_row(connection, row.id, row.current)
            rows.add_audit(connection, "restore", row.slug, row.name, None, current.sha256, actor, row.id,
                           trashed=file_name)
            return refs.ref_of(row.owner, row.slug)

        return self._change(change)

    def restore_version(self, ref: str, number: int, *, replaces: str, actor: Actor | None = None) -> Entry:
        """Save version ``number`` of the scenario the user saw (at version ``replaces``) again, as
        its newest version: the text as it was, so its version (SHA-256) is that version's. Its
        name comes back with it, and is refused if another scenario of its owner has it now."""
        actor = actor or Actor()

        def change(connection: Connection) -> Entry:
            row, _ = self._check(connection, ref, replaces, actor)
            old = rows.version_row(connection, row.id, number)
            if old is None:
                raise StoreError(rows.no_such_version(connection, row, ref, number))
            scenario = rows.parse_for_change(row.slug, old.yaml)
            self._refuse_taken_name(connection, scenario.name, row.owner, row)
            entry, _ = rows.write_version(connection, row, row.slug, scenario, old.yaml, old.sha256, actor,
                                          f"restored version {number}")
            rows.add_audit(connection, "restore_version", row.slug, scenario.name, replaces, old.sha256, actor,
                           row.id, from_version=str(number))
            return entry

        return self._change(change)

    # -- checks, inside a change's transaction --------------------------------------------------------
    def _check(self, connection: Connection, ref: str, replaces: str | None, viewer: Actor, deleting: bool = False):
        """The row ``ref`` names that ``viewer`` may see, locked until the change commits, and its
        current version, if that is the one the user saw; else refuse. (None, None) for a ref not in use."""
        # The row alone is locked, then its version read by a second statement: a join's other table
        # would keep the rows it read before the lock was granted (PostgreSQL's READ COMMITTED).
        row = access.find(connection, ref, viewer, lock=True)
        current = None if row is None else rows.version_row(connection, row.id, row.current)
        if row is None and self.is_example(ref):
            what = "deleted" if deleting else "changed"
            raise AlreadyExists(f"{ref!r} is a shipped example and read-only: it cannot be {what}; "
                                "save it under another name")
        sha = current.sha256 if current is not None else None
        if replaces is None and sha is not None:
            raise AlreadyExists(f"a scenario with the id {ref!r} already exists: open it first", ref, sha)
        if sha != replaces:
            if current is not None:
                raise changed_elsewhere(ref, sha, current.author, current.created_at)
            owner, slug = refs.parse(ref)
            query = (select(scenarios.c.deleted_by, scenarios.c.deleted_at)
                     .where(scenarios.c.slug == slug, scenarios.c.deleted_at.is_not(None), access.visible(viewer)))
            if owner is not None:
                query = query.where(scenarios.c.owner == owner)
            gone = connection.execute(query.order_by(scenarios.c.deleted_at.desc()).limit(1)).first()
            raise changed_elsewhere(ref, None, *(gone if gone is not None else (None, None)))
        return row, current

    def _live_named(self, connection: Connection, name: str, owner: str, besides=None):
        """The live scenario of ``owner`` called ``name`` (besides the row ``besides``), if any."""
        query = select(scenarios).where(scenarios.c.name_key == rows.name_hash(name), scenarios.c.owner == owner,
                                        rows.LIVE)
        if besides is not None:
            query = query.where(scenarios.c.id != besides.id)
        return connection.execute(query).first()

    def _example_named(self, name: str) -> bool:
        return any(name_key(e.name) == name_key(name) for e in example_entries(self.examples))

    def _refuse_taken_name(self, connection: Connection, name: str, owner: str, row) -> None:
        """A name belongs to one scenario of an owner: refuse it for ``row`` (None: a new one) if another has it."""
        same = self._live_named(connection, name, owner, besides=row)
        if same is not None:
            version = rows.version_row(connection, same.id, same.current).sha256
            ref = refs.ref_of(same.owner, same.slug)
            raise AlreadyExists(f"a scenario called {same.name!r} already exists (`{ref}`): choose "
                                "another name or open it first", ref, version)
        if self._example_named(name):
            raise AlreadyExists(f"{name!r} is the name of a shipped example: choose another name")

    def _taken(self, connection: Connection, owner: str) -> set[str]:
        """Ids a new scenario of ``owner`` cannot have: those of its live scenarios and every shipped
        example; for nobody, every live one (a bare id then names only the new one)."""
        query = select(scenarios.c.slug).where(rows.LIVE)
        if owner != refs.NOBODY:
            query = query.where(scenarios.c.owner == owner)
        return set(connection.execute(query).scalars()) | {p.stem for p in self.examples.glob("*.yaml")}

    # -- transactions ---------------------------------------------------------------------------------
    def _change(self, change: Callable[[Connection], T]) -> T:
        """Run ``change`` in one write transaction, then expire the trash and prune the log in it; a failure of the
        database becomes a :class:`StoreError` that names the reason and leaves everything as it was."""
        refused = 0
        while True:
            try:
                with self.engine.connect() as connection:
                    connection.execution_options(**{WRITE: True})
                    with connection.begin():
                        result = change(connection)
                        rows.expire_trash(connection)
                        rows.prune_audit(connection)
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
