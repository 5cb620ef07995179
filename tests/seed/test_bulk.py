"""Bulk-writing details: past snowflake ids, the binary COPY encoding, and a
load that fails half-way."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from roost.config import Settings
from roost.db import schema
from roost.ids import datetime_from_id
from roost.seed.bulk import encode_binary_copy
from roost.seed.clock import SeedClock, Window
from roost.seed.graphs import FollowChunk
from roost.seed.loader import SeedOptions, SeedRefused, database_is_empty, seed_database
from roost.services import Services
from tests.seed.support import seed_services


def test_window_ids_are_unique_ordered_and_carry_their_time() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    clock = SeedClock.before(now, users=10, follows=10, statuses=5_000_000, post_days=1)
    positions = np.arange(5_000_000, dtype=np.int64)
    ids = clock.statuses.ids(positions)
    assert np.all(np.diff(ids) > 0)
    times = clock.statuses.times(positions)
    for i in (0, 1, 4_999_999):
        made = datetime_from_id(int(ids[i]))
        assert made == times[i].astype(datetime).replace(tzinfo=UTC)
    assert datetime_from_id(int(ids[-1])) < now
    assert datetime_from_id(int(ids[0])) >= now - timedelta(days=1, seconds=2)
    first_follow = datetime_from_id(int(clock.follows.ids(np.zeros(1, dtype=np.int64))[0]))
    assert first_follow < datetime_from_id(int(ids[0]))
    with pytest.raises(ValueError):
        Window(0, 1, 1 << 30)


def test_binary_copy_only_for_fixed_width_columns() -> None:
    f, s = schema.follows, schema.statuses
    stamps = np.array(["2000-01-01T00:00:01", "2024-05-06T07:08:09"], dtype="datetime64[ms]")
    payload = encode_binary_copy(f, {"id": np.array([1, 2], dtype=np.int64), "created_at": stamps})
    assert payload is not None
    assert payload.startswith(b"PGCOPY\n\xff\r\n\x00") and payload.endswith(b"\xff\xff")
    # header 19 bytes, then per row: 2 (count) + 2 * (4 + 8); trailer 2.
    assert len(payload) == 19 + 2 * 26 + 2
    first_row = payload[19 : 19 + 26]
    assert first_row[:2] == (2).to_bytes(2, "big")
    assert first_row[2:6] == (8).to_bytes(4, "big")
    assert first_row[18:] == (1_000_000).to_bytes(8, "big")  # µs after 2000-01-01
    assert encode_binary_copy(s, {"text": ["a", "b"]}) is None
    assert encode_binary_copy(s, {"text": np.array([b"ab", b"a"], dtype="S2")}) is None
    nat = np.array(["NaT"], dtype="datetime64[ms]")
    assert encode_binary_copy(s, {"created_at": nat}) is None


class _BrokenGraph:
    """Fails after its first chunk of follows, like a load killed half-way."""

    name = "broken"
    users = 50
    expected_follows = 98

    def follow_chunks(self) -> Iterator[FollowChunk]:
        others = np.arange(1, 50, dtype=np.int64)
        yield FollowChunk(np.zeros(49, dtype=np.int64), others)
        raise RuntimeError("disk on fire")


def test_failed_load_is_refused_or_rolled_back(settings: Settings) -> None:
    async def index_names(services: Services) -> set[str]:
        async with services.db.read(primary=True) as conn:
            names = await conn.run_sync(
                lambda c: {i["name"] for i in sa.inspect(c).get_indexes("follows")}
            )
        return {str(n) for n in names}

    async def body() -> None:
        async with seed_services(settings) as services:
            before = await index_names(services)
            options = SeedOptions(batch_size=10)
            with pytest.raises(RuntimeError, match="disk on fire"):
                await seed_database(services, _BrokenGraph(), options)
            if services.db.dialect == "postgresql":
                # One transaction per stage, DDL included: nothing stays.
                assert await database_is_empty(services)
                assert await index_names(services) == before
            else:
                assert not await database_is_empty(services)
                with pytest.raises(SeedRefused):
                    await seed_database(services, _BrokenGraph(), options)

    asyncio.run(body())
