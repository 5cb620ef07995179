"""worker_ids: leases of Snowflake worker ids

Revision ID: 0006_worker_ids
Revises: 0005_account_confirmation

One row per leased worker id (0..1023) with its owner's token and the
lease's expiry (roost.worker_lease).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_worker_ids"
down_revision = "0005_account_confirmation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_ids",
        sa.Column("worker_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_ids")),
    )


def downgrade() -> None:
    op.drop_table("worker_ids")
