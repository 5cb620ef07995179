"""The Mastodon JSON shapes of notifications and markers (for the OpenAPI
document; notifications themselves are written by ``wire``)."""

from __future__ import annotations

import msgspec

from roost.accounts.entities import Account
from roost.admin.entities import Report
from roost.statuses.entities import Status


class Notification(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    type: str
    created_at: str
    group_key: str
    account: Account
    status: Status | None = None
    report: Report | None = None


class NotificationGroup(msgspec.Struct, kw_only=True, omit_defaults=True):
    group_key: str
    notifications_count: int
    type: str
    most_recent_notification_id: str
    page_min_id: str
    page_max_id: str
    latest_page_notification_at: str
    sample_account_ids: list[str]
    status_id: str | None = None
    # ``admin.report``: the report it is about.
    report: Report | None = None


class GroupedNotifications(msgspec.Struct, kw_only=True):
    accounts: list[Account]
    statuses: list[Status]
    notification_groups: list[NotificationGroup]


class UnreadCount(msgspec.Struct, kw_only=True):
    count: int


class Marker(msgspec.Struct, kw_only=True):
    last_read_id: str
    version: int
    updated_at: str


class Markers(msgspec.Struct, kw_only=True, omit_defaults=True):
    home: Marker | None = None
    notifications: Marker | None = None
