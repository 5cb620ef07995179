"""The OpenAPI contract check (tests/contract.py) that every API test's
responses go through: it must catch what it is there to catch."""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx
import pytest

from tests.helpers import ApiClient

# The check does not depend on the database.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def fake(status: int, body: Any = None, *, text: str | None = None) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text, headers={"content-type": "text/plain"})
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("GET", "/api/v1/accounts/verify_credentials", "/api/v1/accounts/verify_credentials"),
        ("GET", "/api/v1/accounts/123", "/api/v1/accounts/{id}"),
        ("GET", "/api/v1/accounts/123?x=1", "/api/v1/accounts/{id}"),
        ("POST", "/api/v1/accounts/123/follow", "/api/v1/accounts/{id}/follow"),
        ("GET", "/api/v1/nothing/here", None),
    ],
)
def test_paths_resolve_to_the_route_the_app_picks(
    client: ApiClient, method: str, path: str, template: str | None
) -> None:
    assert client.contract.template(method, path) == template


def test_every_documented_operation_is_served_by_its_own_route(client: ApiClient) -> None:
    """No documented path is shadowed by another route (the document would
    describe an endpoint nobody can reach)."""
    operations = [
        (method.upper(), path)
        for path, item in client.contract.document["paths"].items()
        for method in item
    ]
    assert len(operations) > 40
    for method, path in operations:
        concrete = re.sub(r"{[^}]+}", "1", path)
        assert client.contract.template(method, concrete) == path, (method, path)


def test_a_served_body_passes_and_a_changed_one_fails(client: ApiClient) -> None:
    alice = client.make_user("alice")
    path = "/api/v1/accounts/verify_credentials"
    served = client.get(path, user=alice)  # checked on the way
    assert served.status_code == 200
    body = served.json()
    client.contract.check("GET", path, fake(200, body))

    wrong_type = {**body, "followers_count": "many"}
    with pytest.raises(AssertionError, match=r"\$\.followers_count"):
        client.contract.check("GET", path, fake(200, wrong_type))
    missing = {k: v for k, v in body.items() if k != "username"}
    with pytest.raises(AssertionError, match="username"):
        client.contract.check("GET", path, fake(200, missing))
    undocumented = {**body, "surprise": 1}
    with pytest.raises(AssertionError, match="surprise"):
        client.contract.check("GET", path, fake(200, undocumented))
    nested = {**body, "source": {**body["source"], "privacy": 3}}
    with pytest.raises(AssertionError, match=r"\$\.source\.privacy"):
        client.contract.check("GET", path, fake(200, nested))


def test_a_list_endpoint_checks_every_item(client: ApiClient) -> None:
    alice = client.make_user("alice")
    client.post("/api/v1/statuses", user=alice, data={"status": "one"})
    path = f"/api/v1/accounts/{alice.id}/statuses"
    statuses = client.get(path).json()
    assert len(statuses) == 1
    client.contract.check("GET", path, fake(200, statuses))
    with pytest.raises(AssertionError, match=r"\$\[1\]"):
        client.contract.check("GET", path, fake(200, [*statuses, {"id": 1}]))


def test_undeclared_status_and_content_type_fail(client: ApiClient) -> None:
    path = "/api/v1/instance"
    body = client.get(path).json()
    with pytest.raises(AssertionError, match="declares"):
        client.contract.check("GET", path, fake(201, body))
    with pytest.raises(AssertionError, match="text/plain"):
        client.contract.check("GET", path, fake(200, text="hello"))
    # The plain-text endpoint declares plain text.
    client.contract.check("GET", "/api/v1/streaming/health", fake(200, text="OK"))


def test_errors_are_not_checked_against_the_success_type(client: ApiClient) -> None:
    client.contract.check("GET", "/api/v1/instance", fake(404, {"error": "Record not found"}))
    client.contract.check("GET", "/api/v1/nothing/here", fake(200, {"anything": True}))
