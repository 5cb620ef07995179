"""social details and moderation

Revision ID: 0016_social
Revises: 0010_search

Follow languages, mutes with an end, endorsements, domain blocks, featured
tags, dismissed suggestions, reports, and the moderation state of accounts
(suspended, silenced, disabled, sensitized).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_social"
down_revision = "0015_conversations"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite has it for adding and dropping columns): a
    # batch would copy accounts and lose its expression indexes (search).
    op.add_column("accounts", sa.Column("suspended_at", TS, nullable=True))
    op.add_column("accounts", sa.Column("silenced_at", TS, nullable=True))
    op.add_column(
        "accounts", sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("accounts", sa.Column("sensitized_at", TS, nullable=True))
    moderated = sa.text("silenced_at IS NOT NULL OR suspended_at IS NOT NULL")
    op.create_index(
        "ix_accounts_moderated",
        "accounts",
        ["id"],
        sqlite_where=moderated,
        postgresql_where=moderated,
    )
    op.add_column("follows", sa.Column("languages", sa.JSON(), nullable=True))
    op.add_column("follow_requests", sa.Column("languages", sa.JSON(), nullable=True))
    op.add_column("mutes", sa.Column("expires_at", TS, nullable=True))
    op.create_table(
        "endorsements",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "target_account_id", name=op.f("pk_endorsements")),
        sa.UniqueConstraint("id", name=op.f("uq_endorsements_id")),
    )
    op.create_index(
        "ix_endorsements_target_account_id_id", "endorsements", ["target_account_id", "id"]
    )
    op.create_table(
        "domain_blocks",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "domain", name=op.f("pk_domain_blocks")),
        sa.UniqueConstraint("id", name=op.f("uq_domain_blocks_id")),
    )
    op.create_table(
        "featured_tags",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("tag_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_featured_tags")),
        sa.UniqueConstraint(
            "account_id", "tag_id", name=op.f("uq_featured_tags_account_id_tag_id")
        ),
    )
    op.create_table(
        "suggestion_dismissals",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id", "target_account_id", name=op.f("pk_suggestion_dismissals")
        ),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_ids", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("rule_ids", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("category", sa.String(length=16), server_default="other", nullable=False),
        sa.Column("assigned_account_id", sa.BigInteger(), nullable=True),
        sa.Column("action_taken_at", TS, nullable=True),
        sa.Column("action_taken_by_account_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index("ix_reports_target_account_id", "reports", ["target_account_id"])


def downgrade() -> None:
    op.drop_index("ix_reports_target_account_id", table_name="reports")
    op.drop_table("reports")
    op.drop_table("suggestion_dismissals")
    op.drop_table("featured_tags")
    op.drop_table("domain_blocks")
    op.drop_index("ix_endorsements_target_account_id_id", table_name="endorsements")
    op.drop_table("endorsements")
    op.drop_column("mutes", "expires_at")
    op.drop_column("follow_requests", "languages")
    op.drop_column("follows", "languages")
    op.drop_index("ix_accounts_moderated", table_name="accounts")
    for name in ("sensitized_at", "disabled", "silenced_at", "suspended_at"):
        op.drop_column("accounts", name)
