"""followers version

Revision ID: 0022_followers_version
Revises: 0021_account_deletion

accounts.followers_version: a new unique id with every change of who
follows the account, so the fan-out can tell whether its cached follower
list is still exact (roost.relationships.followers).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_followers_version"
down_revision = "0021_account_deletion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, as in 0016_social: a batch would copy accounts and
    # lose its expression indexes.
    op.add_column(
        "accounts",
        sa.Column("followers_version", sa.BigInteger(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("accounts", "followers_version")
