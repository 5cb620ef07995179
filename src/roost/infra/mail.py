"""Outgoing e-mail: SMTP through aiosmtplib, or the log when no SMTP host is set.

Mail is only ever sent from background jobs (see ``roost.accounts.mailjobs``),
never inside a request: an SMTP server that is slow or down delays the job,
which the job runner retries with backoff, not the user's request.
"""

from __future__ import annotations

import dataclasses
import logging
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

import aiosmtplib

log = logging.getLogger("roost.mail")

# An SMTP server that accepts the connection but never answers must not hold
# a worker's job for ever.
SMTP_TIMEOUT_SECONDS = 30.0


@dataclasses.dataclass(frozen=True, slots=True)
class Mail:
    """One plain-text message to one recipient."""

    to: str
    subject: str
    text: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


def build_message(mail: Mail, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    domain = sender.rpartition("@")[2].strip("> ") or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(mail.text)
    return message


@dataclasses.dataclass(frozen=True, slots=True)
class SmtpMailer:
    """Delivers through an SMTP server. ``tls``: auto (STARTTLS when the
    server offers it), starttls (required), tls (implicit TLS) or none."""

    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    tls: str = "auto"

    async def send(self, mail: Mail) -> None:
        start_tls: bool | None = {"auto": None, "starttls": True}.get(self.tls, False)
        await aiosmtplib.send(
            build_message(mail, sender=self.sender),
            hostname=self.host,
            port=self.port,
            username=self.user or None,
            password=self.password or None,
            use_tls=self.tls == "tls",
            start_tls=start_tls,
            timeout=SMTP_TIMEOUT_SECONDS,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class LogMailer:
    """No SMTP server configured: the message goes to the log, so that a
    development server can still be used (the link is in the log line)."""

    sender: str

    async def send(self, mail: Mail) -> None:
        log.warning(
            "no SMTP host configured (ROOST_SMTP_HOST); mail not sent, to %s: %s\n%s",
            mail.to,
            mail.subject,
            mail.text,
        )
