from __future__ import annotations

from tests.helpers import ApiClient


def test_authorization_server_metadata(client: ApiClient) -> None:
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    meta = response.json()
    assert meta["issuer"] == "http://testserver/"
    assert meta["authorization_endpoint"] == "http://testserver/oauth/authorize"
    assert meta["token_endpoint"] == "http://testserver/oauth/token"
    assert meta["revocation_endpoint"] == "http://testserver/oauth/revoke"
    assert meta["app_registration_endpoint"] == "http://testserver/api/v1/apps"
    # Mastodon.py's log_in refuses the password flow unless it is listed.
    assert {"password", "authorization_code", "client_credentials", "refresh_token"} <= set(
        meta["grant_types_supported"]
    )
    assert "S256" in meta["code_challenge_methods_supported"]
    assert {"read", "write", "follow", "push", "read:accounts"} <= set(meta["scopes_supported"])
    assert meta["response_types_supported"] == ["code"]
    assert "client_secret_post" in meta["token_endpoint_auth_methods_supported"]
