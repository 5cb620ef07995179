"""Typed settings, read from ``ROOST_*`` environment variables.

Every backend is chosen by a URL so that the embedded default and the
scale-out deployment run the same code:

* ``ROOST_DATABASE_URL``: ``sqlite:///path/roost.db`` (default, under the data
  directory) or ``postgresql://user@host:5432/db``.
* ``ROOST_REDIS_URL``: empty (in-process cache and timeline store) or
  ``redis://host:6379/0``, or ``redis+cluster://host:6379`` for Redis Cluster.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_LOCAL_BINDS = frozenset({"127.0.0.1", "::1", "0.0.0.0", "::", "localhost", ""})


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """All of Roost's configuration; each field maps to ``ROOST_<FIELD>``."""

    data_dir: Path = Path("./data")
    database_url: str = ""
    database_replica_urls: tuple[str, ...] = ()
    database_pool_size: int = 10
    redis_url: str = ""
    # Every Redis key Roost writes starts with this (no braces: they would
    # become the cluster hash tag), so a Redis can be shared and cleared safely.
    redis_key_prefix: str = "roost:"
    # Connections to Redis per process; a request waits for a free one.
    redis_pool_size: int = 50
    host: str = "127.0.0.1"
    port: int = 8000
    domain: str = "localhost:8000"
    public_url: str = "http://localhost:8000"
    instance_title: str = "Roost"
    # Pins the Snowflake worker id (0-1023); -1: lease a unique one at start.
    worker_id: int = -1
    worker_lease_seconds: int = 60
    # Background jobs (fan-out, ...) run inside the app process when true.
    run_workers: bool = True
    home_timeline_length: int = 800
    hot_user_threshold: int = 10_000
    fanout_batch_size: int = 1_000
    # How long a claimed job stays leased to its worker without a heartbeat
    # (renewed every third of it): a dead worker's jobs run elsewhere after this.
    job_lease_seconds: int = 60
    max_status_chars: int = 500
    registrations_open: bool = True
    # Addresses or networks of the reverse proxies whose X-Forwarded-For is
    # believed (comma-separated); empty: the peer address is the client.
    trusted_proxies: tuple[str, ...] = ()
    # Every rate limit below at once (roost bench turns them off).
    rate_limits: bool = True
    rate_limit_anonymous_per_5min: int = 300  # per client address
    rate_limit_authenticated_per_5min: int = 1_500  # per account (or app token)
    sign_ups_per_30min: int = 5  # per client address
    login_attempts_per_5min: int = 25  # per client address, right or wrong
    login_failures_per_5min: int = 5  # per client address and account
    login_account_failures_per_hour: int = 25  # per account, from any address
    statuses_per_3h: int = 300  # per account
    status_deletions_per_30min: int = 30  # per account
    media_uploads_per_30min: int = 30  # per account
    log_level: str = "info"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'roost.db').resolve()}"

    @property
    def served_authority(self) -> str:
        """``host:port`` as clients reach the served address (a wildcard or
        loopback bind is reached as ``localhost``)."""
        host = self.host
        if host in _LOCAL_BINDS:
            host = "localhost"
        elif ":" in host:
            host = f"[{host}]"  # an IPv6 literal
        return f"{host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``ROOST_*`` variables, converting by field type."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = env.get(f"ROOST_{field.name.upper()}")
            if raw is None:
                continue
            kind = field.type
            if kind == "bool":
                values[field.name] = _parse_bool(raw)
            elif kind == "int":
                values[field.name] = int(raw)
            elif kind == "Path":
                values[field.name] = Path(raw)
            elif kind.startswith("tuple"):
                values[field.name] = tuple(p.strip() for p in raw.split(",") if p.strip())
            else:
                values[field.name] = raw
        settings = cls(**values)
        # Links and the OAuth endpoints that clients are told about must point
        # at this server: without an explicit public URL, use the address it
        # serves (a fixed default would send clients, and their passwords, to
        # whatever else answers on that port).
        derived: dict[str, Any] = {}
        if "public_url" not in values:
            derived["public_url"] = f"http://{settings.served_authority}"
        if "domain" not in values:
            derived["domain"] = settings.served_authority
        return settings.replace(**derived) if derived else settings
