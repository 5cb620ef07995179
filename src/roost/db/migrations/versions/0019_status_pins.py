"""status pins

Revision ID: 0019_status_pins
Revises: 0018_polls

Statuses pinned to their author's profile.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_status_pins"
down_revision = "0018_polls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_pins",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "status_id", name=op.f("pk_status_pins")),
    )
    op.create_index("ix_status_pins_status_id", "status_pins", ["status_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_status_pins_status_id", table_name="status_pins")
    op.drop_table("status_pins")
