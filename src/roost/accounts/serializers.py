"""AccountRecord -> Mastodon Account JSON."""

from __future__ import annotations

import html

import msgspec

from roost.accounts.entities import Account, CredentialAccount, Field, Source
from roost.accounts.records import AccountRecord
from roost.config import Settings
from roost.kernel.timefmt import format_date, format_datetime
from roost.media.profile_keys import is_profile_key, static_key


def note_html(note: str) -> str:
    """A plain-text bio as Mastodon HTML: escaped, paragraphs and line breaks."""
    if not note.strip():
        return ""
    paragraphs = [p for p in note.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br />".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def _media_url(settings: Settings, url: str, fallback: str, *, static: bool = False) -> str:
    if not url:
        return f"{settings.public_url}/static/{fallback}"
    if url.startswith(("http://", "https://")):
        return url
    if is_profile_key(url):  # an uploaded picture in the blob store
        return f"{settings.media_base_url}/{static_key(url) if static else url}"
    return f"{settings.public_url}/{url.lstrip('/')}"


def serialize_account(settings: Settings, record: AccountRecord) -> Account:
    if record.suspended:
        return _suspended_stub(settings, record)
    avatar = _media_url(settings, record.avatar_url, "avatar-missing.png")
    header = _media_url(settings, record.header_url, "header-missing.png")
    avatar_static = _media_url(settings, record.avatar_url, "avatar-missing.png", static=True)
    header_static = _media_url(settings, record.header_url, "header-missing.png", static=True)
    profile_url = f"{settings.public_url}/@{record.username}"
    return Account(
        id=str(record.id),
        username=record.username,
        acct=record.username,
        url=profile_url,
        uri=f"{settings.public_url}/users/{record.username}",
        display_name=record.display_name,
        note=note_html(record.note),
        avatar=avatar,
        avatar_static=avatar_static,
        header=header,
        header_static=header_static,
        locked=record.locked,
        bot=record.bot,
        group=False,
        discoverable=record.discoverable,
        indexable=record.indexable,
        created_at=format_datetime(record.created_at),
        last_status_at=format_date(record.last_status_at),
        followers_count=record.followers_count,
        following_count=record.following_count,
        statuses_count=record.statuses_count,
        fields=[Field(name=f["name"], value=html.escape(f["value"])) for f in record.fields],
        emojis=[],
        roles=[],
        limited=True if record.silenced else msgspec.UNSET,
    )


def _suspended_stub(settings: Settings, record: AccountRecord) -> Account:
    """What others see of a suspended account, as on Mastodon: its name and
    counts, nothing it wrote about itself, default pictures."""
    blank = msgspec.structs.replace(
        record,
        display_name="",
        note="",
        fields=[],
        avatar_url="",
        header_url="",
        locked=False,
        bot=False,
        discoverable=False,
        suspended=False,
        silenced=False,
    )
    stub = serialize_account(settings, blank)
    stub.suspended = True
    return stub


def serialize_credential_account(
    settings: Settings, record: AccountRecord, *, follow_requests_count: int = 0
) -> CredentialAccount:
    base = serialize_account(settings, record)
    fields = {name: getattr(base, name) for name in Account.__struct_fields__}
    source = Source(
        note=record.note,
        fields=[Field(name=f["name"], value=f["value"]) for f in record.fields],
        privacy=record.default_privacy,
        sensitive=record.default_sensitive,
        language=record.default_language,
        follow_requests_count=follow_requests_count,
    )
    return CredentialAccount(**fields, source=source)
