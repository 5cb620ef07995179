"""Tokens never reach the logs, whichever library prints them (the websockets
library logs handshake headers at debug, where Mastodon clients put the
access token in Sec-WebSocket-Protocol)."""

from __future__ import annotations

import logging
import logging.config

import pytest

from roost.logs import logging_config

SECRET = "s3cr3t-token-value"


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("< Sec-WebSocket-Protocol: %s", (SECRET,)),
        ("headers: [('sec-websocket-protocol', '%s')]", (SECRET,)),
        ("> Authorization: Bearer %s", (SECRET,)),
        ("GET /api/v1/streaming?stream=user&access_token=%s HTTP/1.1", (SECRET,)),
    ],
)
def test_tokens_in_log_lines_are_redacted(
    message: str, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    logging.config.dictConfig(logging_config("debug"))
    try:
        logging.getLogger("websockets.server").debug(message, *args)
        logging.getLogger("uvicorn.error").debug("keep %s", "this")
        err = capsys.readouterr().err
    finally:
        logging.config.dictConfig(logging_config("info"))
    assert SECRET not in err
    assert "[redacted]" in err
    assert "keep this" in err
