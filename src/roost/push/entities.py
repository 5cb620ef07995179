"""The WebPushSubscription entity and the request bodies that set it."""

from __future__ import annotations

import msgspec

# Every alert a subscription can switch on, in Mastodon's names.
ALERT_TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
)
ADMIN_ALERTS = frozenset({"admin.sign_up", "admin.report"})
POLICIES = ("all", "followed", "follower", "none")


class Alerts(msgspec.Struct, kw_only=True):
    mention: bool = False
    status: bool = False
    reblog: bool = False
    follow: bool = False
    follow_request: bool = False
    favourite: bool = False
    poll: bool = False
    update: bool = False
    admin_sign_up: bool = msgspec.field(default=False, name="admin.sign_up")
    admin_report: bool = msgspec.field(default=False, name="admin.report")


class WebPushSubscription(msgspec.Struct, kw_only=True):
    id: str
    endpoint: str
    standard: bool
    alerts: Alerts
    server_key: str
    policy: str


class AlertsInput(msgspec.Struct, kw_only=True):
    """``data[alerts][...]``: unset alerts keep their value on an update and
    are off on a new subscription; unknown ones are ignored."""

    mention: bool | None = None
    status: bool | None = None
    reblog: bool | None = None
    follow: bool | None = None
    follow_request: bool | None = None
    favourite: bool | None = None
    poll: bool | None = None
    update: bool | None = None
    admin_sign_up: bool | None = msgspec.field(default=None, name="admin.sign_up")
    admin_report: bool | None = msgspec.field(default=None, name="admin.report")

    def given(self) -> dict[str, bool]:
        """The alerts named in the request, by their Mastodon names."""
        values = {
            "mention": self.mention,
            "status": self.status,
            "reblog": self.reblog,
            "follow": self.follow,
            "follow_request": self.follow_request,
            "favourite": self.favourite,
            "poll": self.poll,
            "update": self.update,
            "admin.sign_up": self.admin_sign_up,
            "admin.report": self.admin_report,
        }
        return {name: value for name, value in values.items() if value is not None}


class DataInput(msgspec.Struct, kw_only=True):
    alerts: AlertsInput | None = None
    policy: str | None = None


class KeysInput(msgspec.Struct, kw_only=True):
    p256dh: str | None = None
    auth: str | None = None


class SubscriptionInput(msgspec.Struct, kw_only=True):
    endpoint: str | None = None
    keys: KeysInput | None = None
    # RFC 8291/8292 pushes when true, Mastodon's older draft format otherwise.
    standard: bool | None = None


class SubscribeForm(msgspec.Struct, kw_only=True):
    """``POST /api/v1/push/subscription``: ``subscription[...]`` and
    ``data[...]`` (forms with bracket keys or nested JSON). ``policy`` is
    also read at the top level, where Mastodon.py sends it."""

    subscription: SubscriptionInput | None = None
    data: DataInput | None = None
    policy: str | None = None


class UpdateForm(msgspec.Struct, kw_only=True):
    """``PUT /api/v1/push/subscription``: only ``data`` (and ``policy``)."""

    data: DataInput | None = None
    policy: str | None = None
