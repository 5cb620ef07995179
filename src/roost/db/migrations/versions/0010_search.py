"""search: full-text index, followed hashtags, trends, places

Revision ID: 0010_search
Revises: 0008_notifications

Plain tables on both databases: tag_follows, tag_uses, trending_tags,
trending_statuses, status_cells. Engine-owned objects (named search_*),
kept current by triggers in the transaction that writes the status:

* SQLite: an FTS5 table over statuses' text and content warning
  (external content: the text is not stored twice), filled and emptied by
  triggers on statuses.
* PostgreSQL: search_statuses (status_id, vector) with a GIN index, filled
  by a trigger with a language-aware tsvector plus a 'simple' one, emptied
  by delete and truncate triggers; varchar_pattern_ops B-trees on account
  and tag names for prefix lookups.

Existing rows are indexed here (statuses, tag uses of the last 8 days,
cells of located public statuses).
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from alembic import op

revision = "0010_search"
down_revision = "0009_push"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

# ISO 639-1 code -> PostgreSQL text search configuration.
PG_CONFIGS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

# The geohash precisions stored per located status (roost.search.geo).
CELL_PRECISIONS = (2, 3, 4, 5, 6)
_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
_ID_MS_SHIFT = 22
_HOUR_MS = 3_600_000


def _geohash(lat: float, lon: float, precision: int) -> str:
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    out: list[str] = []
    bits, value, even = 0, 0, True
    while len(out) < precision:
        if even:
            mid = (lon_lo + lon_hi) / 2
            value = value * 2 + (lon >= mid)
            lon_lo, lon_hi = (mid, lon_hi) if lon >= mid else (lon_lo, mid)
        else:
            mid = (lat_lo + lat_hi) / 2
            value = value * 2 + (lat >= mid)
            lat_lo, lat_hi = (mid, lat_hi) if lat >= mid else (lat_lo, mid)
        even = not even
        bits += 1
        if bits == 5:
            out.append(_BASE32[value])
            bits, value = 0, 0
    return "".join(out)


def _plain_tables() -> None:
    op.create_table(
        "tag_follows",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tag_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "tag_id", name=op.f("pk_tag_follows")),
        sa.UniqueConstraint("id", name=op.f("uq_tag_follows_id")),
    )
    op.create_index("ix_tag_follows_tag_id_id", "tag_follows", ["tag_id", "id"])
    op.create_table(
        "tag_uses",
        sa.Column("tag_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("tag_id", "hour", "account_id", name=op.f("pk_tag_uses")),
    )
    op.create_index("ix_tag_uses_hour", "tag_uses", ["hour"])
    for name, key in (("trending_tags", "tag_id"), ("trending_statuses", "status_id")):
        op.create_table(
            name,
            sa.Column(key, sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("score", sa.Float(), nullable=False),
            sa.Column("computed_at", TS, nullable=False),
            sa.PrimaryKeyConstraint(key, name=op.f(f"pk_{name}")),
        )
    op.create_table(
        "status_cells",
        sa.Column("cell", sa.String(length=12), nullable=False),
        sa.Column("status_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("cell", "status_id", name=op.f("pk_status_cells")),
    )
    op.create_index("ix_status_cells_status_id", "status_cells", ["status_id"])


def _sqlite_fts() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE search_statuses USING fts5("
        "spoiler_text, text, content='statuses', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER search_statuses_insert AFTER INSERT ON statuses "
        "WHEN new.reblog_of_id IS NULL BEGIN "
        "INSERT INTO search_statuses(rowid, spoiler_text, text) "
        "VALUES (new.id, new.spoiler_text, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER search_statuses_delete AFTER DELETE ON statuses "
        "WHEN old.reblog_of_id IS NULL BEGIN "
        "INSERT INTO search_statuses(search_statuses, rowid, spoiler_text, text) "
        "VALUES ('delete', old.id, old.spoiler_text, old.text); END"
    )
    op.execute(
        "CREATE TRIGGER search_statuses_update AFTER UPDATE OF text, spoiler_text ON statuses "
        "WHEN old.reblog_of_id IS NULL BEGIN "
        "INSERT INTO search_statuses(search_statuses, rowid, spoiler_text, text) "
        "VALUES ('delete', old.id, old.spoiler_text, old.text); "
        "INSERT INTO search_statuses(rowid, spoiler_text, text) "
        "VALUES (new.id, new.spoiler_text, new.text); END"
    )
    op.execute("INSERT INTO search_statuses(search_statuses) VALUES ('rebuild')")
    # Prefix scans of lower-cased display names (usernames have username_key).
    op.execute("CREATE INDEX search_accounts_display_name ON accounts (lower(display_name))")


def _postgres_fts() -> None:
    bind = op.get_bind()
    present = {r[0] for r in bind.execute(sa.text("SELECT cfgname FROM pg_ts_config"))}
    cases = " ".join(
        f"WHEN '{code}' THEN '{name}'::regconfig"
        for code, name in PG_CONFIGS.items()
        if name in present
    )
    op.execute(
        "CREATE FUNCTION search_config(lang text) RETURNS regconfig "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE "
        f"lower(split_part(coalesce(lang, ''), '-', 1)) {cases} "
        "ELSE 'simple'::regconfig END $$"
    )
    op.execute(
        "CREATE FUNCTION search_vector(lang text, spoiler text, body text) RETURNS tsvector "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT "
        "to_tsvector(search_config(lang), spoiler || ' ' || body) "
        "|| to_tsvector('simple'::regconfig, spoiler || ' ' || body) $$"
    )
    op.execute(
        "CREATE TABLE search_statuses (status_id bigint PRIMARY KEY, vector tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX search_statuses_vector ON search_statuses USING gin (vector)")
    op.execute(
        "CREATE FUNCTION search_statuses_write() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF NEW.reblog_of_id IS NULL THEN "
        "INSERT INTO search_statuses (status_id, vector) "
        "VALUES (NEW.id, search_vector(NEW.language, NEW.spoiler_text, NEW.text)) "
        "ON CONFLICT (status_id) DO UPDATE SET vector = EXCLUDED.vector; "
        "END IF; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER search_statuses_insert AFTER INSERT ON statuses "
        "FOR EACH ROW EXECUTE FUNCTION search_statuses_write()"
    )
    op.execute(
        "CREATE TRIGGER search_statuses_update AFTER UPDATE OF text, spoiler_text, language "
        "ON statuses FOR EACH ROW EXECUTE FUNCTION search_statuses_write()"
    )
    # Deleted with the status (a trigger, not a foreign key: TRUNCATE of
    # statuses, as the seed loader's reset does, must keep working).
    op.execute(
        "CREATE FUNCTION search_statuses_forget() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN DELETE FROM search_statuses WHERE status_id = OLD.id; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER search_statuses_delete AFTER DELETE ON statuses "
        "FOR EACH ROW EXECUTE FUNCTION search_statuses_forget()"
    )
    op.execute(
        "CREATE FUNCTION search_statuses_clear() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN TRUNCATE search_statuses; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER search_statuses_truncate AFTER TRUNCATE ON statuses "
        "FOR EACH STATEMENT EXECUTE FUNCTION search_statuses_clear()"
    )
    op.execute(
        "INSERT INTO search_statuses (status_id, vector) "
        "SELECT id, search_vector(language, spoiler_text, text) FROM statuses "
        "WHERE reblog_of_id IS NULL"
    )
    # Names by prefix: B-trees with the pattern operator class, so that
    # LIKE 'prefix%' is an index range whatever the database's collation.
    # (pg_trgm GIN indexes were tried: 3x slower for prefixes, see
    # docs/design.md; they would only pay for matching inside names.)
    op.execute(
        "CREATE INDEX search_accounts_username ON accounts (username_key varchar_pattern_ops)"
    )
    op.execute(
        "CREATE INDEX search_accounts_display_name ON accounts "
        "(lower(display_name) varchar_pattern_ops)"
    )
    op.execute("CREATE INDEX search_tags_name ON tags (name varchar_pattern_ops)")


def _backfill() -> None:
    bind = op.get_bind()
    # Distinct accounts per tag and hour, over the last 8 days of statuses.
    newest = bind.execute(sa.text("SELECT max(id) FROM statuses")).scalar()
    if newest is not None:
        since = newest - ((8 * 24 * _HOUR_MS) << _ID_MS_SHIFT)
        bind.execute(
            sa.text(
                "INSERT INTO tag_uses (tag_id, hour, account_id) "
                "SELECT DISTINCT st.tag_id, "
                f"CAST(s.id / {1 << _ID_MS_SHIFT} / {_HOUR_MS} AS INTEGER), s.account_id "
                "FROM status_tags st JOIN statuses s ON s.id = st.status_id "
                "WHERE s.id > :since AND s.visibility = 0 AND s.reblog_of_id IS NULL"
            ),
            {"since": since},
        )
    rows = bind.execute(
        sa.text(
            "SELECT id, latitude, longitude FROM statuses WHERE latitude IS NOT NULL "
            "AND longitude IS NOT NULL AND visibility = 0 AND reblog_of_id IS NULL"
        )
    )
    cells = sa.table("status_cells", sa.column("cell"), sa.column("status_id"))
    batch: list[dict[str, object]] = []
    for status_id, lat, lon in rows.fetchall():
        if not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        full = _geohash(lat, lon, max(CELL_PRECISIONS))
        batch.extend({"cell": full[:p], "status_id": status_id} for p in CELL_PRECISIONS)
        if len(batch) >= 5000:
            bind.execute(cells.insert(), batch)
            batch = []
    if batch:
        bind.execute(cells.insert(), batch)


def upgrade() -> None:
    _plain_tables()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_fts()
    else:
        _sqlite_fts()
    _backfill()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS search_statuses_{trigger} ON statuses")
        for function in ("write", "forget", "clear"):
            op.execute(f"DROP FUNCTION IF EXISTS search_statuses_{function}()")
        op.execute("DROP TABLE IF EXISTS search_statuses")
        op.execute("DROP FUNCTION IF EXISTS search_vector(text, text, text)")
        op.execute("DROP FUNCTION IF EXISTS search_config(text)")
        op.execute("DROP INDEX IF EXISTS search_tags_name")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_statuses_{trigger}")
        op.execute("DROP TABLE IF EXISTS search_statuses")
        op.execute("DROP INDEX IF EXISTS search_tags_name")
    op.execute("DROP INDEX IF EXISTS search_accounts_username")
    op.execute("DROP INDEX IF EXISTS search_accounts_display_name")
    op.drop_index("ix_status_cells_status_id", table_name="status_cells")
    op.drop_table("status_cells")
    op.drop_table("trending_statuses")
    op.drop_table("trending_tags")
    op.drop_index("ix_tag_uses_hour", table_name="tag_uses")
    op.drop_table("tag_uses")
    op.drop_index("ix_tag_follows_tag_id_id", table_name="tag_follows")
    op.drop_table("tag_follows")
