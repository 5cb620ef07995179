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
    worker_id: int = -1
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
    login_attempts_per_5min: int = 30
    # argon2id cost of password hashes: passes over memory. Slow on purpose:
    # the defaults are RFC 9106's low-memory profile. Tests lower them to the
    # minimum; production should not.
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65_536
    log_level: str = "info"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'roost.db').resolve()}"

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
        return cls(**values)
