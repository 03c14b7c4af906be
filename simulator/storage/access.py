"""Who may see and change which saved scenario, as statements and checks inside the database store's
transactions; the rules themselves are in ``refs.py``.

Every reading and every change of the store finds its scenario through :func:`find`, with the
viewer: a scenario someone else keeps private is refused with :class:`NotShared`, whose message
names only the link given, from the listing, a link, the history, a duplicate, a rename, a delete,
a restore and the CLI alike.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, case, or_, select, true

from simulator.storage import refs, rows
from simulator.storage.audit import Actor
from simulator.storage.errors import NotShared, StoreError
from simulator.storage.store import Entry
from simulator.storage.tables import scenarios


def visible(viewer: Actor):
    """The condition on ``scenarios`` that ``viewer`` may see the row: shared, theirs, or they are an admin."""
    if viewer.admin:
        return true()
    owner = refs.owner_of(viewer.user)
    return or_(scenarios.c.visibility != refs.PRIVATE, and_(scenarios.c.owner == owner, scenarios.c.owner != refs.NOBODY))


def find(connection: Connection, ref: str, viewer: Actor, *, lock: bool = False):
    """The live scenario ``ref`` names (refs.py) that ``viewer`` may see, locked until the change
    commits when ``lock``; None when no live scenario has that ref. A bare id that several share
    names the one of nobody, else the oldest one ``viewer`` may see; one they may not see at all is
    refused with :class:`NotShared`."""
    owner, slug = refs.parse(ref)
    query = select(scenarios).where(scenarios.c.slug == slug, rows.LIVE)
    if owner is not None:
        query = query.where(scenarios.c.owner == owner)
    query = query.order_by(case((scenarios.c.owner == refs.NOBODY, 0), else_=1), scenarios.c.created_at,
                           scenarios.c.id)
    found = connection.execute(query.with_for_update() if lock else query).all()
    for row in found:
        if refs.can_see(row.owner, row.visibility, viewer):
            return row
    if found:
        raise NotShared(ref)
    return None


def refuse_unless_owner(row, actor: Actor, doing: str) -> None:
    """Only a scenario's owner (the author of its first version) or an admin renames or deletes it,
    or changes who sees it. A scenario an anonymous visitor saved (or the first import brought in)
    belongs to nobody: anyone may, as before sign-in existed."""
    if row.owner != refs.NOBODY and row.owner != refs.owner_of(actor.user) and not actor.admin:
        raise StoreError(f"only {row.owner} or an admin can {doing} {row.name!r}; duplicate it to make it yours")


def refuse_private_for_nobody(actor_or_owner: str, name: str) -> None:
    """A scenario of nobody is seen by everyone: it cannot be made (or saved) private."""
    if actor_or_owner == refs.NOBODY:
        raise StoreError(f"{name!r} would belong to nobody (saved anonymously or imported), and a scenario of "
                         "nobody is shared with everyone: it cannot be private. Sign in, then save or duplicate it "
                         "as yours and make that private")


def entry(row, sha: str) -> Entry:
    """The listing's entry of a scenario's row at its current version ``sha``."""
    return Entry(row.slug, row.name, row.description, sha, rows.local(row.modified_at), False, None,
                 row.owner or None, row.visibility)
