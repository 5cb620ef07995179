"""filters, their keywords and statuses

Revision ID: 0014_filters
Revises: 0013_lists

An account's filters (title, contexts, warn or hide, expiry) with the
keywords and the statuses each one matches.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_filters"
down_revision = "0013_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "filters",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=8), server_default="warn", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filters")),
    )
    op.create_index("ix_filters_account_id", "filters", ["account_id"], unique=False)
    op.create_table(
        "filter_keywords",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("filter_id", sa.BigInteger(), nullable=False),
        sa.Column("keyword", sa.String(length=255), nullable=False),
        sa.Column("whole_word", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filter_keywords")),
    )
    op.create_index("ix_filter_keywords_filter_id", "filter_keywords", ["filter_id"], unique=False)
    op.create_table(
        "filter_statuses",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("filter_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filter_statuses")),
        sa.UniqueConstraint(
            "filter_id", "status_id", name=op.f("uq_filter_statuses_filter_id_status_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("filter_statuses")
    op.drop_index("ix_filter_keywords_filter_id", table_name="filter_keywords")
    op.drop_table("filter_keywords")
    op.drop_index("ix_filters_account_id", table_name="filters")
    op.drop_table("filters")
