"""The API contract: every successful response the tests receive must be
what ``GET /openapi.json`` says the endpoint returns.

``ApiClient.request`` hands each response to ``OpenApiContract.check``, so
the whole API test suite doubles as a check that the document has not
drifted from the code: a field renamed, made nullable or added on one side
only fails the test that saw it, naming the endpoint and the JSON path.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import re
from typing import Any
from urllib.parse import quote, urlsplit

import httpx2 as httpx
import jsonschema_rs
from starlette.routing import BaseRoute, Match, Route

_CONVERTER = re.compile(r"{([^}:]+):[^}]+}")


def _pointer(*parts: str) -> str:
    """A JSON pointer as a URI fragment (the braces of {id} percent-encoded)."""
    return quote("/".join(p.replace("~", "~0").replace("/", "~1") for p in parts), safe="/~")


def _closed_objects(node: Any) -> Any:
    """The schemas with every object closed to properties it does not list.
    The document leaves them open (clients must ignore new fields), but a
    field served and not documented is the drift this check is for."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _closed_objects(value)
    elif isinstance(node, list):
        for value in node:
            _closed_objects(value)
    return node


def _json_path(parts: list[str | int]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclasses.dataclass
class OpenApiContract:
    document: dict[str, Any]
    routes: list[BaseRoute]
    _closed: dict[str, Any] = dataclasses.field(init=False)
    _validators: dict[tuple[str, str, str], jsonschema_rs.Validator] = dataclasses.field(
        default_factory=dict
    )
    # Bodies already found valid, by endpoint: tests read the same page
    # again and again, and validating is the costly part of the check.
    _valid: set[tuple[str, str, str, bytes]] = dataclasses.field(default_factory=set)

    def __post_init__(self) -> None:
        self._closed = _closed_objects(copy.deepcopy(self.document))

    def template(self, method: str, path: str) -> str | None:
        """The route template serving ``path``, as the document spells it
        (Starlette's first full match, as the app picks it)."""
        scope = {"type": "http", "method": method, "path": urlsplit(path).path, "root_path": ""}
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL and isinstance(route, Route):
                return _CONVERTER.sub(r"{\1}", route.path)
        return None

    def _validator(self, method: str, template: str, status: str) -> jsonschema_rs.Validator:
        key = (method, template, status)
        validator = self._validators.get(key)
        if validator is None:
            # The whole document is the schema, narrowed by a $ref to this
            # response: its own $refs (#/components/schemas/...) resolve in
            # it, and its other keys are unknown keywords, ignored. (The
            # Rust validator: jsonschema took 40 ms for a page of 40 statuses.)
            pointer = _pointer("paths", template, method.lower(), "responses", status)
            schema = {**self._closed, "$ref": f"#/{pointer}/content/application~1json/schema"}
            validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
            self._validators[key] = validator
        return validator

    def check(self, method: str, path: str, response: httpx.Response) -> None:
        """Fail when a 2xx response is not what the document declares."""
        if not 200 <= response.status_code < 300:
            return
        template = self.template(method, path)
        if template is None or template == "/openapi.json":
            return  # not an API endpoint (no route matched: the test sees the 404 itself)
        where = f"{method} {template} answered {response.status_code}"
        operation = self.document["paths"].get(template, {}).get(method.lower())
        assert operation is not None, f"{where}, but the OpenAPI document has no such operation"
        status = str(response.status_code)
        declared = operation["responses"].get(status)
        assert declared is not None, (
            f"{where}, but the OpenAPI document declares {sorted(operation['responses'])}"
        )
        media_type = _media_type(response)
        content = declared.get("content", {})
        assert media_type in content, (
            f"{where} with {media_type or 'no content type'},"
            f" but the OpenAPI document declares {sorted(content)}"
        )
        if media_type != "application/json":
            return
        key = (method, template, status, hashlib.blake2b(response.content).digest())
        if key in self._valid:
            return
        validator = self._validator(method, template, status)
        body = response.json()
        if not validator.is_valid(body):
            errors = list(itertools.islice(validator.iter_errors(body), 3))
            raise AssertionError(
                f"{where} with a body that is not the declared type: "
                + "; ".join(f"at {_json_path(e.instance_path)}: {e.message}" for e in errors)
            )
        self._valid.add(key)
