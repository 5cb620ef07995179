"""The nearby timeline (Roost extension): public statuses posted within a
radius of a point, newest first.

The circle is covered by a few geohash cells (``geo.covering_cells``); each
cell's newest ids are read backwards on ``status_cells``' primary key (one
UNION ALL of per-cell ranges, each LIMITed), their coordinates checked
exactly, and the next round continues below the oldest id that every full
cell reached. No statement scans more than ``cells x batch`` index entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import schema
from roost.kernel.errors import ValidationFailed
from roost.kernel.paging import Page
from roost.search.geo import covering_cells, distance_km

if TYPE_CHECKING:
    from roost.services import Services

MAX_RADIUS_KM = 500.0
MAX_ROUNDS = 8
_c, _s = schema.status_cells, schema.statuses


def check_point(latitude: float, longitude: float, radius_km: float) -> None:
    problems = {}
    if not -90 <= latitude <= 90:
        problems["latitude"] = "must be between -90 and 90"
    if not -180 <= longitude <= 180:
        problems["longitude"] = "must be between -180 and 180"
    if not 0 < radius_km <= MAX_RADIUS_KM:
        problems["radius_km"] = f"must be above 0 and at most {MAX_RADIUS_KM:g}"
    if problems:
        raise ValidationFailed(
            "Validation failed: " + ", ".join(f"{k} {v}" for k, v in problems.items())
        )


def cells_query(cells: list[str], page: Page, batch: int) -> sa.CompoundSelect[str, int]:
    """The newest ``batch`` ids of each cell inside the page's bounds."""
    parts = []
    for cell in cells:
        part = sa.select(_c.c.cell, _c.c.status_id).where(_c.c.cell == cell)
        if page.max_id is not None:
            part = part.where(_c.c.status_id < page.max_id)
        if page.lower is not None:
            part = part.where(_c.c.status_id > page.lower)
        order = _c.c.status_id.asc() if page.ascending else _c.c.status_id.desc()
        sub = part.order_by(order).limit(batch).subquery()
        parts.append(sa.select(sub.c.cell, sub.c.status_id))
    return sa.union_all(*parts)


async def nearby_status_ids(
    services: Services, *, latitude: float, longitude: float, radius_km: float, page: Page
) -> list[int]:
    """A page of ids within ``radius_km`` of the point, newest first."""
    check_point(latitude, longitude, radius_km)
    cells = covering_cells(latitude, longitude, radius_km)
    batch = max(page.limit * 2, 20)
    found: list[int] = []
    bounds = page

    def newer(a: int, b: int) -> bool:
        return a < b if page.ascending else a > b

    async with services.db.read() as conn:
        for _ in range(MAX_ROUNDS):
            rows = (await conn.execute(cells_query(cells, bounds, batch))).all()
            per_cell: dict[str, list[int]] = {}
            for cell, status_id in rows:
                per_cell.setdefault(str(cell), []).append(int(status_id))
            # A cell that filled its batch may hold more past its last id:
            # only ids on the near side of every such cut are complete.
            cuts = [ids[-1] for ids in per_cell.values() if len(ids) >= batch]
            cut = None
            if cuts:
                cut = max(cuts) if not page.ascending else min(cuts)
            candidates = sorted(
                {i for ids in per_cell.values() for i in ids if cut is None or not newer(cut, i)},
                reverse=not page.ascending,
            )
            found += await _within(conn, candidates, latitude, longitude, radius_km)
            if len(found) >= page.limit or cut is None:
                break
            if page.ascending:
                bounds = Page(min_id=cut, max_id=page.max_id, limit=page.limit)
            else:
                bounds = Page(max_id=cut, since_id=page.lower, limit=page.limit)
    found = found[: page.limit]
    return list(reversed(found)) if page.ascending else found


async def _within(
    conn: AsyncConnection, ids: list[int], latitude: float, longitude: float, radius_km: float
) -> list[int]:
    """``ids`` (order kept) whose status lies within the radius."""
    if not ids:
        return []
    rows = (
        await conn.execute(
            sa.select(_s.c.id, _s.c.latitude, _s.c.longitude).where(_s.c.id.in_(ids))
        )
    ).all()
    places = {int(r.id): (r.latitude, r.longitude) for r in rows}
    kept = []
    for status_id in ids:
        lat, lon = places.get(status_id, (None, None))
        if lat is None or lon is None:
            continue
        if distance_km(latitude, longitude, lat, lon) <= radius_km:
            kept.append(status_id)
    return kept
