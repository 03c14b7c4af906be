"""``crossover library list | save FILE | export NAME | history NAME | restore NAME VERSION | import DIR``: the saved
scenarios of the database store (``CROSSOVER_DATABASE_URL``, else SQLite in the data folder), from
scripts. Each takes ``--json``; bad input exits 2 with one message.

Who acts: ``--as USER`` records USER as the author of what changes. Without it, the command acts as
the server's administrator ("admin:<login>@<host>"): whoever can run the CLI on the server can
already read and write its database, so it claims no more than that.
"""

from __future__ import annotations

import difflib
import getpass
import json
import socket
from pathlib import Path

from pricing.catalog import default_catalog
from simulator.files import FileRefused, read_regular_file
from simulator.scenario import MAX_FILE_BYTES, ScenarioError, parse_scenario
from simulator.storage.audit import Actor
from simulator.storage.database import DatabaseStore, open_store
from simulator.storage.errors import StoreError
from simulator.storage.importing import import_folder
from simulator.storage.slugs import name_key

from .errors import UsageError

MAX_ACTOR_CHARS = 200  # as the audit log keeps a user name


def add_parser(sub) -> None:
    p = sub.add_parser("library", help="saved scenarios: list, save, export, history, restore (the database store)")
    actions = p.add_subparsers(metavar="action", required=True)

    def action(name: str, help_text: str, run):
        a = actions.add_parser(name, help=help_text)
        a.add_argument("--as", dest="as_user", metavar="USER",
                       help="act as USER (recorded as the author); default: the server's administrator")
        a.add_argument("--json", action="store_true")
        a.set_defaults(run=lambda args: run(args, actor(args)))  # --as is checked before anything runs
        return a

    action("list", "every saved scenario and shipped example", _list)
    a = action("save", "save a scenario file (a new scenario, or a new version of the one with its name)", _save)
    a.add_argument("file", type=Path)
    a.add_argument("--message", "-m", help="kept with the version")
    a.add_argument("--replaces", metavar="VERSION",
                   help="refuse unless the current version is this one (its sha256, as list shows): no silent "
                        "overwrite of a change you did not see")
    a = action("export", "a saved scenario's YAML (current version, or --version N)", _export)
    a.add_argument("name")
    a.add_argument("--version", type=int, metavar="N")
    a.add_argument("-o", "--output", type=Path, help="write here (a new file; default: standard output)")
    a = action("history", "a scenario's versions, newest first", _history)
    a.add_argument("name")
    a = action("import", "bring a folder of saved scenario files (and its .trash/) into the database, once", _import)
    a.add_argument("folder", type=Path)
    a = action("restore", "save an old version again, as the newest", _restore)
    a.add_argument("name")
    a.add_argument("version", type=int)


def actor(args) -> Actor:
    if args.as_user is not None:
        user = args.as_user.strip()
        if not user or len(user) > MAX_ACTOR_CHARS or not user.isprintable():
            raise UsageError(f"--as: a user name of 1 to {MAX_ACTOR_CHARS} printable characters")
        return Actor(user=user, client="cli")
    return Actor(user=f"admin:{getpass.getuser()}@{socket.gethostname()}", client="cli", admin=True)


def _store() -> DatabaseStore:
    store = open_store()
    try:
        store.engine  # the store opens its database at first use: here, so a failure is one message up front
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    return store


