"""The OpenAPI 3.1 document, generated from the declared endpoints and the
msgspec Structs they parse and return.

What each operation can answer follows from its declaration: its success
response (JSON, an HTML page or plain text, or a redirect), the scopes its
token needs, and the errors its inputs and authentication can cause, plus
the ones the declaration names (``errors=``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

import roost
from roost.api.routing import Endpoint
from roost.oauth.scopes import KNOWN_SCOPES

_PATH_PARAM = re.compile(r"{([^}:]+)(?::([^}]+))?}")
ID_PATTERN = "^[0-9]+$"
# What the paging parameters accept: empty (no bound) or up to 19 digits.
CURSOR_PATTERN = "^[0-9]{0,19}$"
_CURSORS = ("max_id", "since_id", "min_id")
JSON = "application/json"
EVENT_STREAM = "text/event-stream"
HTML = "text/html"


class ErrorDetail(msgspec.Struct):
    error: str
    description: str


class ErrorBody(msgspec.Struct):
    """Mastodon's error entity; ``details`` (422 only) names each field's problems."""

    error: str
    details: dict[str, list[ErrorDetail]] | None = None


class OAuthErrorBody(msgspec.Struct):
    """RFC 6749's error shape, used by the token and revocation endpoints."""

    error: str
    error_description: str


_DESCRIPTIONS = {
    302: "Redirect (Location)",
    400: "Malformed request",
    401: "Missing or invalid access token (or client credentials, or login)",
    403: "The token lacks the scope, or the action is not allowed",
    404: "Not found",
    413: "Request body too large",
    422: "Validation failed",
    429: "Rate limited",
}
_RATE_LIMIT_HEADERS = {
    name: {"schema": {"type": "string"}}
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After")
}


def _ref_template() -> str:
    return "#/components/schemas/{name}"


def _scope_descriptions() -> dict[str, str]:
    broad = {
        "read": "read everything",
        "write": "change everything",
        "follow": "manage relationships (legacy)",
        "push": "Web Push subscriptions",
        "profile": "read only your own profile",
    }
    described: dict[str, str] = {}
    for scope in sorted(KNOWN_SCOPES):
        verb, _, what = scope.partition(":")
        described[scope] = broad.get(scope) or f"{verb} {what.replace(':', ' ')}"
    return described


def _inferred_errors(e: Endpoint) -> set[int]:
    """The JSON errors an endpoint's inputs and authentication can cause."""
    statuses = {429}  # every operation may be rate limited
    if e.form is not None:
        statuses |= {400, 413, 422}
    if e.query is not None:
        statuses.add(422)
    if e.auth != "none":
        statuses |= {401, 403}
    if e.auth == "user":
        statuses.add(422)  # an app token where a user is needed
    if _PATH_PARAM.search(e.path):
        statuses.add(404)
    return statuses


def _is_json(media_type: str) -> bool:
    """JSON itself or a JSON-based type (WebFinger's application/jrd+json)."""
    return media_type == JSON or media_type.endswith("+json")


