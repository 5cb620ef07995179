"""The home timeline admission rule (``roost.timelines.filters.admits_home``)
as a table: one row per rule and per edge of it, no database.

The API tests (test_delivery_rules.py, test_hot.py) check that fan-out,
the follow merge and the rebuild all apply this rule; these rows pin the
rule itself."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta

import pytest

from roost.ids import id_from_datetime
from roost.lists.store import LIST, ListTarget
from roost.statuses.records import DIRECT, PRIVATE, PUBLIC, UNLISTED
from roost.timelines import admission
from roost.timelines.filters import (
    REBLOG_DEDUPE_WINDOW,
    ReceiverView,
    StatusFacts,
    admits_home,
    followed_accounts_that_matter,
    involved_accounts,
)

RECEIVER, AUTHOR, OTHER, THIRD = 1, 2, 3, 4
ORIGINAL_POSTED = datetime(2026, 1, 1, tzinfo=UTC)
ORIGINAL_ID = id_from_datetime(ORIGINAL_POSTED)


def status(
    *,
    author: int = AUTHOR,
    visibility: int = PUBLIC,
    reply_to: int | None = None,
) -> StatusFacts:
    return StatusFacts(
        id=id_from_datetime(ORIGINAL_POSTED + timedelta(hours=1)),
        account_id=author,
        visibility=visibility,
        in_reply_to_account_id=reply_to,
        reblog_of_id=None,
        original_account_id=None,
        original_reply_to_account_id=None,
    )


def reblog(
    *,
    of: int | None = OTHER,
    by: int = AUTHOR,
    after: timedelta = timedelta(hours=1),
    original_reply_to: int | None = None,
) -> StatusFacts:
    """A reblog by ``by``, ``after`` the original of ``of`` (None: the
    original is gone) was posted."""
    return StatusFacts(
        id=id_from_datetime(ORIGINAL_POSTED + after),
        account_id=by,
        visibility=PUBLIC,
        in_reply_to_account_id=None,
        reblog_of_id=ORIGINAL_ID,
        original_account_id=of,
        original_reply_to_account_id=original_reply_to,
    )


def view(
    following: Mapping[int, bool] | None = None, excluded: Collection[int] = ()
) -> ReceiverView:
    """The receiver's view; by default they follow AUTHOR, reblogs shown."""
    return ReceiverView(
        account_id=RECEIVER,
        following={AUTHOR: True} if following is None else following,
        excluded=frozenset(excluded),
    )


NOBODY: dict[int, bool] = {}
WINDOW = REBLOG_DEDUPE_WINDOW

