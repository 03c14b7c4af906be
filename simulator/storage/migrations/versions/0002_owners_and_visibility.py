"""Owners and visibility: a scenario is private to its owner or shared; ids and names unique per owner.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Every scenario there is stays shared (as every one was) and gets as owner its first author, or
nobody ("") when that was an anonymous visitor or the first import. The unique indexes of live ids
and names become unique per owner. The audit log's lines name the scenario they changed
(``scenario_id``), filled here from their id: the live scenario with it, else the last one trashed.

The downgrade makes every scenario shared again (0001 knows no private one) and is refused while
two live scenarios share an id or a name (possible since this revision): rename one first.
Columns are added and dropped in place (SQLite 3.35+): copying the ``scenarios`` table, as a batch
operation would, drops it, and with foreign keys on that would delete every version with it.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# audit.UNOWNED when this revision was written (a migration does not follow later code)
_NOBODYS = "'anonymous', 'file-store import'"
_LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("scenarios", sa.Column("owner", sa.String(200), nullable=False, server_default=""))
    op.add_column("scenarios", sa.Column("visibility", sa.String(16), nullable=False, server_default="shared"))
    op.execute(f"UPDATE scenarios SET owner = author WHERE author NOT IN ({_NOBODYS})")
    op.drop_index("scenarios_live_slug", table_name="scenarios")
    op.drop_index("scenarios_live_name", table_name="scenarios")
    op.create_index("scenarios_live_slug", "scenarios", ["owner", "slug"], unique=True, sqlite_where=_LIVE,
                    postgresql_where=_LIVE)
    op.create_index("scenarios_live_name", "scenarios", ["owner", "name_key"], unique=True, sqlite_where=_LIVE,
                    postgresql_where=_LIVE)
    op.add_column("audit", sa.Column("scenario_id", sa.Integer(), nullable=True))
    op.execute("UPDATE audit SET scenario_id = (SELECT s.id FROM scenarios s WHERE s.slug = audit.slug "
               "ORDER BY CASE WHEN s.deleted_at IS NULL THEN 0 ELSE 1 END, s.deleted_at DESC LIMIT 1)")


def downgrade() -> None:
    """Downgrade schema."""
    connection = op.get_bind()
    for column in ("slug", "name_key"):
        shared = connection.execute(sa.text(
            f"SELECT {column} FROM scenarios WHERE deleted_at IS NULL GROUP BY {column} HAVING COUNT(*) > 1 LIMIT 1"
        )).first()
        if shared is not None:
            what = f"the id {shared[0]!r}" if column == "slug" else "a name"
            raise RuntimeError(f"two live scenarios of different owners share {what}; revision 0001 allows one: "
                               "rename one of them, then downgrade")
    op.execute("ALTER TABLE audit DROP COLUMN scenario_id")
    op.drop_index("scenarios_live_name", table_name="scenarios")
    op.drop_index("scenarios_live_slug", table_name="scenarios")
    op.create_index("scenarios_live_slug", "scenarios", ["slug"], unique=True, sqlite_where=_LIVE,
                    postgresql_where=_LIVE)
    op.create_index("scenarios_live_name", "scenarios", ["name_key"], unique=True, sqlite_where=_LIVE,
                    postgresql_where=_LIVE)
    op.execute("ALTER TABLE scenarios DROP COLUMN visibility")
    op.execute("ALTER TABLE scenarios DROP COLUMN owner")
