"""Empty databases for migration tests, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from roost.db.migrate import alembic_config
from tests import pg_admin as admin
from tests.conftest import PG_ADMIN_URL, PG_HOST, PG_PORT, require_service


def empty_database(backend: str, tmp_path: Path, label: str) -> Iterator[str]:
    """The URL of a database with nothing in it, dropped afterwards (a
    fixture body: ``yield from empty_database(request.param, tmp_path, ...)``)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'{label}.db'}"
        return
    require_service("PostgreSQL", PG_HOST, PG_PORT)
    name = f"roost_test_{os.getpid()}_{label}"
    admin.recreate_database(PG_ADMIN_URL, name)
    try:
        yield f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        admin.drop_database(PG_ADMIN_URL, name)


def downgrade(connection: sa.Connection, revision: str) -> None:
    """Alembic's downgrade on an open connection (run it with run_sync)."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
