"""Editing one's own profile (``update_credentials``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roost.accounts.records import AccountRecord
from roost.accounts.store import fetch_account, forget_accounts, load_account
from roost.accounts.validation import Problems, check_profile_text, strip_control_chars
from roost.db import schema
from roost.kernel.errors import NotFound
from roost.relationships.requests import queue_acceptance_on_unlock

if TYPE_CHECKING:
    from roost.services import Services


def _clean_fields(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned = [
        (strip_control_chars(name).strip(), strip_control_chars(value).strip())
        for name, value in fields
    ]
    # Clients send every slot of their form; empty slots mean "no field".
    return [(name, value) for name, value in cleaned if name or value]


async def update_profile(
    services: Services,
    *,
    account_id: int,
    display_name: str | None = None,
    note: str | None = None,
    locked: bool | None = None,
    bot: bool | None = None,
    discoverable: bool | None = None,
    indexable: bool | None = None,
    fields: list[tuple[str, str]] | None = None,
    privacy: str | None = None,
    sensitive: bool | None = None,
    language: str | None = None,
) -> AccountRecord:
    """Apply the given changes (None leaves a value as it is) and return the
    updated account; 422 naming every invalid value, nothing written then."""
    if display_name is not None:
        display_name = strip_control_chars(display_name).strip()
    if note is not None:
        note = strip_control_chars(note).replace("\r\n", "\n").strip()
    if fields is not None:
        fields = _clean_fields(fields)
    if language is not None:
        language = strip_control_chars(language).strip()
    problems = Problems()
    check_profile_text(
        problems,
        display_name=display_name,
        note=note,
        fields=fields,
        privacy=privacy,
        language=language,
    )
    problems.check()

    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("display_name", display_name),
            ("note", note),
            ("locked", locked),
            ("bot", bot),
            ("discoverable", discoverable),
            ("indexable", indexable),
            ("default_privacy", privacy),
            ("default_sensitive", sensitive),
        )
        if value is not None
    }
    if fields is not None:
        changes["fields"] = [{"name": name, "value": value} for name, value in fields]
    if language is not None:
        changes["default_language"] = language or None
    if not changes:
        record = await load_account(services, account_id)
        if record is None:
            raise NotFound("Account")
        return record

    a = schema.accounts
    accepting = False
    async with services.db.write() as conn:
        await conn.execute(a.update().where(a.c.id == account_id).values(**changes))
        updated = await fetch_account(conn, account_id)
        if updated is not None and locked is False:
            # Unlocked: pending follow requests are all accepted, by a job
            # (there may be many). Locking keeps the existing followers.
            accepting = await queue_acceptance_on_unlock(services, conn, account_id)
    if updated is None:
        raise NotFound("Account")
    # Only after the commit: a reader must not re-cache the old row.
    await forget_accounts(services, account_id)
    if accepting:
        services.jobs.notify()
    return updated
