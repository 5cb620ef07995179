"""media_attachments: uploaded photos and videos

Revision ID: 0007_media
Revises: 0006_worker_ids

One row per upload: its processing state, the blob keys of the raw upload
and of the processed file and preview, what clients show (description,
focus, meta, blurhash), and the status it is attached to, if any.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_media"
down_revision = "0006_worker_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_attachments",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("upload_key", sa.String(length=200), nullable=True),
        sa.Column("thumbnail_upload_key", sa.String(length=200), nullable=True),
        sa.Column("file_key", sa.String(length=200), nullable=True),
        sa.Column("preview_key", sa.String(length=200), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("focus_x", sa.Float(), server_default="0", nullable=False),
        sa.Column("focus_y", sa.Float(), server_default="0", nullable=False),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("blurhash", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_attachments")),
    )
    op.create_index("ix_media_attachments_account_id_id", "media_attachments", ["account_id", "id"])
    op.create_index("ix_media_attachments_status_id", "media_attachments", ["status_id"])
    op.create_index("ix_media_attachments_created_at", "media_attachments", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_media_attachments_created_at", table_name="media_attachments")
    op.drop_index("ix_media_attachments_status_id", table_name="media_attachments")
    op.drop_index("ix_media_attachments_account_id_id", table_name="media_attachments")
    op.drop_table("media_attachments")
