"""Registrations mode "approved": sign-ups wait for an admin, who approves
(the token starts working) or rejects (the account is gone) them through
Mastodon's admin API or `roost accounts`."""

from __future__ import annotations

from click.testing import CliRunner

from roost.cli import main
from roost.config import Settings
from tests.accounts.mailbox import Mailbox
from tests.accounts.signup_support import post_status, sign_up, signed_up
from tests.helpers import ApiClient, User
from tests.oauth.support import password_login, register_app

PENDING = "Your login is currently pending approval"
ADMIN_SCOPES = "read write admin:read:accounts admin:write:accounts"


def _admin(client: ApiClient, scope: str = ADMIN_SCOPES) -> User:
    boss = client.make_user("boss", is_admin=True)
    app = register_app(client, scopes=scope, name="Admin client")
    login = password_login(client, app, "boss", scope=scope)
    assert login.status_code == 200, login.text
    return User(boss.id, "boss", login.json()["access_token"])


def _pending_usernames(client: ApiClient, admin: User, path: str, **params: str) -> list[str]:
    response = client.get(path, params=params, user=admin)
    assert response.status_code == 200, response.text
    return [entry["username"] for entry in response.json()]


def test_a_pending_account_waits_for_an_admin(settings: Settings) -> None:
    with ApiClient.start(settings.replace(registrations_mode="approved")) as client:
        app = register_app(client)
        no_reason = sign_up(client, app, "gina")
        assert no_reason.status_code == 422
        assert no_reason.json()["details"]["reason"][0]["error"] == "ERR_BLANK"

        gina = signed_up(client, app, "gina", reason="I knit and want to post about it")
        # The token is handed out, but refused until an admin approves.
        for answer in (
            client.get("/api/v1/accounts/verify_credentials", user=gina),
            post_status(client, gina),
            client.get("/api/v1/timelines/home", user=gina),
        ):
            assert answer.status_code == 403 and answer.json() == {"error": PENDING}

        admin = _admin(client)
        # Nobody finds the applicant meanwhile, as on Mastodon.
        assert client.get(f"/api/v1/accounts/{gina.id}").status_code == 404
        assert client.get("/api/v1/accounts/lookup", params={"acct": "gina"}).status_code == 404
        found = client.get("/api/v1/accounts/search", params={"q": "gin"}, user=admin)
        assert found.status_code == 200 and found.json() == []
        assert _pending_usernames(client, admin, "/api/v1/admin/accounts", pending="true") == [
            "gina"
        ]
        assert _pending_usernames(client, admin, "/api/v2/admin/accounts", status="pending") == [
            "gina"
        ]
        assert "gina" not in _pending_usernames(
            client, admin, "/api/v2/admin/accounts", status="active"
        )
        entry = client.get(f"/api/v1/admin/accounts/{gina.id}", user=admin).json()
        assert entry["approved"] is False and entry["confirmed"] is True
        assert entry["invite_request"] == "I knit and want to post about it"
        assert entry["email"] == "gina@example.com" and entry["domain"] is None
        assert entry["account"]["acct"] == "gina"
        assert entry["created_by_application_id"] is not None

        approved = client.post(f"/api/v1/admin/accounts/{gina.id}/approve", user=admin)
        assert approved.status_code == 200, approved.text
        assert approved.json()["approved"] is True
        # At once, on every backend (tokens of pending accounts are not cached).
        assert post_status(client, gina).status_code == 200
        assert client.get("/api/v1/accounts/verify_credentials", user=gina).status_code == 200
        assert client.get(f"/api/v1/accounts/{gina.id}").status_code == 200
        assert client.get("/api/v1/accounts/lookup", params={"acct": "gina"}).status_code == 200
        found = client.get("/api/v1/accounts/search", params={"q": "gin"}, user=admin)
        assert [a["acct"] for a in found.json()] == ["gina"]
        again = client.post(f"/api/v1/admin/accounts/{gina.id}/approve", user=admin)
        assert again.status_code == 403
        assert _pending_usernames(client, admin, "/api/v1/admin/accounts", pending="true") == []


