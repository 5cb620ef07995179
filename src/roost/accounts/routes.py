"""HTTP routes of the accounts domain: sign-up, own profile, lookups.

Routes under ``/api/v1/accounts/{id}/...`` belong to the domains that own
what they list (timelines: statuses; relationships: follow, followers...).
"""

from __future__ import annotations

from starlette.responses import Response

from roost.accounts.confirmation import confirm_email, resend_confirmation
from roost.accounts.deletion import delete_own_account
from roost.accounts.entities import (
    Account,
    ConfirmationQuery,
    CredentialAccount,
    DeletionForm,
    FeaturedTag,
    FeaturedTagForm,
    LookupQuery,
    Preferences,
    ProfileForm,
    ResendForm,
    SearchQuery,
    SignUpForm,
)
from roost.accounts.featured import (
    FeaturedTagRow,
    feature_tag,
    list_featured_tags,
    suggested_tags,
    unfeature_tag,
)
from roost.accounts.lookup import lookup_account, search_accounts
from roost.accounts.pages import confirmation_page
from roost.accounts.params import field_pairs, read_profile_form
from roost.accounts.profile import update_profile
from roost.accounts.records import AccountRecord, is_signed_up
from roost.accounts.serializers import serialize_account, serialize_credential_account
from roost.accounts.service import sign_up
from roost.accounts.store import load_account
from roost.accounts.validation import parse_birth_date
from roost.api.client_address import client_address
from roost.api.errors import ApiError
from roost.api.responses import NO_STORE, EmptyObject, empty_object, json_response
from roost.api.routing import Context, Router
from roost.api.uploads import received_upload
from roost.kernel.errors import NotFound
from roost.kernel.timefmt import format_date
from roost.limits import spend_sign_up
from roost.media.profile import check_profile_image, upload_profile_image
from roost.media.service import UploadedFile, upload_limit
from roost.oauth.entities import Token
from roost.oauth.serializers import serialize_token
from roost.relationships.requests import count_follow_requests
from roost.statuses.entities import Tag

router = Router("accounts")

PROFILE_IMAGES = ("avatar", "header")
# Seconds update_credentials waits for a new picture to be processed.
PROFILE_IMAGE_WAIT = 5.0


async def _credential_response(ctx: Context, record: AccountRecord) -> Response:
    # Only a locked account has requests to answer: an unlocked one's are
    # being accepted, so it is spared the count.
    count = await count_follow_requests(ctx.services, account_id=record.id) if record.locked else 0
    account = serialize_credential_account(
        ctx.services.settings, record, follow_requests_count=count
    )
    return json_response(account)


@router.post(
    "/api/v1/accounts",
    summary="Register an account (app token); returns the new account's token",
    auth="token",
    scope="write:accounts",
    response=Token,
)
async def register_account(ctx: Context, form: SignUpForm) -> Response:
    assert ctx.viewer is not None
    await spend_sign_up(ctx.services, address=client_address(ctx.request))
    issued = await sign_up(
        ctx.services,
        app_id=ctx.viewer.app_id,
        scopes=" ".join(sorted(ctx.viewer.scopes)),
        username=form.username.strip(),
        email=form.email.strip(),
        password=form.password,
        agreement=form.agreement,
        locale=form.locale.strip() or "en",
        date_of_birth=parse_birth_date(form.date_of_birth),
        display_name=form.display_name,
        reason=form.reason,
    )
    return json_response(serialize_token(issued), headers=NO_STORE)


@router.post(
    "/api/v1/emails/confirmations",
    summary="Mail a new confirmation link, optionally to a changed address",
    auth="token",
    scope="write:accounts",
)
async def resend_confirmation_mail(ctx: Context, form: ResendForm) -> Response:
    assert ctx.viewer is not None
    await resend_confirmation(ctx.services, viewer=ctx.viewer, email=form.email)
    return empty_object()


@router.get(
    "/auth/confirmation",
    summary="The page a confirmation link opens: confirms the e-mail address (HTML)",
    auth="none",
    media_type="text/html",
    errors=(404, 410),
)
async def confirmation(ctx: Context, query: ConfirmationQuery) -> Response:
    result = await confirm_email(ctx.services, token=query.confirmation_token)
    return confirmation_page(result, instance_title=ctx.services.settings.instance_title)


@router.get(
    "/api/v1/accounts/verify_credentials",
    summary="The calling user's own account, with its editable source",
    auth="user",
    # Mastodon lets the narrow "profile" scope read just this one endpoint.
    scope=("read:accounts", "profile"),
    response=CredentialAccount,
)
async def verify_credentials(ctx: Context) -> Response:
    record = await load_account(ctx.services, ctx.user_id)
    if record is None:
        raise ApiError(401, "The access token is invalid")
    return await _credential_response(ctx, record)


@router.patch(
    "/api/v1/accounts/update_credentials",
    summary="Update the calling user's profile (multipart: avatar and header images)",
    auth="user",
    scope="write:accounts",
    response=CredentialAccount,
    errors=(404,),  # the account was deleted meanwhile
    uploads=PROFILE_IMAGES,
    upload_limit=upload_limit,
)
async def update_credentials(ctx: Context, form: ProfileForm) -> Response:
    form = await read_profile_form(ctx.request, form)
    source = form.source
    received = received_upload(ctx.request)
    pictures = {
        kind: UploadedFile(found.path, found.size)
        for kind in PROFILE_IMAGES
        if received is not None and (found := received.files.get(kind)) is not None
    }
    for kind, file in pictures.items():
        await check_profile_image(ctx.services, kind=kind, file=file)
    record = await update_profile(
        ctx.services,
        account_id=ctx.user_id,
        display_name=form.display_name,
        note=form.note,
        locked=form.locked,
        bot=form.bot,
        discoverable=form.discoverable,
        indexable=form.indexable,
        fields=field_pairs(form),
        privacy=source.privacy if source else None,
        sensitive=source.sensitive if source else None,
        language=source.language if source else None,
    )
    if pictures:
        # Processed by a job; this process's workers usually finish it
        # before the answer (otherwise the new picture shows a moment later).
        wait = PROFILE_IMAGE_WAIT if ctx.services.settings.run_workers else 0.0
        for kind, file in pictures.items():
            await upload_profile_image(
                ctx.services, account_id=ctx.user_id, kind=kind, file=file, wait=wait
            )
        record = await load_account(ctx.services, ctx.user_id) or record
    return await _credential_response(ctx, record)


