"""Subscription record -> the Mastodon WebPushSubscription entity."""

from __future__ import annotations

from roost.infra.webpush import VapidKeys
from roost.push.entities import Alerts, WebPushSubscription
from roost.push.store import SubscriptionRecord


def serialize_subscription(record: SubscriptionRecord, keys: VapidKeys) -> WebPushSubscription:
    on = record.alerts
    return WebPushSubscription(
        id=str(record.id),
        endpoint=record.endpoint,
        standard=record.standard,
        alerts=Alerts(
            mention="mention" in on,
            status="status" in on,
            reblog="reblog" in on,
            follow="follow" in on,
            follow_request="follow_request" in on,
            favourite="favourite" in on,
            poll="poll" in on,
            update="update" in on,
            admin_sign_up="admin.sign_up" in on,
            admin_report="admin.report" in on,
        ),
        server_key=keys.server_key,
        policy=record.policy,
    )
