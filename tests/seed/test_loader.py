"""Bulk loading into SQLite and PostgreSQL: exact counts and counters,
time-ordered ids, and refusing to load over existing data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from roost.config import Settings
from roost.db import schema
from roost.ids import datetime_from_id
from roost.seed.graphs import GeneratedGraph, read_reed98
from roost.seed.loader import (
    DEMO_PASSWORD,
    SeedOptions,
    SeedRefused,
    database_is_empty,
    seed_database,
)
from roost.services import Services
from roost.statuses.content import render_text
from tests.seed.support import run

a, f, s = schema.accounts, schema.follows, schema.statuses


async def _scalar(services: Services, query: Any) -> Any:
    async with services.db.read(primary=True) as conn:
        return (await conn.execute(query)).scalar_one()


def test_reed98_loads_with_exact_counters(settings: Settings) -> None:
    async def body(services: Services) -> None:
        started = datetime.now(UTC)
        report = await seed_database(
            services, read_reed98(), SeedOptions(posts_min=0, posts_max=3, seed=5)
        )
        assert (report.users, report.follows) == (962, 37_624)
        assert await _scalar(services, sa.select(sa.func.count()).select_from(a)) == 962
        assert await _scalar(services, sa.select(sa.func.count()).select_from(f)) == 37_624
        statuses = await _scalar(services, sa.select(sa.func.count()).select_from(s))
        assert statuses == report.statuses and 0 < statuses <= 3 * 962

        async with services.db.read(primary=True) as conn:
            # Every friendship is a follow both ways.
            g = f.alias("g")
            mutual = sa.select(sa.func.count()).select_from(
                f.join(
                    g,
                    sa.and_(
                        g.c.account_id == f.c.target_account_id,
                        g.c.target_account_id == f.c.account_id,
                    ),
                )
            )
            assert (await conn.execute(mutual)).scalar_one() == 37_624
            by_target = sa.select(f.c.target_account_id, sa.func.count()).group_by(
                f.c.target_account_id
            )
            followers = {row[0]: row[1] for row in await conn.execute(by_target)}
            by_owner = sa.select(f.c.account_id, sa.func.count()).group_by(f.c.account_id)
            following = {row[0]: row[1] for row in await conn.execute(by_owner)}
            posted = {
                row.account_id: (row.n, row.newest)
                for row in await conn.execute(
                    sa.select(
                        s.c.account_id,
                        sa.func.count().label("n"),
                        sa.func.max(s.c.created_at).label("newest"),
                    ).group_by(s.c.account_id)
                )
            }
            accounts = (await conn.execute(sa.select(a))).all()
            rows = (await conn.execute(sa.select(s.c.id, s.c.created_at, s.c.content))).all()
            mention_rows = (await conn.execute(sa.select(schema.mentions))).all()

        by_name = {row.username: row for row in accounts}
        assert set(by_name) == {f"username_{i}" for i in range(962)}
        index = {int(account_id): i for i, account_id in enumerate(report.account_ids)}
        for row in accounts:
            i = index[row.id]
            assert row.followers_count == report.followers_count[i]
            assert row.following_count == report.following_count[i]
            assert row.statuses_count == report.statuses_count[i]
            assert row.followers_count == followers.get(row.id, 0)
            assert row.following_count == following.get(row.id, 0)
            count, newest = posted.get(row.id, (0, None))
            assert row.statuses_count == count and 0 <= count <= 3
            assert _naive(row.last_status_at) == _naive(newest)
            assert row.email == f"{row.username}@example.com"
            assert row.display_name
        assert by_name["username_0"].followers_count == 73
        assert by_name["username_0"].id == int(report.account_ids[0])
        assert services.passwords.verify(by_name["username_42"].password_hash, DEMO_PASSWORD)

        # Ids are snowflakes of their creation times, spread over the last
        # week and all older than any id handed out from now on.
        ids = [row.id for row in rows]
        assert len(set(ids)) == len(ids)
        live = services.ids.next_id()
        for row in rows:
            made = datetime_from_id(row.id)
            assert abs(made - _aware(row.created_at)) < timedelta(milliseconds=1)
            assert started - timedelta(days=7, seconds=2) <= made <= started
            assert row.id < live
        account_ids = {row.id for row in accounts}
        assert mention_rows and all(m.account_id in account_ids for m in mention_rows)
        assert report.mentions == len(mention_rows)
        # Trends and tag history see the seeded public statuses' tags: one
        # use per tag, hour and account, as posting records them.
        tu, st = schema.tag_uses, schema.status_tags
        expected = (
            sa.select(st.c.tag_id, s.c.account_id, (s.c.id // (1 << 22) // 3_600_000))
            .select_from(st.join(s, s.c.id == st.c.status_id))
            .where(s.c.visibility == 0)
            .distinct()
            .subquery()
        )
        uses = await _scalar(services, sa.select(sa.func.count()).select_from(tu))
        assert uses > 0
        assert uses == await _scalar(services, sa.select(sa.func.count()).select_from(expected))

    run(settings, body)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else _aware(moment).replace(tzinfo=None)


def test_seeding_refuses_existing_data_unless_reset(settings: Settings) -> None:
    graph = GeneratedGraph(users=300, follows_per_user=8, seed=1)

    async def body(services: Services) -> None:
        assert await database_is_empty(services)
        first = await seed_database(services, graph, SeedOptions(posts_max=2))
        assert not await database_is_empty(services)
        with pytest.raises(SeedRefused, match="--reset"):
            await seed_database(services, graph, SeedOptions(posts_max=2))
        count = sa.select(sa.func.count()).select_from(f)
        assert await _scalar(services, count) == first.follows

        other = GeneratedGraph(users=200, follows_per_user=4, seed=9)
        second = await seed_database(services, other, SeedOptions(posts_max=1, reset=True))
        assert await _scalar(services, sa.select(sa.func.count()).select_from(a)) == 200
        assert await _scalar(services, count) == second.follows != first.follows
        top = sa.select(sa.func.max(a.c.followers_count))
        most = await _scalar(services, top)
        assert most == await _scalar(
            services,
            sa.select(sa.func.count())
            .select_from(f)
            .group_by(f.c.target_account_id)
            .order_by(sa.func.count().desc())
            .limit(1),
        )

    run(settings, body)


def test_bench_text_is_random_alphanumeric_rendered_like_a_post(settings: Settings) -> None:
    graph = GeneratedGraph(users=100, follows_per_user=5, seed=4)

    async def body(services: Services) -> None:
        report = await seed_database(
            services, graph, SeedOptions(posts_min=2, posts_max=2, text_style="bench")
        )
        assert report.statuses == 200
        async with services.db.read(primary=True) as conn:
            rows = (await conn.execute(sa.select(s.c.text, s.c.content))).all()
        assert len({row.text for row in rows}) == 200
        for row in rows:
            assert len(row.text) == 256 and row.text.isalnum() and row.text.isascii()
            rendered = render_text(row.text, public_url="http://x", local_domain="x", accounts={})
            assert row.content == rendered.html

    run(settings, body)
