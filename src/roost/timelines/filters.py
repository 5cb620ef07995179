"""Who gets a status in their home timeline: one rule shared by the fan-out,
the follow merge and the rebuild, so a rebuilt timeline holds what fan-out
would have delivered.

The rules, after Mastodon's FeedManager#filter_from_home:

* your own statuses always reach your home timeline;
* nothing from an account you block or mute or that blocks you (for a
  reblog, neither the reblogger nor the original author);
* a direct status only reaches the accounts it mentions;
* anything else only reaches followers of its author (private included);
* a reply to someone else only reaches followers who also follow the
  replied-to account (or are that account); self-replies (threads) reach all;
* a reblog skips followers who turned off reblogs from the reblogger, the
  author of the original, and followers who already got the original:
  those who follow its author and would have been shown it, when the
  reblog comes within ``REBLOG_DEDUPE_WINDOW`` of the original (an older
  original has likely left their timeline, so the reblog is worth showing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence, Set
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.ids import datetime_from_id
from roost.statuses.records import DIRECT

REBLOG_DEDUPE_WINDOW = timedelta(hours=24)

_s = schema.statuses
_original = schema.statuses.alias("original")


@dataclasses.dataclass(frozen=True, slots=True)
class StatusFacts:
    """The columns of a status (and of its reblogged original) that decide delivery."""

    id: int
    account_id: int
    visibility: int
    in_reply_to_account_id: int | None
    reblog_of_id: int | None
    original_account_id: int | None
    original_reply_to_account_id: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class ReceiverView:
    """What we know of one receiver: whom they follow (with the show_reblogs
    flag) and whose statuses they must not get. For a fan-out batch
    ``following`` only needs the accounts the status involves."""

    account_id: int
    following: Mapping[int, bool]
    excluded: Set[int]


def _reply_shown(author_id: int, reply_to: int | None, view: ReceiverView) -> bool:
    return (
        reply_to is None
        or reply_to == author_id
        or reply_to == view.account_id
        or reply_to in view.following
    )


def _already_seen_original(status: StatusFacts, view: ReceiverView) -> bool:
    original_author = status.original_account_id
    assert status.reblog_of_id is not None and original_author is not None
    if original_author not in view.following:
        return False
    if not _reply_shown(original_author, status.original_reply_to_account_id, view):
        return False
    age = datetime_from_id(status.id) - datetime_from_id(status.reblog_of_id)
    return age <= REBLOG_DEDUPE_WINDOW


def admits_home(status: StatusFacts, view: ReceiverView, *, mentioned: bool = False) -> bool:
    """True when ``status`` belongs in the home timeline of ``view``'s account.
    ``mentioned``: the receiver is mentioned in it (matters for direct)."""
    receiver = view.account_id
    if status.account_id == receiver:
        return True
    if status.account_id in view.excluded:
        return False
    if status.visibility == DIRECT:
        return mentioned
    show_reblogs = view.following.get(status.account_id)
    if show_reblogs is None:
        return False
    if not _reply_shown(status.account_id, status.in_reply_to_account_id, view):
        return False
    if status.reblog_of_id is not None:
        original_author = status.original_account_id
        if not show_reblogs or original_author is None:
            return False
        if original_author == receiver or original_author in view.excluded:
            return False
        if _already_seen_original(status, view):
            return False
    return True


def admits_list(
    status: StatusFacts, view: ReceiverView, *, replies_policy: str, reply_to_in_list: bool
) -> bool:
    """True when ``status`` belongs in a list timeline of ``view``'s account
    (after Mastodon's FeedManager#filter_from_list): what the home timeline
    would admit, never a direct status, and a reply to someone else than
    its author or the list's owner only as the list's ``replies_policy``
    says: ``followed`` (the owner follows the replied-to account, which
    ``admits_home`` already asks), ``list`` (it is in the list:
    ``reply_to_in_list``) or ``none``."""
    if status.visibility == DIRECT or not admits_home(status, view):
        return False
    reply_to = status.in_reply_to_account_id
    if reply_to is None or reply_to in (status.account_id, view.account_id):
        return True
    if replies_policy == "none":
        return False
    if replies_policy == "list":
        return reply_to_in_list
    return True


def admits_tagged(status: StatusFacts, view: ReceiverView) -> bool:
    """A public original status with a hashtag the receiver follows (the
    caller knows it has one): delivered unless the receiver blocks or mutes
    its author or is blocked by it (Mastodon 4's followed hashtags)."""
    return (
        status.visibility == 0
        and status.reblog_of_id is None
        and status.account_id not in view.excluded
    )


def involved_accounts(status: StatusFacts) -> list[int]:
    """Accounts whose blocks and mutes matter for delivering ``status``."""
    ids = [status.account_id]
    if status.original_account_id is not None:
        ids.append(status.original_account_id)
    return ids


def followed_accounts_that_matter(status: StatusFacts) -> list[int]:
    """Besides the author: accounts whose follow by a receiver changes the answer."""
    ids = {status.in_reply_to_account_id, status.original_account_id}
    ids.add(status.original_reply_to_account_id)
    ids.discard(None)
    ids.discard(status.account_id)
    return [i for i in ids if i is not None]


FactsSelect = sa.Select[int, int, int, int | None, int | None, int | None, int | None]
FactsRow = sa.Row[int, int, int, int | None, int | None, int | None, int | None]


def facts_query(source: sa.FromClause | None = None) -> FactsSelect:
    """Select StatusFacts columns; callers add the FROM joins' filters and paging.
    ``source``: what ``statuses`` is read from (a join that holds it)."""
    return sa.select(
        _s.c.id,
        _s.c.account_id,
        _s.c.visibility,
        _s.c.in_reply_to_account_id,
        _s.c.reblog_of_id,
        _original.c.account_id.label("original_account_id"),
        _original.c.in_reply_to_account_id.label("original_reply_to_account_id"),
    ).select_from(
        (_s if source is None else source).outerjoin(_original, _original.c.id == _s.c.reblog_of_id)
    )


def facts_from_rows(rows: Sequence[FactsRow]) -> list[StatusFacts]:
    return [
        StatusFacts(
            id=int(r.id),
            account_id=int(r.account_id),
            visibility=int(r.visibility),
            in_reply_to_account_id=r.in_reply_to_account_id,
            reblog_of_id=r.reblog_of_id,
            original_account_id=r.original_account_id,
            original_reply_to_account_id=r.original_reply_to_account_id,
        )
        for r in rows
    ]


async def load_status_facts(conn: AsyncConnection, status_id: int) -> StatusFacts | None:
    rows = (await conn.execute(facts_query().where(_s.c.id == status_id))).all()
    found = facts_from_rows(rows)
    return found[0] if found else None


async def load_many_facts(
    conn: AsyncConnection, status_ids: Sequence[int]
) -> dict[int, StatusFacts]:
    """``load_status_facts`` of several statuses (those that exist): one query."""
    if not status_ids:
        return {}
    rows = (await conn.execute(facts_query().where(_s.c.id.in_(status_ids)))).all()
    return {f.id: f for f in facts_from_rows(rows)}
