"""account deletion

Revision ID: 0021_account_deletion
Revises: 0020_scheduled_statuses

When an account was deleted; its row stays as a tombstone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_account_deletion"
down_revision = "0020_scheduled_statuses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), as 0016 does: a batch rebuild of
    # the table would lose the search engines' indexes and triggers on it.
    op.drop_column("accounts", "deleted_at")
