"""SmtpMailer against a real SMTP server on loopback: login, the TLS modes
(a server without STARTTLS is refused when STARTTLS is required) and the
message it sends."""

from __future__ import annotations

import asyncio
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from roost.infra.mail import Mail, SmtpMailer
from tests.accounts.mailbox import Mailbox, free_port

MAIL = Mail(to="someone@example.com", subject="Hello", text="A line.\n")


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _authenticator(logins: list[tuple[str, str]]) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False)
        login, password = _text(data.login), _text(data.password)
        logins.append((login, password))
        return AuthResult(success=password == "s3cret")

    return check


def test_sends_with_login_in_plain_mode() -> None:
    mailbox, logins = Mailbox(), list[tuple[str, str]]()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator(logins),
        auth_require_tls=False,
    )
    controller.start()
    try:
        mailer = SmtpMailer(
            host="127.0.0.1",
            port=port,
            sender="Roost <roost@example.org>",
            user="roost",
            password="s3cret",
            tls="none",
        )
        asyncio.run(mailer.send(MAIL))
    finally:
        controller.stop()
    assert logins == [("roost", "s3cret")]
    [received] = mailbox.take()
    assert received.recipients == ["someone@example.com"]
    assert received.sender == "roost@example.org"
    assert received.message["From"] == "Roost <roost@example.org>"
    assert received.message["Subject"] == "Hello"
    assert received.message["Message-ID"].endswith("@example.org>")
    assert received.text.strip() == "A line."


def test_required_starttls_is_never_skipped() -> None:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mailer = SmtpMailer(host="127.0.0.1", port=port, sender="r@example.org", tls="starttls")
        with pytest.raises(aiosmtplib.SMTPException):
            asyncio.run(mailer.send(MAIL))
        # auto: the server offers no STARTTLS, so the mail goes in the clear.
        auto = SmtpMailer(host="127.0.0.1", port=port, sender="r@example.org", tls="auto")
        asyncio.run(auto.send(MAIL))
    finally:
        controller.stop()
    assert len(mailbox.take()) == 1
