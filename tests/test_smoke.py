from tests.helpers import ApiClient


def test_unknown_route_is_mastodon_error(client: ApiClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


def test_openapi_document_is_served(client: ApiClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_make_user_token_resolves(client: ApiClient) -> None:
    alice = client.make_user("alice")
    viewer = client.call(client.services.tokens.viewer_for, alice.token)
    assert viewer is not None and viewer.account_id == alice.id
    assert client.call(client.services.tokens.viewer_for, "bogus") is None
