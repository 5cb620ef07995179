"""sharded status counters: status_counters replaces statuses.*_count

Revision ID: 0003_counters
Revises: 0002_accounts

The favourites/reblogs/replies counts of a status move to
``status_counters`` (one row per status and shard; the count is the sum over
shards). Existing counts land in shard 0, then the old columns are dropped.
SQLite drops a column in place since 3.35 (Roost already needs 3.35 for
RETURNING), so the statuses table is not rebuilt.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_counters"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("favourites", "favourites_count"),
    ("reblogs", "reblogs_count"),
    ("replies", "replies_count"),
)


def upgrade() -> None:
    op.create_table(
        "status_counters",
        sa.Column("status_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("shard", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("favourites", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reblogs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("replies", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("status_id", "shard", name=op.f("pk_status_counters")),
    )
    op.execute(
        "INSERT INTO status_counters (status_id, shard, favourites, reblogs, replies) "
        "SELECT id, 0, favourites_count, reblogs_count, replies_count FROM statuses "
        "WHERE favourites_count <> 0 OR reblogs_count <> 0 OR replies_count <> 0"
    )
    for _new, old in _COLUMNS:
        op.drop_column("statuses", old)


def downgrade() -> None:
    for new, old in _COLUMNS:
        op.add_column("statuses", sa.Column(old, sa.Integer(), server_default="0", nullable=False))
        op.execute(
            f"UPDATE statuses SET {old} = COALESCE((SELECT SUM(c.{new}) "
            "FROM status_counters c WHERE c.status_id = statuses.id), 0)"
        )
    op.drop_table("status_counters")
