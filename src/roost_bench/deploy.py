"""The deployments a benchmark runs against, each with a fresh, private store.

* ``embedded``: SQLite and in-process caches in a temporary data directory.
* ``postgres``: a scratch database created on the given PostgreSQL server
  (and dropped afterwards) plus the given Redis under a key prefix of its
  own, so a Redis shared with a real instance is never touched.

A deployment is a set of ``ROOST_*`` variables: the loader builds its
Settings from them and the server subprocess gets them in its environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import sqlalchemy as sa

from roost.config import Settings

DEPLOYMENTS = ("embedded", "postgres")


@dataclasses.dataclass(frozen=True)
class Deployment:
    name: str
    env: Mapping[str, str]
    data_dir: Path

    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    @property
    def label(self) -> str:
        return "SQLite + in-process cache" if self.name == "embedded" else "PostgreSQL + Redis"


def _base_env(data_dir: Path) -> dict[str, str]:
    return {
        "ROOST_DATA_DIR": str(data_dir),
        # The load comes from one address and a few accounts at thousands of
        # requests a second: the abuse limits would measure themselves.
        "ROOST_RATE_LIMITS": "false",
        "ROOST_LOG_LEVEL": "warning",
        # Servers are stopped between runs with nobody balancing them: no drain.
        "ROOST_SHUTDOWN_DRAIN_SECONDS": "0",
    }


@contextlib.contextmanager
def open_deployment(
    name: str, *, database_url: str | None, redis_url: str | None
) -> Iterator[Deployment]:
    """A fresh deployment of kind ``name`` (see DEPLOYMENTS)."""
    if name == "embedded":
        with embedded() as deployment:
            yield deployment
    elif name == "postgres":
        if not database_url:
            raise ValueError("the postgres deployment needs --database-url")
        with postgres(database_url, redis_url or "") as deployment:
            yield deployment
    else:
        raise ValueError(f"unknown deployment {name!r}")


@contextlib.contextmanager
def embedded() -> Iterator[Deployment]:
    with tempfile.TemporaryDirectory(prefix="roost-bench-") as tmp:
        data_dir = Path(tmp)
        env = _base_env(data_dir) | {"ROOST_DATABASE_URL": "", "ROOST_REDIS_URL": ""}
        yield Deployment("embedded", env, data_dir)


def scratch_url(server_url: str, name: str) -> str:
    """``server_url`` with its database replaced by ``name``."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _admin(server_url: str, statement: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.contextmanager
def postgres(database_url: str, redis_url: str) -> Iterator[Deployment]:
    """A scratch database ``roost_bench_<pid>_<random>`` on the server of
    ``database_url``, and a private key prefix on ``redis_url``."""
    if not database_url.startswith(("postgresql://", "postgres://")):
        raise ValueError("--database-url must be a postgresql:// URL")
    if not redis_url:
        raise ValueError("the postgres deployment needs --redis-url")
    name = f"roost_bench_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(database_url, f'CREATE DATABASE "{name}"'))
    prefix = f"roostbench{os.getpid()}:"
    try:
        with tempfile.TemporaryDirectory(prefix="roost-bench-") as tmp:
            data_dir = Path(tmp)
            env = _base_env(data_dir) | {
                "ROOST_DATABASE_URL": scratch_url(database_url, name),
                "ROOST_REDIS_URL": redis_url,
                "ROOST_REDIS_KEY_PREFIX": prefix,
            }
            deployment = Deployment("postgres", env, data_dir)
            try:
                yield deployment
            finally:
                asyncio.run(_clear_redis(deployment.settings()))
    finally:
        if os.environ.get("ROOST_BENCH_KEEP_DATABASE"):
            # Kept for a look at query plans afterwards; drop it by hand.
            print(f"kept database {name} (ROOST_BENCH_KEEP_DATABASE)", flush=True)
        else:
            asyncio.run(_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _clear_redis(settings: Settings) -> None:
    from roost.services import build_services

    services = build_services(settings)
    try:
        await services.cache.clear()
        await services.timelines.clear()
    finally:
        await services.close()


async def storage_size(deployment: Deployment) -> dict[str, int | None]:
    """Bytes on disk of the database, and bytes of Redis memory (whole server)."""
    settings = deployment.settings()
    sizes: dict[str, int | None] = {"database_bytes": None, "redis_used_bytes": None}
    if settings.is_sqlite:
        files = deployment.data_dir.glob("roost.db*")
        sizes["database_bytes"] = sum(f.stat().st_size for f in files)
    else:
        from roost.db.engine import make_engine

        engine = make_engine(settings.effective_database_url, pool_size=1)
        try:
            async with engine.connect() as conn:
                size = await conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
                sizes["database_bytes"] = int(size or 0)
        finally:
            await engine.dispose()
    if settings.redis_url:
        import redis.asyncio as aioredis

        try:
            client = aioredis.from_url(settings.redis_url)
        except ValueError:
            return sizes  # e.g. a cluster URL: no single server to ask
        try:
            info = await client.info("memory")
            sizes["redis_used_bytes"] = int(info["used_memory"])
        finally:
            await client.aclose()
    return sizes
