from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roost.db import schema
from tests.helpers import ApiClient


def test_get_account_by_id(client: ApiClient) -> None:
    alice = client.make_user("alice", display_name="Alice")
    response = client.get(f"/api/v1/accounts/{alice.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == alice.sid and body["display_name"] == "Alice"
    assert body["followers_count"] == 0 and body["statuses_count"] == 0
    assert "source" not in body
    assert client.get("/api/v1/accounts/12345").status_code == 404
    assert client.get(f"/api/v1/accounts/{2**64}").status_code == 404


@pytest.mark.parametrize(
    "acct", ["alice", "@alice", "ALICE", "alice@testserver", "@Alice@TESTSERVER"]
)
def test_lookup_finds_local_names(client: ApiClient, acct: str) -> None:
    alice = client.make_user("alice")
    response = client.get("/api/v1/accounts/lookup", params={"acct": acct})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == alice.sid


@pytest.mark.parametrize("acct", ["", "bob", "alice@elsewhere.example", "a" * 500])
def test_lookup_misses(client: ApiClient, acct: str) -> None:
    client.make_user("alice")
    response = client.get("/api/v1/accounts/lookup", params={"acct": acct})
    assert response.status_code == 404
    assert response.json() == {"error": "Record not found"}


def test_search_by_prefix(client: ApiClient) -> None:
    viewer = client.make_user("viewer")
    ann = client.make_user("ann")
    anna = client.make_user("anna")
    client.make_user("annabel")
    zed = client.make_user("zed", display_name="Annie Zed")
    client.make_user("bob")

    def names(**params: object) -> list[str]:
        response = client.get("/api/v1/accounts/search", user=viewer, params=params)
        assert response.status_code == 200, response.text
        return [a["username"] for a in response.json()]

    found = names(q="ann")
    assert found[0] == "ann"  # the exact username first
    assert set(found) == {"ann", "anna", "annabel", "zed"}
    assert names(q="@ANNA")[0] == "anna"
    assert len(names(q="ann", limit=2)) == 2
    assert names(q="ann", limit=2, offset=3) == [found[3]]
    assert names(q="nobody") == []
    assert names(q="") == []
    # LIKE wildcards are only characters.
    assert names(q="%") == [] and names(q="_") == []

    async def follow() -> None:
        f = schema.follows
        async with client.services.db.write() as conn:
            for n, target in enumerate((anna, zed)):
                await conn.execute(
                    f.insert().values(
                        account_id=viewer.id,
                        target_account_id=target.id,
                        id=client.services.ids.next_id() + n,
                        created_at=datetime.now(UTC),
                    )
                )

    client.call(follow)
    assert set(names(q="ann", following="true")) == {"anna", "zed"}
    assert ann.id != anna.id


def test_search_needs_a_user_token(client: ApiClient) -> None:
    assert client.get("/api/v1/accounts/search", params={"q": "a"}).status_code == 401


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": "x"}, 422),
        ({"limit": str(10**30)}, 200),
        ({"offset": str(10**30)}, 200),
        ({"limit": "-5", "offset": "-5"}, 200),
    ],
)
def test_search_odd_paging(client: ApiClient, params: dict[str, str], status: int) -> None:
    viewer = client.make_user("viewer")
    response = client.get("/api/v1/accounts/search", user=viewer, params={"q": "v", **params})
    assert response.status_code == status
