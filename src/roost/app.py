"""The ASGI application: routes of every domain, error handlers, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Lifespan, Scope

from roost import lifecycle
from roost.api.errors import (
    ApiError,
    handle_api_error,
    handle_domain_error,
    handle_http_exception,
    handle_unexpected,
)
from roost.api.metrics import MetricsMiddleware
from roost.api.middleware import ResponseHeaders
from roost.api.openapi import openapi_endpoint
from roost.api.ratelimit import RateLimitMiddleware
from roost.api.route_index import IndexedRouter
from roost.api.routing import Endpoint
from roost.config import Settings
from roost.db.migrate import migrate
from roost.infra.metrics import exposition
from roost.jobs.stats import outbox_metrics
from roost.kernel.errors import DomainError
from roost.services import Services, build_services
from roost.streaming.routes import websocket_routes
from roost.web.assets import static_mount
from roost.web.media import media_route
from roost.web.shell import web_routes

log = logging.getLogger("roost")


class RoostApp(Starlette):
    metrics_token = ""
    slow_request_ms = 0.0

    def __init__(
        self, *, routes: list[BaseRoute], lifespan: Lifespan[Any] | None = None, **kw: Any
    ) -> None:
        super().__init__(routes=routes, lifespan=lifespan, **kw)
        # The same routes and lifespan; fixed paths found without the scan.
        self.router = IndexedRouter(routes, lifespan=lifespan)

    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's own error middleware, so that a 500 gets the
        # headers too, and is counted and timed.
        return MetricsMiddleware(
            ResponseHeaders(super().build_middleware_stack()),
            token=self.metrics_token,
            scrape=scrape_metrics,
            slow_request_ms=self.slow_request_ms,
        )


async def scrape_metrics(scope: Scope) -> bytes:
    """This server's metrics, with the outbox measured now (without it when
    the database does not answer: the rest still tells what is wrong)."""
    services: Services = scope["app"].state.services
    try:
        measured = await outbox_metrics(services.db)
    except Exception:
        log.exception("outbox metrics not measured")
        measured = []
    return exposition(measured)


def all_endpoints() -> list[Endpoint]:
    """Every API endpoint, domain by domain."""
    from roost.accounts.routes import router as accounts
    from roost.admin.routes import router as admin
    from roost.conversations.routes import router as conversations
    from roost.filters.routes import router as filters
    from roost.instance.routes import router as instance
    from roost.lists.routes import router as lists
    from roost.media.routes import router as media
    from roost.notifications.routes import router as notifications
    from roost.oauth.routes import router as oauth
    from roost.push.routes import router as push
    from roost.relationships.routes import router as relationships
    from roost.search.routes import router as search
    from roost.search.routes import timelines_router as nearby
    from roost.statuses.routes import router as statuses
    from roost.streaming.routes import router as streaming
    from roost.timelines.routes import router as timelines

    routers = [
        instance,
        oauth,
        accounts,
        admin,
        relationships,
        statuses,
        timelines,
        lists,
        filters,
        conversations,
        nearby,
        notifications,
        streaming,
        push,
        media,
        search,
    ]
    return [e for r in routers for e in r.endpoints]


def create_app(
    settings: Settings | None = None, *, services: Services | None = None, auto_migrate: bool = True
) -> Starlette:
    """Build the app. With ``services`` given (tests), the caller owns their life."""
    settings = settings or (services.settings if services else Settings.from_env())
    endpoints = all_endpoints()
    # Starlette tries routes in order: the timelines (the most requested
    # reads; no other route matches their paths) go first.
    hot_first = sorted(endpoints, key=lambda e: e.tag != "timelines")
    routes: list[BaseRoute] = [e.route() for e in hot_first]
    routes.append(Route("/openapi.json", openapi_endpoint(endpoints), methods=["GET"]))
    routes += websocket_routes()
    routes.append(static_mount())
    routes.append(media_route())
    # The web app last: its paths (/, /@name, /tags/...) are no API path.
    routes.extend(
        web_routes(
            title=settings.instance_title,
            streaming_url=settings.streaming_url or None,
            api_paths=[e.path for e in endpoints],
        )
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = services is None
        svc = services or build_services(settings)
        if owned:
            if settings.is_sqlite:
                settings.data_dir.mkdir(parents=True, exist_ok=True)
            if auto_migrate:
                await migrate(svc.db.engine)
            await svc.start()
        app.state.services = svc
        worker: asyncio.Task[None] | None = None
        if owned and settings.run_workers:
            worker = asyncio.create_task(svc.jobs.run_forever(concurrency=settings.job_loops))
        try:
            if owned:
                async with lifecycle.watch_process(settings):
                    yield
            else:
                yield
        finally:
            if worker is not None:
                svc.jobs.stop()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            if owned:
                await svc.close()

    app = RoostApp(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(RateLimitMiddleware)],
        exception_handlers={
            ApiError: handle_api_error,
            DomainError: handle_domain_error,
            HTTPException: handle_http_exception,
            Exception: handle_unexpected,
        },
    )
    app.metrics_token = settings.metrics_token
    app.slow_request_ms = settings.slow_request_ms
    return app
