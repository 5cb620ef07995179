"""conversations

Revision ID: 0015_conversations
Revises: 0014_filters

Each account's direct-message conversations (one row per account and set
of other participants), kept by the fan-out job of direct statuses.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_conversations"
down_revision = "0014_filters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("participants_key", sa.String(length=2000), nullable=False),
        sa.Column("participant_ids", sa.JSON(), nullable=False),
        sa.Column("last_status_id", sa.BigInteger(), nullable=False),
        sa.Column("unread", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint(
            "account_id",
            "participants_key",
            name=op.f("uq_conversations_account_id_participants_key"),
        ),
    )
    op.create_index(
        "ix_conversations_account_id_last_status_id",
        "conversations",
        ["account_id", "last_status_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_account_id_last_status_id", table_name="conversations")
    op.drop_table("conversations")
