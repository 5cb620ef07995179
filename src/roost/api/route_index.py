"""Starlette's router with the fixed paths found by a dict lookup.

Starlette tries every route in order, a regex match each: a request for
``POST /api/v1/statuses`` tried about 90 routes before its own, a fifth
of the CPU the posting request spent in Python outside the database.
``IndexedRouter`` answers requests for a path without parameters from an
index of the routes whose pattern matches that exact path, in their
order, so the route chosen is the one the scan would choose (the first
full match, else the first partial one: 405).

A path enters the index only when nothing but plain HTTP routes could
match it: a mount (``/static``), or a route kind whose match does not
depend on the path alone, sends that path through the ordinary scan.
Requests for other paths (with ids) take the ordinary scan too.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match, Route, Router, WebSocketRoute
from starlette.types import Receive, Scope, Send


def fixed_path_index(routes: Sequence[BaseRoute]) -> dict[str, list[Route]]:
    """Each fixed route path -> the HTTP routes (in order) whose pattern
    matches it; paths that another kind of route may match are left out."""
    index: dict[str, list[Route]] = {}
    fixed = [r.path for r in routes if type(r) is Route and not r.param_convertors]
    for path in dict.fromkeys(fixed):
        matching: list[Route] = []
        for route in routes:
            if isinstance(route, WebSocketRoute):
                continue  # never matches an HTTP request
            regex = getattr(route, "path_regex", None)
            if type(route) is not Route:  # a subclass may match otherwise
                if regex is None or regex.match(path):
                    break  # a mount, a host route...: the scan decides
                continue
            if route.path_regex.match(path):
                matching.append(route)
        else:
            index[path] = matching
    return index


class IndexedRouter(Router):
    """A Router that finds the routes of fixed paths without the scan."""

    _index: dict[str, list[Route]]
    _indexed_count = -1

    def candidates(self, scope: Scope) -> list[Route] | None:
        """The routes to try for this HTTP request, None: scan them all."""
        if scope.get("root_path"):
            return None  # served under a prefix: the scan strips it
        if self._indexed_count != len(self.routes):  # built, or routes added since
            self._index = fixed_path_index(self.routes)
            self._indexed_count = len(self.routes)
        return self._index.get(scope["path"])

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        routes = self.candidates(scope) if scope["type"] == "http" else None
        if not routes:
            await super().app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = self
        partial: tuple[Route, Scope] | None = None
        for route in routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        if partial is None:  # cannot happen: each pattern matched the path
            await super().app(scope, receive, send)
            return
        route, child_scope = partial
        scope["route"] = route
        scope.update(child_scope)
        await route.handle(scope, receive, send)
