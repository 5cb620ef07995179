"""Web Push on the wire: payload encryption, VAPID signatures and the POST.

A push message is encrypted for one subscriber (its P-256 key ``p256dh``
and its 16-byte ``auth`` secret) and POSTed to the endpoint its push
service gave it, signed with the instance's VAPID key so that the push
service knows who sends.

- ``standard`` subscriptions get RFC 8291 (``Content-Encoding: aes128gcm``,
  one record with the salt and the sender's key in its header) and RFC 8292
  (``Authorization: vapid t=<JWT>,k=<public key>``);
- the others get the draft that Mastodon used before 4.4 and that its
  clients still ask for by default (``aesgcm`` with ``Encryption`` and
  ``Crypto-Key`` headers, ``Authorization: WebPush <JWT>``).

Both are done by http-ece (encryption) and py-vapid (the ES256 JWT); this
module only puts their output into a request. Nothing here knows what a
notification is.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import os
import time
from typing import Protocol
from urllib.parse import urlsplit

import http_ece
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid01, Vapid02

P256DH_BYTES = 65  # an uncompressed P-256 point: 0x04, x, y
AUTH_BYTES = 16
# RFC 8292 caps a VAPID token's lifetime at 24 hours; leave room for skew.
JWT_LIFETIME_SECONDS = 12 * 3600
# aes128gcm sends one record; the payload must fit in it with its header.
RECORD_SIZE = 4096
MAX_PAYLOAD_BYTES = 3000
URGENCIES = ("very-low", "low", "normal", "high")


def b64url(data: bytes, *, padded: bool = False) -> str:
    text = base64.urlsafe_b64encode(data).decode("ascii")
    return text if padded else text.rstrip("=")


def b64decode_any(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not (clients send all four).
    Raises ValueError for anything else."""
    cleaned = text.strip().replace("-", "+").replace("_", "/").rstrip("=")
    if not cleaned or len(cleaned) % 4 == 1:
        raise ValueError("not base64")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except binascii.Error:
        raise ValueError("not base64") from None


@dataclasses.dataclass(frozen=True, slots=True)
class VapidKeys:
    """The instance's VAPID key pair: ``public_key`` is the uncompressed
    point and ``private_key`` the 32-byte scalar, both base64url without
    padding."""

    public_key: str
    private_key: str

    @property
    def server_key(self) -> str:
        """The public key as Mastodon shows it to clients (padded base64url)."""
        return b64url(b64decode_any(self.public_key), padded=True)


def generate_vapid_keys() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    return _keys_of(key)


def _keys_of(key: ec.EllipticCurvePrivateKey) -> VapidKeys:
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return VapidKeys(public_key=b64url(public), private_key=b64url(private))


def vapid_keys_from_private(private_key: str) -> VapidKeys:
    """The pair of a configured private key (base64, raw 32 bytes).
    Raises ValueError when it is not one."""
    raw = b64decode_any(private_key)
    if len(raw) != 32:
        raise ValueError("a VAPID private key is 32 bytes")
    return _keys_of(ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1()))


def check_p256dh(raw: bytes) -> bool:
    """Whether ``raw`` is an uncompressed point on P-256."""
    if len(raw) != P256DH_BYTES or raw[0] != 4:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def audience(endpoint: str) -> str:
    """The origin of the endpoint: the ``aud`` claim of the VAPID token."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


@functools.lru_cache(maxsize=4)
def _signers(private_key: str) -> tuple[Vapid02, Vapid01]:
    # "no-strict": py-vapid's own subject check refuses single-label hosts;
    # the subject is the operator's setting, checked at start-up instead.
    conf = {"no-strict": True}
    standard = Vapid02.from_raw(private_key.encode("ascii"))
    standard.conf = conf
    legacy = Vapid01.from_raw(private_key.encode("ascii"))
    legacy.conf = conf
    return standard, legacy


@dataclasses.dataclass(frozen=True, slots=True)
class PushTarget:
    """Where one subscriber gets its pushes, and its keys (raw bytes)."""

    endpoint: str
    p256dh: bytes
    auth: bytes
    standard: bool


@dataclasses.dataclass(frozen=True, slots=True)
class PushRequest:
    url: str
    headers: dict[str, str]
    body: bytes


def build_push_request(
    target: PushTarget,
    payload: bytes,
    keys: VapidKeys,
    *,
    subject: str,
    ttl: int,
    urgency: str = "normal",
    now: float | None = None,
) -> PushRequest:
    """Encrypt ``payload`` for ``target`` and sign the request with ``keys``."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"push payload of {len(payload)} bytes is over {MAX_PAYLOAD_BYTES}")
    if urgency not in URGENCIES:
        raise ValueError(f"urgency {urgency!r} is not one of {', '.join(URGENCIES)}")
    issued = time.time() if now is None else now
    claims = {
        "aud": audience(target.endpoint),
        "exp": int(issued) + JWT_LIFETIME_SECONDS,
        "sub": subject,
    }
    sender = ec.generate_private_key(ec.SECP256R1())
    salt = os.urandom(16)
    version = "aes128gcm" if target.standard else "aesgcm"
    body = http_ece.encrypt(
        payload,
        salt=salt,
        private_key=sender,
        dh=target.p256dh,
        auth_secret=target.auth,
        version=version,
        rs=RECORD_SIZE,
    )
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Encoding": version,
        "TTL": str(ttl),
        "Urgency": urgency,
    }
    standard_signer, legacy_signer = _signers(keys.private_key)
    if target.standard:
        headers.update(standard_signer.sign(claims))
    else:
        sender_public = sender.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        headers["Encryption"] = f"salt={b64url(salt)}"
        headers.update(legacy_signer.sign(claims, crypto_key=f"dh={b64url(sender_public)}"))
    return PushRequest(url=target.endpoint, headers=headers, body=bytes(body))


class PushUnreachable(Exception):
    """The push service could not be reached or did not answer in time."""


class PushSender(Protocol):
    async def send(self, request: PushRequest) -> tuple[int, str | None]:
        """POST the request; the status and the ``Retry-After`` header.
        Raises ``PushUnreachable`` when there is no answer."""
        ...

    async def close(self) -> None: ...


class HttpPushSender:
    """POSTs with one pooled httpx client per process. Redirects are not
    followed: a push service answers where the subscriber registered."""

    def __init__(self, *, timeout: float) -> None:
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout),
                follow_redirects=False,
                trust_env=False,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            )
        return self._client

    async def send(self, request: PushRequest) -> tuple[int, str | None]:
        try:
            response = await self._http().post(
                request.url, content=request.body, headers=request.headers
            )
        except httpx.HTTPError as exc:
            raise PushUnreachable(f"{type(exc).__name__}: {exc}") from exc
        return response.status_code, response.headers.get("retry-after")

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