def _success(e: Endpoint, schema_of: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    if _is_json(e.media_type):
        schema = schema_of(e.response) if e.response is not None else {"type": "object"}
    else:
        schema = {"type": "string"}
    return {"description": "Success", "content": {e.media_type: {"schema": schema}}}


def _responses(
    e: Endpoint, error_schema: dict[str, Any], schema_of: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    responses: dict[str, Any] = {str(e.status): _success(e, schema_of)}
    for status in e.also:
        responses[str(status)] = _success(e, schema_of)
    if e.redirects:
        responses["302"] = {
            "description": _DESCRIPTIONS[302],
            "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
        }
    # Declared errors of HTML pages are pages; those of JSON endpoints and of
    # event streams (refused before the stream starts) are JSON.
    json_declared = _is_json(e.media_type) or e.media_type == EVENT_STREAM
    page_errors = set(e.errors) if not json_declared else set()
    json_errors = _inferred_errors(e) | (set(e.errors) if json_declared else set())
    for status in sorted(page_errors | json_errors):
        content: dict[str, Any] = {}
        if status in page_errors:
            content[e.media_type] = {"schema": {"type": "string"}}
        if status in json_errors:
            content[JSON] = {"schema": error_schema}
        response: dict[str, Any] = {"description": _DESCRIPTIONS.get(status, "Error")}
        response["content"] = content
        if status == 429:
            response["headers"] = _RATE_LIMIT_HEADERS
        responses[str(status)] = response
    return responses


def _security(e: Endpoint) -> list[dict[str, list[str]]] | None:
    if e.auth == "none":
        return None
    # Alternatives: one requirement per scope that would do.
    required = [{"OAuth2": [scope]} for scope in e.scopes] or [{"OAuth2": []}]
    return [{}, *required] if e.auth == "optional" else required


def _reachable(roots: Iterable[dict[str, Any]], components: dict[str, Any]) -> set[str]:
    """Names of the components the given schemas refer to, directly or not."""
    seen: set[str] = set()
    stack: list[Any] = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    stack.append(components[name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return seen


def _with_pattern(schema: dict[str, Any], pattern: str) -> dict[str, Any]:
    """``schema`` with ``pattern`` on its string form (plain, or inside anyOf)."""
    if schema.get("type") == "string":
        return {**schema, "pattern": pattern}
    if "anyOf" in schema:
        return {**schema, "anyOf": [_with_pattern(s, pattern) for s in schema["anyOf"]]}
    return schema


_FOREIGN_IDS = frozenset({"Role"})


def _mark_entity_ids(names: Iterable[str], components: dict[str, Any]) -> None:
    # Entity ids (and references like in_reply_to_id) are decimal strings;
    # client_id is an OAuth client's random identifier, not one of ours, and
    # a Role's id is Mastodon's (the everyone role is "-99").
    for name in names:
        if name in _FOREIGN_IDS:
            continue
        properties = components[name].get("properties", {})
        for prop, schema in properties.items():
            if (prop == "id" or prop.endswith("_id")) and prop != "client_id":
                properties[prop] = _with_pattern(schema, ID_PATTERN)


def _parameters(e: Endpoint, components: dict[str, Any]) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for name, convertor in _PATH_PARAM.findall(e.path):
        schema: dict[str, Any] = {"type": "string"}
        if convertor == "int":
            schema["pattern"] = ID_PATTERN
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    if e.query is not None:
        query_schema = components[e.query.__name__]
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            if name in _CURSORS:
                prop = _with_pattern(prop, CURSOR_PATTERN)
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    return parameters


def build_openapi(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    types: list[Any] = [ErrorBody, OAuthErrorBody]
    for e in endpoints:
        for kind in (e.query, e.form):
            if kind is not None:
                types.append(kind)
        # A tuple of entities: the endpoint answers with one of them.
        if isinstance(e.response, tuple):
            types.extend(e.response)
        elif e.response is not None:
            types.append(e.response)
    unique = list(dict.fromkeys(types))
    schemas, components = msgspec.json.schema_components(unique, ref_template=_ref_template())
    by_type = dict(zip(unique, schemas, strict=True))

    def schema_of(kind: Any) -> dict[str, Any]:
        if isinstance(kind, tuple):
            return {"anyOf": [by_type[k] for k in kind]}
        found: dict[str, Any] = by_type[kind]
        return found

    responses_of = [schema_of(e.response) for e in endpoints if e.response is not None]
    _mark_entity_ids(_reachable(responses_of, components), components)
    error = by_type[ErrorBody]
    oauth_error = {"anyOf": [by_type[OAuthErrorBody], error]}

    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        error_schema = oauth_error if e.path in ("/oauth/token", "/oauth/revoke") else error
        operation: dict[str, Any] = {
            "operationId": e.handler.__name__,
            "summary": e.summary,
            "tags": [e.tag],
            "parameters": _parameters(e, components),
            "responses": _responses(e, error_schema, schema_of),
        }
        if e.form is not None:
            body_schema = by_type[e.form]
            operation["requestBody"] = {
                "content": {
                    JSON: {"schema": body_schema},
                    "application/x-www-form-urlencoded": {"schema": body_schema},
                }
            }
        security = _security(e)
        if security is not None:
            operation["security"] = security
        paths.setdefault(_PATH_PARAM.sub(r"{\1}", e.path), {})[e.method.lower()] = operation
    scopes = _scope_descriptions()
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
                            "scopes": scopes,
                        },
                        "password": {"tokenUrl": "/oauth/token", "scopes": scopes},
                        "clientCredentials": {"tokenUrl": "/oauth/token", "scopes": scopes},
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
