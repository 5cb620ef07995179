"""The answer to a new post, rendered from what the post just wrote.

``render_status`` would read back the status (a cache hit: the post cached
it), the author's account, the counts and the author's marks on it. None of
that can hold anything the post does not already know: the status and the
author's row are as its commit left them, a status nobody has seen yet has
no likes, reblogs or replies, and its author has not marked it. Only the
accounts it mentions are read (usually from the cache), and a post with a
poll still takes the general path (its poll's state is read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_accounts
from roost.statuses.counters import ZERO
from roost.statuses.entities import Status
from roost.statuses.hydrate import render_status
from roost.statuses.serializers import serialize_status
from roost.statuses.visibility import ViewerState

if TYPE_CHECKING:
    from roost.services import Services
    from roost.statuses.service import Published


async def render_posted(services: Services, published: Published, *, viewer_id: int) -> Status:
    """The Status its author, ``viewer_id``, gets back for ``published``."""
    record, author = published.record, published.author
    if record is None or author is None or record.poll_id is not None:
        # An earlier post answered again (idempotency key), or a poll.
        return await render_status(services, published.status_id, viewer_id=viewer_id, primary=True)
    settings = services.settings
    mentioned = await load_accounts(services, record.mention_ids) if record.mention_ids else {}
    return serialize_status(
        settings,
        record,
        account=serialize_account(settings, author),
        mentioned=mentioned,
        state=ViewerState(viewer_id=author.id),
        counts=ZERO,
    )
