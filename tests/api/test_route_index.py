"""The router's index of fixed paths (roost.api.route_index) picks, for every
request, the route Starlette's ordered scan would pick."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Match, Mount, Route

from roost.api.route_index import IndexedRouter, fixed_path_index
from roost.app import create_app
from roost.config import Settings
from tests.helpers import ApiClient

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def _scanned(routes: list[BaseRoute], scope: dict[str, Any]) -> BaseRoute | None:
    """Starlette's choice: the first full match, else the first partial one."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def _indexed(router: IndexedRouter, scope: dict[str, Any]) -> BaseRoute | None:
    candidates = router.candidates(scope)
    assert candidates, scope["path"]
    return _scanned(list(candidates), scope)


def test_every_fixed_path_and_method_gets_the_route_the_scan_gets(tmp_path: Any) -> None:
    app = create_app(Settings(data_dir=tmp_path, public_url="http://testserver"))
    router = app.router
    assert isinstance(router, IndexedRouter)
    index = fixed_path_index(router.routes)
    fixed = {r.path for r in router.routes if type(r) is Route and not r.param_convertors}
    # Nearly every fixed path is indexed (the busiest ones certainly).
    assert {"/api/v1/statuses", "/api/v1/timelines/home", "/oauth/token"} <= set(index)
    assert len(index) >= len(fixed) - 5
    for path in index:
        for method in METHODS:
            scope = _scope(method, path)
            assert _indexed(router, scope) is _scanned(router.routes, scope), (method, path)
    # Paths with ids, and prefixed deployments, take the scan.
    assert router.candidates(_scope("GET", "/api/v1/statuses/1")) is None
    assert router.candidates({**_scope("GET", "/api/v1/statuses"), "root_path": "/x"}) is None


async def _noop(*_: Any) -> None:
    return None


def test_a_path_a_mount_or_an_earlier_pattern_may_match_is_handled_right() -> None:
    first = Route("/things/{name}", _noop, methods=["GET"])
    fixed = Route("/things/new", _noop, methods=["GET", "POST"])
    mounted = Mount("/files", routes=[])
    shadowed = Route("/files/readme", _noop, methods=["GET"])
    lonely = Route("/only", _noop, methods=["PUT"])
    routes: list[BaseRoute] = [first, fixed, mounted, shadowed, lonely]
    index = fixed_path_index(routes)
    # The parameter route comes first and matches the fixed path: both are
    # candidates, in order, and GET goes to the first one as in the scan.
    assert index["/things/new"] == [first, fixed]
    assert "/files/readme" not in index  # the mount may match it: scanned
    router = IndexedRouter(routes)
    for method in METHODS:
        for path in ("/things/new", "/only"):
            scope = _scope(method, path)
            assert _indexed(router, scope) is _scanned(routes, scope), (method, path)
    assert _indexed(router, _scope("POST", "/things/new")) is fixed
    assert _indexed(router, _scope("GET", "/only")) is lonely  # partial: 405
    # Routes added later are indexed too.
    later = Route("/later", _noop, methods=["GET"])
    router.routes.append(later)
    assert router.candidates(_scope("GET", "/later")) == [later]


def test_requests_through_the_index_behave_as_before(client: ApiClient) -> None:
    alice = client.make_user("alice")
    posted = client.post("/api/v1/statuses", user=alice, json={"status": "indexed"})
    assert posted.status_code == 200
    assert client.get("/api/v1/timelines/home", user=alice).status_code == 200
    wrong = client.request("DELETE", "/api/v1/statuses", user=alice)
    assert wrong.status_code == 405
    assert wrong.json() == {"error": "Method not allowed"}
    assert client.get("/api/v1/statuses/nope").status_code == 404
