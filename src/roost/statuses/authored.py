"""Keeping each account's list of its own statuses (``authored:<account>``)
current in the timeline store, right after the commits that change it.

The list holds the ids of every status and reblog an account posted, of any
visibility, newest first and capped like a home timeline; the user timeline
(``roost.timelines.authored``) reads a page from it and filters it by the
status records for its viewer. A list that is missing is rebuilt from the
database by its first reader (mark, read, merge: see
``roost.infra.timeline_store``), so a write here only ever adds to or
removes from a list that exists.

These calls are the fast path, for read-your-writes: the ``fanout_status``
and ``unfanout_status`` jobs, enqueued in the same transaction as the
status, make the same change again (an idempotent push or removal), which
is what guarantees it when Redis was unreachable here after the commit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from roost.infra.resilient import BackendUnavailable
from roost.kernel.cachekeys import authored_key

if TYPE_CHECKING:
    from roost.services import Services


async def remember_authored(
    services: Services, account_id: int, status_id: int, *, more: Sequence[str] = ()
) -> None:
    """Add a just-committed status (or reblog) to its author's list, and to
    the other lists in ``more`` in the same call (the public and hashtag
    lists: ``roost.statuses.public_lists``)."""
    # When Redis is unreachable, the status's fan-out job pushes it later.
    with contextlib.suppress(BackendUnavailable):
        await services.timelines.push([authored_key(account_id), *more], status_id)


async def forget_authored(services: Services, removed: Iterable[tuple[int, int]]) -> None:
    """Take just-deleted statuses, as (author, status) pairs, out of their
    authors' lists (an id left behind would only be skipped by the reader:
    its record is gone)."""
    by_author: dict[int, list[int]] = {}
    for account_id, status_id in removed:
        by_author.setdefault(account_id, []).append(status_id)
    # When Redis is unreachable, unfanout_status removes them later.
    with contextlib.suppress(BackendUnavailable):
        for account_id, status_ids in by_author.items():
            await services.timelines.remove(authored_key(account_id), status_ids)