@router.get(
    "/api/v1/accounts/lookup",
    summary="Find an account by its username (name or name@domain)",
    response=Account,
    errors=(404,),
)
async def lookup(ctx: Context, query: LookupQuery) -> Response:
    record = await lookup_account(ctx.services, acct=query.acct)
    if record is None or not _signed_up(ctx, record):
        raise NotFound("Record")
    return json_response(serialize_account(ctx.services.settings, record))


@router.get(
    "/api/v1/accounts/search",
    summary="Accounts whose username or display name starts with q",
    auth="user",
    scope="read:accounts",
    response=list[Account],
)
async def search(ctx: Context, query: SearchQuery) -> Response:
    records = await search_accounts(
        ctx.services,
        query=query.q,
        limit=query.limit,
        offset=query.offset,
        following_of=ctx.user_id if query.following else None,
    )
    settings = ctx.services.settings
    return json_response([serialize_account(settings, r) for r in records])


@router.get("/api/v1/accounts/{id:int}", summary="An account by id", response=Account)
async def get_account(ctx: Context) -> Response:
    record = await load_account(ctx.services, ctx.path_id())
    if record is None or not _signed_up(ctx, record):
        raise NotFound("Record")
    # A suspended account answers as Mastodon's stub (``suspended: true``).
    return json_response(serialize_account(ctx.services.settings, record))


@router.post(
    "/settings/delete",
    summary="Delete the caller's own account, confirmed with its password (the web app's "
    "settings page; Mastodon has no client API method for it either)",
    auth="user",
    scope="write:accounts",
    response=EmptyObject,
    errors=(403, 422, 429),
)
async def delete_own(ctx: Context, form: DeletionForm) -> Response:
    await delete_own_account(
        ctx.services,
        account_id=ctx.user_id,
        password=form.password,
        ip=client_address(ctx.request),
    )
    return empty_object()


def _signed_up(ctx: Context, record: AccountRecord) -> bool:
    required = ctx.services.settings.email_confirmation_required
    return is_signed_up(record, confirmation_required=required)


# -- preferences and featured hashtags ---------------------------------------


@router.get(
    "/api/v1/preferences",
    summary="The caller's posting and reading preferences",
    auth="user",
    scope="read:accounts",
    response=Preferences,
)
async def preferences(ctx: Context) -> Response:
    record = await load_account(ctx.services, ctx.user_id)
    if record is None:
        raise NotFound()
    return json_response(
        Preferences(
            visibility=record.default_privacy,
            sensitive=record.default_sensitive,
            language=record.default_language,
        )
    )


def _featured(ctx: Context, row: FeaturedTagRow) -> FeaturedTag:
    return FeaturedTag(
        id=str(row.id),
        name=row.name,
        url=f"{ctx.services.settings.public_url}/tags/{row.name}",
        statuses_count=row.statuses_count,
        last_status_at=format_date(row.last_status_at) if row.last_status_at else None,
    )


@router.get(
    "/api/v1/featured_tags",
    summary="Hashtags the caller features on the profile",
    auth="user",
    scope="read:accounts",
    response=list[FeaturedTag],
)
async def featured_tags(ctx: Context) -> Response:
    rows = await list_featured_tags(ctx.services, account_id=ctx.user_id)
    return json_response([_featured(ctx, r) for r in rows])


@router.post(
    "/api/v1/featured_tags",
    summary="Feature a hashtag on the profile (at most 10)",
    auth="user",
    scope="write:accounts",
    response=FeaturedTag,
    errors=(422,),
)
async def feature_tag_route(ctx: Context, form: FeaturedTagForm) -> Response:
    row = await feature_tag(ctx.services, account_id=ctx.user_id, name=form.name)
    return json_response(_featured(ctx, row))


@router.delete(
    "/api/v1/featured_tags/{id:int}",
    summary="Stop featuring a hashtag",
    auth="user",
    scope="write:accounts",
    response=EmptyObject,
    errors=(404,),
)
async def unfeature_tag_route(ctx: Context) -> Response:
    await unfeature_tag(ctx.services, account_id=ctx.user_id, featured_id=ctx.path_id())
    return empty_object()


@router.get(
    "/api/v1/featured_tags/suggestions",
    summary="Hashtags the caller uses most and does not feature yet",
    auth="user",
    scope="read:accounts",
    response=list[Tag],
)
async def featured_tag_suggestions(ctx: Context) -> Response:
    names = await suggested_tags(ctx.services, account_id=ctx.user_id)
    public_url = ctx.services.settings.public_url
    return json_response([Tag(name=n, url=f"{public_url}/tags/{n}") for n in names])


@router.get(
    "/api/v1/accounts/{id:int}/featured_tags",
    summary="Hashtags an account features on its profile",
    auth="optional",
    scope="read:accounts",
    response=list[FeaturedTag],
    errors=(404,),
)
async def account_featured_tags(ctx: Context) -> Response:
    rows = await list_featured_tags(ctx.services, account_id=ctx.path_id())
    return json_response([_featured(ctx, r) for r in rows])
