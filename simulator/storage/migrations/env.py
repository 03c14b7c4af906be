"""Alembic's environment for the database store.

The store runs the migrations itself when it opens (``database.migrate``) and hands Alembic the
connection it already holds, inside its write transaction, as ``config.attributes["connection"]``:
no alembic.ini and no URL are needed, and two servers starting on an empty database migrate it once
(the second waits for the first's transaction, then finds the schema at head).

New revisions: ``alembic -c <an ini naming script_location = simulator/storage/migrations and the
URL> revision --autogenerate -m "why"`` against a database at head, then read and edit the result.
"""

from alembic import context

from simulator.storage.tables import metadata

connection = context.config.attributes["connection"]
# SQLite alters a table by copying it: later revisions' op.batch_alter_table does that there.
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
