"""The SQLAlchemy schema (``roost.db.schema``, what the code queries) and the
Alembic migrations (what a database really gets) describe the same tables,
on SQLite and on PostgreSQL: a column, index, constraint, type or server
default added to one and not the other fails here."""

from __future__ import annotations

import asyncio
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from roost.db.engine import make_engine
from roost.db.migrate import migrate
from roost.db.schema import ENGINE_OWNED_PREFIX, metadata
from tests.db.support import empty_database

_CAST = re.compile(r"::[\w ]+$")  # PostgreSQL's '0'::smallint


def _default_value(sql: str | None) -> str | None:
    """A server default as SQL text, without the dialect's wrapping: SQLite
    reflects ('') and '0', PostgreSQL ''::text and 'en'::character varying,
    and the metadata renders '' and 0."""
    if sql is None:
        return None
    text = sql.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    text = _CAST.sub("", text)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].replace("''", "'")
    return text


def _defaults_differ(
    _context: MigrationContext,
    _inspected_column: Any,
    _metadata_column: Any,
    inspected_default: str | None,
    _metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool:
    # Alembic's own comparison runs SQL on PostgreSQL ('[]'::json = '[]'
    # fails) and sees (''), '' as different on SQLite.
    return _default_value(inspected_default) != _default_value(rendered_metadata_default)


@pytest.mark.parametrize(
    ("reflected", "rendered"),
    [("('')", ""), ("''::text", ""), ("'0'::smallint", "0"), ("'it''s'", "it's"), ("0", "0")],
)
def test_default_values_compare_across_dialects(reflected: str, rendered: str) -> None:
    assert _default_value(reflected) == _default_value(rendered)
    assert _default_value(reflected) != _default_value("1")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from empty_database(request.param, tmp_path, "schema")


def _not_engine_owned(name: str | None, _type: str, _parent: Any) -> bool:
    """The search engines' own tables and indexes (FTS5, tsvector, trigram)
    differ by database on purpose and are not in the metadata."""
    return not (name or "").startswith(ENGINE_OWNED_PREFIX)


def _differences(connection: sa.Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": _defaults_differ,
            "include_name": _not_engine_owned,
        },
    )
    with warnings.catch_warnings():
        # SQLAlchemy cannot reflect the engines' expression indexes (skipped above anyway).
        warnings.filterwarnings("ignore", message=r".*expression-based index search_")
        return list(compare_metadata(context, metadata))


async def _migrated_differences(url: str) -> tuple[list[Any], set[str]]:
    engine = make_engine(url)
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            differences = await conn.run_sync(_differences)
            tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        return differences, tables
    finally:
        await engine.dispose()


def test_migrations_build_the_schema(fresh_database_url: str) -> None:
    differences, tables = asyncio.run(_migrated_differences(fresh_database_url))
    assert differences == []
    # Not vacuously: every table of the schema was compared.
    assert set(metadata.tables) <= tables
