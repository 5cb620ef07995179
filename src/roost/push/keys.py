"""The instance's VAPID key pair: configured, or made once and kept.

``ROOST_VAPID_PRIVATE_KEY`` (with its public key) wins. Without it, the
first process that needs the pair makes one and stores it in the database
(``vapid_keys``, a single row): every app server and worker reads the same
pair, and it survives restarts, so browsers' subscriptions, which are bound
to the public key, keep working. Two processes starting at once race on the
row's primary key; the loser reads the winner's pair.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from roost.db import schema
from roost.infra.webpush import VapidKeys, b64decode_any, generate_vapid_keys
from roost.infra.webpush import vapid_keys_from_private as keys_from_private

if TYPE_CHECKING:
    from roost.config import Settings
    from roost.services import Services

log = logging.getLogger("roost.push")
_k = schema.vapid_keys
_ROW = 1


def configured_keys(settings: Settings) -> VapidKeys | None:
    """The pair the settings give, checked; None when they give none."""
    if not settings.vapid_private_key and not settings.vapid_public_key:
        return None
    if not settings.vapid_private_key:
        raise ValueError("ROOST_VAPID_PUBLIC_KEY is set without ROOST_VAPID_PRIVATE_KEY")
    try:
        keys = keys_from_private(settings.vapid_private_key)
    except ValueError as exc:
        raise ValueError(f"ROOST_VAPID_PRIVATE_KEY: {exc}") from None
    if settings.vapid_public_key:
        try:
            given = b64decode_any(settings.vapid_public_key)
        except ValueError:
            given = b""
        if given != b64decode_any(keys.public_key):
            raise ValueError("ROOST_VAPID_PUBLIC_KEY is not the public key of the private key")
    return keys


async def _stored(services: Services) -> VapidKeys | None:
    async with services.db.read(primary=True) as conn:
        row = (
            await conn.execute(sa.select(_k.c.public_key, _k.c.private_key).where(_k.c.id == _ROW))
        ).first()
    return (
        None if row is None else VapidKeys(public_key=row.public_key, private_key=row.private_key)
    )


async def vapid_keys(services: Services) -> VapidKeys:
    """The pair, loaded (or made) once per process."""
    if services.vapid is not None:
        return services.vapid
    keys = configured_keys(services.settings) or await _stored(services)
    if keys is None:
        made = generate_vapid_keys()
        try:
            async with services.db.write() as conn:
                await conn.execute(
                    _k.insert().values(
                        id=_ROW,
                        public_key=made.public_key,
                        private_key=made.private_key,
                        created_at=datetime.now(UTC),
                    )
                )
            log.info("made the instance's VAPID key pair (kept in the database)")
            keys = made
        except sa.exc.IntegrityError:  # another process made it first
            keys = await _stored(services)
            if keys is None:
                raise
    services.vapid = keys
    return keys
