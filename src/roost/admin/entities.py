"""Mastodon's Admin::Account entity (and the Role it carries)."""

from __future__ import annotations

import msgspec

from roost.accounts.entities import Account


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
