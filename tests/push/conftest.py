from __future__ import annotations

from collections.abc import Iterator

import pytest

from roost.config import Settings
from tests.push.pushservice import PushService


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test push service listens on loopback over plain http."""
    return settings.replace(push_allow_loopback=True)


@pytest.fixture(scope="module")
def push_service() -> Iterator[PushService]:
    yield from PushService.running()
