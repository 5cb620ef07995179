"""polls

Revision ID: 0018_polls
Revises: 0017_status_edits

Polls on statuses: the poll (its id is its status's), one row per voter
(the one-vote rule), and sharded vote counters.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_polls"
down_revision = "0017_status_edits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("statuses", sa.Column("poll_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "polls",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("multiple", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hide_totals", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    op.create_table(
        "poll_voters",
        sa.Column("poll_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("poll_id", "account_id", name=op.f("pk_poll_voters")),
    )
    op.create_table(
        "poll_counters",
        sa.Column("poll_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("option", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("shard", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("votes", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("poll_id", "option", "shard", name=op.f("pk_poll_counters")),
    )


def downgrade() -> None:
    op.drop_table("poll_counters")
    op.drop_table("poll_voters")
    op.drop_table("polls")
    # SQLite (3.35+) and PostgreSQL both drop a column in place.
    op.drop_column("statuses", "poll_id")
