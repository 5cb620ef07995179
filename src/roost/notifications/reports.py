"""The reports that ``admin.report`` notifications are about, rendered as
Mastodon's Report entity (with the reported account) for the administrator
who receives them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from roost.accounts.store import load_accounts
from roost.admin.entities import Report
from roost.admin.reports import load_reports
from roost.admin.serializers import serialize_report

if TYPE_CHECKING:
    from roost.services import Services


async def report_entities(services: Services, report_ids: Sequence[int]) -> dict[int, Report]:
    """Each report among ``report_ids`` that still exists and whose reported
    account does, by id."""
    rows = await load_reports(services, report_ids)
    targets = await load_accounts(services, {r.target_account_id for r in rows.values()})
    settings = services.settings
    return {
        i: serialize_report(settings, row, targets[row.target_account_id])
        for i, row in rows.items()
        if row.target_account_id in targets
    }


async def render_reports(services: Services, report_ids: Sequence[int]) -> dict[int, bytes]:
    """``report_entities`` as JSON."""
    found = await report_entities(services, report_ids)
    return {i: msgspec.json.encode(entity) for i, entity in found.items()}
