"""Follower lists for the fan-out, from the cache when still exact.

Each fan-out needs the followers of its author (follow id, account,
show_reblogs), and reading them row by row from the database was the
largest part of a fan-out's cost. The list of an account is therefore
cached (``fol:<account>``) with the ``accounts.followers_version`` it was
read at, and used only while that is still the account's version.

**Exactness.** Every transaction that adds or removes a follow, or changes
a follow's show_reblogs, replaces the target's ``followers_version`` with a
new unique id (``relationships.edges``), in the same transaction. The
fan-out reads the versions from the database (``follower_versions``, by
primary key) and uses a cached list only when it carries that version; a
list is built by one statement that reads the version and the follows
together, so it holds exactly the follows of the version it carries. A
fan-out thus delivers to the followers of the version it read, committed
before it: what reading the follows themselves at that moment gave. A
list written back late by a slow reader carries an old version and is
never used; no drop after the commit is needed, and a cache outage only
costs the database read. (The versions are unique ids, never reused, so a
database restored from a backup cannot make an old list look current;
version 0, of accounts untouched since migration 0021 or a bulk load, is
valid like any other: replacing the database under a live cache needs the
cache cleared, as for every other entry.)

Blocks, mutes and suspensions are not in the list: the fan-out reads them
from the database with each batch, as before.
"""

from __future__ import annotations

import bisect
import struct
from array import array
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.kernel.cachekeys import followers_key
from roost.relationships.graph import FollowerRow, follower_page

if TYPE_CHECKING:
    from roost.services import Services

FOLLOWERS_TTL = 3600
# Lists longer than this are read from the database page by page and not
# cached (hot accounts are not fanned out at all).
MAX_CACHED = 20_000

_a, _f = schema.accounts, schema.follows
_HEAD = struct.Struct("<qI")  # version, number of follows


class Followers:
    """An account's follows in follows.id order, as parallel arrays."""

    __slots__ = ("accounts", "follow_ids", "version")

    def __init__(self, version: int, follow_ids: array[int], accounts: array[int]) -> None:
        self.version = version
        self.follow_ids = follow_ids
        # The follower's account id, negated when it hides the author's reblogs.
        self.accounts = accounts

    def __len__(self) -> int:
        return len(self.follow_ids)

    def rows(self, *, after: int = 0, limit: int | None = None) -> list[FollowerRow]:
        """The follows past follow id ``after``, at most ``limit`` of them."""
        start = bisect.bisect_right(self.follow_ids, after)
        end = len(self.follow_ids) if limit is None else min(len(self), start + limit)
        ids, accounts = self.follow_ids, self.accounts
        return [FollowerRow(ids[i], abs(accounts[i]), accounts[i] > 0) for i in range(start, end)]

    def show_reblogs(self) -> dict[int, bool]:
        """Follower account -> whether it shows the account's reblogs."""
        return {abs(a): a > 0 for a in self.accounts}

    def pack(self) -> bytes:
        head = _HEAD.pack(self.version, len(self))
        return head + self.follow_ids.tobytes() + self.accounts.tobytes()

    @classmethod
    def unpack(cls, raw: bytes) -> Followers | None:
        if len(raw) < _HEAD.size:
            return None
        version, n = _HEAD.unpack_from(raw)
        body = raw[_HEAD.size :]
        if len(body) != 16 * n:
            return None  # not a list this code wrote
        ids, accounts = array("q"), array("q")
        ids.frombytes(body[: 8 * n])
        accounts.frombytes(body[8 * n :])
        return cls(version, ids, accounts)


async def follower_versions(
    conn: AsyncConnection, account_ids: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """Account id -> (followers_count, followers_version), for those that exist."""
    if not account_ids:
        return {}
    rows = await conn.execute(
        sa.select(_a.c.id, _a.c.followers_count, _a.c.followers_version).where(
            _a.c.id.in_(account_ids)
        )
    )
    return {int(i): (int(count), int(version)) for i, count, version in rows}


async def _read(conn: AsyncConnection, account_ids: Sequence[int]) -> dict[int, Followers]:
    """The lists of ``account_ids`` from the database: versions and follows
    in one statement (one snapshot), so each list is that of its version."""
    version = _a.c.followers_version.label("version")
    rows = await conn.execute(
        sa.select(
            _a.c.id.label("target"),
            version,
            _f.c.id.label("follow_id"),
            _f.c.account_id.label("follower"),
            _f.c.show_reblogs,
        )
        .select_from(_a.outerjoin(_f, _f.c.target_account_id == _a.c.id))
        .where(_a.c.id.in_(account_ids))
        .order_by(_a.c.id, _f.c.id)
    )
    found: dict[int, Followers] = {}
    for target, at, follow_id, follower, show_reblogs in rows:
        lists = found.get(target)
        if lists is None:
            lists = found[target] = Followers(int(at), array("q"), array("q"))
        if follow_id is not None:
            lists.follow_ids.append(int(follow_id))
            lists.accounts.append(int(follower) if show_reblogs else -int(follower))
    return found


async def load_followers(
    services: Services, conn: AsyncConnection, versions: Mapping[int, int]
) -> dict[int, Followers]:
    """The follower lists of the accounts of ``versions`` (account id ->
    the followers_version just read from the database): from the cache
    where it holds that version, else from the database (cached for the
    next fan-out). Accounts that are gone are left out."""
    if not versions:
        return {}
    keys = {a: followers_key(a) for a in versions}
    hits = await services.cache.get_many(keys.values())
    found: dict[int, Followers] = {}
    for account_id, key in keys.items():
        raw = hits.get(key)
        cached = Followers.unpack(raw) if raw is not None else None
        if cached is not None and cached.version == versions[account_id]:
            found[account_id] = cached
    missing = sorted(a for a in versions if a not in found)
    if missing:
        fresh = await _read(conn, missing)
        found.update(fresh)
        keep = {keys[a]: f.pack() for a, f in fresh.items() if len(f) <= MAX_CACHED}
        if keep:
            await services.cache.set_many(keep, ttl=FOLLOWERS_TTL)
    return found


class FollowerPages:
    """The pages of one account's followers (in follows.id order, past a
    follow id) for a fan-out too long for one batch: each page reads the
    account's followers version, as reading the page from the database
    would see the follows of that moment, and takes the page from the
    cached list of that version (kept here between pages). An account with
    more than ``MAX_CACHED`` followers is paged from the database."""

    def __init__(self, services: Services, account_id: int) -> None:
        self.services = services
        self.account_id = account_id
        self._list: Followers | None = None

    async def page(self, conn: AsyncConnection, *, after: int, limit: int) -> list[FollowerRow]:
        versions = await follower_versions(conn, [self.account_id])
        if self.account_id not in versions:
            return []  # the account is gone
        count, version = versions[self.account_id]
        if count > MAX_CACHED:
            return await follower_page(conn, self.account_id, after=after, limit=limit)
        if self._list is None or self._list.version != version:
            found = await load_followers(self.services, conn, {self.account_id: version})
            self._list = found.get(self.account_id)
            if self._list is None:
                return []
        return self._list.rows(after=after, limit=limit)
