"""The settings page's form for deleting one's account, without a browser:
the script the page loads sends what the route takes (the password, as
JSON, under the app's token), and the route refuses a wrong password and
deletes with the right one."""

from __future__ import annotations

from roost.web.shell import AssetBundle
from tests.helpers import ApiClient
from tests.oauth.support import bearer, password_login, register_app

BUNDLE = AssetBundle.load()


def test_the_settings_page_carries_the_deletion_form() -> None:
    script = BUNDLE.files["deletion.js"].body.decode()
    # The request the form makes: the route below, the password as JSON.
    assert 'api("POST", "/settings/delete", { json: { password: password.value } })' in script
    assert 'type: "password"' in script and 'autocomplete: "current-password"' in script
    # Then the browser forgets the token the server revoked.
    assert "token.clear()" in script
    views = BUNDLE.files["views.js"].body.decode()
    assert 'import { deleteAccountForm } from "./deletion.js";' in views
    assert "deleteAccountForm(ctx)" in views


def test_the_form_refuses_a_wrong_password_and_deletes_with_the_right_one(
    client: ApiClient,
) -> None:
    page = client.http.get("/settings")
    assert page.status_code == 200
    # The shell preloads the form's module with the rest of the app.
    assert f'href="/assets/{BUNDLE.version}/deletion.js"' in page.text
    wren = client.make_user("wren")
    headers = {**wren.headers, "Content-Type": "application/json"}

    wrong = client.http.post("/settings/delete", headers=headers, content=b'{"password":"guess"}')
    assert wrong.status_code == 403
    assert wrong.json() == {"error": "The password is not correct"}
    blank = client.http.post("/settings/delete", headers=headers, content=b'{"password":""}')
    assert blank.status_code == 422
    assert "password" in blank.json()["details"]
    # Without a token, or with a read-only one: refused before any password check.
    anonymous = client.http.post("/settings/delete", json={"password": "correct horse battery"})
    assert anonymous.status_code == 401
    reader = register_app(client, scopes="read", name="Reader")
    token = password_login(client, reader, "wren", scope="read").json()["access_token"]
    read_only = client.http.post(
        "/settings/delete", headers=bearer(token), json={"password": "correct horse battery"}
    )
    assert read_only.status_code == 403
    assert client.get("/api/v1/accounts/verify_credentials", user=wren).status_code == 200

    done = client.http.post(
        "/settings/delete", headers=headers, content=b'{"password":"correct horse battery"}'
    )
    assert done.status_code == 200 and done.json() == {}
    assert client.get("/api/v1/accounts/verify_credentials", user=wren).status_code == 401
    assert client.get(f"/api/v1/accounts/{wren.id}").json()["suspended"] is True
    # Once more with the same (now revoked) token: 401, nothing else happens.
    again = client.http.post(
        "/settings/delete", headers=headers, content=b'{"password":"correct horse battery"}'
    )
    assert again.status_code == 401
