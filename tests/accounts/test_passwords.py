"""Password hash cost: secure by default, configurable, and hashes made at
another cost keep working (and are rehashed at the next login)."""

from __future__ import annotations

import argon2
import pytest
import sqlalchemy as sa

from roost.accounts.passwords import PasswordHasher
from roost.config import Settings
from roost.db import schema
from roost.services import build_services
from tests.helpers import CHEAP_PASSWORD_HASHING, ApiClient
from tests.oauth.support import PASSWORD, password_login, register_app

CHEAP = PasswordHasher(
    time_cost=CHEAP_PASSWORD_HASHING["password_hash_time_cost"],
    memory_kib=CHEAP_PASSWORD_HASHING["password_hash_memory_kib"],
)


def parameters(password_hash: str) -> tuple[int, int, int]:
    found = argon2.extract_parameters(password_hash)
    return found.time_cost, found.memory_cost, found.parallelism


def test_default_cost_is_rfc_9106_low_memory() -> None:
    profile = argon2.profiles.RFC_9106_LOW_MEMORY
    services = build_services(Settings())
    # One hash at the production cost: the only one in the unit tests.
    made = services.passwords.hash("s3cret")
    assert parameters(made) == (profile.time_cost, profile.memory_cost, profile.parallelism)
    assert argon2.extract_parameters(made).type is argon2.Type.ID
    assert services.passwords.verify(made, "s3cret")
    assert not services.passwords.needs_rehash(made)


def test_cost_comes_from_settings() -> None:
    settings = Settings(password_hash_time_cost=2, password_hash_memory_kib=64)
    made = build_services(settings).passwords.hash("s3cret")
    assert parameters(made) == (2, 64, 4)


def test_hash_made_at_another_cost_verifies_and_asks_for_a_rehash() -> None:
    stronger = PasswordHasher(time_cost=2, memory_kib=128).hash("s3cret")
    assert CHEAP.verify(stronger, "s3cret")
    assert not CHEAP.verify(stronger, "wrong")
    assert CHEAP.needs_rehash(stronger)
    assert not CHEAP.needs_rehash(CHEAP.hash("s3cret"))


@pytest.mark.parametrize("stored", ["", "not a hash", "$argon2id$v=19$m=32,t=1,p=4$broken"])
def test_garbage_never_verifies(stored: str) -> None:
    assert not CHEAP.verify(stored, "s3cret")


@pytest.mark.parametrize(("time_cost", "memory_kib"), [(0, 65_536), (-1, 65_536), (3, 31), (3, 0)])
def test_impossible_costs_are_refused_at_start(time_cost: int, memory_kib: int) -> None:
    settings = Settings(password_hash_time_cost=time_cost, password_hash_memory_kib=memory_kib)
    with pytest.raises(ValueError, match="password hash"):
        build_services(settings)


def test_dummy_hash_is_made_once_at_the_configured_cost() -> None:
    hasher = PasswordHasher(time_cost=1, memory_kib=64)
    assert hasher.dummy_hash() is hasher.dummy_hash()
    assert parameters(hasher.dummy_hash()) == (1, 64, 4)


def stored_hash(client: ApiClient, account_id: int) -> str:
    async def read() -> str:
        a = schema.accounts
        async with client.services.db.read(primary=True) as conn:
            query = sa.select(a.c.password_hash).where(a.c.id == account_id)
            return str((await conn.execute(query)).scalar_one())

    return client.call(read)


def store_hash(client: ApiClient, account_id: int, password_hash: str) -> None:
    async def write() -> None:
        a = schema.accounts
        async with client.services.db.write() as conn:
            await conn.execute(
                a.update().where(a.c.id == account_id).values(password_hash=password_hash)
            )

    client.call(write)


# Rehashing is the hasher's rule, not the database's: SQLite is enough.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_login_rehashes_a_password_stored_at_another_cost(client: ApiClient) -> None:
    alice = client.make_user("alice")
    old = PasswordHasher(time_cost=2, memory_kib=64).hash(PASSWORD)
    store_hash(client, alice.id, old)
    app = register_app(client)

    assert password_login(client, app, "alice", "wrong password").status_code == 400
    assert stored_hash(client, alice.id) == old  # a failed login changes nothing

    assert password_login(client, app, "alice").status_code == 200
    new = stored_hash(client, alice.id)
    assert new != old
    assert parameters(new) == (1, 32, 4)
    assert client.services.passwords.verify(new, PASSWORD)
    assert password_login(client, app, "alice").status_code == 200
    assert stored_hash(client, alice.id) == new  # at the configured cost now: kept
