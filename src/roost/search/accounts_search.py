"""Accounts by username or display name prefix, for ``/api/v2/search``.

An exact ``@name`` or ``name@<this domain>`` is resolved first (toot and
Mastodon.py look accounts up this way). Prefixes are served by indexes:
pattern B-trees on PostgreSQL, the username key and a lower(display_name)
expression index on SQLite (migration 0010_search). Each kind of name
gives its first ``CANDIDATES`` matches in name order, ranked afterwards,
so a short prefix shared by many accounts reads a bounded range."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.accounts.lookup import local_username, lookup_account
from roost.accounts.records import AccountRecord, is_listed
from roost.accounts.store import load_accounts
from roost.db import schema
from roost.search.tags import prefix_condition

if TYPE_CHECKING:
    from roost.services import Services

MAX_QUERY_CHARS = 100
CANDIDATES = 1000
_a, _f = schema.accounts, schema.follows


def _prefix(text: str) -> str:
    return text.strip().lstrip("@").split("@", 1)[0].strip().lower()[:MAX_QUERY_CHARS]


async def search_accounts(
    services: Services,
    text: str,
    *,
    limit: int,
    offset: int,
    following_of: int | None,
    excluded: frozenset[int],
) -> list[AccountRecord]:
    """Accounts matching ``text``: the exact account first, then by prefix,
    most followed first. Unlisted sign-ups and ``excluded`` left out."""
    settings = services.settings
    found: list[AccountRecord] = []
    exact_wanted = offset == 0 and following_of is None
    if exact_wanted and local_username(text, domain=settings.domain) is not None:
        exact = await lookup_account(services, acct=text)
        if exact is not None:
            found.append(exact)
    prefix = _prefix(text)
    if prefix:
        dialect = services.db.engine.dialect.name
        listed = [_a.c.approved.is_(True)]
        if settings.email_confirmation_required:
            listed.append(_a.c.confirmed_at.is_not(None))
        if following_of is not None:
            followed = sa.select(_f.c.target_account_id).where(_f.c.account_id == following_of)
            listed.append(_a.c.id.in_(followed))
        parts = []
        for name in (_a.c.username_key, sa.func.lower(_a.c.display_name)):
            parts.append(
                sa.select(_a.c.id)
                .where(prefix_condition(dialect, name, prefix), *listed)
                .order_by(name)
                .limit(CANDIDATES)
                .subquery()
            )
        candidates = sa.union(*(sa.select(p.c.id) for p in parts)).subquery()
        query = (
            sa.select(_a.c.id)
            .where(_a.c.id.in_(sa.select(candidates.c.id)))
            .order_by(
                sa.case((_a.c.username_key == prefix, 0), else_=1),
                _a.c.followers_count.desc(),
                _a.c.id,
            )
            .limit(limit)
            .offset(offset)
        )
        async with services.db.read() as conn:
            ids = [int(r.id) for r in (await conn.execute(query)).all()]
        records = await load_accounts(services, ids)
        found += [records[i] for i in ids if i in records]
    seen: set[int] = set()
    result = []
    for record in found:
        if record.id in seen or record.id in excluded:
            continue
        if not is_listed(record, confirmation_required=settings.email_confirmation_required):
            continue
        seen.add(record.id)
        result.append(record)
    return result[:limit]
