"""Conversation JSON, spliced like timelines: the other participants'
Account JSON and the last status from ``statuses.wire``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_accounts
from roost.conversations.store import ConversationRow
from roost.statuses.wire import render_status_fragments

if TYPE_CHECKING:
    from roost.services import Services

_encode = msgspec.json.encode


async def render_conversations(
    services: Services, rows: Sequence[ConversationRow], *, viewer_id: int
) -> list[bytes]:
    """Each conversation as JSON; ``last_status`` is null when the viewer
    may no longer see it (deleted, or its author blocked)."""
    people = {p for r in rows for p in r.participant_ids}
    records = await load_accounts(services, people)
    accounts = {i: _encode(serialize_account(services.settings, a)) for i, a in records.items()}
    statuses = await render_status_fragments(
        services, [r.last_status_id for r in rows], viewer_id=viewer_id
    )
    out = []
    for row in rows:
        shown = b",".join(accounts[p] for p in row.participant_ids if p in accounts)
        out.append(
            b'{"id":"%d","unread":%s,"accounts":[%s],"last_status":%s}'
            % (
                row.id,
                b"true" if row.unread else b"false",
                shown,
                statuses.get(row.last_status_id, b"null"),
            )
        )
    return out
