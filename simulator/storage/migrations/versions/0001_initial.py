"""The database store's first schema: scenarios (live and trashed), their versions, the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-20

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    live = sa.text("deleted_at IS NULL")
    op.create_index("scenarios_live_slug", "scenarios", ["slug"], unique=True, sqlite_where=live,
                    postgresql_where=live)
    op.create_index("scenarios_live_name", "scenarios", ["name_key"], unique=True, sqlite_where=live,
                    postgresql_where=live)
    op.create_index("scenarios_trashed", "scenarios", ["slug", "deleted_at"], unique=True)
    op.create_index("scenarios_deleted_at", "scenarios", ["deleted_at"])
    op.create_table(
        "versions",
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("message", sa.String(500), nullable=True),
        sa.CheckConstraint("number >= 1", name="versions_number_from_1"),
        sa.ForeignKeyConstraint(["scenario_id"], ["scenarios.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scenario_id", "number"),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("audit")
    op.drop_table("versions")
    op.drop_index("scenarios_deleted_at", table_name="scenarios")
    op.drop_index("scenarios_trashed", table_name="scenarios")
    op.drop_index("scenarios_live_name", table_name="scenarios")
    op.drop_index("scenarios_live_slug", table_name="scenarios")
    op.drop_table("scenarios")
