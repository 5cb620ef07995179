"""Bench setup: deployments, the data load with tokens, and the options."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import click
import pytest

from roost.seed.graphs import GeneratedGraph
from roost.services import build_services
from roost_bench.command import _options
from roost_bench.dataset import load_dataset
from roost_bench.deploy import embedded, postgres, scratch_url, storage_size
from roost_bench.runner import WORKLOADS, run_async
from tests.conftest import PG_ADMIN_URL, REDIS_URL, require_service


def test_scratch_url_replaces_the_database() -> None:
    assert (
        scratch_url("postgresql://u:p@db:5432/postgres?sslmode=off", "roost_bench_1")
        == "postgresql://u:p@db:5432/roost_bench_1?sslmode=off"
    )


def test_embedded_load_issues_working_tokens() -> None:
    graph = GeneratedGraph(users=60, follows_per_user=5, seed=2)
    with embedded() as dep:
        data = run_async(load_dataset(dep, graph, posts_per_user=(1, 3), token_users=[0, 5, 59]))
        assert data.users == 60
        assert sorted(data.tokens) == [0, 5, 59]
        assert data.followers_count.sum() == data.follows

        async def resolve() -> dict[int, int | None]:
            services = build_services(dep.settings())
            try:
                found = {}
                for user, token in data.tokens.items():
                    viewer = await services.tokens.viewer_for(token)
                    assert viewer is not None
                    assert viewer.allows("write:statuses")
                    found[user] = viewer.account_id
                return found
            finally:
                await services.close()

        assert run_async(resolve()) == {u: data.account_id(u) for u in (0, 5, 59)}
        sizes = run_async(storage_size(dep))
        assert sizes["database_bytes"] and sizes["database_bytes"] > 0
        assert sizes["redis_used_bytes"] is None
        lua = data.wrk_users([5, 0])
        assert lua["tokens"] == [data.tokens[5], data.tokens[0]]
        assert lua["usernames"] == ["username_5", "username_0"]
        assert lua["account_ids"] == [str(data.account_id(5)), str(data.account_id(0))]
    assert not dep.data_dir.exists()


@pytest.mark.postgres
@pytest.mark.redis
def test_postgres_deployment_is_a_scratch_database() -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)

    async def databases() -> set[str]:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            return {r[0] for r in await conn.fetch("SELECT datname FROM pg_database")}
        finally:
            await conn.close()

    with postgres(PG_ADMIN_URL, REDIS_URL) as dep:
        name = dep.env["ROOST_DATABASE_URL"].rsplit("/", 1)[1]
        assert name.startswith("roost_bench_")
        assert name in asyncio.run(databases())
        assert dep.env["ROOST_REDIS_KEY_PREFIX"].startswith("roostbench")
        graph = GeneratedGraph(users=30, follows_per_user=3, seed=1)
        data = run_async(load_dataset(dep, graph, posts_per_user=(0, 2)))
        assert len(data.tokens) == 30
        sizes = run_async(storage_size(dep))
        assert sizes["database_bytes"] and sizes["redis_used_bytes"]
    assert name not in asyncio.run(databases())


def _values(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "quick": False, "workloads": (), "deployments": (), "database_url": None,
        "redis_url": None, "workers": None, "server": "uvicorn", "dataset": None,
        "repetitions": None, "duration": None, "open_loop_seconds": None, "connections": None,
        "post_rates": None, "scale_rate": None, "celebrity_users": None,
        "celebrity_followers": None, "scale_sizes": None, "seed": 0,
        "out_dir": Path("bench-results"),
    }  # fmt: skip
    return values | changes


def test_options_quick_and_full() -> None:
    quick = _options(_values(quick=True))
    assert quick.quick and quick.repetitions == 1 and quick.workers == (1,)
    assert quick.workloads == WORKLOADS and quick.deployments == ("embedded",)
    full = _options(_values(workers=(1, 4), scale_sizes=(1_000,), celebrity_users=10))
    assert not full.quick and full.workers == (1, 4) and full.scale_sizes == (1_000,)
    # a celebrity cannot have more followers than there are other users
    assert full.celebrity_followers == 9


def test_options_postgres_needs_both_urls() -> None:
    both = _options(_values(database_url="postgresql://x/y", redis_url="redis://r"))
    assert both.deployments == ("embedded", "postgres")
    with pytest.raises(click.UsageError):
        _options(_values(deployments=("postgres",), database_url="postgresql://x/y"))


def test_options_job_workers() -> None:
    urls = {"database_url": "postgresql://x/y", "redis_url": "redis://r"}
    options = _options(_values(quick=True, job_workers=(1, 2), job_concurrency=4, **urls))
    assert options.job_workers == (1, 2) and options.job_concurrency == 4
    # default: the app servers run the jobs
    assert _options(_values(**urls)).job_workers == (0,)
    # job workers need the postgres deployment (the embedded one runs jobs in the app)
    with pytest.raises(click.UsageError):
        _options(_values(job_workers=(1,)))
    mixed = _options(_values(deployments=("embedded", "postgres"), job_workers=(0, 1), **urls))
    assert mixed.job_workers == (0, 1)


def test_options_celebrity_followers_bring_their_users() -> None:
    # a million followers asked for: a million and one users, even in quick mode
    quick = _options(_values(quick=True, celebrity_followers=1_000_000))
    assert (quick.celebrity_users, quick.celebrity_followers) == (1_000_001, 1_000_000)
    # a million followers pass the default threshold: it stays the server's
    assert quick.celebrity_follows_per_user == 15.0 and quick.hot_user_threshold is None
    # the small quick graph gets a threshold its celebrity passes
    small = _options(_values(quick=True))
    assert small.celebrity_followers == 2_500 and small.hot_user_threshold == 1_250
    # both given: the followers stay under the users
    both = _options(_values(quick=True, celebrity_users=500, celebrity_followers=800))
    assert (both.celebrity_users, both.celebrity_followers) == (500, 499)
    tuned = _options(
        _values(celebrity_follows_per_user=5.0, hot_user_threshold=50_000, workers=(1,))
    )
    assert tuned.celebrity_follows_per_user == 5.0 and tuned.hot_user_threshold == 50_000
    assert tuned.celebrity_users == 50_000 and tuned.celebrity_followers == 49_999
