"""The OpenAPI document describes what the server really answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import ApiClient
from tests.oauth.support import register_app

Document = dict[str, Any]


@pytest.fixture
def document(client: ApiClient) -> Document:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: Document = response.json()
    return body


def _operations(document: Document) -> list[tuple[str, str, Document]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_html_pages_are_documented_as_html(client: ApiClient, document: Document) -> None:
    for path in ("/oauth/authorize", "/oauth/authorize/"):
        for method in ("get", "post"):
            responses = document["paths"][path][method]["responses"]
            assert list(responses["200"]["content"]) == ["text/html"]
            assert "text/html" in responses["400"]["content"]
            assert "Location" in responses["302"]["headers"]
    post = document["paths"]["/oauth/authorize"]["post"]["responses"]
    assert "text/html" in post["401"]["content"] and "text/html" in post["429"]["content"]
    # And the server agrees.
    page = client.get("/oauth/authorize")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")


def test_streaming_health_is_plain_text(client: ApiClient, document: Document) -> None:
    responses = document["paths"]["/api/v1/streaming/health"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["text/plain"]
    answer = client.get("/api/v1/streaming/health")
    assert answer.headers["content-type"].startswith("text/plain") and answer.text == "OK"


def test_the_authorize_post_documents_its_redirect(client: ApiClient, document: Document) -> None:
    client.make_user("alice")
    app = register_app(client, redirect_uris="https://client.example/cb")
    answer = client.post(
        "/oauth/authorize",
        data={
            "response_type": "code",
            "client_id": app["client_id"],
            "username": "alice",
            "password": "correct horse battery",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 302
    assert "302" in document["paths"]["/oauth/authorize"]["post"]["responses"]


def test_ids_are_digit_strings(document: Document) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["Status"]["properties"]["id"]["pattern"] == "^[0-9]+$"
    reply_to = schemas["Status"]["properties"]["in_reply_to_id"]["anyOf"]
    assert {"type": "string", "pattern": "^[0-9]+$"} in reply_to
    assert schemas["Account"]["properties"]["id"]["pattern"] == "^[0-9]+$"
    # An OAuth client id is not one of our ids.
    assert "pattern" not in str(schemas["Application"]["properties"]["client_id"])
    status = document["paths"]["/api/v1/statuses/{id}"]["get"]
    (path_id,) = [p for p in status["parameters"] if p["in"] == "path"]
    assert path_id["schema"]["pattern"] == "^[0-9]+$"


def test_each_operation_names_the_scope_it_needs(document: Document) -> None:
    flows = document["components"]["securitySchemes"]["OAuth2"]["flows"]
    for flow in ("authorizationCode", "password", "clientCredentials"):
        assert {"read", "write:statuses", "admin:read", "profile"} <= set(flows[flow]["scopes"])
    paths = document["paths"]
    assert paths["/api/v1/timelines/home"]["get"]["security"] == [{"OAuth2": ["read:statuses"]}]
    # Optional authentication: anonymous, or a token with the scope.
    assert paths["/api/v1/timelines/public"]["get"]["security"] == [
        {},
        {"OAuth2": ["read:statuses"]},
    ]
    assert paths["/api/v1/accounts/verify_credentials"]["get"]["security"] == [
        {"OAuth2": ["read:accounts"]},
        {"OAuth2": ["profile"]},
    ]
    assert "security" not in paths["/api/v1/instance"]["get"]
    assert "security" not in paths["/oauth/token"]["post"]


def test_the_profile_scope_reads_only_the_own_account(client: ApiClient) -> None:
    alice = client.make_user("alice")

    async def profile_token() -> str:
        services = client.services
        async with services.db.write() as conn:
            issued = await services.tokens.issue(
                conn, app_id=await client._test_app(), account_id=alice.id, scopes="profile"
            )
        return issued.access_token

    headers = {"Authorization": f"Bearer {client.call(profile_token)}"}
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 200
    assert client.get("/api/v1/timelines/home", headers=headers).status_code == 403


def test_errors_are_documented_with_the_error_body(document: Document) -> None:
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    home = document["paths"]["/api/v1/timelines/home"]["get"]["responses"]
    assert {"401", "403", "422", "429"} <= set(home)
    for status in ("401", "403", "422", "429"):
        assert home[status]["content"]["application/json"]["schema"] == error_ref
    assert "X-RateLimit-Remaining" in home["429"]["headers"]
    status = document["paths"]["/api/v1/statuses/{id}"]["delete"]["responses"]
    assert "404" in status
    post = document["paths"]["/api/v1/statuses"]["post"]["responses"]
    assert {"400", "401", "403", "404", "413", "422", "429"} <= set(post)
    token = document["paths"]["/oauth/token"]["post"]["responses"]
    body = token["400"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/OAuthErrorBody"} in body["anyOf"]
    assert "error_description" in document["components"]["schemas"]["OAuthErrorBody"]["required"]


def test_operation_ids_are_unique(document: Document) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))


def test_statuses_are_exact_codes(document: Document) -> None:
    # No "4XX" catch-all: each status an operation can answer is listed.
    for _method, _path, operation in _operations(document):
        assert operation["responses"], operation["operationId"]
        for status in operation["responses"]:
            assert status.isdigit(), (operation["operationId"], status)
