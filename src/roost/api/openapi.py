"""The OpenAPI 3.1 document, generated from the declared endpoints and the
msgspec Structs they parse and return."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

import roost
from roost.api.routing import Endpoint

_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


class ErrorBody(msgspec.Struct):
    error: str


def _ref_template() -> str:
    return "#/components/schemas/{name}"


def build_openapi(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    types: list[Any] = [ErrorBody]
    for e in endpoints:
        for kind in (e.query, e.form, e.response):
            if kind is not None:
                types.append(kind)
    unique = list(dict.fromkeys(types))
    schemas, components = msgspec.json.schema_components(unique, ref_template=_ref_template())
    by_type = dict(zip(unique, schemas, strict=True))
    error = {"application/json": {"schema": by_type[ErrorBody]}}
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        path = _PATH_PARAM.sub(r"{\1}", e.path)
        parameters: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PATH_PARAM.findall(e.path)
        ]
        if e.query is not None:
            query_schema = components[e.query.__name__]
            required = set(query_schema.get("required", []))
            for name, prop in query_schema.get("properties", {}).items():
                parameters.append(
                    {"name": name, "in": "query", "required": name in required, "schema": prop}
                )
        if e.response is not None:
            success_schema = by_type[e.response]
        elif e.media_type == "application/json":
            success_schema = {}
        else:
            success_schema = {"type": "string"}
        errors = dict(error)
        if e.media_type != "application/json":
            # A page's own errors are pages; a bad request still gets JSON.
            errors[e.media_type] = {"schema": {"type": "string"}}
        operation: dict[str, Any] = {
            "operationId": e.handler.__name__,
            "summary": e.summary,
            "tags": [e.tag],
            "parameters": parameters,
            "responses": {
                str(e.status): {
                    "description": "Success",
                    "content": {e.media_type: {"schema": success_schema}},
                },
                "4XX": {"description": "Error", "content": errors},
            },
        }
        if e.form is not None:
            body_schema = by_type[e.form]
            operation["requestBody"] = {
                "content": {
                    "application/json": {"schema": body_schema},
                    "application/x-www-form-urlencoded": {"schema": body_schema},
                }
            }
        if e.auth in ("token", "user"):
            operation["security"] = [{"OAuth2": [e.scope] if e.scope else []}]
        elif e.auth == "optional":
            operation["security"] = [{}, {"OAuth2": []}]
        paths.setdefault(path, {})[e.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Roost API",
            "version": roost.__version__,
            "description": "The Mastodon client REST API as served by Roost.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "OAuth2": {
                    "type": "oauth2",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": "/oauth/authorize",
                            "tokenUrl": "/oauth/token",
                            "scopes": {
                                "read": "read everything",
                                "write": "change everything",
                                "follow": "manage relationships",
                                "push": "Web Push subscriptions",
                            },
                        },
                        "password": {"tokenUrl": "/oauth/token", "scopes": {}},
                    },
                }
            },
        },
    }


def openapi_endpoint(endpoints: Sequence[Endpoint]) -> Callable[[Request], Awaitable[Response]]:
    document: bytes | None = None

    async def serve_openapi(_request: Request) -> Response:
        nonlocal document
        if document is None:
            document = msgspec.json.encode(build_openapi(endpoints))
        return Response(document, media_type="application/json")

    return serve_openapi
