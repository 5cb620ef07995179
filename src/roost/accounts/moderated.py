"""The ids of the silenced and suspended accounts, cached as one entry.

The public and hashtag timelines leave these accounts out (as Mastodon's
do). They are a handful on any instance, so one cache entry holds them all
and a timeline read checks its page's authors against it with no read of
their account records; ``roost.admin.actions`` drops the entry after every
moderation action and again from its job (which also repairs a reader that
wrote back what it read just before the action committed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import msgspec
import sqlalchemy as sa

from roost.db import schema
from roost.kernel.cachekeys import moderated_key

if TYPE_CHECKING:
    from roost.services import Services

MODERATED_CACHE_TTL = 3600
_a = schema.accounts
_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[int])


async def load_moderated_ids(
    services: Services, *, cached: Mapping[str, bytes] | None = None
) -> frozenset[int]:
    """Silenced and suspended accounts: one cache round trip when warm, none
    when the caller read ``moderated_key`` along with other keys into
    ``cached`` (absent there: not in the cache)."""
    key = moderated_key()
    if cached is None:
        cached = await services.cache.get_many([key])
    raw = cached.get(key)
    if raw is not None:
        return frozenset(_decoder.decode(raw))
    query = sa.select(_a.c.id).where(
        sa.or_(_a.c.silenced_at.is_not(None), _a.c.suspended_at.is_not(None))
    )
    async with services.db.read(primary=True) as conn:
        ids = sorted(int(r[0]) for r in await conn.execute(query))
    await services.cache.set_many({key: _encoder.encode(ids)}, ttl=MODERATED_CACHE_TTL)
    return frozenset(ids)


async def forget_moderated(services: Services) -> None:
    await services.cache.delete(moderated_key())
