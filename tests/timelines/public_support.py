"""Reading the public and hashtag timelines both ways, for the tests that
compare the lists in the timeline store with the database queries."""

from __future__ import annotations

from typing import Any

from roost.accounts.moderated import load_moderated_ids
from roost.kernel.cachekeys import public_timeline_key, tag_timeline_key
from roost.kernel.paging import Page
from roost.relationships.store import load_excluded_ids
from roost.timelines import listing, public
from tests.helpers import ApiClient, User

BOUNDS = ("max_id", "min_id", "since_id")


def page_of(params: dict[str, Any]) -> Page:
    return Page(
        **{k: int(v) for k, v in params.items() if k in BOUNDS},
        limit=int(params.get("limit", 20)),
    )


def _tags(params: dict[str, Any], name: str) -> list[str]:
    value = params.get(name, [])
    return [value] if isinstance(value, str) else list(value)


async def _excluded(client: ApiClient, viewer: User | None) -> frozenset[int]:
    if viewer is None:
        return frozenset()
    return await load_excluded_ids(client.services, int(viewer.id))


def from_sql(
    client: ApiClient, viewer: User | None, tag: str | None = None, **params: Any
) -> list[str]:
    """What the database query alone answers (the reference)."""

    async def query() -> list[int]:
        excluded = await _excluded(client, viewer)
        only_media = bool(params.get("only_media"))
        if tag is None:
            return await listing.public_status_ids(
                client.services, excluded=excluded, page=page_of(params), only_media=only_media
            )
        return await listing.tag_status_ids(
            client.services,
            tag=tag,
            any_tags=_tags(params, "any"),
            all_tags=_tags(params, "all"),
            none_tags=_tags(params, "none"),
            excluded=excluded,
            page=page_of(params),
            only_media=only_media,
        )

    return [str(i) for i in client.call(query)]


def from_store(
    client: ApiClient, viewer: User | None, tag: str | None = None, **params: Any
) -> list[str]:
    """The ids the store-backed readers pick (before hydration, which would
    hide their mistakes)."""

    async def read() -> list[int]:
        excluded = await _excluded(client, viewer)
        moderated = await load_moderated_ids(client.services)
        only_media = bool(params.get("only_media"))
        if tag is None:
            found = await public.read_public(
                client.services,
                excluded=excluded,
                moderated=moderated,
                page=page_of(params),
                only_media=only_media,
            )
        else:
            found = await public.read_tag(
                client.services,
                tag=tag,
                any_tags=_tags(params, "any"),
                all_tags=_tags(params, "all"),
                none_tags=_tags(params, "none"),
                excluded=excluded,
                moderated=moderated,
                page=page_of(params),
                only_media=only_media,
            )
        return found.ids

    return [str(i) for i in client.call(read)]


def over_http(
    client: ApiClient, viewer: User | None, tag: str | None = None, **params: Any
) -> list[str]:
    """The ids of the rendered page (``any``/``all``/``none`` as arrays)."""
    path = "/api/v1/timelines/public" if tag is None else f"/api/v1/timelines/tag/{tag}"
    query = [
        (f"{k}[]" if k in ("any", "all", "none") else k, v)
        for k, value in params.items()
        for v in (_tags(params, k) if k in ("any", "all", "none") else [value])
    ]
    response = client.get(path, user=viewer, params=query)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


def stored(client: ApiClient, tag: str | None = None) -> list[int] | None:
    """A list as the store holds it (None: not there)."""
    key = public_timeline_key() if tag is None else tag_timeline_key(tag)

    async def read() -> list[int] | None:
        return await client.services.timelines.range(key, Page(limit=10_000))

    return client.call(read)
