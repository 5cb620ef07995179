"""status edits

Revision ID: 0017_status_edits
Revises: 0010_search

The versions of edited statuses (the original is stored with the first
edit), for ``GET /api/v1/statuses/:id/history``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_status_edits"
down_revision = "0016_social"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_edits",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("content", sa.Text(), server_default="", nullable=False),
        sa.Column("spoiler_text", sa.String(length=500), server_default="", nullable=False),
        sa.Column("sensitive", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_edits")),
    )
    op.create_index(
        "ix_status_edits_status_id_id", "status_edits", ["status_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_status_edits_status_id_id", table_name="status_edits")
    op.drop_table("status_edits")
