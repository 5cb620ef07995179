"""HTTP routes of conversations (direct-message threads)."""

from __future__ import annotations

from starlette.responses import Response

from roost.api.paging import PageQuery, link_header, page_from
from roost.api.responses import EmptyObject, empty_object
from roost.api.routing import Context, Router
from roost.conversations import service
from roost.conversations.entities import Conversation

router = Router("conversations")

DEFAULT, MAXIMUM = 20, 40


@router.get(
    "/api/v1/conversations",
    summary="The caller's direct-message conversations, most recent first",
    auth="user",
    scope="read:statuses",
    response=list[Conversation],
)
async def conversations(ctx: Context, query: PageQuery) -> Response:
    page = page_from(query, default=DEFAULT, maximum=MAXIMUM)
    rows, shown = await service.list_conversations(ctx.services, viewer_id=ctx.user_id, page=page)
    return Response(
        b"[" + b",".join(shown) + b"]",
        media_type="application/json",
        headers=link_header(ctx.request, [r.last_status_id for r in rows]),
    )


@router.post(
    "/api/v1/conversations/{id:int}/read",
    summary="Mark a conversation read",
    auth="user",
    scope="write:conversations",
    response=Conversation,
    errors=(404,),
)
async def conversation_read(ctx: Context) -> Response:
    shown = await service.mark_read(
        ctx.services, viewer_id=ctx.user_id, conversation_id=ctx.path_id()
    )
    return Response(shown, media_type="application/json")


@router.delete(
    "/api/v1/conversations/{id:int}",
    summary="Remove a conversation (until a new direct status brings it back)",
    auth="user",
    scope="write:conversations",
    response=EmptyObject,
    errors=(404,),
)
async def conversation_remove(ctx: Context) -> Response:
    await service.remove(ctx.services, viewer_id=ctx.user_id, conversation_id=ctx.path_id())
    return empty_object()
