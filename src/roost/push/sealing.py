"""The access token a push carries, kept sealed at rest.

Mastodon puts the subscription's access token into every push (its web
app's service worker acts with it). Roost stores tokens only as hashes, so
the subscription keeps its own copy, encrypted with AES-GCM under a key
derived from the VAPID private key: a database dump alone does not give
the tokens away when that key comes from the settings
(``ROOST_VAPID_PRIVATE_KEY``). A token that cannot be unsealed (the VAPID
key changed) is sent as null.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from roost.infra.webpush import VapidKeys, b64decode_any, b64url

_INFO = b"roost push subscription access token"


def _cipher(keys: VapidKeys) -> AESGCM:
    secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        b64decode_any(keys.private_key)
    )
    return AESGCM(secret)


def seal(keys: VapidKeys, token: str) -> str:
    nonce = os.urandom(12)
    return b64url(nonce + _cipher(keys).encrypt(nonce, token.encode("utf-8"), None))


def unseal(keys: VapidKeys, sealed: str | None) -> str | None:
    if not sealed:
        return None
    try:
        raw = b64decode_any(sealed)
        return _cipher(keys).decrypt(raw[:12], raw[12:], None).decode("utf-8")
    except (ValueError, InvalidTag):
        return None
