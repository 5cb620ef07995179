"""Reports: an account tells the moderators about another account (and some
of its statuses); moderators list them, take one, resolve or reopen it.

Roost does not federate, so ``forward`` is accepted and ignored (every
reported account is local already).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from roost.accounts.store import load_account
from roost.admin.actions import resolve_in
from roost.db import schema
from roost.db.paging import newest_first, paged
from roost.kernel.errors import NotFound, ValidationFailed
from roost.kernel.idtext import parse_id
from roost.kernel.paging import Page
from roost.notifications.outbox import notify_admins_of_report

if TYPE_CHECKING:
    from roost.services import Services

_r, _s = schema.reports, schema.statuses

CATEGORIES = ("spam", "legal", "violation", "other")
MAX_COMMENT = 1000
MAX_STATUSES = 100


@dataclasses.dataclass(frozen=True, slots=True)
class ReportRow:
    id: int
    account_id: int
    target_account_id: int
    status_ids: list[int]
    rule_ids: list[int]
    comment: str
    category: str
    assigned_account_id: int | None
    action_taken_at: datetime | None
    action_taken_by_account_id: int | None
    created_at: datetime
    updated_at: datetime


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _row(row: sa.Row[Any]) -> ReportRow:
    return ReportRow(
        id=int(row.id),
        account_id=int(row.account_id),
        target_account_id=int(row.target_account_id),
        status_ids=[int(i) for i in row.status_ids or []],
        rule_ids=[int(i) for i in row.rule_ids or []],
        comment=str(row.comment),
        category=str(row.category),
        assigned_account_id=row.assigned_account_id,
        action_taken_at=_utc(row.action_taken_at),
        action_taken_by_account_id=row.action_taken_by_account_id,
        created_at=_utc(row.created_at) or row.created_at,
        updated_at=_utc(row.updated_at) or row.updated_at,
    )


def _invalid(field: str, description: str) -> ValidationFailed:
    return ValidationFailed(
        f"{field} {description}",
        details={field: [{"error": "ERR_INVALID", "description": description}]},
    )


def _ids(values: Sequence[str], field: str) -> list[int]:
    found = []
    for text in values:
        value = parse_id(text)
        if value is None:
            raise _invalid(field, "holds an id that is not a number")
        found.append(value)
    return list(dict.fromkeys(found))


async def file_report(
    services: Services,
    *,
    account_id: int,
    target_account_id: str,
    status_ids: Sequence[str] = (),
    rule_ids: Sequence[str] = (),
    comment: str = "",
    category: str | None = None,
) -> ReportRow:
    """Report an account; the statuses must be its own. 404 for an unknown
    account, 422 for bad input."""
    target = parse_id(target_account_id)
    if target is None or await load_account(services, target) is None:
        raise NotFound()
    if target == account_id:
        raise _invalid("account_id", "cannot be your own account")
    if len(comment) > MAX_COMMENT:
        raise _invalid("comment", f"is longer than {MAX_COMMENT} characters")
    statuses = _ids(status_ids, "status_ids")
    rules = _ids(rule_ids, "rule_ids")
    if len(statuses) > MAX_STATUSES:
        raise _invalid("status_ids", f"holds more than {MAX_STATUSES} statuses")
    if rules:
        # The server has no rules to break (GET /api/v1/instance/rules is empty).
        raise _invalid("rule_ids", "names rules this server does not have")
    chosen = category or ("other" if not rules else "violation")
    if chosen not in CATEGORIES:
        raise _invalid("category", f"must be one of {', '.join(CATEGORIES)}")
    now = datetime.now(UTC)
    report_id = services.ids.next_id()
    async with services.db.write() as conn:
        if statuses:
            owned = (
                await conn.execute(
                    sa.select(_s.c.id).where(_s.c.id.in_(statuses), _s.c.account_id == target)
                )
            ).all()
            if len(owned) != len(statuses):
                raise _invalid("status_ids", "holds statuses that are not the account's")
        await conn.execute(
            _r.insert().values(
                id=report_id,
                account_id=account_id,
                target_account_id=target,
                status_ids=[str(i) for i in statuses],
                rule_ids=[str(i) for i in rules],
                comment=comment,
                category=chosen,
                created_at=now,
                updated_at=now,
            )
        )
        await notify_admins_of_report(conn, services, report_id)
    return await load_report(services, report_id=report_id)


async def load_reports(services: Services, report_ids: Sequence[int]) -> dict[int, ReportRow]:
    """The reports among ``report_ids`` that exist, by id."""
    if not report_ids:
        return {}
    async with services.db.read(primary=True) as conn:
        rows = (await conn.execute(sa.select(_r).where(_r.c.id.in_(sorted(set(report_ids)))))).all()
    return {int(r.id): _row(r) for r in rows}


async def load_report(services: Services, *, report_id: int) -> ReportRow:
    async with services.db.read(primary=True) as conn:
        row = (await conn.execute(sa.select(_r).where(_r.c.id == report_id))).first()
    if row is None:
        raise NotFound("Report")
    return _row(row)


@dataclasses.dataclass(frozen=True, slots=True)
class ReportFilter:
    resolved: bool = False
    account_id: int | None = None
    target_account_id: int | None = None


async def list_reports(services: Services, *, which: ReportFilter, page: Page) -> list[ReportRow]:
    """Unresolved (or, asked, resolved) reports, newest first."""
    query = sa.select(_r).where(
        _r.c.action_taken_at.is_not(None) if which.resolved else _r.c.action_taken_at.is_(None)
    )
    if which.account_id is not None:
        query = query.where(_r.c.account_id == which.account_id)
    if which.target_account_id is not None:
        query = query.where(_r.c.target_account_id == which.target_account_id)
    async with services.db.read(primary=True) as conn:
        rows = (await conn.execute(paged(query, _r.c.id, page))).all()
    return [_row(r) for r in newest_first(rows, page)]


async def _update(services: Services, report_id: int, **values: Any) -> ReportRow:
    values["updated_at"] = datetime.now(UTC)
    async with services.db.write() as conn:
        result = await conn.execute(_r.update().where(_r.c.id == report_id).values(**values))
    if result.rowcount == 0:
        raise NotFound("Report")
    return await load_report(services, report_id=report_id)


async def assign_report(
    services: Services, *, report_id: int, moderator_id: int | None
) -> ReportRow:
    """Take the report (``moderator_id``) or give it back (None)."""
    return await _update(services, report_id, assigned_account_id=moderator_id)


async def resolve_report(services: Services, *, report_id: int, moderator_id: int) -> ReportRow:
    now = datetime.now(UTC)
    async with services.db.write() as conn:
        await resolve_in(conn, report_id, moderator_id=moderator_id, now=now)
    return await load_report(services, report_id=report_id)


async def reopen_report(services: Services, *, report_id: int) -> ReportRow:
    return await _update(services, report_id, action_taken_at=None, action_taken_by_account_id=None)
