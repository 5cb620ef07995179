"""The relational schema, the source of truth; every cache is rebuilt from it.

Tables are keyed so they can be distributed by account id (statuses by
author, favourites, bookmarks and follows by their owner) on a distributed
PostgreSQL: see docs/design.md, "Partitioning".
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

TS = sa.DateTime(timezone=True)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("username", sa.String(30), nullable=False),
    # Lower-cased username: uniqueness and lookups ignore case.
    sa.Column("username_key", sa.String(30), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100), nullable=False, server_default=""),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("date_of_birth", sa.Date, nullable=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("avatar_url", sa.String(500), nullable=False, server_default=""),
    sa.Column("header_url", sa.String(500), nullable=False, server_default=""),
    sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("bot", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("fields", sa.JSON, nullable=False, server_default="[]"),
    sa.Column("followers_count", sa.Integer, nullable=False, server_default="0"),
    # Replaced by a new unique id in every transaction that changes who
    # follows the account (or a follow's show_reblogs): what a cached
    # follower list must carry to be used (migration 0022_followers_version,
    # roost.relationships.followers).
    sa.Column("followers_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("following_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("statuses_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("last_login_at", TS, nullable=True),
    sa.Column("last_status_at", TS, nullable=True),
    # Profile preferences (migration 0002_accounts).
    sa.Column("discoverable", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("indexable", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("locale", sa.String(16), nullable=False, server_default="en"),
    # Posting defaults a client reads from CredentialAccount.source.
    sa.Column("default_privacy", sa.String(16), nullable=False, server_default="public"),
    sa.Column("default_sensitive", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("default_language", sa.String(16), nullable=True),
    # Sign-up state (migration 0005_account_confirmation). NULL confirmed_at:
    # the e-mail address is not confirmed yet; approved false: the sign-up
    # waits for an admin (registrations mode "approved").
    sa.Column("confirmed_at", TS, nullable=True),
    sa.Column("approved", sa.Boolean, nullable=False, server_default=sa.true()),
    # The reason given when signing up (Mastodon's invite request text).
    sa.Column("sign_up_reason", sa.Text, nullable=True),
    # The OAuth app that created the account through POST /api/v1/accounts.
    sa.Column("created_by_app_id", sa.BigInteger, nullable=True),
    # Moderation (migration 0016_social): a suspended account cannot sign in
    # and its statuses are hidden everywhere; a silenced one stays out of
    # public timelines; a disabled one cannot sign in; a sensitized one's
    # media is marked sensitive.
    sa.Column("suspended_at", TS, nullable=True),
    sa.Column("silenced_at", TS, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("sensitized_at", TS, nullable=True),
    # Deletion (migration 0021_account_deletion): set once the account was
    # deleted (by its owner, or by an admin after a suspension). The row
    # stays as a tombstone, suspended, so its username and e-mail address
    # are never taken again; a ``purge_account`` job removes everything else.
    sa.Column("deleted_at", TS, nullable=True),
)

statuses = sa.Table(
    "statuses",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("content", sa.Text, nullable=False, server_default=""),
    sa.Column("spoiler_text", sa.String(500), nullable=False, server_default=""),
    sa.Column("sensitive", sa.Boolean, nullable=False, server_default=sa.false()),
    # 0 public, 1 unlisted, 2 private (followers only), 3 direct.
    sa.Column("visibility", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("language", sa.String(16), nullable=True),
    sa.Column("in_reply_to_id", sa.BigInteger, nullable=True),
    sa.Column("in_reply_to_account_id", sa.BigInteger, nullable=True),
    sa.Column("reblog_of_id", sa.BigInteger, nullable=True),
    sa.Column("place_name", sa.String(200), nullable=True),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    # The favourite/reblog/reply counters live in status_counters (0003).
    sa.Column("created_at", TS, nullable=False),
    sa.Column("edited_at", TS, nullable=True),
    # The status's poll (migration 0018_polls): a poll's id is its status's.
    sa.Column("poll_id", sa.BigInteger, nullable=True),
    sa.Index("ix_statuses_account_id_id", "account_id", "id"),
    sa.Index("ix_statuses_in_reply_to_id", "in_reply_to_id"),
    sa.Index("ix_statuses_reblog_of_id", "reblog_of_id"),
    sa.Index("ix_statuses_visibility_id", "visibility", "id"),
    # One reblog per account and status.
    sa.Index(
        "uq_statuses_account_reblog",
        "account_id",
        "reblog_of_id",
        unique=True,
        sqlite_where=sa.text("reblog_of_id IS NOT NULL"),
        postgresql_where=sa.text("reblog_of_id IS NOT NULL"),
    ),
)

# Every version of an edited status (migration 0017_status_edits): the
# first edit also stores the original, so the history starts where the
# status did. A status never edited has no rows here.
status_edits = sa.Table(
    "status_edits",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("status_id", sa.BigInteger, nullable=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("content", sa.Text, nullable=False, server_default=""),
    sa.Column("spoiler_text", sa.String(500), nullable=False, server_default=""),
    sa.Column("sensitive", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_status_edits_status_id_id", "status_id", "id"),
)

# Polls (migration 0018_polls). A poll has its status's id. Each voter has
# one poll_voters row (the primary key is the one-vote-per-account rule,
# without locking the poll); the counts are sharded like status_counters:
# each vote adds 1 to a random shard of every option chosen and of the
# voters' row (option -1), and the count is the SUM over the shards.
polls = sa.Table(
    "polls",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("multiple", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("hide_totals", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

poll_voters = sa.Table(
    "poll_voters",
    metadata,
    sa.Column("poll_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("choices", sa.JSON, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

poll_counters = sa.Table(
    "poll_counters",
    metadata,
    sa.Column("poll_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("option", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("shard", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("votes", sa.Integer, nullable=False, server_default="0"),
)

# Statuses pinned to their author's profile (migration 0019_status_pins),
# newest pin first by id; a handful per account.
status_pins = sa.Table(
    "status_pins",
    metadata,
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("status_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("id", sa.BigInteger, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_status_pins_status_id", "status_id"),
)

# Statuses to publish later (migration 0020_scheduled_statuses): what the
# client sent, published by a job due at ``scheduled_at``.
scheduled_statuses = sa.Table(
    "scheduled_statuses",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("scheduled_at", TS, nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_scheduled_statuses_account_id_id", "account_id", "id"),
)

# Counters of a status, split over a few shard rows (migration 0003_counters):
# each like/reblog/reply adds to one random shard, so concurrent writers of a
# viral status do not all queue on one row lock. The count is the SUM over the
# shards; a shard may go negative (an undo lands on any shard), the sum cannot.
status_counters = sa.Table(
    "status_counters",
    metadata,
    sa.Column("status_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("shard", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("favourites", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reblogs", sa.Integer, nullable=False, server_default="0"),
    sa.Column("replies", sa.Integer, nullable=False, server_default="0"),
)

mentions = sa.Table(
    "mentions",
    metadata,
    sa.Column("status_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Index("ix_mentions_account_id_status_id", "account_id", "status_id"),
)

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False),
)

status_tags = sa.Table(
    "status_tags",
    metadata,
    sa.Column("tag_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("status_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Index("ix_status_tags_status_id", "status_id"),
)


def _relation_table(name: str, *extra: sa.Column[object]) -> sa.Table:
    """follows, blocks and mutes share one shape: owner -> target."""
    return sa.Table(
        name,
        metadata,
        sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("target_account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("id", sa.BigInteger, nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        *extra,
        sa.Index(f"ix_{name}_target_account_id_id", "target_account_id", "id"),
    )


follows = _relation_table(
    "follows",
    sa.Column("notify", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("show_reblogs", sa.Boolean, nullable=False, server_default=sa.true()),
    # The languages the follower wants from this account (NULL: all), as
    # asked with ``languages[]`` (migration 0016_social).
    sa.Column("languages", sa.JSON, nullable=True),
)
# The followers who asked to be notified of an account's posts (migration
# 0008_notifications): found without walking every follower of a hot account.
sa.Index(
    "ix_follows_notify_target_account_id",
    follows.c.target_account_id,
    sqlite_where=follows.c.notify,
    postgresql_where=follows.c.notify,
)
# Pending follows of locked accounts (migration 0004_follow_requests): the
# options the follow will carry once authorized. Never read as a follow: only
# ``follows`` grants followers-only visibility, fan-out and counters. The
# primary key serves the requester's side (relationships), the
# (target_account_id, id) index the locked account's paged list.
follow_requests = _relation_table(
    "follow_requests",
    sa.Column("notify", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("show_reblogs", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("languages", sa.JSON, nullable=True),
)
blocks = _relation_table("blocks")
mutes = _relation_table(
    "mutes",
    sa.Column("hide_notifications", sa.Boolean, nullable=False, server_default=sa.true()),
    # A mute with a duration ends then (migration 0016_social): reads ignore
    # it from that time on and a job deletes it.
    sa.Column("expires_at", TS, nullable=True),
)


def mute_in_force() -> sa.ColumnElement[bool]:
    """SQL: the ``mutes`` row has not reached its end (every read of mutes
    uses it, so an expired mute stops counting before its job deletes it)."""
    return sa.or_(mutes.c.expires_at.is_(None), mutes.c.expires_at > datetime.now(UTC))


# The few moderated accounts, read by every public timeline page to leave
# them out (roost.timelines.listing).
sa.Index(
    "ix_accounts_moderated",
    accounts.c.id,
    sqlite_where=sa.text("silenced_at IS NOT NULL OR suspended_at IS NOT NULL"),
    postgresql_where=sa.text("silenced_at IS NOT NULL OR suspended_at IS NOT NULL"),
)

# Accounts an account features on its profile (Mastodon's endorsements).
endorsements = _relation_table("endorsements")


def _status_mark_table(name: str) -> sa.Table:
    """favourites and bookmarks: an account marks a status."""
    return sa.Table(
        name,
        metadata,
        sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("status_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("id", sa.BigInteger, nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Index(f"ix_{name}_status_id_id", "status_id", "id"),
        sa.Index(f"ix_{name}_account_id_id", "account_id", "id"),
    )


favourites = _status_mark_table("favourites")
bookmarks = _status_mark_table("bookmarks")

oauth_apps = sa.Table(
    "oauth_apps",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("website", sa.String(500), nullable=True),
    sa.Column("redirect_uris", sa.Text, nullable=False),
    sa.Column("scopes", sa.String(500), nullable=False),
    sa.Column("client_id", sa.String(64), nullable=False, unique=True),
    sa.Column("client_secret", sa.String(64), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

oauth_codes = sa.Table(
    "oauth_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("app_id", sa.BigInteger, nullable=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("redirect_uri", sa.Text, nullable=False),
    sa.Column("scopes", sa.String(500), nullable=False),
    sa.Column("code_challenge", sa.String(128), nullable=True),
    sa.Column("code_challenge_method", sa.String(16), nullable=True),
    sa.Column("expires_at", TS, nullable=False),
)

oauth_tokens = sa.Table(
    "oauth_tokens",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    # Tokens are random 256-bit strings; only their SHA-256 is stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("refresh_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("app_id", sa.BigInteger, nullable=False),
    sa.Column("account_id", sa.BigInteger, nullable=True),
    sa.Column("scopes", sa.String(500), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("revoked_at", TS, nullable=True),
    sa.Index("ix_oauth_tokens_account_id", "account_id"),
)

# Links sent to confirm an account's e-mail address; only the SHA-256 of the
# random token is stored. A token confirms the address it was sent to only.
email_confirmations = sa.Table(
    "email_confirmations",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Index("ix_email_confirmations_account_id", "account_id"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("status_id", sa.BigInteger, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

# The outbox: durable jobs committed in the same transaction as the change
# that caused them, drained by workers (in-process or `roost worker`).
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    # pending | parked (failed too often; kept for an operator to look at)
    sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("run_after", TS, nullable=False),
    sa.Column("locked_until", TS, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_jobs_state_run_after", "state", "run_after"),
)

# Leased Snowflake worker ids (roost.worker_lease): a row per process that
# mints ids, renewed while it runs; an expired row is free to take over.
worker_ids = sa.Table(
    "worker_ids",
    metadata,
    sa.Column("worker_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("expires_at", TS, nullable=False),
)

# Notifications (migration 0008_notifications), written only by the workers
# (roost.notifications.create). ``status_id`` 0 means "about no status" (a
# follow), so the unique key also holds for those: liking, unliking and
# liking again adds no second row.
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    # Who receives it.
    sa.Column("account_id", sa.BigInteger, nullable=False),
    # mention | status | reblog | follow | follow_request | favourite
    sa.Column("type", sa.String(32), nullable=False),
    # Who acted.
    sa.Column("from_account_id", sa.BigInteger, nullable=False),
    sa.Column("status_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("account_id", "type", "from_account_id", "status_id"),
    sa.Index("ix_notifications_account_id_id", "account_id", "id"),
    sa.Index("ix_notifications_status_id", "status_id"),
)

# Read positions of the home and notifications timelines (GET/POST
# /api/v1/markers), one row per account and timeline.
markers = sa.Table(
    "markers",
    metadata,
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("timeline", sa.String(16), primary_key=True),
    sa.Column("last_read_id", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_at", TS, nullable=False),
)


# Domains an account blocks (migration 0016_social). Roost does not federate,
# so no account has another domain: the list is kept for clients and changes
# nothing else.
domain_blocks = sa.Table(
    "domain_blocks",
    metadata,
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("domain", sa.String(253), primary_key=True),
    sa.Column("id", sa.BigInteger, nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False),
)

# Hashtags an account features on its profile.
featured_tags = sa.Table(
    "featured_tags",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("tag_id", sa.BigInteger, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("account_id", "tag_id"),
)

# Accounts a user asked never to be suggested again.
suggestion_dismissals = sa.Table(
    "suggestion_dismissals",
    metadata,
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("target_account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("created_at", TS, nullable=False),
)

# Reports of accounts (and some of their statuses) to the moderators.
reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    # Who reported, and whom.
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("target_account_id", sa.BigInteger, nullable=False),
    sa.Column("status_ids", sa.JSON, nullable=False, server_default="[]"),
    sa.Column("rule_ids", sa.JSON, nullable=False, server_default="[]"),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    # spam | legal | violation | other
    sa.Column("category", sa.String(16), nullable=False, server_default="other"),
    sa.Column("assigned_account_id", sa.BigInteger, nullable=True),
    sa.Column("action_taken_at", TS, nullable=True),
    sa.Column("action_taken_by_account_id", sa.BigInteger, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Index("ix_reports_target_account_id", "target_account_id"),
)

# Web Push subscriptions (roost.push): one per access token, as on Mastodon.
# The keys are stored as sent, re-encoded as base64url; the access token
# itself only sealed (see roost.push.sealing). The counters make a failing
# push service visible to operators (`roost push status`).
push_subscriptions = sa.Table(
    "push_subscriptions",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("token_id", sa.BigInteger, nullable=False, unique=True),
    sa.Column("endpoint", sa.String(2048), nullable=False),
    sa.Column("key_p256dh", sa.String(100), nullable=False),
    sa.Column("key_auth", sa.String(50), nullable=False),
    sa.Column("standard", sa.Boolean, nullable=False, server_default=sa.false()),
    # The alert types switched on, as a JSON list of names.
    sa.Column("alerts", sa.JSON, nullable=False),
    sa.Column("policy", sa.String(16), nullable=False, server_default="all"),
    sa.Column("access_token_sealed", sa.Text, nullable=True),
    # Failed attempts since the last delivery (reset by a success), and totals.
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failures_total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("deliveries_total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("last_failure_at", TS, nullable=True),
    sa.Column("last_delivery_at", TS, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Index("ix_push_subscriptions_account_id", "account_id"),
)

# The instance's VAPID key pair, made on first start (a single row, id 1)
# unless ROOST_VAPID_* set one: every app server and worker signs with it.
vapid_keys = sa.Table(
    "vapid_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("public_key", sa.String(100), nullable=False),
    sa.Column("private_key", sa.String(100), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

# Photos and videos (migration 0007_media). An upload is a row with the raw
# file under ``upload_key`` until a worker has processed it into
# ``file_key`` (and ``preview_key``); it belongs to no status until a post
# attaches it (``status_id``, in the order of ``position``).
media_attachments = sa.Table(
    "media_attachments",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("status_id", sa.BigInteger, nullable=True),
    sa.Column("position", sa.SmallInteger, nullable=False, server_default="0"),
    # image | gifv | video (Mastodon's MediaAttachment type)
    sa.Column("kind", sa.String(8), nullable=False),
    # processing | ready | failed
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("error", sa.String(300), nullable=True),
    sa.Column("upload_key", sa.String(200), nullable=True),
    sa.Column("thumbnail_upload_key", sa.String(200), nullable=True),
    sa.Column("file_key", sa.String(200), nullable=True),
    sa.Column("preview_key", sa.String(200), nullable=True),
    sa.Column("file_size", sa.BigInteger, nullable=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("focus_x", sa.Float, nullable=False, server_default="0"),
    sa.Column("focus_y", sa.Float, nullable=False, server_default="0"),
    sa.Column("meta", sa.JSON, nullable=True),
    sa.Column("blurhash", sa.String(100), nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("processed_at", TS, nullable=True),
    sa.Index("ix_media_attachments_account_id_id", "account_id", "id"),
    sa.Index("ix_media_attachments_status_id", "status_id"),
    sa.Index("ix_media_attachments_created_at", "created_at"),
)

# Search, hashtags, trends and places (migration 0010_search).
#
# The full-text index itself is not here: it is engine-specific and lives
# next to the statuses it indexes, kept current by triggers (SQLite: the
# FTS5 table ``search_statuses``; PostgreSQL: the ``search_statuses`` table
# of tsvectors, its GIN index, and the pattern indexes of account and tag
# names). Everything the engines own is named with this prefix, so
# the schema comparison leaves it alone (see roost.search.engine).
ENGINE_OWNED_PREFIX = "search_"

# Who follows which hashtag: the owner's side pages by id, fan-out reads a
# tag's followers in batches by (tag_id, id).
tag_follows = sa.Table(
    "tag_follows",
    metadata,
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("tag_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("id", sa.BigInteger, nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_tag_follows_tag_id_id", "tag_id", "id"),
)

# One row per (tag, hour, account) that used the tag in a public status that
# hour: counting rows counts distinct accounts, so one account posting a tag
# a thousand times is one use. ``hour`` is hours since the id epoch.
tag_uses = sa.Table(
    "tag_uses",
    metadata,
    sa.Column("tag_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hour", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Index("ix_tag_uses_hour", "hour"),
)

# What the trends job computed last: a score per tag and per status, with
# the time it was computed (the next run decays the old score from there).
trending_tags = sa.Table(
    "trending_tags",
    metadata,
    sa.Column("tag_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("computed_at", TS, nullable=False),
)
trending_statuses = sa.Table(
    "trending_statuses",
    metadata,
    sa.Column("status_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("computed_at", TS, nullable=False),
)

# The geohash cells of every located public status, at a few precisions
# (roost.search.geo): the nearby timeline reads each covering cell's newest
# ids backwards on the primary key, never scanning the table.
status_cells = sa.Table(
    "status_cells",
    metadata,
    sa.Column("cell", sa.String(12), primary_key=True),
    sa.Column("status_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Index("ix_status_cells_status_id", "status_id"),
)

# Lists (migration 0013_lists): an account's named groups of accounts it
# follows, each with its own timeline (``lists`` is a fan-out target like
# home). ``replies_policy``: followed | list | none; an ``exclusive`` list's
# members' posts are left out of its owner's home timeline.
lists = sa.Table(
    "lists",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("replies_policy", sa.String(16), nullable=False, server_default="list"),
    sa.Column("exclusive", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_lists_account_id", "account_id"),
)

# The members of each list; ``id`` pages a list's accounts. ``owner_id``
# repeats the list's owner so that the (account_id, owner_id) index answers
# fan-out's question, "which lists of this batch of followers hold the
# author?", without reading every list the author is in.
list_accounts = sa.Table(
    "list_accounts",
    metadata,
    sa.Column("list_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("owner_id", sa.BigInteger, nullable=False),
    sa.Column("id", sa.BigInteger, nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_list_accounts_account_id_owner_id", "account_id", "owner_id"),
)

# Filters (migration 0014_filters): an account's v2 filters (v1 filters are
# their keywords). ``context``: a JSON list among home, notifications,
# public, thread, account; ``action``: warn | hide. A filter matches a
# status by one of its keywords or by naming the status.
filters = sa.Table(
    "filters",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("context", sa.JSON, nullable=False),
    sa.Column("action", sa.String(8), nullable=False, server_default="warn"),
    sa.Column("expires_at", TS, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_filters_account_id", "account_id"),
)

filter_keywords = sa.Table(
    "filter_keywords",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("filter_id", sa.BigInteger, nullable=False),
    sa.Column("keyword", sa.String(255), nullable=False),
    sa.Column("whole_word", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_filter_keywords_filter_id", "filter_id"),
)

filter_statuses = sa.Table(
    "filter_statuses",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("filter_id", sa.BigInteger, nullable=False),
    sa.Column("status_id", sa.BigInteger, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("filter_id", "status_id"),
)

# Conversations (migration 0015_conversations): each account's direct
# message threads, one row per account and set of other participants,
# written by the fan-out job of each direct status. ``participants_key``:
# the other participants' ids, sorted, comma-separated (the unique key);
# pages are ordered by ``last_status_id``.
conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, nullable=False),
    sa.Column("participants_key", sa.String(2000), nullable=False),
    sa.Column("participant_ids", sa.JSON, nullable=False),
    sa.Column("last_status_id", sa.BigInteger, nullable=False),
    sa.Column("unread", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("account_id", "participants_key"),
    sa.Index("ix_conversations_account_id_last_status_id", "account_id", "last_status_id"),
)
