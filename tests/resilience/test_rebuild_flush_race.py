"""A flush that lands in the middle of a home timeline rebuild, between the
mark and the merge, while a new post is fanned out: the rebuild must not
recreate the timeline without that post (the fan-out skipped the flushed
timeline, and the rebuild's database read was taken before the post)."""

from __future__ import annotations

from collections.abc import Iterable

from roost.infra.timeline_store import TimelineStore
from roost.services import Services
from roost.statuses.drafts import NewStatus
from roost.statuses.service import post_status
from tests.helpers import ApiClient
from tests.timelines.support import cached_home, follow, home, post


class FlushBeforeFirstMerge:
    """Delegates to the real store; right before the first merge it deletes
    every timeline and has ``author`` post, fanned out at once."""

    def __init__(self, inner: TimelineStore, services: Services, author: int) -> None:
        self.inner = inner
        self.services = services
        self.author = author
        self.posted: list[int] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def merge(self, key: str, ids: Iterable[int], *, create: bool = True) -> bool:
        if not self.posted:
            await self.inner.clear()
            status_id = await post_status(
                self.services, NewStatus(author_id=self.author, text="meanwhile")
            )
            self.posted.append(status_id)
            await self.services.jobs.run_pending()
        return await self.inner.merge(key, ids, create=create)


def test_a_flush_between_mark_and_merge_loses_no_post(client: ApiClient) -> None:
    alice, bob = client.make_user("alice"), client.make_user("bob")
    follow(client, alice, bob)
    before = post(client, bob, "before")
    client.drain()
    services = client.services
    real = services.timelines
    flushing = FlushBeforeFirstMerge(real, services, bob.id)
    services.timelines = flushing  # type: ignore[assignment]
    try:
        ids = home(client, alice)
    finally:
        services.timelines = real
    meanwhile = str(flushing.posted[0])
    assert ids == [meanwhile, before]
    assert cached_home(client, alice) == [int(meanwhile), int(before)]
    assert home(client, alice) == [meanwhile, before]
