"""account preferences: discoverable, indexable, locale, posting defaults

Revision ID: 0002_accounts
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_accounts"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discoverable", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("indexable", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("locale", sa.String(length=16), server_default="en", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "default_privacy", sa.String(length=16), server_default="public", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("default_sensitive", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("default_language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for name in (
            "default_language",
            "default_sensitive",
            "default_privacy",
            "locale",
            "indexable",
            "discoverable",
        ):
            batch_op.drop_column(name)