def find(store: DatabaseStore, name: str) -> str:
    """The id (slug) of the scenario called ``name``, or with the id ``name``."""
    entries = store.entries()
    for entry in entries:
        if entry.slug == name and entry.problem is None:
            return entry.slug
    wanted = name_key(name)
    for entry in entries:
        if name_key(entry.name) == wanted and entry.problem is None:
            return entry.slug
    close = difflib.get_close_matches(name, [e.name for e in entries] + [e.slug for e in entries], n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise UsageError(f"no saved scenario or example is called {name!r}{hint} (crossover library list shows them)")


def _print(args, data, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


def _list(args, who: Actor) -> int:
    store = _store()
    entries = store.entries()
    data = [{"id": e.slug, "name": e.name, "version": e.version, "modified": e.modified.isoformat(timespec="seconds"),
             "read_only": e.read_only, "problem": e.problem} for e in entries]
    width = max((len(e.slug) for e in entries), default=2)
    lines = [f"{'id':<{width}}  {'modified':<19}  {'version':<12}  name"]
    for e in entries:
        kind = "  (shipped example, read-only)" if e.read_only else ""
        problem = f"  PROBLEM: {e.problem}" if e.problem else ""
        lines.append(f"{e.slug:<{width}}  {e.modified:%Y-%m-%d %H:%M:%S}  {e.version[:12]:<12}  {e.name}{kind}{problem}")
    _print(args, data, "\n".join(lines))
    return 0


def _save(args, who: Actor) -> int:
    try:
        scenario = parse_scenario(read_regular_file(args.file, MAX_FILE_BYTES), args.file.name, default_catalog())
    except FileRefused as exc:
        raise UsageError(str(exc)) from None
    store = _store()
    existing = None
    wanted = name_key(scenario.name)
    for entry in store.entries():
        if not entry.read_only and entry.problem is None and name_key(entry.name) == wanted:
            existing = entry
    if existing is None and args.replaces is not None:
        raise UsageError(f"--replaces: no saved scenario is called {scenario.name!r} yet")
    try:
        if existing is None:
            entry = store.save(scenario, actor=who, message=args.message)
        else:
            entry = store.save(scenario, existing.slug, replaces=args.replaces or existing.version, actor=who,
                               message=args.message)
    except StoreError as exc:  # a stale --replaces, a name taken by an example, the store full
        raise UsageError(str(exc)) from None
    number = store.history(entry.slug)[0].number
    _print(args, {"id": entry.slug, "name": entry.name, "version": entry.version, "number": number,
                  "author": who.user},
           f"saved {entry.name!r} as {entry.slug} version {number} ({entry.version[:12]}) by {who.user}")
    return 0


def _export(args, who: Actor) -> int:
    store = _store()
    slug = find(store, args.name)
    try:
        if args.version is None:
            text = store.load(slug)[0].to_yaml()
        else:
            text = store.version(slug, args.version)
    except (StoreError, ScenarioError) as exc:
        raise UsageError(str(exc)) from None
    if args.output is None:
        print(json.dumps({"id": slug, "yaml": text}, indent=2) if args.json else text, end="" if not args.json else "\n")
        return 0
    try:
        with open(args.output, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{args.output}: exists; choose a new file name (nothing is overwritten)") from None
    except OSError as exc:
        raise UsageError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
    _print(args, {"id": slug, "written": str(args.output)}, f"wrote {slug} to {args.output}")
    return 0


def _history(args, who: Actor) -> int:
    store = _store()
    slug = find(store, args.name)
    try:
        listed = store.history(slug)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    data = [{"number": v.number, "author": v.author, "time": v.time.isoformat(timespec="seconds"),
             "message": v.message, "sha256": v.sha256} for v in listed]
    lines = [f"{slug}: {len(listed)} version{'s' if len(listed) != 1 else ''}, newest first"]
    lines += [f"  {v.number:>4}  {v.time:%Y-%m-%d %H:%M:%S} UTC  {v.author}  {v.sha256[:12]}"
              + (f"  {v.message}" if v.message else "") for v in listed]
    _print(args, data, "\n".join(lines))
    return 0


def _restore(args, who: Actor) -> int:
    store = _store()
    slug = find(store, args.name)
    try:
        current = store.history(slug)[0]
        entry = store.restore_version(slug, args.version, replaces=current.sha256, actor=who)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    number = store.history(slug)[0].number
    _print(args, {"id": slug, "restored": args.version, "number": number, "version": entry.version},
           f"restored version {args.version} of {slug} as version {number} ({entry.version[:12]}) by {who.user}")
    return 0


def _import(args, who: Actor) -> int:
    if not args.folder.is_dir():
        raise UsageError(f"{args.folder}: not a folder of saved scenarios")
    store = _store()
    try:
        report = import_folder(store, args.folder, actor=who)
    except StoreError as exc:  # what was imported until then stays; a second run goes on from there
        raise UsageError(str(exc)) from None
    data = {"folder": str(args.folder), "imported": [i.file_name for i in report.imported],
            "trashed": [i.file_name for i in report.trashed], "skipped": report.skipped,
            "refused": [{"file": name, "why": why} for name, why in report.refused],
            "audit_lines": report.audit_lines}
    _print(args, data, report.sentence())
    return 0
