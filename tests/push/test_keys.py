"""The VAPID key pair: made on the first start, kept and shared through the
database, or given by the settings; and the push tables' migration."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from roost.config import Settings
from roost.db import schema
from roost.db.engine import make_engine
from roost.db.migrate import migrate
from roost.infra.webpush import b64decode_any, generate_vapid_keys
from roost.push.keys import configured_keys
from roost.push.sealing import seal, unseal
from roost.services import build_services
from tests.db.support import downgrade, empty_database
from tests.helpers import ApiClient


def test_the_key_pair_outlives_the_process_and_is_shared(settings: Settings) -> None:
    async def start_process() -> str:
        # An app server or worker starting on the same database.
        services = build_services(settings)
        try:
            await services.start()
            assert services.vapid is not None
            return services.vapid.public_key
        finally:
            await services.close()

    async def prepare(*, forget: bool) -> None:
        services = build_services(settings)
        try:
            if settings.is_sqlite:
                settings.data_dir.mkdir(parents=True, exist_ok=True)
            await migrate(services.db.engine)
            if forget:
                async with services.db.write() as conn:
                    await conn.execute(schema.vapid_keys.delete())
        finally:
            await services.close()

    async def two_at_once() -> list[str]:
        return list(await asyncio.gather(start_process(), start_process()))

    asyncio.run(prepare(forget=False))
    first = asyncio.run(start_process())
    assert len(b64decode_any(first)) == 65
    assert asyncio.run(start_process()) == first  # the next start keeps it
    # Two processes making the first pair at once end up with the same one.
    asyncio.run(prepare(forget=True))
    raced = asyncio.run(two_at_once())
    assert raced[0] == raced[1] != first


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_settings_give_the_key_pair(settings: Settings) -> None:
    given = generate_vapid_keys()
    configured = settings.replace(
        vapid_private_key=given.private_key, vapid_public_key=given.server_key
    )
    with ApiClient.start(configured) as client:
        assert client.services.vapid == given
        body = client.get("/api/v2/instance").json()
        assert body["configuration"]["vapid"]["public_key"] == given.server_key


def test_bad_configured_keys_are_refused() -> None:
    given, other = generate_vapid_keys(), generate_vapid_keys()
    assert configured_keys(Settings()) is None
    with pytest.raises(ValueError, match="not the public key"):
        configured_keys(
            Settings(vapid_private_key=given.private_key, vapid_public_key=other.public_key)
        )
    with pytest.raises(ValueError, match="without ROOST_VAPID_PRIVATE_KEY"):
        configured_keys(Settings(vapid_public_key=given.public_key))
    with pytest.raises(ValueError, match="32 bytes"):
        configured_keys(Settings(vapid_private_key=given.public_key))


def test_sealed_tokens_open_only_with_the_same_key() -> None:
    keys, other = generate_vapid_keys(), generate_vapid_keys()
    sealed = seal(keys, "a-token")
    assert "a-token" not in sealed
    assert unseal(keys, sealed) == "a-token"
    assert unseal(other, sealed) is None
    assert unseal(keys, None) is None
    assert unseal(keys, "garbage!") is None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from empty_database(request.param, tmp_path, "push")


def _tables(connection: sa.Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


def test_migration_up_down_up(database_url: str) -> None:
    async def run() -> tuple[set[str], set[str], set[str]]:
        engine = make_engine(database_url)
        try:
            await migrate(engine)
            async with engine.begin() as conn:
                up = await conn.run_sync(_tables)
            async with engine.begin() as conn:
                await conn.run_sync(downgrade, "0008_notifications")
            async with engine.begin() as conn:
                down = await conn.run_sync(_tables)
            await migrate(engine)
            async with engine.begin() as conn:
                again = await conn.run_sync(_tables)
        finally:
            await engine.dispose()
        return up, down, again

    up, down, again = asyncio.run(run())
    assert {"push_subscriptions", "vapid_keys"} <= up
    assert not {"push_subscriptions", "vapid_keys"} & down
    assert "notifications" in down
    assert again == up
