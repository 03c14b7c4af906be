"""``crossover library list | save FILE | export NAME | history NAME | restore NAME VERSION | share NAME
--private|--team | import DIR``: the saved scenarios of the database store (``CROSSOVER_DATABASE_URL``, else
SQLite in the data folder), from scripts. Each takes ``--json``; bad input exits 2 with one message.

Who acts: ``--as USER`` records USER as the author of what changes, and every command sees what
USER may see in the app (their own scenarios and the shared ones: ``simulator/storage/refs.py``).
Without it, the command acts as the server's administrator ("admin:<login>@<host>"), who sees
everything: whoever can run the CLI on the server can already read and write its database, so it
claims no more than that.

A scenario is named by its ref (``alice@example.com/plan``, or ``plan`` for one of nobody: what
``?s=`` holds), by a bare id, or by its name; a name several owners use is refused with their refs,
unless one of them is USER's own.
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
from simulator.storage import refs
from simulator.storage.audit import Actor
from simulator.storage.database import DatabaseStore, open_store
from simulator.storage.errors import NotShared, StoreError
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
    a.add_argument("--private", action="store_true",
                   help="a new scenario only USER (and admins) see; needs --as USER (the default administrator "
                        "may too). Later: crossover library share NAME --team")
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
    a = action("share", "who sees a scenario: --private (its owner and admins) or --team (everyone); its owner or "
                        "an admin only", _share)
    a.add_argument("name")
    who = a.add_mutually_exclusive_group(required=True)
    who.add_argument("--private", dest="visibility", action="store_const", const=refs.PRIVATE)
    who.add_argument("--team", dest="visibility", action="store_const", const=refs.SHARED)


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


def find(store: DatabaseStore, name: str, who: Actor) -> str:
    """The ref of the scenario ``who`` may see that ``name`` names: as a ref or id (refs.py), else
    by name, ``who``'s own first; several owners' scenarios of that name are refused with their refs."""
    try:
        return store.open(name, viewer=who).ref
    except NotShared as exc:
        raise UsageError(str(exc)) from None
    except (StoreError, ScenarioError):
        pass  # not a ref (a name with spaces), no scenario of that ref, or one that does not parse: try names
    entries = [e for e in store.entries(who) if e.problem is None]
    wanted = name_key(name)
    named = [e for e in entries if name_key(e.name) == wanted]
    mine = [e for e in named if e.owner is not None and e.owner == refs.owner_of(who.user)]
    if len(mine or named) == 1:
        return (mine or named)[0].ref
    if named:
        raise UsageError(f"{len(named)} scenarios are called {name!r}: {', '.join(e.ref for e in named)}; "
                         "name one by its ref")
    close = difflib.get_close_matches(name, [e.name for e in entries] + [e.ref for e in entries], n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise UsageError(f"no saved scenario or example is called {name!r}{hint} (crossover library list shows them)")


def _print(args, data, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


def _list(args, who: Actor) -> int:
    store = _store()
    entries = store.entries(who)
    data = [{"id": e.slug, "ref": e.ref, "name": e.name, "owner": e.owner, "visibility": e.visibility,
             "version": e.version, "modified": e.modified.isoformat(timespec="seconds"), "read_only": e.read_only,
             "problem": e.problem} for e in entries]
    width = max((len(e.ref) for e in entries), default=2)
    lines = [f"{'ref':<{width}}  {'seen by':<7}  {'modified':<19}  {'version':<12}  name"]
    for e in entries:
        kind = "  (shipped example, read-only)" if e.read_only else ""
        problem = f"  PROBLEM: {e.problem}" if e.problem else ""
        seen = "owner" if e.visibility == refs.PRIVATE else "all"
        lines.append(f"{e.ref:<{width}}  {seen:<7}  {e.modified:%Y-%m-%d %H:%M:%S}  {e.version[:12]:<12}  "
                     f"{e.name}{kind}{problem}")
    _print(args, data, "\n".join(lines))
    return 0


def _save(args, who: Actor) -> int:
    try:
        scenario = parse_scenario(read_regular_file(args.file, MAX_FILE_BYTES), args.file.name, default_catalog())
    except FileRefused as exc:
        raise UsageError(str(exc)) from None
    store = _store()
    existing = _same_name(store, scenario.name, who)
    if existing is None and args.replaces is not None:
        raise UsageError(f"--replaces: no saved scenario is called {scenario.name!r} yet")
    if existing is not None and args.private:
        raise UsageError(f"--private: {existing.ref} exists already, and a new version keeps who sees it; "
                         f"crossover library share {existing.ref} --private changes that")
    try:
        if existing is None:
            entry = store.save(scenario, actor=who, message=args.message, private=args.private)
        else:
            entry = store.save(scenario, existing.ref, replaces=args.replaces or existing.version, actor=who,
                               message=args.message)
    except StoreError as exc:  # a stale --replaces, a name taken by an example, the store full
        raise UsageError(str(exc)) from None
    number = store.history(entry.ref, viewer=who)[0].number
    _print(args, {"id": entry.slug, "ref": entry.ref, "name": entry.name, "owner": entry.owner,
                  "visibility": entry.visibility, "version": entry.version, "number": number, "author": who.user},
           f"saved {entry.name!r} as {entry.ref} version {number} ({entry.version[:12]}) by {who.user}"
           + (", private" if entry.visibility == refs.PRIVATE else ""))
    return 0


def _same_name(store: DatabaseStore, name: str, who: Actor):
    """The saved scenario a file called ``name`` is a new version of: ``who``'s own of that name,
    else the one scenario of that name they may see (a teammate's, shared); None for a new one."""
    wanted = name_key(name)
    named = [e for e in store.entries(who) if not e.read_only and e.problem is None and name_key(e.name) == wanted]
    mine = [e for e in named if e.owner is not None and e.owner == refs.owner_of(who.user)]
    if len(mine or named) > 1:
        raise UsageError(f"{len(named)} scenarios are called {name!r}: {', '.join(e.ref for e in named)}; "
                         "rename the file's scenario, or save as one of their owners (--as)")
    return (mine or named or [None])[0]


def _export(args, who: Actor) -> int:
    store = _store()
    slug = find(store, args.name, who)
    try:
        if args.version is None:
            text = store.load(slug, viewer=who)[0].to_yaml()
        else:
            text = store.version(slug, args.version, viewer=who)
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
    slug = find(store, args.name, who)
    try:
        listed = store.history(slug, viewer=who)
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
    slug = find(store, args.name, who)
    try:
        current = store.history(slug, viewer=who)[0]
        entry = store.restore_version(slug, args.version, replaces=current.sha256, actor=who)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    number = store.history(slug, viewer=who)[0].number
    _print(args, {"id": slug, "restored": args.version, "number": number, "version": entry.version},
           f"restored version {args.version} of {slug} as version {number} ({entry.version[:12]}) by {who.user}")
    return 0


def _share(args, who: Actor) -> int:
    store = _store()
    ref = find(store, args.name, who)
    try:
        entry = store.set_visibility(ref, args.visibility, actor=who)
    except StoreError as exc:  # not its owner or an admin, a scenario of nobody made private, an example
        raise UsageError(str(exc)) from None
    said = "private: only its owner and admins see it" if entry.visibility == refs.PRIVATE else "shared with the team"
    _print(args, {"ref": entry.ref, "owner": entry.owner, "visibility": entry.visibility}, f"{entry.ref} is {said}")
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
