"""Search use cases: what ``/api/v2/search`` finds for one viewer, and the
nearby timeline. Routes render what these return."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from roost.accounts.records import AccountRecord
from roost.accounts.store import load_account
from roost.kernel.errors import ValidationFailed
from roost.kernel.paging import Page
from roost.relationships.store import load_excluded_ids
from roost.search import accounts_search, nearby, tags, trends
from roost.search.entities import Tag
from roost.search.query import parse
from roost.search.statuses_search import StatusSearch, search_status_ids

if TYPE_CHECKING:
    from roost.services import Services

TYPES = ("accounts", "hashtags", "statuses")
MAX_LIMIT = 40


@dataclasses.dataclass(frozen=True, slots=True)
class SearchRequest:
    q: str
    type: str | None
    viewer_id: int | None
    account_id: int | None
    following: bool
    relevance: bool
    page: Page
    offset: int


@dataclasses.dataclass(frozen=True, slots=True)
class Found:
    accounts: list[AccountRecord]
    hashtags: list[Tag]
    status_ids: list[int]
    excluded: frozenset[int]


async def search(services: Services, request: SearchRequest) -> Found:
    """Accounts, hashtags and statuses matching ``q`` (only ``type`` when given)."""
    if request.type is not None and request.type not in TYPES:
        raise ValidationFailed("type must be one of accounts, hashtags, statuses")
    wanted = TYPES if request.type is None else (request.type,)
    viewer = request.viewer_id
    excluded = await load_excluded_ids(services, viewer) if viewer is not None else frozenset()
    limit = request.page.limit
    found = Found([], [], [], excluded)
    if not request.q.strip():
        return found
    if "accounts" in wanted:
        found.accounts.extend(
            await accounts_search.search_accounts(
                services,
                request.q,
                limit=limit,
                offset=request.offset,
                following_of=viewer if request.following else None,
                excluded=excluded,
            )
        )
    if "hashtags" in wanted:
        found.hashtags.extend(
            await tags.search_tags(
                services, request.q, limit=limit, offset=request.offset, viewer_id=viewer
            )
        )
    if "statuses" in wanted:
        stemming = None
        if viewer is not None:
            record = await load_account(services, viewer)
            stemming = record.locale if record is not None else None
        found.status_ids.extend(
            await search_status_ids(
                services,
                StatusSearch(
                    query=parse(request.q),
                    viewer_id=viewer,
                    excluded=excluded,
                    account_id=request.account_id,
                    following=request.following,
                    relevance=request.relevance,
                    offset=request.offset,
                    stemming=stemming,
                ),
                request.page,
            )
        )
    return found


async def nearby_timeline(
    services: Services,
    *,
    viewer_id: int | None,
    latitude: float,
    longitude: float,
    radius_km: float,
    page: Page,
) -> tuple[list[int], frozenset[int]]:
    """A page of the nearby timeline and the authors rendering must hide."""
    ids = await nearby.nearby_status_ids(
        services, latitude=latitude, longitude=longitude, radius_km=radius_km, page=page
    )
    excluded = (
        await load_excluded_ids(services, viewer_id) if viewer_id is not None else frozenset()
    )
    return ids, excluded


async def trending_statuses(
    services: Services, *, viewer_id: int | None, limit: int, offset: int
) -> tuple[list[int], frozenset[int]]:
    """A page of trending statuses and the authors rendering must hide."""
    ids = await trends.trending_status_ids(services, limit=limit, offset=offset)
    excluded = (
        await load_excluded_ids(services, viewer_id) if viewer_id is not None else frozenset()
    )
    return ids, excluded
