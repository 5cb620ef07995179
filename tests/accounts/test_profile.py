from __future__ import annotations

from typing import Any

from tests.helpers import ApiClient
from tests.oauth.support import app_token, bearer, password_login, register_app


def test_verify_credentials_shape(client: ApiClient) -> None:
    alice = client.make_user("alice", display_name="Alice")
    response = client.get("/api/v1/accounts/verify_credentials", user=alice)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == alice.sid and body["username"] == "alice"
    assert body["display_name"] == "Alice"
    assert body["url"] == "http://testserver/@alice"
    assert body["created_at"].endswith("Z")
    assert body["discoverable"] is True and body["locked"] is False
    assert body["source"] == {
        "note": "",
        "fields": [],
        "privacy": "public",
        "sensitive": False,
        "language": None,
        "follow_requests_count": 0,
    }
    assert client.get("/api/v1/accounts/verify_credentials").status_code == 401


def test_update_credentials_form_and_cache_invalidation(client: ApiClient) -> None:
    alice = client.make_user("alice")
    # Warm the account cache first: the update must not leave it stale.
    assert client.get(f"/api/v1/accounts/{alice.id}").json()["display_name"] == ""
    response = client.patch(
        "/api/v1/accounts/update_credentials",
        user=alice,
        data={
            "display_name": "  Alice <3  ",
            "note": "Hello <b>world</b>\n\nsecond paragraph",
            "locked": "1",
            "bot": "true",
            "discoverable": "0",
            "fields_attributes[0][name]": "Web",
            "fields_attributes[0][value]": "https://alice.example",
            "fields_attributes[1][name]": "",
            "fields_attributes[1][value]": "",
            "fields_attributes[2][name]": "Pronouns",
            "fields_attributes[2][value]": "she/her",
            "source[privacy]": "unlisted",
            "source[sensitive]": "1",
            "source[language]": "en",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "Alice <3"
    assert body["note"] == "<p>Hello &lt;b&gt;world&lt;/b&gt;</p><p>second paragraph</p>"
    assert body["locked"] is True and body["bot"] is True and body["discoverable"] is False
    assert [(f["name"], f["value"]) for f in body["fields"]] == [
        ("Web", "https://alice.example"),
        ("Pronouns", "she/her"),
    ]
    assert body["source"]["note"] == "Hello <b>world</b>\n\nsecond paragraph"
    assert body["source"]["privacy"] == "unlisted"
    assert body["source"]["sensitive"] is True
    assert body["source"]["language"] == "en"

    public = client.get(f"/api/v1/accounts/{alice.id}").json()
    assert public["display_name"] == "Alice <3" and public["locked"] is True
    assert "source" not in public
    again = client.get("/api/v1/accounts/verify_credentials", user=alice).json()
    assert again["source"]["privacy"] == "unlisted"


def test_update_credentials_json(client: ApiClient) -> None:
    alice = client.make_user("alice")
    as_dict = client.patch(
        "/api/v1/accounts/update_credentials",
        user=alice,
        json={
            "note": "bio",
            "fields_attributes": {
                "7": {"name": "b", "value": "2"},
                "3": {"name": "a", "value": "1"},
            },
            "source": {"privacy": "private"},
        },
    )
    assert as_dict.status_code == 200, as_dict.text
    body = as_dict.json()
    # Order as given, whatever the keys.
    assert [f["name"] for f in body["fields"]] == ["b", "a"]
    assert body["source"]["privacy"] == "private"
    as_list = client.patch(
        "/api/v1/accounts/update_credentials",
        user=alice,
        json={"fields_attributes": [{"name": "x", "value": "y"}]},
    )
    assert [f["name"] for f in as_list.json()["fields"]] == ["x"]
    # Fields left out are left alone.
    unchanged = client.patch(
        "/api/v1/accounts/update_credentials", user=alice, json={"display_name": "A"}
    ).json()
    assert unchanged["note"] == "<p>bio</p>" and [f["name"] for f in unchanged["fields"]] == ["x"]


def test_update_credentials_validation(client: ApiClient) -> None:
    alice = client.make_user("alice")

    def patch(**data: object) -> tuple[int, Any]:
        response = client.patch("/api/v1/accounts/update_credentials", user=alice, json=data)
        return response.status_code, response.json()

    status, body = patch(display_name="x" * 31, note="y" * 501)
    assert status == 422
    assert set(body["details"]) == {"display_name", "note"}
    status, body = patch(fields_attributes=[{"name": str(i), "value": "v"} for i in range(5)])
    assert status == 422 and "fields" in body["details"]
    status, body = patch(source={"privacy": "direct"})
    assert status == 422
    status, body = patch(locked="maybe")
    assert status == 422
    # Nothing of a rejected update was written.
    me = client.get("/api/v1/accounts/verify_credentials", user=alice).json()
    assert me["display_name"] == "" and me["fields"] == [] and me["source"]["privacy"] == "public"

    malformed = client.patch(
        "/api/v1/accounts/update_credentials",
        user=alice,
        content=b'{"note": ',
        headers={"Content-Type": "application/json"},
    )
    assert malformed.status_code == 400


def test_control_characters_are_dropped(client: ApiClient) -> None:
    alice = client.make_user("alice")
    response = client.patch(
        "/api/v1/accounts/update_credentials",
        user=alice,
        data={"display_name": "A\x01l\x07ice", "note": "a\x1fb"},
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Alice"


def test_read_only_token_cannot_update(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client)
    token = password_login(client, app, "alice", scope="read").json()["access_token"]
    headers = bearer(token)
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 200
    response = client.patch(
        "/api/v1/accounts/update_credentials", data={"note": "hi"}, headers=headers
    )
    assert response.status_code == 403
    assert response.json() == {"error": "This action is outside the authorized scopes"}


def test_profile_scope_can_only_verify(client: ApiClient) -> None:
    client.make_user("alice")
    app = register_app(client, scopes="profile write")
    headers = bearer(password_login(client, app, "alice", scope="profile").json()["access_token"])
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 200
    write_only = password_login(client, app, "alice", scope="write").json()["access_token"]
    denied = client.get("/api/v1/accounts/verify_credentials", headers=bearer(write_only))
    assert denied.status_code == 403


def test_app_token_has_no_credentials(client: ApiClient) -> None:
    token = app_token(client, register_app(client))
    response = client.patch(
        "/api/v1/accounts/update_credentials", data={"note": "x"}, headers=bearer(token)
    )
    assert response.status_code == 422
