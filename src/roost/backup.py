"""``roost backup`` and ``roost restore``: the embedded default's data, whole.

The embedded default keeps everything in the data directory: the SQLite
database and the local media folder (``ROOST_MEDIA_DIR``). A backup is a
directory holding a consistent copy of the database, made with SQLite's
online backup API while the server runs (in WAL mode the copy reads one
snapshot and blocks no writer), then a copy of the media folder, and a
``manifest.json``. The database goes first: a media file is written before
the row that names it is committed, so every file the copied database names
was there when the media folder was copied (except media deleted in
between, which no one can see any more).

Restoring copies the database (and the media) back into an empty data
directory, with the server stopped. The schema revision travels with the
database: ``roost serve`` migrates a restored older backup forward.

PostgreSQL and Redis are not backed up here (docs/operations.md, "Backups":
``pg_dump`` or a base backup with WAL archiving; Redis holds nothing that
is not rebuilt from the database).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click

from roost.config import Settings

DATABASE = "roost.db"
MEDIA = "media"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """The backup or restore cannot be done as asked."""


def sqlite_path(settings: Settings) -> Path:
    if not settings.is_sqlite:
        raise BackupError(
            "roost backup covers the embedded default (SQLite); back PostgreSQL up with"
            " pg_dump or a base backup plus WAL archiving (docs/operations.md, Backups)"
        )
    return Path(settings.effective_database_url.removeprefix("sqlite:///"))


def media_dir(settings: Settings) -> Path:
    return settings.effective_media_dir


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])


def make_backup(settings: Settings, destination: Path, *, now: datetime | None = None) -> Path:
    """Write a backup directory under ``destination``; returns its path."""
    source = sqlite_path(settings)
    if not source.exists():
        raise BackupError(f"no database at {source}")
    moment = now or datetime.now(UTC)
    target = destination / f"roost-{moment.strftime('%Y%m%dT%H%M%SZ')}"
    target.mkdir(parents=True, exist_ok=False)
    copy = target / DATABASE
    with (
        sqlite3.connect(f"file:{source}?mode=ro", uri=True) as reader,
        sqlite3.connect(copy) as writer,
    ):
        reader.execute("PRAGMA busy_timeout=10000")
        reader.backup(writer)  # all pages from one read snapshot
        revision = _revision(writer)
        check = writer.execute("PRAGMA integrity_check").fetchone()
    reader.close()
    writer.close()
    if check is None or check[0] != "ok":
        raise BackupError(f"the copied database fails its integrity check: {check}")
    media = media_dir(settings)
    has_media = media.is_dir()
    if has_media:
        shutil.copytree(media, target / MEDIA)
    manifest = {
        "created_at": moment.isoformat(),
        "database": DATABASE,
        "schema_revision": revision,
        "media": MEDIA if has_media else None,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return target


def restore_backup(settings: Settings, backup: Path, *, force: bool = False) -> None:
    """Put a backup back in place of the data directory's database and media."""
    manifest = json.loads((backup / MANIFEST).read_text())
    database = sqlite_path(settings)
    media = media_dir(settings)
    if database.exists() and not force:
        raise BackupError(
            f"{database} exists: stop the server, then restore with --force to replace it"
        )
    database.parent.mkdir(parents=True, exist_ok=True)
    # A write-ahead log left by the replaced database belongs to it, not to
    # the restored one.
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup / manifest["database"], database)
    if manifest.get("media"):
        if media.exists():
            shutil.rmtree(media)
        shutil.copytree(backup / manifest["media"], media)


@click.command()
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
def backup(destination: Path) -> None:
    """Back the embedded database (and media folder) up into DESTINATION, online."""
    try:
        made = make_backup(Settings.from_env(), destination)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {made}")


@click.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing database (server stopped).")
def restore(source: Path, force: bool) -> None:
    """Restore a backup made by `roost backup` into the data directory."""
    try:
        restore_backup(Settings.from_env(), source, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {source}; start the server (it migrates an older backup forward)")
