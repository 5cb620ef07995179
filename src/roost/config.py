"""Typed settings, read from ``ROOST_*`` environment variables.

Every backend is chosen by a URL so that the embedded default and the
scale-out deployment run the same code:

* ``ROOST_DATABASE_URL``: ``sqlite:///path/roost.db`` (default, under the data
  directory) or ``postgresql://user@host:5432/db``.
* ``ROOST_REDIS_URL``: empty (in-process cache and timeline store) or
  ``redis://host:6379/0``, or ``redis+cluster://host:6379`` for Redis Cluster.
* ``ROOST_MEDIA_STORAGE``: ``local`` (files under the data directory) or
  ``s3`` (an S3-compatible bucket described by the ``ROOST_S3_*`` settings).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_LOCAL_BINDS = frozenset({"127.0.0.1", "::1", "0.0.0.0", "::", "localhost", ""})
REGISTRATIONS_MODES = ("open", "approved", "none")
SMTP_TLS_MODES = ("auto", "starttls", "tls", "none")
MEDIA_STORAGES = ("local", "s3")


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
    # Concurrent posts written in one shared transaction at most (group
    # commit, roost.db.group_commit); 1 writes each post alone.
    post_batch_size: int = 64
    # How stale a replica may be and still answer reads (seconds).
    database_replica_max_lag_seconds: int = 5
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
    # PostgreSQL search: a second GIN index over about this many of the
    # newest statuses (roost.search.recent_index); 0 turns it off.
    search_recent_rows: int = 1_000_000
    fanout_batch_size: int = 1_000
    # Where clients open the streaming API (instance urls.streaming); empty:
    # this server's public URL as ws:// or wss://.
    streaming_url: str = ""
    # Seconds between SSE heartbeat comments on an idle stream.
    streaming_heartbeat_seconds: int = 20
    # Events a stream may fall behind by before it is dropped.
    streaming_queue_limit: int = 256
    # How long a claimed job stays leased to its worker without a heartbeat
    # (renewed every third of it): a dead worker's jobs run elsewhere after this.
    job_lease_seconds: int = 3
    # Due jobs a worker loop claims at once: the fan-outs among them share
    # their queries (roost.timelines.fanout_batch), so a backlog drains
    # faster with more; only what is due is claimed.
    job_claim_size: int = 100
    max_status_chars: int = 500
    # Kept as an alias: false means registrations_mode "none" unless that is set.
    registrations_open: bool = True
    # Addresses or networks of the reverse proxies whose X-Forwarded-For is
    # believed (comma-separated); empty: the peer address is the client.
    trusted_proxies: tuple[str, ...] = ()
    # How long a resolved access token is kept in the process (seconds; 0:
    # not kept). A token revoked on another process stops working here when
    # the revocation arrives on the event bus, and after this at worst
    # (roost.oauth.token_memo); on the revoking process at once.
    token_memo_seconds: float = 5.0
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
    # open | approved (an admin approves each sign-up) | none; empty: by
    # registrations_open.
    registrations_mode: str = ""
    # Plain text shown to people who cannot sign up (v2 instance entity).
    registrations_message: str = ""
    # auto: required exactly when an SMTP host is configured; true | false.
    require_email_confirmation: str = "auto"
    # How long a confirmation link stays valid.
    email_confirmation_hours: int = 48
    # Outgoing mail; without a host, mails are written to the log instead.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    # Sender address; empty: notifications@<domain without port>.
    smtp_from: str = ""
    # auto (STARTTLS when offered) | starttls (required) | tls (implicit TLS,
    # usually port 465) | none (plain, for a relay on the same machine).
    smtp_tls: str = "auto"
    # argon2id cost of password hashes: passes over memory. Slow on purpose:
    # the defaults are RFC 9106's low-memory profile. Tests lower them to the
    # minimum; production should not.
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65_536
    # Web Push. The VAPID key pair (base64url: the 65-byte public point, the
    # 32-byte private scalar); empty: made on first start and kept in the
    # database, so that every process signs with the same key.
    vapid_public_key: str = ""
    vapid_private_key: str = ""
    # The VAPID "sub" claim, a contact for push services; empty:
    # mailto:<the mail sender>.
    vapid_subject: str = ""
    # How long a push service keeps an undelivered message (TTL header).
    push_ttl_seconds: int = 172_800
    # How long one delivery attempt waits for the push service.
    push_timeout_seconds: float = 10.0
    # Delivery attempts per message before it is dropped (backoff between).
    push_max_attempts: int = 5
    # Push endpoints on loopback addresses, also over plain http: for tests
    # and development only (the endpoint must otherwise be https and public).
    push_allow_loopback: bool = False
    # Where media files live: local (a directory, served by Roost) | s3 (an
    # S3-compatible bucket, the ROOST_S3_* below).
    media_storage: str = "local"
    # Media files (photos, videos, avatars) of the local blob store; empty:
    # <data_dir>/media.
    media_dir: str = ""
    # Where clients fetch media from: a CDN host or the bucket's public URL;
    # empty: <public_url>/system/media, served by Roost from media_dir
    # (local), or <endpoint>/<bucket> (s3).
    media_public_url: str = ""
    # Largest upload accepted, in bytes (the body is streamed to disk and cut
    # off past the limit).
    media_max_image_bytes: int = 16 * 1024 * 1024
    media_max_video_bytes: int = 99 * 1024 * 1024
    # Images with more pixels than this are refused before decoding
    # (decompression bombs); larger ones that pass are scaled down to fit
    # 3840 px on the long side.
    media_max_image_pixels: int = 33_177_600
    # Media processed at the same time by one worker process (each one is a
    # thread or an ffmpeg process).
    media_processing_concurrency: int = 2
    # Uploads never attached to a status are deleted after this many hours.
    media_unattached_hours: int = 24
    # S3-compatible object storage (AWS S3, MinIO, Ceph, R2...). An empty
    # endpoint means AWS; empty credentials, botocore's own chain (AWS_*
    # variables, an instance or task role).
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    # Canned ACL of uploaded objects; empty for buckets whose ACLs are
    # disabled (public reads then come from a bucket policy).
    s3_acl: str = "public-read"
    log_level: str = "info"
    # text (one readable line per record) | json (one JSON object per line).
    log_format: str = "text"
    # Bearer token that GET /metrics requires; empty: /metrics is not served.
    metrics_token: str = ""
    # Log one line (logger roost.slow) for each HTTP request slower than this
    # many milliseconds, with its SQL statements and time, cache and timeline
    # calls, cache misses by key family and timeline rebuilds. 0: off (and
    # nothing is counted).
    slow_request_ms: float = 0.0
    # Log one line (logger roost.stalls) when the event loop runs a timer
    # this many milliseconds late or a garbage collection pauses the process
    # this long. 0: no lines (the metrics roost_event_loop_lag_seconds and
    # roost_gc_pause_seconds are kept either way).
    stall_log_ms: float = 200.0
    # Set the garbage collector for a long-running process: freeze what is
    # alive after start-up and after a minute of warm-up, so that no
    # collection walks those objects again. false: CPython's defaults.
    gc_tuning: bool = True
    # On SIGTERM an app server fails its readiness check at once but keeps
    # serving this long (so a load balancer stops sending it requests first),
    # then finishes its in-flight requests and exits. 0: stop at once.
    shutdown_drain_seconds: float = 5.0

    def __post_init__(self) -> None:
        # Refuse a misspelt mode at start-up rather than guessing at run time.
        choices = {
            "registrations_mode": (*REGISTRATIONS_MODES, ""),
            "require_email_confirmation": ("auto", "true", "false"),
            "smtp_tls": SMTP_TLS_MODES,
            "log_format": ("text", "json"),
            "media_storage": MEDIA_STORAGES,
        }
        for name, allowed in choices.items():
            value = getattr(self, name)
            if value not in allowed:
                shown = " | ".join(a for a in allowed if a)
                raise ValueError(f"ROOST_{name.upper()}: {value!r} is not one of {shown}")

    @property
    def effective_registrations_mode(self) -> str:
        """open, approved or none."""
        if self.registrations_mode:
            return self.registrations_mode
        return "open" if self.registrations_open else "none"

    @property
    def email_confirmation_required(self) -> bool:
        if self.require_email_confirmation == "auto":
            return bool(self.smtp_host)
        return self.require_email_confirmation == "true"

    @property
    def mail_sender(self) -> str:
        if self.smtp_from:
            return self.smtp_from
        host = self.domain.rsplit(":", 1)[0] if ":" in self.domain else self.domain
        return f"notifications@{host}"

    @property
    def push_subject(self) -> str:
        return self.vapid_subject or f"mailto:{self.mail_sender}"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'roost.db').resolve()}"

    @property
    def job_loops(self) -> int:
        """Job loops of a worker by default: one more than the media jobs it
        may process at once, so that fan-out never waits behind a video."""
        return self.media_processing_concurrency + 1

    @property
    def effective_media_dir(self) -> Path:
        return Path(self.media_dir) if self.media_dir else self.data_dir / "media"

    @property
    def media_base_url(self) -> str:
        """The URL a blob key is appended to (no trailing slash): the public
        URL or CDN when set, else where the store serves its files (Roost
        itself for local storage, the bucket for S3)."""
        if self.media_public_url:
            base = self.media_public_url
        elif self.media_storage == "s3" and self.s3_endpoint_url:
            base = f"{self.s3_endpoint_url.rstrip('/')}/{self.s3_bucket}"
        elif self.media_storage == "s3":
            base = f"https://{self.s3_bucket}.s3.{self.s3_region}.amazonaws.com"
        else:
            base = f"{self.public_url}/system/media"
        return base.rstrip("/")

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
            elif kind == "float":
                values[field.name] = float(raw)
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
