"""A Web Push service for the tests: a real HTTP server on loopback that
takes the POSTs Roost sends, checks their VAPID token against the
instance's key and decrypts them as a browser would.

It answers each endpoint with the statuses a test scripts for it (201 when
none is left), and records every request.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import http_ece
import uvicorn
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.served import free_port


def b64decode(text: str) -> bytes:
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4))


@dataclasses.dataclass(frozen=True)
class SubscriberKeys:
    """A subscriber's key pair and auth secret, made as Mastodon.py's
    ``push_subscription_generate_keys`` makes them."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def generate(cls) -> SubscriberKeys:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    @property
    def p256dh(self) -> str:
        """As Mastodon.py sends it: standard base64, padded."""
        return base64.b64encode(self.public_bytes).decode()

    @property
    def auth_b64(self) -> str:
        return base64.b64encode(self.auth).decode()


@dataclasses.dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the service answered


class VapidError(AssertionError):
    pass


def verify_vapid(
    received: Received, server_key: str, *, now: float | None = None
) -> dict[str, Any]:
    """Check the request's VAPID token (RFC 8292, or the older draft) the
    way a push service does; returns its claims."""
    auth = received.headers.get("authorization", "")
    scheme, _, rest = auth.partition(" ")
    if scheme.lower() == "vapid":
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        token, key = parts["t"], parts["k"]
    elif scheme == "WebPush":
        token = rest.strip()
        crypto_key = received.headers.get("crypto-key", "")
        key = next(p.split("=", 1)[1] for p in crypto_key.split(";") if p.startswith("p256ecdsa="))
    else:
        raise VapidError(f"no VAPID authorization: {auth!r}")
    if b64decode(key) != b64decode(server_key):
        raise VapidError("the key in the request is not the instance's")
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(b64decode(header_b64))
    if header.get("alg") != "ES256":
        raise VapidError(f"unexpected JWT header {header}")
    signature = b64decode(signature_b64)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(server_key))
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except Exception as exc:
        raise VapidError("bad VAPID signature") from exc
    claims: dict[str, Any] = json.loads(b64decode(claims_b64))
    current = time.time() if now is None else now
    if not current < claims["exp"] <= current + 24 * 3600:
        raise VapidError(f"exp {claims['exp']} is not within the next 24 hours")
    if not claims.get("sub"):
        raise VapidError("no sub claim")
    return claims


def decrypt(received: Received, keys: SubscriberKeys) -> dict[str, Any]:
    """The push's JSON, decrypted with the subscriber's private key."""
    encoding = received.headers.get("content-encoding")
    if encoding == "aes128gcm":
        plain = http_ece.decrypt(
            received.body, private_key=keys.private_key, auth_secret=keys.auth, version="aes128gcm"
        )
    elif encoding == "aesgcm":
        salt = received.headers["encryption"].split("salt=")[1].strip()
        dh = received.headers["crypto-key"].split("dh=")[1].split(";")[0].strip()
        plain = http_ece.decrypt(
            received.body,
            salt=b64decode(salt),
            private_key=keys.private_key,
            dh=b64decode(dh),
            auth_secret=keys.auth,
            version="aesgcm",
        )
    else:
        raise AssertionError(f"unexpected Content-Encoding {encoding!r}")
    decoded: dict[str, Any] = json.loads(plain)
    return decoded


class PushService:
    """Serves ``POST /push/<name>`` on 127.0.0.1 from a thread of its own."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.scripted: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/push/{name}", self._push, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def answer(self, name: str, *statuses: int, headers: dict[str, str] | None = None) -> None:
        """The next requests to ``name`` get these statuses, in order (with
        ``headers``)."""
        with self._lock:
            self.scripted.setdefault(name, []).extend((s, headers or {}) for s in statuses)

    def to(self, name: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == f"/push/{name}"]

    async def _push(self, request: Request) -> Response:
        name = request.path_params["name"]
        body = await request.body()
        with self._lock:
            queue = self.scripted.get(name) or []
            status, answer_headers = queue.pop(0) if queue else (201, {})
            headers = {k.lower(): v for k, v in request.headers.items()}
            self.received.append(Received(request.url.path, headers, body, status))
        return Response(status_code=status, headers=answer_headers)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "push service did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    @classmethod
    def running(cls) -> Iterator[PushService]:
        service = cls()
        service.start()
        try:
            yield service
        finally:
            service.stop()
