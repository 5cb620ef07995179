"""HTTP routes of the instance domain: what clients ask a server on start."""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

from roost.accounts.entities import Account
from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_account
from roost.api.responses import json_response
from roost.api.routing import Context, Router
from roost.instance.entities import CustomEmoji, InstanceV1, InstanceV2, Readiness, Rule
from roost.instance.health import readiness
from roost.instance.serializers import serialize_instance_v1, serialize_instance_v2
from roost.instance.stats import InstanceFacts, load_instance_facts
from roost.push.keys import vapid_keys

router = Router("instance")


async def _facts_and_contact(ctx: Context) -> tuple[InstanceFacts, Account | None]:
    facts = await load_instance_facts(ctx.services)
    contact = None
    if facts.contact_account_id is not None:
        record = await load_account(ctx.services, facts.contact_account_id)
        if record is not None:
            contact = serialize_account(ctx.services.settings, record)
    return facts, contact


@router.get("/api/v1/instance", summary="Server information (v1)", auth="none", response=InstanceV1)
async def instance_v1(ctx: Context) -> Response:
    facts, contact = await _facts_and_contact(ctx)
    return json_response(serialize_instance_v1(ctx.services.settings, facts, contact))


# Mastodon.py asks for the trailing-slash form before uploading media.
@router.get(
    "/api/v1/instance/", summary="Server information (v1)", auth="none", response=InstanceV1
)
async def instance_v1_slash(ctx: Context) -> Response:
    return await instance_v1(ctx)


@router.get("/api/v2/instance", summary="Server information (v2)", auth="none", response=InstanceV2)
async def instance_v2(ctx: Context) -> Response:
    facts, contact = await _facts_and_contact(ctx)
    vapid_key = (await vapid_keys(ctx.services)).server_key
    return json_response(
        serialize_instance_v2(ctx.services.settings, facts, contact, vapid_key=vapid_key)
    )


@router.get("/api/v1/instance/rules", summary="Server rules", auth="none", response=list[Rule])
async def instance_rules(ctx: Context) -> Response:
    return json_response([])


@router.get(
    "/api/v1/custom_emojis",
    summary="Custom emojis (Roost has none)",
    auth="none",
    response=list[CustomEmoji],
)
async def custom_emojis(ctx: Context) -> Response:
    return json_response([])


@router.get(
    "/api/v1/streaming/health",
    summary="Streaming server health (plain OK)",
    auth="none",
    media_type="text/plain",
)
async def streaming_health(ctx: Context) -> Response:
    return PlainTextResponse("OK")


# Health checks for load balancers and supervisors (roost.instance.health).
# Outside /api/, so neither rate limited nor counted; never cached.
_NO_CACHE = {"Cache-Control": "no-store"}


@router.get(
    "/livez",
    summary="Liveness: the process answers (plain OK)",
    auth="none",
    media_type="text/plain",
)
async def livez(ctx: Context) -> Response:
    return PlainTextResponse("OK", headers=_NO_CACHE)


@router.get(
    "/readyz",
    summary="Readiness: not draining, database reachable and migrated (503 otherwise)",
    auth="none",
    response=Readiness,
    errors=(503,),
)
async def readyz(ctx: Context) -> Response:
    result = await readiness(ctx.services)
    if result.ready:
        return json_response(Readiness(status="ready", checks=result.checks), headers=_NO_CACHE)
    body = {"error": f"Not ready: {result.reason}", "checks": result.checks}
    return json_response(body, status=503, headers=_NO_CACHE)
