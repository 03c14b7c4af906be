"""The store's audit log: one JSON line per change, appended under the store's lock.

``.audit.jsonl`` in the store folder; each line has the time (UTC), the action (save, replace,
rename, delete, restore, duplicate), the slug (and the slug it had, for a rename), the name, the
old and new version, and who did it as far as the server knows (``identity.resolve``: the signed-in
user, else the name a trusted proxy gave, else "anonymous") and the client's address.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from simulator.storage.errors import StoreError

LOG_FILE = ".audit.jsonl"
FIELD_CHARS = 200  # a user name or address longer than this is cut: a line stays small
_TAIL_BYTES = 1 << 20  # the tail is read from at most the last MiB


ANONYMOUS = "anonymous"
IMPORTED = "file-store import"  # the author of what the app's first import brings in
# Authors that own nothing: a scenario they saved first may be renamed or deleted by anyone, as
# every scenario could be before sign-in (the file store knew no authors).
UNOWNED = frozenset({ANONYMOUS, IMPORTED})


@dataclass(frozen=True)
class Actor:
    user: str = ANONYMOUS
    client: str = "unknown"
    admin: bool = False  # may rename and delete anybody's scenario (CROSSOVER_ADMINS, or the CLI on the server)


def append(root: Path, action: str, slug: str, name: str, old_version: str | None, new_version: str | None,
           actor: Actor | None, **extra: str) -> None:
    """One line at the end of the log (the caller holds the store's lock). The change is already
    made when this runs, so a failure here says so instead of "nothing was changed"."""
    actor = actor or Actor()
    line = json.dumps({
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "action": action,
        "slug": slug, **extra, "name": name, "old_version": old_version, "new_version": new_version,
        "user": str(actor.user)[:FIELD_CHARS], "client": str(actor.client)[:FIELD_CHARS],
    }, ensure_ascii=True)  # ASCII: a name's control or newline characters cannot break a line
    try:
        fd = os.open(root / LOG_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("ascii"))
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"the {action} of {slug!r} was done, but the audit log cannot be written "
                         f"({exc.strerror or type(exc).__name__})") from None


def tail(root: Path, lines: int = 20) -> list[dict]:
    """The last ``lines`` records, newest first; a torn or foreign line is skipped."""
    try:
        with open(root / LOG_FILE, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - _TAIL_BYTES))
            chunk = fh.read()
    except OSError:
        return []
    if size > _TAIL_BYTES:
        chunk = chunk.split(b"\n", 1)[-1]  # the first line was cut by the seek
    records = []
    for raw in reversed(chunk.splitlines()):
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
        if len(records) == lines:
            break
    return records
