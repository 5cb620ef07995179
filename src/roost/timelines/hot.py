"""Hot accounts: fan-out on read instead of on write.

An account with ``settings.hot_user_threshold`` followers or more is not
fanned out: pushing one post into a million timelines would take minutes
and keep the workers from everyone else's posts. Its newest statuses are
kept in the cache instead (``hotp:{account}``: the delivery facts of the
latest ``HOT_POSTS_LIMIT``), refreshed by the ``fanout_status`` job right
after each post, and each home timeline read merges the ones within its
page from the hot accounts the reader follows (``load_hot_follows``, which
counts accounts from half the threshold so none is missed as it crosses
it), through the same ``filters.admits_home`` rule fan-out uses.

A warm read costs a few cache round trips more (hot follows, hot posts,
the reader's relationships with the accounts those posts reply to) and no
SQL. A hot account's statuses older than its cached window are found in the
home timeline only if they were in it before (rebuild, follow merge, or
fan-out from before the account became hot).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from typing import TYPE_CHECKING

import msgspec
import sqlalchemy as sa

from roost.accounts.store import load_accounts
from roost.db import schema
from roost.kernel.bytememo import ByteMemo
from roost.kernel.cachekeys import hot_posts_key
from roost.kernel.paging import Page
from roost.relationships.store import load_hot_follows, load_links
from roost.statuses.records import DIRECT
from roost.timelines.filters import (
    ReceiverView,
    StatusFacts,
    admits_home,
    facts_from_rows,
    facts_query,
)

if TYPE_CHECKING:
    from roost.services import Services

HOT_POSTS_LIMIT = 200
# Short: a reader that filled the cache from a read racing a new post's
# refresh could leave it stale, for at most this long.
HOT_POSTS_TTL = 60

_s = schema.statuses
_Packed = tuple[int, int, int, int | None, int | None, int | None, int | None]
_decoder = msgspec.msgpack.Decoder(list[_Packed])
_encoder = msgspec.msgpack.Encoder()


def _pack(facts: Sequence[StatusFacts]) -> bytes:
    return _encoder.encode(
        [
            (
                f.id,
                f.account_id,
                f.visibility,
                f.in_reply_to_account_id,
                f.reblog_of_id,
                f.original_account_id,
                f.original_reply_to_account_id,
            )
            for f in facts
        ]
    )


def _decode_posts(raw: bytes) -> tuple[StatusFacts, ...]:
    return tuple(StatusFacts(*packed) for packed in _decoder.decode(raw))


# Decoded by their cached bytes (kernel.bytememo: a refresh writes other
# bytes, so never stale): every follower's read of a hot account decodes the
# same up to HOT_POSTS_LIMIT facts otherwise.
_unpack = ByteMemo(_decode_posts, 1_024)


async def is_hot(services: Services, account_id: int) -> bool:
    """True when the account has too many followers to fan out to."""
    record = (await load_accounts(services, [account_id])).get(account_id)
    return record is not None and record.followers_count >= services.settings.hot_user_threshold


async def _query_hot_posts(
    services: Services, account_ids: Sequence[int]
) -> dict[int, list[StatusFacts]]:
    """The newest non-direct statuses of each account: one statement."""
    parts = [
        facts_query()
        .where(_s.c.account_id == account_id, _s.c.visibility < DIRECT)
        .order_by(_s.c.id.desc())
        .limit(HOT_POSTS_LIMIT)
        .subquery()
        for account_id in account_ids
    ]
    selects = [sa.select(*part.c) for part in parts]
    query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    async with services.db.read(primary=True) as conn:
        rows = (await conn.execute(query)).all()
    found: dict[int, list[StatusFacts]] = {a: [] for a in account_ids}
    for fact in facts_from_rows(rows):
        found[fact.account_id].append(fact)
    for facts in found.values():
        facts.sort(key=lambda f: f.id, reverse=True)
    return found


async def load_hot_posts(
    services: Services, account_ids: Iterable[int]
) -> dict[int, Sequence[StatusFacts]]:
    """Latest statuses of hot accounts: one cache round trip, one query for misses."""
    wanted = list(dict.fromkeys(account_ids))
    if not wanted:
        return {}
    hits = await services.cache.get_many(hot_posts_key(a) for a in wanted)
    found: dict[int, Sequence[StatusFacts]] = {
        a: _unpack(hits[hot_posts_key(a)]) for a in wanted if hot_posts_key(a) in hits
    }
    missing = [a for a in wanted if a not in found]
    if missing:
        fresh = await _query_hot_posts(services, missing)
        await services.cache.set_many(
            {hot_posts_key(a): _pack(f) for a, f in fresh.items()}, ttl=HOT_POSTS_TTL
        )
        found.update(fresh)
    return found


async def refresh_hot_posts(services: Services, account_id: int) -> None:
    """Re-read a hot account's latest statuses into the cache (after a post)."""
    fresh = await _query_hot_posts(services, [account_id])
    await services.cache.set_many(
        {hot_posts_key(account_id): _pack(fresh[account_id])}, ttl=HOT_POSTS_TTL
    )


async def forget_hot_posts(services: Services, account_id: int) -> None:
    await services.cache.delete(hot_posts_key(account_id))


def _involved(facts: Iterable[StatusFacts], known: Set[int]) -> set[int]:
    """Accounts whose follow by the reader decides these statuses' delivery."""
    ids: set[int] = set()
    for f in facts:
        for other in (
            f.in_reply_to_account_id,
            f.original_account_id,
            f.original_reply_to_account_id,
        ):
            if other is not None and other not in known:
                ids.add(other)
    return ids


async def merge_hot_posts(
    services: Services,
    *,
    viewer_id: int,
    page: Page,
    ids: list[int],
    excluded: Set[int],
    hot: Mapping[int, bool] | None = None,
    admit: Callable[[StatusFacts, ReceiverView], bool] = admits_home,
) -> list[int]:
    """``ids`` (one page read from the timeline store) with the statuses of
    followed hot accounts that belong on the same page. ``hot``: the
    viewer's ``load_hot_follows`` when the caller has read it already (a
    list passes the hot accounts among its members); ``admit``: the rule
    of the timeline read (a list's: ``filters.admits_list``)."""
    if hot is None:
        hot = await load_hot_follows(services, viewer_id)
    if not hot:
        return ids
    posts = await load_hot_posts(services, hot)
    have = set(ids)
    floor = 0
    if not page.ascending and len(ids) >= page.limit:
        # A full page: nothing older than its oldest id can make it onto it.
        floor = sorted(ids, reverse=True)[page.limit - 1]
    candidates = sorted(
        (
            f
            for facts in posts.values()
            for f in facts
            if f.id > floor and page.admits(f.id) and f.id not in have
        ),
        key=lambda f: f.id,
        reverse=not page.ascending,
    )
    if not candidates:
        return ids
    admitted: list[int] = []
    # Judge candidates in page order, a page's worth at a time, until a full
    # page is admitted: later ones cannot make it onto this page.
    for start in range(0, len(candidates), page.limit):
        chunk = candidates[start : start + page.limit]
        involved = _involved(chunk, {viewer_id, *hot})
        links = await load_links(services, viewer_id, involved)
        following: dict[int, bool] = dict.fromkeys(links.following, True)
        following.update(hot)
        view = ReceiverView(viewer_id, following, excluded)
        admitted += [f.id for f in chunk if admit(f, view)]
        if len(admitted) >= page.limit:
            break
    return page.select(sorted({*ids, *admitted}, reverse=True))
