"""Mastodon's Admin::Account entity (and the Role it carries)."""

from __future__ import annotations

import msgspec

from roost.accounts.entities import Account
from roost.instance.entities import Rule
from roost.statuses.entities import Status


class Role(msgspec.Struct, kw_only=True):
    id: str
    name: str
    color: str
    permissions: str
    highlighted: bool


class AdminIp(msgspec.Struct, kw_only=True):
    ip: str
    used_at: str


class AdminAccount(msgspec.Struct, kw_only=True):
    id: str
    username: str
    domain: str | None
    created_at: str
    email: str
    ip: str | None
    ips: list[AdminIp]
    locale: str
    invite_request: str | None
    role: Role
    confirmed: bool
    approved: bool
    disabled: bool
    sensitized: bool
    silenced: bool
    suspended: bool
    account: Account
    created_by_application_id: str | None = None


class Report(msgspec.Struct, kw_only=True):
    """A report as its author sees it (Mastodon's Report entity)."""

    id: str
    action_taken: bool
    action_taken_at: str | None
    category: str
    comment: str
    forwarded: bool
    created_at: str
    status_ids: list[str] | None
    rule_ids: list[str] | None
    target_account: Account


class AdminReport(msgspec.Struct, kw_only=True):
    """A report as moderators see it (Mastodon's Admin::Report)."""

    id: str
    action_taken: bool
    action_taken_at: str | None
    category: str
    comment: str
    forwarded: bool
    created_at: str
    updated_at: str
    account: AdminAccount
    target_account: AdminAccount
    assigned_account: AdminAccount | None
    action_taken_by_account: AdminAccount | None
    statuses: list[Status]
    rules: list[Rule]
