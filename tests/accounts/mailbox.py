"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

_LINK_RE = re.compile(r"https?://\S+/auth/confirmation\?\S+")


@dataclasses.dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    @property
    def link(self) -> str:
        match = _LINK_RE.search(self.text)
        assert match is not None, self.text
        return match.group(0)

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.link).query)["confirmation_token"][0]

    @property
    def path(self) -> str:
        """The link without scheme and host, for the test client."""
        parts = urlsplit(self.link)
        return f"{parts.path}?{parts.query}"


class Mailbox:
    """The SMTP handler: every accepted message, in order."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"

    def take(self) -> list[Received]:
        with self._lock:
            taken, self.messages = self.messages, []
        return taken


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """Serve SMTP on a free loopback port until the block ends."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()
