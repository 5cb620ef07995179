"""An HTTP test client on the real ASGI stack, with helpers to make users and
to step background jobs."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx2 as httpx
from sqlalchemy import event
from starlette.testclient import TestClient

from roost.accounts.service import create_account
from roost.app import create_app
from roost.config import Settings
from roost.db import schema
from roost.services import Services
from tests.contract import OpenApiContract

T = TypeVar("T")

# argon2 at its lowest cost. At the production cost a hash took up to a
# second of CPU on a loaded 2-core machine and made most of the suite's time;
# tests/accounts/test_passwords.py covers the production parameters.
CHEAP_PASSWORD_HASHING: dict[str, int] = {
    "password_hash_time_cost": 1,
    "password_hash_memory_kib": 32,
}
# The same, for a command run with ROOST_* variables.
CHEAP_PASSWORD_HASHING_ENV = {
    f"ROOST_{name.upper()}": str(value) for name, value in CHEAP_PASSWORD_HASHING.items()
}


class ManualClock:
    """A monotonic clock that moves only when told: tests pass it where the
    code takes a clock, instead of sleeping until real time has passed."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        assert seconds >= 0, "a monotonic clock never goes back"
        self.now += seconds


@dataclasses.dataclass(frozen=True)
class User:
    id: int
    username: str
    token: str

    @property
    def sid(self) -> str:
        return str(self.id)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


_contract: OpenApiContract | None = None


def api_contract(test_client: TestClient) -> OpenApiContract:
    """The contract of the served OpenAPI document, read once per session
    (every app serves the same document)."""
    global _contract
    if _contract is None:
        response = test_client.get("/openapi.json")
        assert response.status_code == 200, response.text
        _contract = OpenApiContract(response.json(), list(test_client.app.routes))  # type: ignore[attr-defined]
    return _contract


class ApiClient:
    def __init__(self, test_client: TestClient) -> None:
        self.http = test_client
        self.contract = api_contract(test_client)
        self._app_id: int | None = None

    @classmethod
    @contextlib.contextmanager
    def start(
        cls, settings: Settings, *, peer: tuple[str, int] = ("testclient", 50000)
    ) -> Iterator[ApiClient]:
        """Serve ``settings``'s app; requests come from the address ``peer``."""
        app = create_app(settings)
        with TestClient(app, base_url="http://testserver", client=peer) as test_client:
            api = cls(test_client)
            api.reset()
            yield api

    @property
    def services(self) -> Services:
        services: Services = self.http.app.state.services  # type: ignore[attr-defined]
        return services

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run a coroutine function on the app's event loop."""
        assert self.http.portal is not None
        return self.http.portal.call(fn, *args)

    def reset(self) -> None:
        """Empty every table (PostgreSQL reuses one database per session)."""

        async def truncate() -> None:
            services = self.services
            async with services.db.write() as conn:
                for table in reversed(schema.metadata.sorted_tables):
                    await conn.execute(table.delete())
            await services.cache.clear()
            await services.timelines.clear()

        self.call(truncate)

    def drain(self) -> int:
        """Run every pending background job; returns how many ran."""
        return self.call(self.services.jobs.run_pending)

    # -- users ---------------------------------------------------------------

    def make_user(self, username: str, **kwargs: Any) -> User:
        """Create an account and a full-scope token for it, without HTTP."""
        services = self.services

        async def create() -> User:
            account_id = await create_account(
                services,
                username=username,
                email=f"{username}@example.com",
                password=kwargs.pop("password", "correct horse battery"),
                **kwargs,
            )
            app_id = await self._test_app()
            async with services.db.write() as conn:
                issued = await services.tokens.issue(
                    conn, app_id=app_id, account_id=account_id, scopes="read write follow push"
                )
            return User(account_id, username, issued.access_token)

        return self.call(create)

    async def _test_app(self) -> int:
        if self._app_id is None:
            services = self.services
            app_id = services.ids.next_id()
            async with services.db.write() as conn:
                await conn.execute(
                    schema.oauth_apps.insert().values(
                        id=app_id,
                        name="tests",
                        website=None,
                        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                        scopes="read write follow push",
                        client_id=f"test-client-{app_id}",
                        client_secret="x" * 43,
                        created_at=datetime.now(UTC),
                    )
                )
            self._app_id = app_id
        return self._app_id

    # -- HTTP ----------------------------------------------------------------

    def request(
        self, method: str, path: str, *, user: User | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if user is not None:
            headers.update(user.headers)
        response = self.http.request(method, path, headers=headers, **kwargs)
        self.contract.check(method, path, response)
        return response

    def get(self, path: str, *, user: User | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, user=user, **kwargs)

    def post(self, path: str, *, user: User | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, user=user, **kwargs)

    def patch(self, path: str, *, user: User | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, user=user, **kwargs)

    def put(self, path: str, *, user: User | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, user=user, **kwargs)

    def delete(self, path: str, *, user: User | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, user=user, **kwargs)

    # -- query counting ------------------------------------------------------

    @contextlib.contextmanager
    def count_queries(self) -> Iterator[list[str]]:
        """Collect the SQL statements run inside the block (all engines)."""
        statements: list[str] = []
        engines = [self.services.db.engine.sync_engine] + [
            e.sync_engine for e in self.services.db.replicas
        ]

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        for engine in engines:
            event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", record)


def only_selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


__all__ = [
    "CHEAP_PASSWORD_HASHING",
    "CHEAP_PASSWORD_HASHING_ENV",
    "ApiClient",
    "User",
    "only_selects",
]
