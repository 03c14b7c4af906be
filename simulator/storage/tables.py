"""The database store's tables (SQLAlchemy Core): what ``database.py`` reads and writes, and what
the Alembic migrations in ``migrations/`` must build (a test compares the two).

``scenarios``: one row per saved scenario, live or in the trash (``deleted_at`` set). Its id
(``slug``) and name are unique among the live ones of its ``owner`` only (``refs.py``: "" for a
scenario of nobody), as in the file store, where a deleted file frees its name: a partial unique
index on each (revision 0002; 0001 had them unique among all live ones). ``visibility`` is
``shared`` or ``private`` (``refs.py``). ``name_key`` is the SHA-256 of
:func:`slugs.name_key` of the name, not the key itself: NFKC can make a 200-character name many
times longer, and an index entry must stay small. The trash's identity of a deleted row is its slug
with its deletion time (``trash.file_name``), unique by ``(slug, deleted_at)``; live rows have no
deletion time and NULLs never collide.

``versions``: every save of a scenario, numbered 1, 2 … per scenario, with the YAML text and its
SHA-256 (a scenario's *version* as the pages see it, like the file store's). ``scenarios.current``
is the number of the one shown; no foreign key points back there, or the two tables would each need
the other first.

``audit``: one row per change, in order (``id``), as the file store's audit log; ``scenario_id``
names the scenario changed (no foreign key: the log outlives a scenario purged from the trash; NULL
for lines imported from a file store's log), so the log shows a viewer only what they may see.

Times are UTC, stored without a zone (SQLite has no type for one) and returned as aware UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        TypeDecorator)

NAME_CHARS = 200  # the schema's limit on a scenario's name
ACTOR_CHARS = 200  # audit.FIELD_CHARS: a user name or address is cut to this
MESSAGE_CHARS = 500  # a version's message
SLUG_CHARS = 64  # slugs.SLUG_MAX
SHA256_CHARS = 64  # hex
VISIBILITY_CHARS = 16


class UTC(TypeDecorator):
    """An aware UTC datetime in Python, a zone-less UTC timestamp in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store's times must carry a zone (UTC)")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


metadata = MetaData()

scenarios = Table(
    "scenarios", metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(SLUG_CHARS), nullable=False),
    Column("name", String(NAME_CHARS), nullable=False),
    Column("name_key", String(SHA256_CHARS), nullable=False),
    Column("description", Text, nullable=False),  # the listing's start of it: index.DESCRIPTION_CHARS
    Column("author", String(ACTOR_CHARS), nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("modified_at", UTC, nullable=False),
    Column("current", Integer, nullable=False),
    Column("deleted_at", UTC, nullable=True),
    Column("deleted_by", String(ACTOR_CHARS), nullable=True),
    Column("owner", String(ACTOR_CHARS), nullable=False, server_default=""),  # refs.owner_of the first author
    Column("visibility", String(VISIBILITY_CHARS), nullable=False, server_default="shared"),
)
_live = scenarios.c.deleted_at.is_(None)
Index("scenarios_live_slug", scenarios.c.owner, scenarios.c.slug, unique=True, sqlite_where=_live,
      postgresql_where=_live)
Index("scenarios_live_name", scenarios.c.owner, scenarios.c.name_key, unique=True, sqlite_where=_live,
      postgresql_where=_live)
Index("scenarios_trashed", scenarios.c.slug, scenarios.c.deleted_at, unique=True)
Index("scenarios_deleted_at", scenarios.c.deleted_at)

versions = Table(
    "versions", metadata,
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("yaml", Text, nullable=False),
    Column("sha256", String(SHA256_CHARS), nullable=False),
    Column("author", String(ACTOR_CHARS), nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("message", String(MESSAGE_CHARS), nullable=True),
    CheckConstraint("number >= 1", name="versions_number_from_1"),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("time", UTC, nullable=False),
    Column("actor", String(ACTOR_CHARS), nullable=False),  # the user, as far as known (audit.py)
    Column("client", String(ACTOR_CHARS), nullable=False),
    Column("action", String(32), nullable=False),
    Column("slug", String(SLUG_CHARS), nullable=False),
    Column("detail", Text, nullable=False),  # JSON: name, old and new version, and the action's extras
    Column("scenario_id", Integer, nullable=True),  # scenarios.id of the scenario changed
)
