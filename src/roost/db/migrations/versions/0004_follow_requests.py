"""follow requests: pending follows of locked accounts

Revision ID: 0004_follow_requests
Revises: 0003_counters

``follow_requests`` has the shape of ``follows`` (owner -> target, the
follow's options) and is keyed the same way: the primary key for the
requester's side, ``(target_account_id, id)`` for the locked account's list.
Follows made before this revision stay follows, whether or not their
target is locked (Mastodon keeps existing followers when an account locks).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_follow_requests"
down_revision = "0003_counters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_requests",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notify", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("show_reblogs", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "target_account_id", name=op.f("pk_follow_requests")),
        sa.UniqueConstraint("id", name=op.f("uq_follow_requests_id")),
    )
    with op.batch_alter_table("follow_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_follow_requests_target_account_id_id", ["target_account_id", "id"], unique=False
        )


def downgrade() -> None:
    # Pending requests are dropped; they were never follows.
    with op.batch_alter_table("follow_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_requests_target_account_id_id")
    op.drop_table("follow_requests")
