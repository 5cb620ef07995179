"""Reports and moderators' actions: a suspended account cannot sign in or use
its tokens and its statuses vanish everywhere; a silenced one stays out of
public timelines."""

from __future__ import annotations

import pytest

from tests.accounts.signup_support import signed_up
from tests.helpers import ApiClient, User
from tests.oauth.support import password_login, register_app
from tests.timelines.support import follow, home, post, timeline

ADMIN_SCOPES = "read write admin:read admin:write"


def make_admin(client: ApiClient) -> User:
    boss = client.make_user("boss", is_admin=True)
    app = register_app(client, scopes=ADMIN_SCOPES, name="Admin client")
    login = password_login(client, app, "boss", scope=ADMIN_SCOPES)
    assert login.status_code == 200, login.text
    return User(boss.id, "boss", login.json()["access_token"])


def test_report_and_its_handling(client: ApiClient) -> None:
    alice, troll = client.make_user("alice"), client.make_user("troll")
    admin = make_admin(client)
    bad = post(client, troll, "something nasty")
    filed = client.post(
        "/api/v1/reports",
        user=alice,
        data={
            "account_id": troll.sid,
            "status_ids[]": [bad],
            "comment": "rude",
            "category": "spam",
        },
    )
    assert filed.status_code == 200, filed.text
    report = filed.json()
    assert report["target_account"]["id"] == troll.sid
    assert report["status_ids"] == [bad]
    assert report["category"] == "spam"
    assert report["action_taken"] is False

    # Bad input: someone else's status, an unknown account, oneself.
    mine = post(client, alice, "mine")
    wrong = client.post(
        "/api/v1/reports", user=alice, data={"account_id": troll.sid, "status_ids[]": [mine]}
    )
    assert wrong.status_code == 422
    assert client.post("/api/v1/reports", user=alice, data={"account_id": "999"}).status_code == 404
    assert (
        client.post("/api/v1/reports", user=alice, data={"account_id": alice.sid}).status_code
        == 422
    )

    # Only administrators see reports.
    assert client.get("/api/v1/admin/reports", user=alice).status_code == 403
    listed = client.get("/api/v1/admin/reports", user=admin).json()
    assert [r["id"] for r in listed] == [report["id"]]
    assert listed[0]["statuses"][0]["id"] == bad
    assert listed[0]["account"]["id"] == alice.sid
    taken = client.post(f"/api/v1/admin/reports/{report['id']}/assign_to_self", user=admin).json()
    assert taken["assigned_account"]["id"] == admin.sid
    resolved = client.post(f"/api/v1/admin/reports/{report['id']}/resolve", user=admin).json()
    assert resolved["action_taken"] is True
    assert resolved["action_taken_by_account"]["id"] == admin.sid
    assert client.get("/api/v1/admin/reports", user=admin).json() == []
    done = client.get("/api/v1/admin/reports", user=admin, params={"resolved": "true"}).json()
    assert [r["id"] for r in done] == [report["id"]]
    reopened = client.post(f"/api/v1/admin/reports/{report['id']}/reopen", user=admin).json()
    assert reopened["action_taken"] is False
    one = client.get(f"/api/v1/admin/reports/{report['id']}", user=admin)
    assert one.status_code == 200
    assert client.get("/api/v1/admin/reports/1", user=admin).status_code == 404


