"""The bus channels and messages of the streaming API (what the workers
publish, what a stream subscribes to).

A message names an event and an id, nothing more: each stream renders the
status or notification for its own viewer, with the timelines' rendering
code and the viewer's blocks and mutes, when it forwards the event.

Channels (all local: Roost does not federate, so ``public:local`` and
``public`` carry the same statuses):

- ``user:<id>``: the account's home updates (pushed by the fan-out job with
  the timeline), its notifications and the deletes of what it was given;
- ``author:<id>``: the posts of a hot account (not fanned out; its
  followers' user streams subscribe to it);
- ``public``: public statuses (no reblogs), ``tag:<name>`` per hashtag;
- ``direct:<id>``: direct statuses the account wrote or is mentioned in;
- ``list:<id>``: the statuses pushed into a list's timeline and the deletes
  of those;
- ``deletes``: every deleted status id, for the public and hashtag streams;
- ``revoked:<token hash>``: the token was revoked; its streams end.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from roost.services import Services

log = logging.getLogger("roost.streaming")

UPDATE, DELETE, NOTIFICATION = "update", "delete", "notification"
# A direct status updated the receiving account's conversation (the id:
# the status's; each stream renders its viewer's conversation).
CONVERSATION = "conversation"
# The account's filters changed (no id): its clients re-read them.
FILTERS_CHANGED = "filters_changed"
# An edited status, sent where its ``update`` went.
STATUS_UPDATE = "status.update"
# Not sent to clients: the token of the streams listening was revoked.
REVOKED = "revoked"
PUBLIC, DELETES = "public", "deletes"


class BusMessage(msgspec.Struct, array_like=True):
    event: str
    id: int


_encode = msgspec.json.encode
decode_message = msgspec.json.Decoder(BusMessage).decode


def user_channel(account_id: int) -> str:
    return f"user:{account_id}"


def author_channel(account_id: int) -> str:
    return f"author:{account_id}"


def direct_channel(account_id: int) -> str:
    return f"direct:{account_id}"


def list_channel(list_id: int) -> str:
    return f"list:{list_id}"


def tag_channel(name: str) -> str:
    return f"tag:{name.lower()}"


def revoked_channel(token_hash: str) -> str:
    return f"revoked:{token_hash}"


def message(event: str, item_id: int) -> bytes:
    return _encode(BusMessage(event, item_id))


async def publish(services: Services, event: str, item_id: int, channels: Iterable[str]) -> None:
    """Best effort, after the commit: a bus outage loses live events (the
    data is committed; clients find it on their next read) but never fails
    the job that publishes."""
    data = message(event, item_id)
    try:
        await services.events.publish_many((c, data) for c in channels)
    except Exception as exc:  # the bus's own breaker logs outages
        log.warning("could not publish %s %d: %s: %s", event, item_id, type(exc).__name__, exc)


async def publish_each(
    services: Services, events: Iterable[tuple[str, int, Iterable[str]]]
) -> None:
    """``publish`` of several (event, item id, channels) in one call to the
    bus (a batch of fan-outs); best effort likewise."""
    wanted: list[tuple[str, bytes]] = []
    for event, item, channels in events:
        data = message(event, item)  # once per event, whatever its channels
        wanted += [(c, data) for c in channels]
    try:
        await services.events.publish_many(wanted)
    except Exception as exc:  # the bus's own breaker logs outages
        log.warning("could not publish %d events: %s: %s", len(wanted), type(exc).__name__, exc)
