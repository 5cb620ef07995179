"""E-mail confirmation through a real SMTP server on loopback: the link is
mailed by a background job, following it lets the account post; wrong,
expired and spent links are refused with a readable page; resending works."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from roost.cli import main
from roost.config import Settings
from roost.db import schema
from roost.seed.graphs import read_reed98
from roost.seed.loader import DEMO_PASSWORD, SeedOptions, seed_database
from tests.accounts.mailbox import Mailbox
from tests.accounts.signup_support import PASSWORD, post_status, signed_up
from tests.helpers import ApiClient, User
from tests.oauth.support import bearer, password_login, register_app

UNCONFIRMED = "Your login is missing a confirmed e-mail address"


def _stored_confirmations(client: ApiClient) -> list[Any]:
    async def read() -> list[Any]:
        c = schema.email_confirmations
        async with client.services.db.read(primary=True) as conn:
            query = sa.select(c.c.token_hash, c.c.account_id, c.c.email)
            return list((await conn.execute(query)).all())

    return client.call(read)


def _expire_links(client: ApiClient) -> None:
    async def expire() -> None:
        c = schema.email_confirmations
        past = datetime.now(UTC) - timedelta(minutes=1)
        async with client.services.db.write() as conn:
            await conn.execute(c.update().values(expires_at=past))

    client.call(expire)


def _age_links(client: ApiClient) -> None:
    """Make every link sent so far two minutes old (past the resend interval)."""

    async def age() -> None:
        c = schema.email_confirmations
        async with client.services.db.write() as conn:
            past = datetime.now(UTC) - timedelta(minutes=2)
            await conn.execute(c.update().values(created_at=past))

    client.call(age)


def _assert_unconfirmed(client: ApiClient, user: User) -> None:
    posted = post_status(client, user)
    assert posted.status_code == 403, posted.text
    assert posted.json() == {"error": UNCONFIRMED}
    # verify_credentials answers like Mastodon: the 403 says what is missing.
    me = client.get("/api/v1/accounts/verify_credentials", user=user)
    assert me.status_code == 403 and me.json()["error"] == UNCONFIRMED


def test_sign_up_mails_a_link_that_confirms_the_account(
    mail_client: ApiClient, inbox: Mailbox
) -> None:
    client = mail_client
    alice = signed_up(client, register_app(client), "alice")
    # Mail goes out from a background job, never inside the request.
    assert inbox.take() == []
    _assert_unconfirmed(client, alice)
    # Nobody finds an unconfirmed account, as on Mastodon.
    assert client.get(f"/api/v1/accounts/{alice.id}").status_code == 404
    assert client.get("/api/v1/accounts/lookup", params={"acct": "alice"}).status_code == 404

    assert client.drain() >= 1
    [mail] = inbox.take()
    assert mail.recipients == ["alice@example.com"]
    assert mail.message["To"] == "alice@example.com"
    assert mail.sender == "notifications@testserver"
    assert mail.link.startswith("http://testserver/auth/confirmation?confirmation_token=")
    # Only a hash of the token is stored.
    [stored] = _stored_confirmations(client)
    assert stored.account_id == alice.id and stored.email == "alice@example.com"
    assert mail.token not in stored.token_hash and len(stored.token_hash) == 64

    page = client.get(mail.path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "E-mail address confirmed" in page.text
    assert page.headers["cache-control"] == "no-store"

    posted = post_status(client, alice, "confirmed and posting")
    assert posted.status_code == 200, posted.text
    me = client.get("/api/v1/accounts/verify_credentials", user=alice)
    assert me.status_code == 200 and me.json()["username"] == "alice"
    assert client.get(f"/api/v1/accounts/{alice.id}").status_code == 200
    assert client.get("/api/v1/accounts/lookup", params={"acct": "alice"}).status_code == 200
    # The link is spent: following it again confirms nothing more.
    assert _stored_confirmations(client) == []
    again = client.get(mail.path)
    assert again.status_code == 404 and "not valid" in again.text


def test_wrong_and_expired_links_are_refused(mail_client: ApiClient, inbox: Mailbox) -> None:
    client = mail_client
    bob = signed_up(client, register_app(client), "bob")
    client.drain()
    [mail] = inbox.take()

    wrong = client.get("/auth/confirmation", params={"confirmation_token": mail.token + "x"})
    assert wrong.status_code == 404
    assert "This link is not valid" in wrong.text
    missing = client.get("/auth/confirmation")
    assert missing.status_code == 404

    _expire_links(client)
    expired = client.get(mail.path)
    assert expired.status_code == 410
    assert "This link has expired" in expired.text
    assert "new confirmation e-mail" in expired.text
    _assert_unconfirmed(client, bob)


def test_resend_mails_a_new_link_and_can_change_the_address(
    mail_client: ApiClient, inbox: Mailbox
) -> None:
    client = mail_client
    app = register_app(client)
    carol = signed_up(client, app, "carol")
    client.drain()
    [first] = inbox.take()

    # One link a minute per account.
    too_soon = client.post("/api/v1/emails/confirmations", user=carol)
    assert too_soon.status_code == 429
    assert 1 <= int(too_soon.headers["Retry-After"]) <= 60
    _age_links(client)
    resent = client.post("/api/v1/emails/confirmations", user=carol)
    assert resent.status_code == 200 and resent.json() == {}
    client.drain()
    [second] = inbox.take()
    assert second.recipients == ["carol@example.com"]
    assert second.token != first.token
    _age_links(client)

    # A new address: the mail goes there, and links sent to the old one die.
    moved = client.post(
        "/api/v1/emails/confirmations", data={"email": "carol@new.example"}, user=carol
    )
    assert moved.status_code == 200, moved.text
    client.drain()
    [third] = inbox.take()
    assert third.recipients == ["carol@new.example"]
    assert client.get(second.path).status_code == 404
    _assert_unconfirmed(client, carol)

    assert client.get(third.path).status_code == 200
    assert post_status(client, carol).status_code == 200
    again = client.post("/api/v1/emails/confirmations", user=carol)
    assert again.status_code == 403
    assert again.json()["error"] == (
        "This method is only available while the e-mail is awaiting confirmation"
    )


def test_resend_is_for_the_signing_up_app_only(mail_client: ApiClient, inbox: Mailbox) -> None:
    client = mail_client
    dave = signed_up(client, register_app(client), "dave")
    client.drain()
    inbox.take()
    other_app = register_app(client, name="Another client")
    login = client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": other_app["client_id"],
            "client_secret": other_app["client_secret"],
            "username": "dave",
            "password": "a long enough password",
            "scope": "read write",
        },
    )
    assert login.status_code == 200, login.text
    other_token = login.json()["access_token"]
    refused = client.post("/api/v1/emails/confirmations", headers=bearer(other_token))
    assert refused.status_code == 403
    assert "originally signed-up with" in refused.json()["error"]
    taken = client.post("/api/v1/emails/confirmations", data={"email": "nope"}, user=dave)
    assert taken.status_code == 422
    assert taken.json()["details"]["email"][0]["error"] == "ERR_INVALID"
    client.drain()
    assert inbox.take() == []


def test_without_smtp_sign_ups_need_no_confirmation(client: ApiClient) -> None:
    erin = signed_up(client, register_app(client), "erin")
    # No mail job was queued.
    assert client.drain() == 0
    assert post_status(client, erin).status_code == 200


def test_required_without_smtp_writes_the_mail_to_the_log(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with ApiClient.start(settings.replace(require_email_confirmation="true")) as client:
        frank = signed_up(client, register_app(client), "frank")
        assert post_status(client, frank).status_code == 403
        with caplog.at_level(logging.WARNING, logger="roost.mail"):
            client.drain()
        [record] = [r for r in caplog.records if r.name == "roost.mail"]
        line = record.getMessage()
        assert "frank@example.com" in line
        start = line.index("/auth/confirmation?")
        assert client.get(line[start:].split()[0]).status_code == 200
        assert post_status(client, frank).status_code == 200


def test_operator_made_accounts_need_no_confirmation(
    mail_client: ApiClient, smtp_settings: Settings, inbox: Mailbox
) -> None:
    """`roost create-admin` and `roost seed` make confirmed, approved accounts."""
    client = mail_client
    env = {
        "ROOST_DATA_DIR": str(smtp_settings.data_dir),
        "ROOST_DATABASE_URL": smtp_settings.database_url,
        "ROOST_REDIS_URL": smtp_settings.redis_url,
        "ROOST_REDIS_KEY_PREFIX": smtp_settings.redis_key_prefix,
        "ROOST_SMTP_HOST": smtp_settings.smtp_host,
        "ROOST_SMTP_PORT": str(smtp_settings.smtp_port),
        "ROOST_WORKER_ID": "7",
    }
    # Seeding wants an empty database: it goes first.
    client.call(
        seed_database, client.services, read_reed98(), SeedOptions(posts_min=1, posts_max=1)
    )
    created = CliRunner().invoke(
        main,
        ["create-admin", "--username", "root", "--email", "root@example.com"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env=env,
    )
    assert created.exit_code == 0, created.output
    app = register_app(client)
    for login, password in (("root", PASSWORD), ("username_5@example.com", DEMO_PASSWORD)):
        issued = password_login(client, app, login, password)
        assert issued.status_code == 200, issued.text
        me = client.get(
            "/api/v1/accounts/verify_credentials", headers=bearer(issued.json()["access_token"])
        )
        assert me.status_code == 200, me.text
    client.drain()
    assert inbox.take() == []