def test_suspension_hides_everything_and_locks_the_account_out(client: ApiClient) -> None:
    alice, troll = client.make_user("alice"), client.make_user("troll")
    admin = make_admin(client)
    follow(client, alice, troll)
    named = client.patch(
        "/api/v1/accounts/update_credentials",
        user=troll,
        data={"display_name": "Troll Face", "note": "I post spam"},
    )
    assert named.status_code == 200, named.text
    client.drain()
    status = post(client, troll, "spam spam spam")
    client.drain()
    assert status in home(client, alice)
    report = client.post("/api/v1/reports", user=alice, data={"account_id": troll.sid}).json()

    assert (
        client.post(
            f"/api/v1/admin/accounts/{troll.id}/action", user=alice, data={"type": "suspend"}
        ).status_code
        == 403
    )
    acted = client.post(
        f"/api/v1/admin/accounts/{troll.id}/action",
        user=admin,
        data={"type": "suspend", "report_id": report["id"], "text": "spam"},
    )
    assert acted.status_code == 200, acted.text
    assert client.get(f"/api/v1/admin/reports/{report['id']}", user=admin).json()["action_taken"]

    # Locked out: its token is refused, and so is its password.
    refused = client.get("/api/v1/accounts/verify_credentials", user=troll)
    assert refused.status_code == 403
    assert refused.json()["error"] == "Your login is currently disabled"
    app = register_app(client)
    assert password_login(client, app, "troll").status_code != 200
    # Its statuses are gone from every timeline, the status itself too.
    assert status not in home(client, alice)
    assert status not in timeline(client, "/api/v1/timelines/public")
    assert client.get(f"/api/v1/statuses/{status}", user=alice).status_code == 404
    # The account itself answers as Mastodon's stub: its name and counts,
    # "suspended": true, nothing it wrote about itself; account search
    # leaves it out, and its statuses are an empty list.
    for shown in (
        client.get("/api/v1/accounts/lookup", params={"acct": "troll"}, user=alice),
        client.get(f"/api/v1/accounts/{troll.id}", user=alice),
    ):
        assert shown.status_code == 200, shown.text
        stub = shown.json()
        assert stub["suspended"] is True and stub["username"] == "troll"
        assert stub["display_name"] == "" and stub["note"] == "" and stub["fields"] == []
        assert stub["avatar"].endswith("/static/avatar-missing.png")
    found = client.get("/api/v1/accounts/search", params={"q": "troll"}, user=alice).json()
    assert found == []
    troll_statuses = client.get(f"/api/v1/accounts/{troll.id}/statuses", user=alice)
    assert troll_statuses.status_code == 200 and troll_statuses.json() == []
    assert (
        client.get("/api/v1/accounts/relationships", user=alice, params={"id[]": troll.sid}).json()
        == []
    )
    with_suspended = client.get(
        "/api/v1/accounts/relationships",
        user=alice,
        params={"id[]": troll.sid, "with_suspended": "true"},
    ).json()
    assert [r["id"] for r in with_suspended] == [troll.sid]
    suspended = client.get(
        "/api/v2/admin/accounts", user=admin, params={"status": "suspended"}
    ).json()
    assert [a["id"] for a in suspended] == [troll.sid]
    assert suspended[0]["suspended"] is True
    v1 = client.get("/api/v1/admin/accounts", user=admin, params={"suspended": "true"}).json()
    assert [a["id"] for a in v1] == [troll.sid]

    lifted = client.post(f"/api/v1/admin/accounts/{troll.id}/unsuspend", user=admin)
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["suspended"] is False
    assert client.get("/api/v1/accounts/verify_credentials", user=troll).status_code == 200
    assert status in home(client, alice)
    back = client.get(f"/api/v1/accounts/{troll.id}", user=alice)
    assert back.status_code == 200
    assert "suspended" not in back.json() and back.json()["display_name"] == "Troll Face"


def test_silence_leaves_public_timelines_not_followers(client: ApiClient) -> None:
    alice, loud, stranger = (client.make_user(n) for n in ("alice", "loud", "stranger"))
    admin = make_admin(client)
    follow(client, alice, loud)
    client.drain()
    status = post(client, loud, "too loud #noise")
    client.drain()
    client.post(f"/api/v1/admin/accounts/{loud.id}/action", user=admin, data={"type": "silence"})
    assert status not in timeline(client, "/api/v1/timelines/public", stranger)
    assert status not in timeline(client, "/api/v1/timelines/tag/noise", stranger)
    assert status in home(client, alice)
    assert client.get("/api/v1/accounts/verify_credentials", user=loud).status_code == 200
    silenced = client.get("/api/v2/admin/accounts", user=admin, params={"status": "silenced"})
    assert [a["id"] for a in silenced.json()] == [loud.sid]
    client.post(f"/api/v1/admin/accounts/{loud.id}/unsilence", user=admin)
    assert status in timeline(client, "/api/v1/timelines/public", stranger)


def test_disable_and_bad_actions(client: ApiClient) -> None:
    alice = client.make_user("alice")
    admin = make_admin(client)
    bad = client.post(f"/api/v1/admin/accounts/{alice.id}/action", user=admin, data={"type": "ban"})
    assert bad.status_code == 422
    missing = client.post("/api/v1/admin/accounts/999/action", user=admin, data={"type": "disable"})
    assert missing.status_code == 404
    client.post(f"/api/v1/admin/accounts/{alice.id}/action", user=admin, data={"type": "disable"})
    assert client.get("/api/v1/accounts/verify_credentials", user=alice).status_code == 403
    shown = client.get(f"/api/v1/admin/accounts/{alice.id}", user=admin).json()
    assert shown["disabled"] is True
    client.post(f"/api/v1/admin/accounts/{alice.id}/enable", user=admin)
    assert client.get("/api/v1/accounts/verify_credentials", user=alice).status_code == 200


