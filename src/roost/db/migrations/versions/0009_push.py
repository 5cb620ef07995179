"""push: Web Push subscriptions and the instance's VAPID keys

Revision ID: 0009_push
Revises: 0008_notifications

``push_subscriptions`` holds one subscription per access token (unique
``token_id``), with delivery counters for operators; ``vapid_keys`` the
single key pair every process signs pushes with, made on first start.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_push"
down_revision = "0008_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint", sa.String(length=2048), nullable=False),
        sa.Column("key_p256dh", sa.String(length=100), nullable=False),
        sa.Column("key_auth", sa.String(length=50), nullable=False),
        sa.Column("standard", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("alerts", sa.JSON(), nullable=False),
        sa.Column("policy", sa.String(length=16), server_default="all", nullable=False),
        sa.Column("access_token_sealed", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failures_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deliveries_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_delivery_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("token_id", name=op.f("uq_push_subscriptions_token_id")),
    )
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.create_index("ix_push_subscriptions_account_id", ["account_id"], unique=False)
    op.create_table(
        "vapid_keys",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("private_key", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vapid_keys")),
    )


def downgrade() -> None:
    op.drop_table("vapid_keys")
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_push_subscriptions_account_id")
    op.drop_table("push_subscriptions")
