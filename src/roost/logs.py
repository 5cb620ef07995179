"""One logging set-up for every Roost process, and the request id on each line.

``logging_config`` is a ``logging.config.dictConfig`` dictionary: the
command line applies it in its own process (``roost worker``, ``roost
migrate``, ...) and ``roost serve`` hands it to uvicorn, which applies it in
every app process it starts (with ``--workers N`` those are fresh processes
that inherit nothing of the parent's logging). So every process writes the
same shape, at ``ROOST_LOG_LEVEL``: a readable line (``text``) or one JSON
object per line (``json``, ``ROOST_LOG_FORMAT``), with time, level, logger
name, the request id when the line was written while serving a request, and
the traceback of an exception.

The request id lives in a context variable set by the outermost middleware
(``roost.api.middleware``): every line logged while handling the request
carries it, whichever module logs it, without passing it around.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
from typing import Any

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "roost_request_id", default=None
)

FORMATS = ("text", "json")


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    """``2026-01-02T03:04:05.678Z INFO roost.jobs [req 1f2e...] message``."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = REQUEST_ID.get()
        tag = f" [req {request_id}]" if request_id else ""
        line = f"{_timestamp(record)} {record.levelname} {record.name}{tag} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and
    request_id / exception when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# Credentials that libraries may print at debug level: an access token in a
# header (Mastodon clients send it as the WebSocket subprotocol, and the
# websockets library logs handshake headers) or in a query string.
_SECRETS = re.compile(
    r"(?i)((?:sec-websocket-protocol|authorization)['\"]?\s*[:=,]\s*['\"]?)[^\r\n'\",)]+"
    r"|(access_token=)[^&\s'\"]+"
)


def _hide(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2)) + "[redacted]"


class RedactSecrets(logging.Filter):
    """Replaces tokens in a record's message before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = _SECRETS.sub(_hide, message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


def logging_config(level: str, fmt: str = "text") -> dict[str, Any]:
    """The dictConfig of every Roost process: one handler on the root logger
    (stderr), uvicorn's loggers sent through it.

    uvicorn's own lines (start-up, one access line per request) and
    alembic's only show at debug: the access log costs throughput on the hot
    read path, and Roost logs what matters itself.
    """
    if fmt not in FORMATS:
        raise ValueError(f"ROOST_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    level = level.upper()
    # Libraries that are chatty at info (uvicorn, alembic's set-up lines).
    quiet = "DEBUG" if level == "DEBUG" else "WARNING"
    formatter = "roost.logs.JsonFormatter" if fmt == "json" else "roost.logs.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"roost": {"()": formatter}},
        "filters": {"secrets": {"()": "roost.logs.RedactSecrets"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "roost",
                "filters": ["secrets"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            name: {"handlers": [], "level": quiet, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "alembic")
        },
    }


def configure_logging(level: str, fmt: str = "text") -> None:
    """Apply ``logging_config`` in this process."""
    import logging.config

    logging.config.dictConfig(logging_config(level, fmt))
