"""The background job that mails a confirmation link.

It runs at least once per request (see ``roost.jobs.queue``): the token is
made and committed first, then the mail is sent; a retry after a failed
send makes a fresh token, and a link that was mailed twice still works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

import sqlalchemy as sa

from roost.accounts.confirmation import MAIL_JOB, issue_token
from roost.db import schema
from roost.infra.mail import Mail
from roost.jobs.runner import Job, JobHandler

if TYPE_CHECKING:
    from roost.config import Settings

_a = schema.accounts


def confirmation_link(settings: Settings, token: str) -> str:
    query = urlencode({"confirmation_token": token})
    return f"{settings.public_url.rstrip('/')}/auth/confirmation?{query}"


def confirmation_mail(settings: Settings, *, username: str, email: str, token: str) -> Mail:
    hours = settings.email_confirmation_hours
    text = (
        f"Hello {username},\n\n"
        f"someone (hopefully you) signed up on {settings.instance_title} "
        f"({settings.domain}) with this e-mail address.\n\n"
        "To confirm the address, open this link:\n\n"
        f"{confirmation_link(settings, token)}\n\n"
        f"The link works for {hours} hours. If you did not sign up, ignore this mail.\n"
    )
    return Mail(to=email, subject=f"Confirm your e-mail address on {settings.domain}", text=text)


async def send_confirmation_mail(job: Job) -> None:
    services = job.services
    account_id = int(job.payload["account_id"])
    async with services.db.write() as conn:
        row = (
            await conn.execute(
                sa.select(_a.c.username, _a.c.email, _a.c.confirmed_at).where(_a.c.id == account_id)
            )
        ).first()
        # Rejected (deleted) or confirmed meanwhile: nothing to send.
        if row is None or row.confirmed_at is not None:
            return
        token = await issue_token(conn, services, account_id=account_id, email=row.email)
    mail = confirmation_mail(services.settings, username=row.username, email=row.email, token=token)
    await services.mailer.send(mail)


JOB_HANDLERS: dict[str, JobHandler] = {MAIL_JOB: send_confirmation_mail}
