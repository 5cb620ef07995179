"""scheduled statuses

Revision ID: 0020_scheduled_statuses
Revises: 0019_status_pins

Statuses to publish at a later time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_scheduled_statuses"
down_revision = "0019_status_pins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_statuses",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_statuses")),
    )
    op.create_index(
        "ix_scheduled_statuses_account_id_id",
        "scheduled_statuses",
        ["account_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_scheduled_statuses_account_id_id", table_name="scheduled_statuses")
    op.drop_table("scheduled_statuses")
