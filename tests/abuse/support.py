"""A clock the tests move by hand, and clients whose requests come from
chosen addresses."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from roost.config import Settings
from tests.helpers import ApiClient

# The front proxy of the tests: the peer address of every request of a
# ``proxied`` client, trusted by ``limited_settings``.
PROXY = "10.9.9.9"


class FakeClock:
    """Unix seconds that only move when told; installed as ``services.clock``."""

    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def limited_settings(settings: Settings, **limits: int) -> Settings:
    """``settings`` with rate limits on (the test default is off) and
    ``PROXY`` trusted, so ``X-Forwarded-For`` picks the caller's address."""
    return settings.replace(rate_limits=True, trusted_proxies=(PROXY,), **limits)


def from_address(address: str) -> dict[str, str]:
    """Headers of a request that the trusted proxy forwards for ``address``."""
    return {"X-Forwarded-For": address}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@contextlib.contextmanager
def start_proxied(settings: Settings, clock: FakeClock) -> Iterator[ApiClient]:
    """A client behind the trusted proxy, on the fake clock."""
    with ApiClient.start(settings, peer=(PROXY, 40000)) as api:
        api.services.clock = clock
        yield api


@pytest.fixture
def proxied(settings: Settings, clock: FakeClock) -> Iterator[ApiClient]:
    with start_proxied(settings, clock) as api:
        yield api
