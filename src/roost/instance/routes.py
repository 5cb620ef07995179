"""HTTP routes of the instance domain: what clients ask a server on start."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import msgspec
from starlette.responses import PlainTextResponse, Response

import roost
from roost.accounts.entities import Account
from roost.accounts.serializers import serialize_account
from roost.accounts.store import load_account
from roost.api.errors import ApiError
from roost.api.responses import EmptyObject, json_response
from roost.api.routing import Context, Router
from roost.instance.discovery import load_usage, webfinger_account, weekly_activity
from roost.instance.entities import (
    Announcement,
    CustomEmoji,
    ExtendedDescription,
    InstanceV1,
    InstanceV2,
    Jrd,
    JrdLink,
    NodeInfo,
    NodeInfoLinks,
    NodeInfoServices,
    NodeInfoSoftware,
    NodeInfoUsage,
    NodeInfoUsers,
    PrivacyPolicy,
    Readiness,
    Rule,
    WeekActivity,
)
from roost.instance.health import readiness
from roost.instance.serializers import DESCRIPTION, serialize_instance_v1, serialize_instance_v2
from roost.instance.stats import InstanceFacts, load_instance_facts
from roost.kernel.errors import NotFound, Unprocessable
from roost.kernel.timefmt import format_datetime
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


@router.get(
    "/api/v1/instance/peers",
    summary="Domains this server federates with (none: Roost does not federate)",
    auth="none",
    response=list[str],
)
async def instance_peers(ctx: Context) -> Response:
    return json_response([])


@router.get(
    "/api/v1/instance/activity",
    summary="Statuses, logins and sign-ups of the last 12 weeks, this week first",
    auth="none",
    response=list[WeekActivity],
)
async def instance_activity(ctx: Context) -> Response:
    weeks = await weekly_activity(ctx.services)
    return json_response(
        [
            WeekActivity(
                week=str(int(w.start.timestamp())),
                statuses=str(w.statuses),
                logins=str(w.logins),
                registrations=str(w.registrations),
            )
            for w in weeks
        ]
    )


# Roost's own texts: there is no admin editor for them yet.
_TEXTS_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)
_PRIVACY = (
    "<p>This server keeps what you post and the e-mail address you signed up with. "
    "Posts you delete are removed; nothing is shared with other servers.</p>"
)


@router.get(
    "/api/v1/instance/extended_description",
    summary="The server's longer description (HTML)",
    auth="none",
    response=ExtendedDescription,
)
async def extended_description(ctx: Context) -> Response:
    return json_response(
        ExtendedDescription(
            updated_at=format_datetime(_TEXTS_UPDATED), content=f"<p>{html.escape(DESCRIPTION)}</p>"
        )
    )


@router.get(
    "/api/v1/instance/privacy_policy",
    summary="The server's privacy policy (HTML)",
    auth="none",
    response=PrivacyPolicy,
)
async def privacy_policy(ctx: Context) -> Response:
    return json_response(
        PrivacyPolicy(updated_at=format_datetime(_TEXTS_UPDATED), content=_PRIVACY)
    )


@router.get(
    "/api/v1/announcements",
    summary="Announcements by the server's staff (Roost publishes none yet)",
    auth="user",
    scope="read",
    response=list[Announcement],
)
async def announcements(ctx: Context) -> Response:
    return json_response([])


@router.post(
    "/api/v1/announcements/{id:int}/dismiss",
    summary="Mark an announcement read (there are none: 404)",
    auth="user",
    scope="write:accounts",
    response=EmptyObject,
)
async def dismiss_announcement(ctx: Context) -> Response:
    raise NotFound("Announcement")


@router.put(
    "/api/v1/announcements/{id:int}/reactions/{name}",
    summary="React to an announcement (not supported: 422)",
    auth="user",
    scope="write:favourites",
    response=EmptyObject,
    errors=(422,),
)
async def add_announcement_reaction(ctx: Context) -> Response:
    raise Unprocessable("Reactions to announcements are not supported by this server")


@router.delete(
    "/api/v1/announcements/{id:int}/reactions/{name}",
    summary="Remove a reaction to an announcement (not supported: 422)",
    auth="user",
    scope="write:favourites",
    response=EmptyObject,
    errors=(422,),
)
async def remove_announcement_reaction(ctx: Context) -> Response:
    raise Unprocessable("Reactions to announcements are not supported by this server")


# -- discovery: WebFinger, host-meta, NodeInfo --------------------------------

_JRD = "application/jrd+json"
_XRD = "application/xrd+xml"


class WebfingerQuery(msgspec.Struct, kw_only=True):
    resource: str = ""


@router.get(
    "/.well-known/webfinger",
    summary="WebFinger: an account of this server by acct:user@domain (404: unknown)",
    auth="none",
    response=Jrd,
    media_type=_JRD,
    errors=(400, 404),
)
async def webfinger(ctx: Context, query: WebfingerQuery) -> Response:
    if not query.resource:
        raise ApiError(400, "The resource parameter is missing")
    record = await webfinger_account(ctx.services, query.resource)
    settings = ctx.services.settings
    domain = settings.domain.rsplit(":", 1)[0] if ":" in settings.domain else settings.domain
    profile = f"{settings.public_url}/@{record.username}"
    jrd = Jrd(
        subject=f"acct:{record.username}@{domain}",
        aliases=[profile, f"{settings.public_url}/users/{record.username}"],
        links=[
            JrdLink(rel="http://webfinger.net/rel/profile-page", type="text/html", href=profile),
            JrdLink(
                rel="http://webfinger.net/rel/avatar",
                type="image/png",
                href=serialize_account(settings, record).avatar,
            ),
        ],
    )
    return Response(
        msgspec.json.encode(jrd),
        media_type=_JRD,
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=259200, public"},
    )


@router.get(
    "/.well-known/host-meta",
    summary="host-meta (XRD): where this server's WebFinger is",
    auth="none",
    media_type=_XRD,
)
async def host_meta(ctx: Context) -> Response:
    template = html.escape(
        f"{ctx.services.settings.public_url}/.well-known/webfinger?resource={{uri}}", quote=True
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{template}"/>\n'
        "</XRD>\n"
    )
    return Response(body.encode(), media_type=_XRD)


_NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.0"


@router.get(
    "/.well-known/nodeinfo",
    summary="NodeInfo discovery: where the NodeInfo 2.0 document is",
    auth="none",
    response=NodeInfoLinks,
)
async def nodeinfo_links(ctx: Context) -> Response:
    href = f"{ctx.services.settings.public_url}/nodeinfo/2.0"
    return json_response(NodeInfoLinks(links=[JrdLink(rel=_NODEINFO_SCHEMA, href=href)]))


@router.get(
    "/nodeinfo/2.0",
    summary="NodeInfo 2.0: software, registrations and usage figures",
    auth="none",
    response=NodeInfo,
)
async def nodeinfo(ctx: Context) -> Response:
    usage = await load_usage(ctx.services)
    settings = ctx.services.settings
    return json_response(
        NodeInfo(
            version="2.0",
            software=NodeInfoSoftware(name="roost", version=roost.__version__),
            # Roost speaks no server-to-server protocol; NodeInfo 2.0 wants
            # at least one listed, so the one it would speak is named.
            protocols=["activitypub"],
            services=NodeInfoServices(outbound=[], inbound=[]),
            usage=NodeInfoUsage(
                users=NodeInfoUsers(
                    total=usage.users_total,
                    active_month=usage.active_month,
                    active_halfyear=usage.active_halfyear,
                ),
                local_posts=usage.local_posts,
            ),
            open_registrations=settings.effective_registrations_mode == "open",
            metadata={"nodeName": settings.instance_title},
        )
    )


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