def test_moderated_accounts_in_notifications_and_lists(client: ApiClient) -> None:
    alice, loud, fan, troll = (client.make_user(n) for n in ("alice", "loud", "fan", "troll"))
    admin = make_admin(client)
    follow(client, fan, loud)
    client.drain()
    client.post(f"/api/v1/admin/accounts/{loud.id}/action", user=admin, data={"type": "silence"})
    # A silenced account's mentions reach its followers only.
    post(client, loud, "hi @alice and @fan")
    client.drain()
    assert client.get("/api/v1/notifications", user=alice).json() == []
    assert [n["type"] for n in client.get("/api/v1/notifications", user=fan).json()] == ["mention"]
    # A suspended account's follow notification and place in lists vanish.
    follow(client, troll, alice)
    client.drain()
    assert [n["type"] for n in client.get("/api/v1/notifications", user=alice).json()] == ["follow"]
    client.post(f"/api/v1/admin/accounts/{troll.id}/action", user=admin, data={"type": "suspend"})
    assert client.get("/api/v1/notifications", user=alice).json() == []
    assert client.get(f"/api/v1/accounts/{alice.id}/followers", user=fan).json() == []


def test_admins_hear_of_sign_ups(client: ApiClient) -> None:
    admin = make_admin(client)
    app = register_app(client)
    newcomer = signed_up(client, app, "newcomer")
    client.drain()
    found = client.get("/api/v1/notifications", user=admin).json()
    assert [(n["type"], n["account"]["id"]) for n in found] == [("admin.sign_up", newcomer.sid)]
    only = client.get(
        "/api/v1/notifications", user=admin, params={"types[]": "admin.sign_up"}
    ).json()
    assert len(only) == 1
    # Nobody else hears of it.
    assert client.get("/api/v1/notifications", user=newcomer).json() == []


def test_admins_hear_of_reports(client: ApiClient) -> None:
    """``admin.report`` to each administrator (not the reporter, even when
    an administrator files it), with the Report entity, in v1, grouped v2
    and by type; nobody else hears of it."""
    admin = make_admin(client)
    alice, troll = client.make_user("alice"), client.make_user("troll")
    bad = post(client, troll, "something nasty")
    filed = client.post(
        "/api/v1/reports",
        user=alice,
        data={"account_id": troll.sid, "status_ids[]": [bad], "comment": "rude"},
    ).json()
    second = client.post(
        "/api/v1/reports", user=alice, data={"account_id": troll.sid, "comment": "again"}
    ).json()
    own = client.post(
        "/api/v1/reports", user=admin, data={"account_id": troll.sid, "comment": "mine"}
    )
    assert own.status_code == 200, own.text
    client.drain()
    found = client.get("/api/v1/notifications", user=admin).json()
    assert [(n["type"], n["account"]["id"], n["report"]["id"]) for n in found] == [
        ("admin.report", alice.sid, second["id"]),
        ("admin.report", alice.sid, filed["id"]),
    ]
    first = found[1]["report"]
    assert first["comment"] == "rude" and first["status_ids"] == [bad]
    assert first["target_account"]["id"] == troll.sid
    assert "status" not in found[1]
    only = client.get(
        "/api/v1/notifications", user=admin, params={"types[]": "admin.report"}
    ).json()
    assert len(only) == 2
    grouped = client.get("/api/v2/notifications", user=admin).json()
    groups = grouped["notification_groups"]
    assert [(g["type"], g["report"]["id"]) for g in groups] == [
        ("admin.report", second["id"]),
        ("admin.report", filed["id"]),
    ]
    assert all("status_id" not in g for g in groups) and grouped["statuses"] == []
    for someone in (alice, troll):
        assert client.get("/api/v1/notifications", user=someone).json() == []


def test_suspended_accounts_leave_search(client: ApiClient) -> None:
    alice, troll = client.make_user("alice"), client.make_user("trollface")
    if client.get("/api/v2/search", user=alice, params={"q": "x"}).status_code == 404:
        pytest.skip("this build serves no /api/v2/search")
    admin = make_admin(client)
    post(client, troll, "findable words here")
    client.drain()

    def found() -> tuple[list[str], list[str]]:
        accounts = client.get("/api/v2/search", user=alice, params={"q": "trollface"}).json()
        statuses = client.get(
            "/api/v2/search", user=alice, params={"q": "findable", "type": "statuses"}
        ).json()
        return [a["id"] for a in accounts["accounts"]], [s["id"] for s in statuses["statuses"]]

    accounts, statuses = found()
    assert accounts == [troll.sid] and len(statuses) == 1
    client.post(f"/api/v1/admin/accounts/{troll.id}/action", user=admin, data={"type": "suspend"})
    assert found() == ([], [])
