"""The one-time import of a file store's folder (``store.py``) into the database store (``database.py``).

What is imported: every ``<id>.yaml`` of the folder as a saved scenario, every copy in its
``.trash/`` as a trashed scenario (deleted when the file store trashed it), and the lines of its
audit log (``.audit.jsonl``) into the audit table, before the import's own lines. The folder is
only read: nothing in it is moved, changed or deleted.

A file is known by its scenario's name and content (the SHA-256 of its canonical YAML, the
database's version): a file whose name and content are already in the database (among the versions
of a scenario of that name, live or trashed) is skipped, so a second run imports nothing and a
scenario deleted in the database since is not brought back. A file whose name a live scenario has (the importer's own first),
with other content, becomes the newest version of that scenario: names are what users know a
scenario by and are unique, and the version it replaces stays in the history, so nothing is lost
and nothing is overwritten silently (the version's message says where it came from). A new
scenario keeps the file's id, so links to it (``?s=<id>``) open it, unless a live scenario or a
shipped example has that id now; then it gets a new one, and the report says which. A file that
does not parse (schema only, as the store checks a change) is refused with its problem.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, case, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from simulator.scenario import Scenario, ScenarioError, parse_scenario
from simulator.storage import audit as file_audit
from simulator.storage import access, index, location, refs, rows, trash
from simulator.storage.audit import IMPORTED, Actor
from simulator.storage.database import DatabaseStore
from simulator.storage.engines import WRITE, reason
from simulator.storage.errors import AlreadyExists, ChangedElsewhere, StoreError
from simulator.storage.store import version_of
from simulator.storage.tables import audit, scenarios, versions

IMPORTER = Actor(user=IMPORTED, client="server")  # the author of what the app imports
_ATTEMPTS = 3  # a file whose scenario another importer wrote meanwhile is looked at again
_AUDIT_LOCK = 0x63726F74  # PostgreSQL advisory lock key: one importer reads and writes the audit lines at a time


@dataclass(frozen=True)
class Imported:
    file_name: str  # as in the folder: "plan.yaml", ".trash/plan--20260101T000000000000.yaml"
    slug: str  # the id it has in the database
    note: str = ""  # why it is not a new scenario under the file's id, when it is not


@dataclass
class ImportReport:
    """What :func:`import_folder` did with each file of ``folder``."""

    folder: Path
    imported: list[Imported] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # file names whose name and content were there already
    trashed: list[Imported] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # file name, why
    audit_lines: int = 0

    def sentence(self) -> str:
        """One line for the server's log, with the folder's path."""
        said = (f"Crossover: imported {_count(len(self.imported), 'saved scenario')} and "
                f"{_count(len(self.trashed), 'trashed copy', 'trashed copies')} from {self.folder} into the "
                f"database ({_count(self.audit_lines, 'audit log line')}; {len(self.skipped):,} already there)")
        notes = [f"{i.file_name}: {i.note}" for i in self.imported if i.note]
        refused = [f"{name}: {why}" for name, why in self.refused]
        return "; ".join([said, *notes, *(f"not imported {r}" for r in refused)]) + \
            ". The folder is left as it was."


def first_import(store: DatabaseStore, folder: Path, *, actor: Actor = IMPORTER) -> ImportReport | None:
    """:func:`import_folder` when ``folder`` holds saved or trashed files and the database was
    never used (no scenario, no recorded change: a database whose scenarios were all deleted is not
    filled again); None, without opening the database, when the folder holds neither."""
    if not location.holds_saves(folder) and not trash.items(folder):
        return None
    with _reading(store) as connection:
        used = any(connection.execute(select(func.count()).select_from(t)).scalar_one() for t in (scenarios, audit))
    return None if used else import_folder(store, folder, actor=actor)


def import_folder(store: DatabaseStore, folder: Path, *, actor: Actor) -> ImportReport:
    """Import ``folder`` (a file store's) into ``store``; see the module's docstring. A database
    that fails stops the import with a :class:`StoreError`; what was imported until then stays,
    and a second run goes on from there."""
    report = ImportReport(folder)
    report.audit_lines = _import_audit_log(store, folder / file_audit.LOG_FILE)
    for slug in sorted(index.scan(folder)):
        file_name = f"{slug}.yaml"
        scenario = _read(folder / file_name, file_name, report)
        if scenario is not None:
            _import_live(store, slug, file_name, scenario, actor, report)
    for item in reversed(trash.items(folder)):  # oldest first, as they were deleted
        file_name = f"{trash.FOLDER}/{item.file_name}"
        if dt.datetime.now(dt.timezone.utc) - item.deleted > dt.timedelta(days=trash.KEEP_DAYS):
            report.refused.append((file_name, f"deleted more than {trash.KEEP_DAYS} days ago: the trash keeps a "
                                              "copy that long, and the file store would have removed it"))
            continue
        scenario = _read(item.path, file_name, report)
        if scenario is not None:
            _import_trashed(store, item, file_name, scenario, actor, report)
    return report


def _read(path: Path, file_name: str, report: ImportReport) -> Scenario | None:
    try:
        return parse_scenario(path.read_bytes(), file_name)
    except OSError as exc:
        report.refused.append((file_name, f"cannot be read ({exc.strerror or type(exc).__name__})"))
    except ScenarioError as exc:  # "<file>: <field>: <message>": the report names the file already
        report.refused.append((file_name, exc.problems[0].removeprefix(f"{file_name}: ")))
    return None


def _import_live(store: DatabaseStore, slug: str, file_name: str, scenario: Scenario, actor: Actor,
                 report: ImportReport) -> None:
    yaml_text = scenario.to_yaml()
    sha = version_of(yaml_text.encode("utf-8"))
    for _ in range(_ATTEMPTS):
        with _reading(store) as connection:
            if _known(connection, scenario.name, sha):
                report.skipped.append(file_name)
                return
            same = connection.execute(  # of that name: the importer's own first, then nobody's, then the oldest
                select(scenarios.c.slug, scenarios.c.id, scenarios.c.current, scenarios.c.owner)
                .where(scenarios.c.name_key == rows.name_hash(scenario.name), rows.LIVE, access.visible(actor))
                .order_by(case((scenarios.c.owner == refs.owner_of(actor.user), 0),
                               (scenarios.c.owner == refs.NOBODY, 1), else_=2), scenarios.c.created_at)).first()
            current = None if same is None else rows.version_row(connection, same.id, same.current).sha256
            slug_taken = connection.execute(select(scenarios.c.id)
                                            .where(scenarios.c.slug == slug, rows.LIVE)).first() is not None
        try:
            if same is not None:
                entry = store.save(scenario, refs.ref_of(same.owner, same.slug), replaces=current, actor=actor,
                                   message=f"imported from {file_name}, which had other content under this name")
                note = f"a new version of `{same.slug}`, which had that name with other content"
            else:
                free = not slug_taken and not store.is_example(slug)
                entry = store.save(scenario, slug if free else None, actor=actor, message=f"imported from {file_name}")
                note = "" if free else f"its id is taken, so it is `{entry.slug}`"
        except ChangedElsewhere:
            continue  # another importer or user saved that scenario meanwhile: look again
        except AlreadyExists as exc:
            if exc.slug is None:  # the name of a shipped example: looking again cannot help
                report.refused.append((file_name, str(exc)))
                return
            continue  # another importer saved a scenario of that name meanwhile: look again
        except StoreError as exc:  # the store is full; a database that fails says so at the next look
            report.refused.append((file_name, str(exc)))
            return
        report.imported.append(Imported(file_name, entry.slug, note))
        return
    report.refused.append((file_name, "other changes to a scenario of that name kept coming first; import again"))


def _import_trashed(store: DatabaseStore, item: trash.Trashed, file_name: str, scenario: Scenario, actor: Actor,
                    report: ImportReport) -> None:
    """A trashed scenario as the database store keeps one: its row with the deletion time, and one
    version. Written here: the store's own ``delete`` would date it now."""
    yaml_text = scenario.to_yaml()
    sha = version_of(yaml_text.encode("utf-8"))
    with _writing(store) as connection:
        there = connection.execute(select(scenarios.c.id).where(scenarios.c.slug == item.slug,
                                                                scenarios.c.deleted_at == item.deleted)).first()
        if there is not None or _known(connection, scenario.name, sha):
            report.skipped.append(file_name)
            return
        author = rows.cut(actor.user)
        scenario_id = connection.execute(insert(scenarios).values(
            slug=item.slug, name=scenario.name, name_key=rows.name_hash(scenario.name),
            description=scenario.description[:index.DESCRIPTION_CHARS], author=author, created_at=item.deleted,
            modified_at=item.deleted, current=1, deleted_at=item.deleted, deleted_by=author)).inserted_primary_key[0]
        connection.execute(insert(versions).values(
            scenario_id=scenario_id, number=1, yaml=yaml_text, sha256=sha, author=author, created_at=item.deleted,
            message=f"imported from {file_name}"))
        rows.add_audit(connection, "import", item.slug, scenario.name, None, sha, actor, file=file_name)
    report.trashed.append(Imported(file_name, item.slug))


def _known(connection: Connection, name: str, sha: str) -> bool:
    """Whether a scenario of this name (live or trashed) has, or had, this content."""
    return connection.execute(
        select(versions.c.number).join(scenarios, versions.c.scenario_id == scenarios.c.id)
        .where(scenarios.c.name_key == rows.name_hash(name), versions.c.sha256 == sha).limit(1)).first() is not None


def _import_audit_log(store: DatabaseStore, log: Path) -> int:
    """The file store's audit lines not yet in the table, in their order, with their own times;
    a torn or foreign line is skipped, as the file store's own reading skips it."""
    try:
        lines = log.read_bytes().splitlines() if log.is_file() and not log.is_symlink() else []
    except OSError:
        return 0  # the log is a record, not the work: the scenarios are imported without it
    records = [r for r in (_audit_record(line) for line in lines) if r is not None]
    if not records:
        return 0
    with _writing(store) as connection:
        if connection.dialect.name == "postgresql":  # SQLite's writers queue already (BEGIN IMMEDIATE)
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK})
        there = {_audit_key(r.time, r.action, r.slug, json.loads(r.detail).get("new_version"))
                 for r in connection.execute(select(audit.c.time, audit.c.action, audit.c.slug, audit.c.detail))}
        new = [r for r in records if _audit_key(r["time"], r["action"], r["slug"],
                                                json.loads(r["detail"])["new_version"]) not in there]
        if new:
            connection.execute(insert(audit), new)
    return len(new)


