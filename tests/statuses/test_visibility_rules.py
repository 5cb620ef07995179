"""The status visibility rule (``roost.statuses.visibility``) as a table, no
database: who may see a status, and a reblog together with its original.

test_visibility.py checks that every endpoint applies the rule; these rows
pin the rule itself."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

import pytest

from roost.relationships.summary import summary_keys
from roost.statuses.records import DIRECT, PRIVATE, PUBLIC, UNLISTED, StatusRecord
from roost.statuses.visibility import (
    ANONYMOUS,
    ViewerState,
    may_see,
    may_see_with_original,
    state_needs,
)

VIEWER, AUTHOR, OTHER, THIRD = 1, 2, 3, 4
ORIGINAL_ID, REBLOG_ID = 100, 101


def record(
    *,
    author: int = AUTHOR,
    visibility: int = PUBLIC,
    mentions: Collection[int] = (),
    id: int = ORIGINAL_ID,
    reblog_of: int | None = None,
) -> StatusRecord:
    return StatusRecord(
        id=id,
        account_id=author,
        text="",
        content="",
        spoiler_text="",
        sensitive=False,
        visibility=visibility,
        language=None,
        in_reply_to_id=None,
        in_reply_to_account_id=None,
        reblog_of_id=reblog_of,
        place_name=None,
        latitude=None,
        longitude=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        edited_at=None,
        mention_ids=list(mentions),
    )


def viewer(*, following: Collection[int] = (), blocked: Collection[int] = ()) -> ViewerState:
    return ViewerState(viewer_id=VIEWER, following=frozenset(following), blocked=frozenset(blocked))


FOLLOWER = viewer(following=[AUTHOR])
STRANGER = viewer()

VISIBILITY = [
    # Public and unlisted: anyone, signed in or not.
    ("public, anonymous", record(), ANONYMOUS, True),
    ("unlisted, anonymous", record(visibility=UNLISTED), ANONYMOUS, True),
    ("public, stranger", record(), STRANGER, True),
    ("unlisted, stranger", record(visibility=UNLISTED), STRANGER, True),
    # Private: the author, followers, mentioned accounts.
    ("private, anonymous", record(visibility=PRIVATE), ANONYMOUS, False),
    ("private, stranger", record(visibility=PRIVATE), STRANGER, False),
    ("private, follower", record(visibility=PRIVATE), FOLLOWER, True),
    ("private, mentioned stranger", record(visibility=PRIVATE, mentions=[VIEWER]), STRANGER, True),
    ("private, others mentioned", record(visibility=PRIVATE, mentions=[OTHER]), STRANGER, False),
    ("private, follower of someone else", record(visibility=PRIVATE),
     viewer(following=[OTHER]), False),
    ("private, own", record(author=VIEWER, visibility=PRIVATE), STRANGER, True),
    # Direct: the author and mentioned accounts; following does not count.
    ("direct, anonymous", record(visibility=DIRECT), ANONYMOUS, False),
    ("direct, anonymous, mentions someone", record(visibility=DIRECT, mentions=[OTHER]),
     ANONYMOUS, False),
    ("direct, mentioned", record(visibility=DIRECT, mentions=[VIEWER]), STRANGER, True),
    ("direct, mentioned among others", record(visibility=DIRECT, mentions=[OTHER, VIEWER]),
     STRANGER, True),
    ("direct, follower not mentioned", record(visibility=DIRECT, mentions=[OTHER]),
     FOLLOWER, False),
    ("direct, own", record(author=VIEWER, visibility=DIRECT), STRANGER, True),
    # A block either way hides everything, following and mentions included.
    ("public, blocked", record(), viewer(blocked=[AUTHOR]), False),
    ("unlisted, blocked", record(visibility=UNLISTED), viewer(blocked=[AUTHOR]), False),
    ("private, follower, blocked", record(visibility=PRIVATE),
     viewer(following=[AUTHOR], blocked=[AUTHOR]), False),
    ("direct, mentioned, blocked", record(visibility=DIRECT, mentions=[VIEWER]),
     viewer(blocked=[AUTHOR]), False),
    ("public, someone else blocked", record(), viewer(blocked=[OTHER]), True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "state", "visible"), [pytest.param(*row[1:], id=row[0]) for row in VISIBILITY]
)
def test_may_see(status: StatusRecord, state: ViewerState, visible: bool) -> None:
    assert may_see(status, state) is visible


def test_the_table_names_each_case_once() -> None:
    names = [row[0] for row in VISIBILITY]
    assert len(names) == len(set(names))


def reblog(*, by: int = AUTHOR) -> StatusRecord:
    return record(author=by, id=REBLOG_ID, reblog_of=ORIGINAL_ID)


REBLOGS = [
    ("not a reblog", record(), [], STRANGER, True),
    ("reblog of a public status", reblog(), [record(author=OTHER)], STRANGER, True),
    ("reblog of a private status, not following its author", reblog(),
     [record(author=OTHER, visibility=PRIVATE)], FOLLOWER, False),
    ("reblog of a private status, following its author", reblog(),
     [record(author=OTHER, visibility=PRIVATE)], viewer(following=[OTHER]), True),
    ("reblog of a status by a blocked account", reblog(), [record(author=OTHER)],
     viewer(blocked=[OTHER]), False),
    ("reblog by a blocked account", reblog(), [record(author=OTHER)],
     viewer(blocked=[AUTHOR]), False),
    ("own reblog of a status now hidden", reblog(by=VIEWER),
     [record(author=OTHER, visibility=PRIVATE)], STRANGER, False),
    ("reblog of the viewer's own private status", reblog(),
     [record(author=VIEWER, visibility=PRIVATE)], STRANGER, True),
    ("reblog whose original is gone", reblog(), [], STRANGER, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "others", "state", "visible"),
    [pytest.param(*row[1:], id=row[0]) for row in REBLOGS],
)
def test_may_see_with_original(
    status: StatusRecord, others: list[StatusRecord], state: ViewerState, visible: bool
) -> None:
    records = {r.id: r for r in [status, *others]}
    assert may_see_with_original(status, records, state) is visible


@pytest.mark.parametrize(
    ("statuses", "blocked", "authors", "targets"),
    [
        pytest.param([record(author=VIEWER)], None, [], [ORIGINAL_ID], id="own status"),
        pytest.param([record()], None, [AUTHOR], [ORIGINAL_ID], id="unknown blocks"),
        # With every block known, only a follow can decide, on private statuses.
        pytest.param([record()], frozenset(), [], [ORIGINAL_ID], id="blocks known, public"),
        pytest.param(
            [record(visibility=PRIVATE)], frozenset(), [AUTHOR], [ORIGINAL_ID], id="private"
        ),
        pytest.param(
            [record(visibility=PRIVATE)], frozenset([AUTHOR]), [], [ORIGINAL_ID], id="blocked"
        ),
        pytest.param(
            [reblog(by=THIRD), record(author=OTHER)],
            None,
            [THIRD, OTHER],
            [ORIGINAL_ID],
            id="a reblog's flags are its original's",
        ),
    ],
)
def test_state_needs_reads_only_what_decides(
    statuses: list[StatusRecord],
    blocked: frozenset[int] | None,
    authors: list[int],
    targets: list[int],
) -> None:
    needs = state_needs(VIEWER, statuses, blocked=blocked)
    assert needs is not None
    assert (needs.authors, needs.targets) == (authors, targets)
    # The viewer's relation summary (and its generation) when any author
    # needs a relation, and the viewer's marks index when any flags are
    # read; the per-status flags only for a viewer past the index (a second
    # round trip, flag_keys).
    relations = summary_keys(VIEWER) if authors else []
    assert needs.keys[: len(relations)] == relations
    assert len(needs.keys) == len(relations) + (1 if targets else 0)
    assert len(needs.flag_keys()) == len(targets)


def test_anonymous_viewers_need_nothing() -> None:
    assert state_needs(None, [record()]) is None
