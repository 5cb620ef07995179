"""HTTP routes of Web Push subscriptions (one per access token)."""

from __future__ import annotations

from starlette.responses import Response

from roost.api.auth import bearer_token
from roost.api.responses import EmptyObject, empty_object, json_response
from roost.api.routing import Context, Router
from roost.push.entities import SubscribeForm, UpdateForm, WebPushSubscription
from roost.push.keys import vapid_keys
from roost.push.params import read_bracket_form
from roost.push.serializers import serialize_subscription
from roost.push.service import (
    change_subscription,
    current_subscription,
    subscribe,
    unsubscribe,
)
from roost.push.store import SubscriptionRecord

router = Router("push")
PATH = "/api/v1/push/subscription"


async def _render(ctx: Context, record: SubscriptionRecord) -> Response:
    keys = await vapid_keys(ctx.services)
    return json_response(serialize_subscription(record, keys))


@router.post(
    PATH,
    summary="Subscribe this token to Web Push (replaces its subscription)",
    auth="user",
    scope="push",
    response=WebPushSubscription,
)
async def create_subscription(ctx: Context, form: SubscribeForm) -> Response:
    assert ctx.viewer is not None
    form = await read_bracket_form(ctx.request, form)
    record = await subscribe(
        ctx.services, ctx.viewer, access_token=bearer_token(ctx.request) or "", form=form
    )
    return await _render(ctx, record)


@router.get(
    PATH,
    summary="This token's Web Push subscription",
    auth="user",
    scope="push",
    response=WebPushSubscription,
    errors=(404,),
)
async def show_subscription(ctx: Context) -> Response:
    assert ctx.viewer is not None
    return await _render(ctx, await current_subscription(ctx.services, ctx.viewer))


@router.put(
    PATH,
    summary="Change the alerts and policy of this token's Web Push subscription",
    auth="user",
    scope="push",
    response=WebPushSubscription,
    errors=(404,),
)
async def update_subscription(ctx: Context, form: UpdateForm) -> Response:
    assert ctx.viewer is not None
    form = await read_bracket_form(ctx.request, form)
    record = await change_subscription(ctx.services, ctx.viewer, data=form.data, policy=form.policy)
    return await _render(ctx, record)


@router.delete(
    PATH,
    summary="Drop this token's Web Push subscription (fine when there is none)",
    auth="user",
    scope="push",
    response=EmptyObject,
)
async def delete_subscription(ctx: Context) -> Response:
    assert ctx.viewer is not None
    await unsubscribe(ctx.services, ctx.viewer)
    return empty_object()
