"""lists and their members

Revision ID: 0013_lists
Revises: 0010_search

An account's lists (title, replies policy, exclusive flag) and the accounts
each one holds; every list has a timeline filled by fan-out like home.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_lists"
down_revision = "0010_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lists",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("replies_policy", sa.String(length=16), server_default="list", nullable=False),
        sa.Column("exclusive", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lists")),
    )
    op.create_index("ix_lists_account_id", "lists", ["account_id"], unique=False)
    op.create_table(
        "list_accounts",
        sa.Column("list_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("list_id", "account_id", name=op.f("pk_list_accounts")),
        sa.UniqueConstraint("id", name=op.f("uq_list_accounts_id")),
    )
    op.create_index(
        "ix_list_accounts_account_id_owner_id",
        "list_accounts",
        ["account_id", "owner_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_list_accounts_account_id_owner_id", table_name="list_accounts")
    op.drop_table("list_accounts")
    op.drop_index("ix_lists_account_id", table_name="lists")
    op.drop_table("lists")
