"""Every key family Roost writes to the cache and the timeline store.

One place, so that a reader sees the whole key space at once and two domains
cannot pick the same name. The backends add the deployment's prefix
(``ROOST_REDIS_KEY_PREFIX``). Every entry can be dropped: it is rebuilt from
the database on the next miss.

| family | holds | changed by |
|---|---|---|
| ``home:<account>`` | home timeline, newest status ids (capped) | fan-out, rebuild on miss |
| ``status:v2:<status>`` | a status record (msgpack) | posting, deletion |
| ``counts:<status>`` | favourite/reblog/reply counts | counter flushes |
| ``account:<account>`` | an account record | profile changes |
| ``username:<name>`` | the account id of a lower-cased username | sign-up |
| ``token:<sha256>`` | the Viewer behind an access token | token grant, revocation |
| ``rel:<viewer>:<target>`` | the pair's relationship flags | follow, block, mute |
| ``rsum:<viewer>`` | the viewer's whole graph, when small enough | follow, block, mute |
| ``rgen:<viewer>`` | the generation ``rsum`` must carry to be used | follow, block, mute |
| ``relx:<viewer>`` | accounts hidden from the viewer's feeds | block, mute |
| ``hotf:<viewer>`` | which followed accounts are hot | follow, hot threshold |
| ``hotp:<account>`` | a hot account's recent posts | posting, deletion |
| ``fol:<account>`` | its followers, stamped with accounts.followers_version | fan-out |
| ``authored:<account>`` | an account's own status ids (capped) | posting, deletion |
| ``modx`` | ids of the silenced and suspended accounts | moderation |
| ``ptl:public`` | public timeline, newest status ids (capped) | posting, fan-out, deletion |
| ``ttl:<tag>`` | a hashtag's timeline, newest status ids (capped) | posting, edits, deletion |
| ``vf:<viewer>:<status>`` | the viewer's favourite/reblog/bookmark flags | marking, unmarking |
| ``vmk:<viewer>`` | all of the viewer's marks, when few | marking, unmarking |
| ``ltl:<list>`` | a list's timeline, newest status ids (capped) | fan-out, rebuild on miss |
| ``lst:<list>`` | a list: owner, replies policy, exclusive, members | list changes, unfollow |
| ``flt:<viewer>`` | the viewer's filters with keywords and statuses | filter changes |
| ``lstx:<owner>`` | members of the owner's exclusive lists | list changes, unfollow |
"""

from __future__ import annotations

STATUS_PREFIX = "status:v2:"  # bump the version when the record layout changes
FLAGS_PREFIX = "vf:"


def home_key(account_id: int) -> str:
    """The home timeline of one account (Mastodon's ``feed:home:<id>``)."""
    return f"home:{account_id}"


def authored_key(account_id: int) -> str:
    """The timeline of one account's own statuses and reblogs (every
    visibility: readers filter by the records)."""
    return f"authored:{account_id}"


def moderated_key() -> str:
    """The silenced and suspended accounts (public timelines leave them out)."""
    return "modx"


def public_timeline_key() -> str:
    """The public timeline: public originals that are not replies to others,
    of every author (readers filter moderation, blocks and mutes)."""
    return "ptl:public"


def tag_timeline_key(name: str) -> str:
    """The timeline of one hashtag (its stored, normalized name): public
    originals that carry it (readers check the records' tags again)."""
    return f"ttl:{name}"


def status_key(status_id: int) -> str:
    return f"{STATUS_PREFIX}{status_id}"


COUNTS_PREFIX = "counts:"
ACCOUNT_PREFIX = "account:"


def counts_key(status_id: int) -> str:
    return f"{COUNTS_PREFIX}{status_id}"


def account_key(account_id: int) -> str:
    return f"{ACCOUNT_PREFIX}{account_id}"


def username_key(username: str) -> str:
    return f"username:{username.lower()}"


def token_key(token_hash: str) -> str:
    return f"token:{token_hash}"


def pair_key(viewer_id: int, target_id: int) -> str:
    return f"rel:{viewer_id}:{target_id}"


def relation_summary_key(viewer_id: int) -> str:
    """Every follow, request, block, mute and endorsement around one viewer
    (roost.relationships.summary)."""
    return f"rsum:{viewer_id}"


def relation_gen_key(viewer_id: int) -> str:
    """The generation of a viewer's graph: replaced by every change of it, so
    a summary loaded before the change is never used after it."""
    return f"rgen:{viewer_id}"


def excluded_key(viewer_id: int) -> str:
    return f"relx:{viewer_id}"


def hot_follows_key(viewer_id: int) -> str:
    return f"hotf:{viewer_id}"


def hot_posts_key(account_id: int) -> str:
    return f"hotp:{account_id}"


def followers_key(account_id: int) -> str:
    return f"fol:{account_id}"


def flags_prefix(viewer_id: int) -> str:
    """The start of every ``flags_key`` of one viewer (built in bulk on reads)."""
    return f"{FLAGS_PREFIX}{viewer_id}:"


def marks_key(viewer_id: int) -> str:
    """Every mark (favourite, bookmark, reblog, pin) of one viewer, while they
    are few enough to keep in one entry."""
    return f"vmk:{viewer_id}"


def flags_key(viewer_id: int, status_id: int) -> str:
    return f"{FLAGS_PREFIX}{viewer_id}:{status_id}"


def list_timeline_key(list_id: int) -> str:
    """The timeline of one list (Mastodon's ``feed:list:<id>``)."""
    return f"ltl:{list_id}"


def list_key(list_id: int) -> str:
    return f"lst:{list_id}"


def exclusive_members_key(owner_id: int) -> str:
    return f"lstx:{owner_id}"


def filters_key(viewer_id: int) -> str:
    return f"flt:{viewer_id}"
