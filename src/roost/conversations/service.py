"""Conversation use cases: list, mark read, remove (404 for another's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from roost.conversations import store
from roost.conversations.store import ConversationRow
from roost.conversations.wire import render_conversations
from roost.kernel.errors import NotFound
from roost.kernel.paging import Page

if TYPE_CHECKING:
    from roost.services import Services


async def list_conversations(
    services: Services, *, viewer_id: int, page: Page
) -> tuple[list[ConversationRow], list[bytes]]:
    rows = await store.page_of(services, account_id=viewer_id, page=page)
    return rows, await render_conversations(services, rows, viewer_id=viewer_id)


async def mark_read(services: Services, *, viewer_id: int, conversation_id: int) -> bytes:
    if not await store.mark_read(services, account_id=viewer_id, conversation_id=conversation_id):
        raise NotFound()
    row = await store.get(services, account_id=viewer_id, conversation_id=conversation_id)
    if row is None:
        raise NotFound()
    return (await render_conversations(services, [row], viewer_id=viewer_id))[0]


async def remove(services: Services, *, viewer_id: int, conversation_id: int) -> None:
    if not await store.remove(services, account_id=viewer_id, conversation_id=conversation_id):
        raise NotFound()


async def render_for_stream(services: Services, *, viewer_id: int, status_id: int) -> bytes | None:
    """The viewer's conversation that a new direct status just updated."""
    row = await store.by_last_status(services, account_id=viewer_id, status_id=status_id)
    if row is None:
        return None
    return (await render_conversations(services, [row], viewer_id=viewer_id))[0]