ADMISSION = [
    # Own statuses, always.
    ("own public", status(author=RECEIVER), view(NOBODY), False, True),
    ("own direct, not mentioned", status(author=RECEIVER, visibility=DIRECT), view(), False, True),
    ("own reply to a stranger", status(author=RECEIVER, reply_to=THIRD), view(NOBODY), False, True),
    ("own reblog of a muted account", reblog(by=RECEIVER), view(excluded=[OTHER]), False, True),
    # Blocked or muted, either way.
    ("followed but muted", status(), view(excluded=[AUTHOR]), False, False),
    (
        "direct mention from a blocked account",
        status(visibility=DIRECT),
        view(excluded=[AUTHOR]),
        True,
        False,
    ),
    # Direct: the mentioned accounts only, following or not.
    ("direct, mentioned, following", status(visibility=DIRECT), view(), True, True),
    ("direct, mentioned, not following", status(visibility=DIRECT), view(NOBODY), True, True),
    ("direct, not mentioned, following", status(visibility=DIRECT), view(), False, False),
    # Everything else: followers only, private included, mentions or not.
    ("public, following", status(), view(), False, True),
    ("unlisted, following", status(visibility=UNLISTED), view(), False, True),
    ("private, following", status(visibility=PRIVATE), view(), False, True),
    ("public, not following", status(), view(NOBODY), False, False),
    ("public, following someone else", status(), view({OTHER: True}), False, False),
    ("private, mentioned, not following", status(visibility=PRIVATE), view(NOBODY), True, False),
    ("public, mentioned, not following", status(), view(NOBODY), True, False),
    # Replies: to self (a thread), to the receiver, or to someone they follow.
    ("self-reply", status(reply_to=AUTHOR), view(), False, True),
    ("reply to the receiver", status(reply_to=RECEIVER), view(), False, True),
    ("reply to a followed account", status(reply_to=OTHER), view({AUTHOR: True, OTHER: True}),
     False, True),
    ("reply to an unfollowed account", status(reply_to=OTHER), view(), False, False),
    ("reply to an unfollowed account, mentioned", status(reply_to=OTHER), view(), True, False),
    ("private reply to an unfollowed account", status(visibility=PRIVATE, reply_to=OTHER),
     view(), False, False),
    # Reblogs.
    ("reblog of an unfollowed account", reblog(), view(), False, True),
    ("reblog, reblogs turned off", reblog(), view({AUTHOR: False}), False, False),
    ("reblog, reblogs of someone else off", reblog(), view({AUTHOR: True, THIRD: False}),
     False, True),
    ("reblog of a deleted status", reblog(of=None), view(), False, False),
    ("reblog of the receiver's own status", reblog(of=RECEIVER), view(), False, False),
    ("reblog of a muted account", reblog(), view(excluded=[OTHER]), False, False),
    ("reblog by an unfollowed account", reblog(), view({OTHER: True}), False, False),
    # ...of an account the receiver follows: they got the original, unless it
    # is old (then the reblog is worth showing) or was a reply kept from them.
    ("reblog of a followed account, 1 h later", reblog(),
     view({AUTHOR: True, OTHER: True}), False, False),
    ("reblog of a followed account, at the window", reblog(after=WINDOW),
     view({AUTHOR: True, OTHER: True}), False, False),
    ("reblog of a followed account, past the window", reblog(after=WINDOW + timedelta(seconds=1)),
     view({AUTHOR: True, OTHER: True}), False, True),
    ("reblog of a followed account whose reblogs are off", reblog(),
     view({AUTHOR: True, OTHER: False}), False, False),
    ("reblog of a followed account's reply to a stranger", reblog(original_reply_to=THIRD),
     view({AUTHOR: True, OTHER: True}), False, True),
    ("reblog of a followed account's reply to a followed one", reblog(original_reply_to=THIRD),
     view({AUTHOR: True, OTHER: True, THIRD: True}), False, False),
    ("reblog of a followed account's reply to the receiver", reblog(original_reply_to=RECEIVER),
     view({AUTHOR: True, OTHER: True}), False, False),
    ("reblog of a followed account's self-reply", reblog(original_reply_to=OTHER),
     view({AUTHOR: True, OTHER: True}), False, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("facts", "receiver", "mentioned", "admitted"),
    [pytest.param(*row[1:], id=row[0]) for row in ADMISSION],
)
def test_admits_home(
    facts: StatusFacts, receiver: ReceiverView, mentioned: bool, admitted: bool
) -> None:
    assert admits_home(facts, receiver, mentioned=mentioned) is admitted


def test_the_table_names_each_case_once() -> None:
    names = [row[0] for row in ADMISSION]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("facts", "involved", "followed"),
    [
        pytest.param(status(), [AUTHOR], [], id="plain"),
        pytest.param(status(reply_to=AUTHOR), [AUTHOR], [], id="self-reply"),
        pytest.param(status(reply_to=OTHER), [AUTHOR], [OTHER], id="reply"),
        pytest.param(reblog(), [AUTHOR, OTHER], [OTHER], id="reblog"),
        pytest.param(reblog(of=None), [AUTHOR], [], id="reblog of a deleted status"),
        pytest.param(
            reblog(original_reply_to=THIRD), [AUTHOR, OTHER], [OTHER, THIRD], id="reblog of a reply"
        ),
    ],
)
def test_accounts_that_decide_delivery(
    facts: StatusFacts, involved: list[int], followed: list[int]
) -> None:
    """What a fan-out batch loads about each receiver: blocks and mutes of
    ``involved``, follows of ``followed`` (besides the author)."""
    assert involved_accounts(facts) == involved
    assert sorted(followed_accounts_that_matter(facts)) == followed


def test_the_plain_status_shortcut_admits_as_the_views_do() -> None:
    """``admit_receivers`` decides plain statuses without a view per
    receiver: on random receivers, exclusions (of the author and of
    others) and lists, it answers what ``admitted`` over the views does,
    for every kind of status (the others take the views themselves)."""
    rng = random.Random(16)
    authors = [AUTHOR, OTHER]
    kinds = [
        status(),
        status(visibility=PRIVATE),
        status(reply_to=AUTHOR),
        status(reply_to=OTHER),
        status(visibility=DIRECT),
        reblog(),
        reblog(original_reply_to=THIRD),
    ]
    people = list(range(10, 40))
    for _ in range(300):
        facts = rng.choice(kinds)
        receivers = {p: rng.random() < 0.8 for p in rng.sample(people, rng.randint(0, 20))}
        exclusions = {
            (rng.choice(people), rng.choice([*authors, THIRD])) for _ in range(rng.randint(0, 8))
        }
        follows = {(p, rng.choice([OTHER, THIRD])) for p in rng.sample(people, 10)}
        owners = rng.sample(people, 8)
        targets = [
            ListTarget(100 + i, owner, rng.choice([LIST, "followed", "none"]), rng.random() < 0.3)
            for i, owner in enumerate(owners)
        ]
        in_list = {t.id for t in targets if rng.random() < 0.5}
        views = admission.receiver_views(facts, receivers, follows, exclusions)
        wanted = admission.admitted(facts, views, targets, in_list)
        got = admission.admit_receivers(facts, receivers, follows, exclusions, targets, in_list)
        assert got == wanted, (facts, receivers, exclusions, targets)
    assert admission.plain(status()) and admission.plain(status(reply_to=AUTHOR))
    assert not admission.plain(status(reply_to=OTHER)) and not admission.plain(reblog())
    assert not admission.plain(status(visibility=DIRECT))