def test_a_rejected_account_is_gone(settings: Settings) -> None:
    with ApiClient.start(settings.replace(registrations_mode="approved")) as client:
        app = register_app(client)
        hank = signed_up(client, app, "hank", reason="spam, probably")
        admin = _admin(client)
        rejected = client.post(f"/api/v1/admin/accounts/{hank.id}/reject", user=admin)
        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["username"] == "hank"
        assert client.get(f"/api/v1/accounts/{hank.id}").status_code == 404
        refused = client.get("/api/v1/accounts/verify_credentials", user=hank)
        assert refused.status_code == 401
        missing = client.post(f"/api/v1/admin/accounts/{hank.id}/reject", user=admin)
        assert missing.status_code == 404
        # The name and the address are free again (and found once approved).
        assert client.get("/api/v1/accounts/lookup", params={"acct": "hank"}).status_code == 404
        second = signed_up(client, app, "hank", reason="second try")
        assert (
            client.post(f"/api/v1/admin/accounts/{second.id}/approve", user=admin).status_code
            == 200
        )
        found = client.get("/api/v1/accounts/lookup", params={"acct": "hank"})
        assert found.status_code == 200 and found.json()["id"] == str(second.id)


def test_only_admins_with_admin_scopes_moderate(settings: Settings) -> None:
    with ApiClient.start(settings.replace(registrations_mode="approved")) as client:
        ivy = signed_up(client, register_app(client), "ivy", reason="hello")
        jack = client.make_user("jack")
        as_user = client.post(f"/api/v1/admin/accounts/{ivy.id}/approve", user=jack)
        assert as_user.status_code == 403
        # An admin whose token lacks the admin scopes is refused too.
        plain = _admin(client, scope="read write")
        as_plain = client.post(f"/api/v1/admin/accounts/{ivy.id}/approve", user=plain)
        assert as_plain.status_code == 403
        assert as_plain.json()["error"] == "This action is outside the authorized scopes"
        listing = client.get("/api/v1/admin/accounts", user=jack)
        assert listing.status_code == 403
        assert post_status(client, ivy).status_code == 403


def test_confirmation_and_approval_together(smtp_settings: Settings, inbox: Mailbox) -> None:
    with ApiClient.start(smtp_settings.replace(registrations_mode="approved")) as client:
        kim = signed_up(client, register_app(client), "kim", reason="hi")
        admin = _admin(client)
        client.drain()
        [mail] = inbox.take()
        page = client.get(mail.path)
        assert page.status_code == 200 and "approve" in page.text
        answer = post_status(client, kim)
        assert answer.status_code == 403 and answer.json()["error"] == PENDING
        assert (
            client.post(f"/api/v1/admin/accounts/{kim.id}/approve", user=admin).status_code == 200
        )
        assert post_status(client, kim).status_code == 200


def _env(settings: Settings) -> dict[str, str]:
    return {
        "ROOST_DATA_DIR": str(settings.data_dir),
        "ROOST_DATABASE_URL": settings.database_url,
        "ROOST_REDIS_URL": settings.redis_url,
        "ROOST_REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "ROOST_WORKER_ID": "7",
    }


def test_the_command_line_lists_approves_and_rejects(settings: Settings) -> None:
    runner = CliRunner()
    with ApiClient.start(settings.replace(registrations_mode="approved")) as client:
        app = register_app(client)
        lea = signed_up(client, app, "lea", reason="I am Lea")
        signed_up(client, app, "max", reason="I am Max")

        listed = runner.invoke(main, ["accounts", "pending"], env=_env(settings))
        assert listed.exit_code == 0, listed.output
        assert "@lea <lea@example.com> I am Lea" in listed.output
        assert "@max" in listed.output

        approved = runner.invoke(main, ["accounts", "approve", "lea"], env=_env(settings))
        assert approved.exit_code == 0, approved.output
        assert post_status(client, lea).status_code == 200

        rejected = runner.invoke(main, ["accounts", "reject", "@max"], env=_env(settings))
        assert rejected.exit_code == 0, rejected.output
        assert client.get("/api/v1/accounts/lookup", params={"acct": "max"}).status_code == 404

        not_pending = runner.invoke(main, ["accounts", "approve", "lea"], env=_env(settings))
        assert not_pending.exit_code == 1
        assert "not waiting for approval" in not_pending.output
        unknown = runner.invoke(main, ["accounts", "reject", "nobody"], env=_env(settings))
        assert unknown.exit_code == 1
        empty = runner.invoke(main, ["accounts", "pending"], env=_env(settings))
        assert "no sign-ups are waiting" in empty.output
