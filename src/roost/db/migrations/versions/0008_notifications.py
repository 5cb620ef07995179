"""notifications and markers

Revision ID: 0008_notifications
Revises: 0006_worker_ids

The notifications the workers create (one per receiver, type, actor and
status: a repeated action adds no second row), the read markers of the home
and notifications timelines, and a partial index on the follows that ask to
be notified of the target's posts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_notifications"
down_revision = "0007_media"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("from_account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "account_id",
            "type",
            "from_account_id",
            "status_id",
            name=op.f("uq_notifications_account_id_type_from_account_id_status_id"),
        ),
    )
    op.create_index(
        "ix_notifications_account_id_id", "notifications", ["account_id", "id"], unique=False
    )
    op.create_index("ix_notifications_status_id", "notifications", ["status_id"], unique=False)
    op.create_table(
        "markers",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("timeline", sa.String(length=16), nullable=False),
        sa.Column("last_read_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "timeline", name=op.f("pk_markers")),
    )
    op.create_index(
        "ix_follows_notify_target_account_id",
        "follows",
        ["target_account_id"],
        unique=False,
        sqlite_where=sa.text("notify"),
        postgresql_where=sa.text("notify"),
    )


def downgrade() -> None:
    op.drop_index("ix_follows_notify_target_account_id", table_name="follows")
    op.drop_table("markers")
    op.drop_index("ix_notifications_status_id", table_name="notifications")
    op.drop_index("ix_notifications_account_id_id", table_name="notifications")
    op.drop_table("notifications")