def _audit_record(line: bytes) -> dict | None:
    try:
        found = json.loads(line)
        when = dt.datetime.fromisoformat(found["time"])
        action, slug = found["action"], found["slug"]
    except (ValueError, KeyError, TypeError):
        return None
    if when.tzinfo is None or not all(isinstance(v, str) and 0 < len(v) <= n for v, n in ((action, 32), (slug, 64))):
        return None
    detail = {k: v for k, v in found.items() if k not in ("time", "action", "slug", "user", "client")}
    detail = {"name": "", "old_version": None, "new_version": None, **detail}
    return {"time": when, "actor": rows.cut(found.get("user", "anonymous")), "client": rows.cut(found.get("client", "unknown")),
            "action": action, "slug": slug, "detail": json.dumps(detail)}


def _audit_key(when: dt.datetime, action: str, slug: str, new_version: str | None) -> tuple:
    return when.astimezone(dt.timezone.utc).replace(microsecond=0), action, slug, new_version


@contextlib.contextmanager
def _reading(store: DatabaseStore) -> Iterator[Connection]:
    try:
        with store.engine.connect() as connection:
            yield connection
    except DBAPIError as exc:
        raise StoreError(f"the scenario store cannot be read ({reason(exc)})") from None


@contextlib.contextmanager
def _writing(store: DatabaseStore) -> Iterator[Connection]:
    try:
        with store.engine.connect() as connection:
            connection.execution_options(**{WRITE: True})
            with connection.begin():
                yield connection
    except DBAPIError as exc:
        raise StoreError(f"the scenario store cannot be written ({reason(exc)}); the import stopped") from None


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"
