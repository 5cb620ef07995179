"""Live delivery of new notifications: a ``notification`` event on the
receiver's user channel (its streams render it for the receiver)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from roost.notifications.create import NotificationRow
from roost.streaming.events import NOTIFICATION, publish, user_channel

if TYPE_CHECKING:
    from roost.services import Services


async def publish_notifications(services: Services, created: Sequence[NotificationRow]) -> None:
    """After the commit that created ``created``."""
    for row in created:
        await publish(services, NOTIFICATION, row.id, [user_channel(row.account_id)])
