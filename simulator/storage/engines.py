"""The database store's engines: one per URL per process, SQLite set up so writers queue, and the
Alembic migrations run in code when a database is first opened.

SQLite: pysqlite's own transaction handling is switched off and every transaction begun here, as
``BEGIN IMMEDIATE`` when the connection is marked :data:`WRITE` (the store's changes) and a plain
``BEGIN`` otherwise. A deferred transaction that reads and then writes would fail at once with
"database is locked" when another writer committed in between (SQLite cannot upgrade a stale read
snapshot, and its busy timeout does not apply then); an immediate one waits for the write lock
first, for up to :data:`SQLITE_BUSY_S`.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from simulator.storage.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_S = 30  # how long a SQLite writer waits for another's transaction before giving up
CONNECT_TIMEOUT_S = 10  # how long opening a connection to a PostgreSQL server may take
WRITE = "crossover_write"  # execution option: this connection's transaction will write
_MIGRATION_LOCK = 0x63726F73  # PostgreSQL advisory lock key ("cros"): one server migrates at a time

_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def engine(url: str) -> Engine:
    """One engine per URL per process, whose connection pool every session shares; the database
    is migrated to the newest schema the first time."""
    with _ENGINES_LOCK:
        found = _ENGINES.get(url)
        if found is None:
            try:
                found = _connect(url)
            except ArgumentError:  # its message repeats the URL, password and all
                raise StoreError("the scenario database cannot be opened (CROSSOVER_DATABASE_URL is not an address "
                                 "it can use: a SQLAlchemy URL such as postgresql+psycopg://user@host:5432/crossover)"
                                 ) from None
            except OSError as exc:  # the SQLite file's folder cannot be made
                raise StoreError(f"the scenario database cannot be opened ({exc.strerror or type(exc).__name__})"
                                 ) from None
            try:
                migrate(found)
            except DBAPIError as exc:
                found.dispose()
                raise StoreError(f"the scenario database cannot be opened ({reason(exc)})") from None
            _ENGINES[url] = found
    return found


def _connect(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A server whose host drops packets would hold every page that reads the store for the
        # system's TCP timeout (minutes); the URL's own connect_timeout wins.
        waits = {"connect_timeout": CONNECT_TIMEOUT_S} if parsed.get_backend_name() == "postgresql" and \
            "connect_timeout" not in parsed.query else {}
        return create_engine(parsed, pool_pre_ping=True, connect_args=waits)  # pre-ping: a restarted server is reconnected
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
    writing = connection.get_execution_options().get(WRITE)
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
        connection.execution_options(**{WRITE: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            command.upgrade(alembic_config(connection), revision)


def reason(exc: DBAPIError) -> str:
    """Why the database refused, without the server's address or a file's path."""
    if isinstance(exc.orig, sqlite3.Error):
        return str(exc.orig)  # "database is locked", "database or disk is full": no path in them
    if exc.connection_invalidated or type(exc.orig).__name__ == "OperationalError":
        return "the database server does not answer or dropped the connection"
    return type(exc.orig).__name__
