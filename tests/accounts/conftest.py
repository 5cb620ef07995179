"""A test SMTP server and an API client whose Roost mails through it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from roost.config import Settings
from tests.accounts.mailbox import Mailbox, smtp_server
from tests.helpers import ApiClient


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture
def smtp_settings(settings: Settings, mailbox: tuple[Mailbox, int]) -> Settings:
    """SMTP configured: e-mail confirmation is required (the "auto" default)."""
    return settings.replace(smtp_host="127.0.0.1", smtp_port=mailbox[1])


@pytest.fixture
def mail_client(smtp_settings: Settings) -> Iterator[ApiClient]:
    with ApiClient.start(smtp_settings) as api:
        yield api


@pytest.fixture
def inbox(mailbox: tuple[Mailbox, int]) -> Mailbox:
    return mailbox[0]
