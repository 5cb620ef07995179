"""Which followers' home and list timelines get a new status, decided from
facts read beforehand (no I/O here): shared by the fan-out of one status
(``roost.timelines.fanout``) and of a batch (``roost.timelines.fanout_batch``),
so that both deliver exactly the same way.

The facts may cover more than the status needs (a batch reads the follows
and exclusions of all its statuses' receivers at once): each status keeps
only those about the accounts it involves, which is what the one-status
path reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from roost.lists.store import LIST, ListTarget
from roost.statuses.records import DIRECT
from roost.timelines.filters import (
    ReceiverView,
    StatusFacts,
    admits_home,
    admits_list,
    followed_accounts_that_matter,
    involved_accounts,
)


def receiver_views(
    status: StatusFacts,
    receivers: dict[int, bool],
    follows: Iterable[tuple[int, int]],
    exclusions: Iterable[tuple[int, int]],
) -> list[ReceiverView]:
    """Views of ``receivers`` (receiver -> show_reblogs of the author) from
    (receiver, followed account) and (receiver, excluded account) pairs."""
    matter = set(followed_accounts_that_matter(status))
    involved = set(involved_accounts(status))
    following: dict[int, dict[int, bool]] = {
        r: {status.account_id: s} for r, s in receivers.items()
    }
    for receiver, target in follows:
        if target in matter and receiver in following:
            following[receiver].setdefault(target, True)
    excluded: dict[int, set[int]] = {r: set() for r in receivers}
    for receiver, account in exclusions:
        if account in involved and receiver in excluded:
            excluded[receiver].add(account)
    return [ReceiverView(r, following[r], excluded[r]) for r in receivers]


def lists_asking_membership(status: StatusFacts, targets: Sequence[ListTarget]) -> list[int]:
    """The lists among ``targets`` whose ``list`` replies policy needs to
    know whether they hold the account ``status`` replies to."""
    reply_to = status.in_reply_to_account_id
    if reply_to is None or reply_to == status.account_id:
        return []
    return [t.id for t in targets if t.replies_policy == LIST]


def admitted(
    status: StatusFacts,
    views: Sequence[ReceiverView],
    targets: Sequence[ListTarget],
    in_list: set[int],
) -> tuple[list[int], list[int]]:
    """(home timelines, list timelines) that get ``status``: ``targets`` are
    the receivers' lists holding its author, ``in_list`` those of them that
    hold the account it replies to. The owner of an exclusive list holding
    the author gets it in that list only."""
    exclusive = {t.owner_id for t in targets if t.exclusive}
    homes = [
        v.account_id for v in views if v.account_id not in exclusive and admits_home(status, v)
    ]
    if not targets:
        return homes, []
    by_owner = {v.account_id: v for v in views}
    lists = [
        t.id
        for t in targets
        if t.owner_id in by_owner
        and admits_list(
            status,
            by_owner[t.owner_id],
            replies_policy=t.replies_policy,
            reply_to_in_list=t.id in in_list,
        )
    ]
    return homes, lists


def plain(status: StatusFacts) -> bool:
    """An original, non-direct status that replies to nobody else: the
    author's followers get it unless they exclude the author (the rule of
    ``admits_home`` and ``admits_list`` for such a status)."""
    return (
        status.visibility != DIRECT
        and status.reblog_of_id is None
        and status.in_reply_to_account_id in (None, status.account_id)
    )


def admit_receivers(
    status: StatusFacts,
    receivers: dict[int, bool],
    follows: Iterable[tuple[int, int]],
    exclusions: Iterable[tuple[int, int]],
    targets: Sequence[ListTarget],
    in_list: set[int],
) -> tuple[list[int], list[int]]:
    """``admitted`` of ``receivers`` (follower -> show_reblogs, the author
    left out) from the facts ``receiver_views`` takes. A ``plain`` status
    (most posts) is decided without building a view per receiver: the same
    answer, for a fraction of the time."""
    if not plain(status):
        views = receiver_views(status, receivers, follows, exclusions)
        return admitted(status, views, targets, in_list)
    author = status.account_id
    blocked = {r for r, a in exclusions if a == author and r in receivers}
    exclusive = {t.owner_id for t in targets if t.exclusive}
    homes = [r for r in receivers if r not in blocked and r not in exclusive]
    lists = [t.id for t in targets if t.owner_id in receivers and t.owner_id not in blocked]
    return homes, lists
