"""Alembic environment: Roost passes an open connection in ``attributes``."""

from __future__ import annotations

from alembic import context

from roost.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - Roost always passes one
    raise RuntimeError("run migrations through `roost migrate`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
