"""sign-up state: confirmed e-mail, admin approval, sign-up reason; confirmation links

Revision ID: 0005_account_confirmation
Revises: 0004_follow_requests

Accounts that exist when this runs are marked confirmed (at their creation
time) and approved, so that turning on e-mail confirmation or approval
afterwards locks nobody out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_account_confirmation"
down_revision = "0004_follow_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("approved", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("sign_up_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("created_by_app_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE accounts SET confirmed_at = created_at WHERE confirmed_at IS NULL")
    op.create_table(
        "email_confirmations",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_email_confirmations")),
    )
    op.create_index(
        "ix_email_confirmations_account_id", "email_confirmations", ["account_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_email_confirmations_account_id", table_name="email_confirmations")
    op.drop_table("email_confirmations")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for name in ("created_by_app_id", "sign_up_reason", "approved", "confirmed_at"):
            batch_op.drop_column(name)
