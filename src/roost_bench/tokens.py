"""Access tokens for benchmark users, written in bulk after the data load.

Going through the OAuth flow for thousands of users would measure password
hashing, not the service; the bench writes the rows the token grant would
write (one app, one token per user, only SHA-256 hashes stored) in one
transaction and keeps the plain tokens in memory for the load generator.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from roost.db import schema
from roost.kernel.auth import hash_token
from roost.services import Services

BENCH_SCOPES = "read write follow"


async def issue_bench_tokens(services: Services, account_ids: Sequence[int]) -> list[str]:
    """One full-scope token per account (in order), under a "roost bench" app."""
    now = datetime.now(UTC)
    app_id = services.ids.next_id()
    tokens = [secrets.token_urlsafe(32) for _ in account_ids]
    async with services.db.write() as conn:
        await conn.execute(
            schema.oauth_apps.insert().values(
                id=app_id,
                name="roost bench",
                website=None,
                redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                scopes=BENCH_SCOPES,
                client_id=secrets.token_urlsafe(32),
                client_secret=hash_token(secrets.token_urlsafe(32)),
                created_at=now,
            )
        )
        rows = [
            {
                "id": services.ids.next_id(),
                "token_hash": hash_token(token),
                "refresh_hash": None,
                "app_id": app_id,
                "account_id": int(account_id),
                "scopes": BENCH_SCOPES,
                "created_at": now,
            }
            for account_id, token in zip(account_ids, tokens, strict=True)
        ]
        for start in range(0, len(rows), 5_000):
            await conn.execute(schema.oauth_tokens.insert(), rows[start : start + 5_000])
    return tokens
