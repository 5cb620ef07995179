"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 23:21:15.777268
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=30), nullable=False),
        sa.Column("username_key", sa.String(length=30), nullable=False),
        sa.Column("display_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("avatar_url", sa.String(length=500), server_default="", nullable=False),
        sa.Column("header_url", sa.String(length=500), server_default="", nullable=False),
        sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("bot", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("fields", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("followers_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("following_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("statuses_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
        sa.UniqueConstraint("username_key", name=op.f("uq_accounts_username_key")),
    )
    op.create_table(
        "blocks",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "target_account_id", name=op.f("pk_blocks")),
        sa.UniqueConstraint("id", name=op.f("uq_blocks_id")),
    )
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_blocks_target_account_id_id", ["target_account_id", "id"], unique=False
        )

    op.create_table(
        "bookmarks",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "status_id", name=op.f("pk_bookmarks")),
        sa.UniqueConstraint("id", name=op.f("uq_bookmarks_id")),
    )
    with op.batch_alter_table("bookmarks", schema=None) as batch_op:
        batch_op.create_index("ix_bookmarks_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index("ix_bookmarks_status_id_id", ["status_id", "id"], unique=False)

    op.create_table(
        "favourites",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "status_id", name=op.f("pk_favourites")),
        sa.UniqueConstraint("id", name=op.f("uq_favourites_id")),
    )
    with op.batch_alter_table("favourites", schema=None) as batch_op:
        batch_op.create_index("ix_favourites_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index("ix_favourites_status_id_id", ["status_id", "id"], unique=False)

    op.create_table(
        "follows",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notify", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("show_reblogs", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "target_account_id", name=op.f("pk_follows")),
        sa.UniqueConstraint("id", name=op.f("uq_follows_id")),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_follows_target_account_id_id", ["target_account_id", "id"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_state_run_after", ["state", "run_after"], unique=False)

    op.create_table(
        "mentions",
        sa.Column("status_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("status_id", "account_id", name=op.f("pk_mentions")),
    )
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentions_account_id_status_id", ["account_id", "status_id"], unique=False
        )

    op.create_table(
        "mutes",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hide_notifications", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "target_account_id", name=op.f("pk_mutes")),
        sa.UniqueConstraint("id", name=op.f("uq_mutes_id")),
    )
    with op.batch_alter_table("mutes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mutes_target_account_id_id", ["target_account_id", "id"], unique=False
        )

    op.create_table(
        "oauth_apps",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("redirect_uris", sa.Text(), nullable=False),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_apps")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_apps_client_id")),
    )
    op.create_table(
        "oauth_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("code_challenge_method", sa.String(length=16), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_oauth_codes")),
    )
    op.create_table(
        "oauth_tokens",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_hash", sa.String(length=64), nullable=True),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_tokens")),
        sa.UniqueConstraint("refresh_hash", name=op.f("uq_oauth_tokens_refresh_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oauth_tokens_token_hash")),
    )
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_oauth_tokens_account_id", ["account_id"], unique=False)

    op.create_table(
        "status_tags",
        sa.Column("tag_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("tag_id", "status_id", name=op.f("pk_status_tags")),
    )
    with op.batch_alter_table("status_tags", schema=None) as batch_op:
        batch_op.create_index("ix_status_tags_status_id", ["status_id"], unique=False)

    op.create_table(
        "statuses",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("content", sa.Text(), server_default="", nullable=False),
        sa.Column("spoiler_text", sa.String(length=500), server_default="", nullable=False),
        sa.Column("sensitive", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("visibility", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("in_reply_to_id", sa.BigInteger(), nullable=True),
        sa.Column("in_reply_to_account_id", sa.BigInteger(), nullable=True),
        sa.Column("reblog_of_id", sa.BigInteger(), nullable=True),
        sa.Column("place_name", sa.String(length=200), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("favourites_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reblogs_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("replies_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statuses")),
    )
    with op.batch_alter_table("statuses", schema=None) as batch_op:
        batch_op.create_index("ix_statuses_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index("ix_statuses_in_reply_to_id", ["in_reply_to_id"], unique=False)
        batch_op.create_index("ix_statuses_reblog_of_id", ["reblog_of_id"], unique=False)
        batch_op.create_index("ix_statuses_visibility_id", ["visibility", "id"], unique=False)
        batch_op.create_index(
            "uq_statuses_account_reblog",
            ["account_id", "reblog_of_id"],
            unique=True,
            sqlite_where=sa.text("reblog_of_id IS NOT NULL"),
            postgresql_where=sa.text("reblog_of_id IS NOT NULL"),
        )

    op.create_table(
        "tags",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )


def downgrade() -> None:
    op.drop_table("tags")
    with op.batch_alter_table("statuses", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_statuses_account_reblog",
            sqlite_where=sa.text("reblog_of_id IS NOT NULL"),
            postgresql_where=sa.text("reblog_of_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_statuses_visibility_id")
        batch_op.drop_index("ix_statuses_reblog_of_id")
        batch_op.drop_index("ix_statuses_in_reply_to_id")
        batch_op.drop_index("ix_statuses_account_id_id")

    op.drop_table("statuses")
    with op.batch_alter_table("status_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_status_tags_status_id")

    op.drop_table("status_tags")
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_oauth_tokens_account_id")

    op.drop_table("oauth_tokens")
    op.drop_table("oauth_codes")
    op.drop_table("oauth_apps")
    with op.batch_alter_table("mutes", schema=None) as batch_op:
        batch_op.drop_index("ix_mutes_target_account_id_id")

    op.drop_table("mutes")
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_mentions_account_id_status_id")

    op.drop_table("mentions")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_state_run_after")

    op.drop_table("jobs")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index("ix_follows_target_account_id_id")

    op.drop_table("follows")
    with op.batch_alter_table("favourites", schema=None) as batch_op:
        batch_op.drop_index("ix_favourites_status_id_id")
        batch_op.drop_index("ix_favourites_account_id_id")

    op.drop_table("favourites")
    with op.batch_alter_table("bookmarks", schema=None) as batch_op:
        batch_op.drop_index("ix_bookmarks_status_id_id")
        batch_op.drop_index("ix_bookmarks_account_id_id")

    op.drop_table("bookmarks")
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_blocks_target_account_id_id")

    op.drop_table("blocks")
    op.drop_table("accounts")
