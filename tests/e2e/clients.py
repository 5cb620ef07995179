"""The clients the end-to-end tests drive a served Roost with: Mastodon.py
accounts signed up through the API, the toot command line, and a wait for
what the background jobs deliver."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mastodon import Mastodon

PASSWORD = "a long enough password"
SCOPES = ["read", "write", "follow", "push"]


def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """``check()`` until it gives something true or ``timeout`` seconds pass;
    its last result either way."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def sign_up(base: str, username: str) -> Mastodon:
    """A new account ``username`` (e-mail ``<username>@example.com``,
    password ``PASSWORD``) signed up through an app, then logged in again
    with the password grant, as a returning user would."""
    return sign_up_with_app(base, username)[0]


def sign_up_with_app(
    base: str, username: str, *, app_name: str = "roost-e2e"
) -> tuple[Mastodon, str, str]:
    """As ``sign_up``; also the id and secret of the app it made, for
    another log-in of the same app."""
    client_id, client_secret = Mastodon.create_app(
        app_name, api_base_url=base, scopes=SCOPES, to_file=None
    )
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    app.create_account(
        username, PASSWORD, f"{username}@example.com", agreement=True, scopes=SCOPES, to_file=None
    )
    user = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    user.log_in(f"{username}@example.com", PASSWORD, scopes=SCOPES, allow_http=True)
    return user, client_id, client_secret


def run_python(*args: str, env: dict[str, str], stdin: str = "") -> str:
    """``python -m <args>`` with ``env`` added to this process's
    environment; what it printed, failing on an error."""
    done = subprocess.run(
        [sys.executable, "-m", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def toot(config_dir: Path, *args: str, stdin: str = "") -> str:
    """Run the toot command line with its configuration (its logins) kept
    under ``config_dir``; returns what it printed, failing on an error."""
    return run_python(
        "toot", *args, env={"XDG_CONFIG_HOME": str(config_dir / "config")}, stdin=stdin
    )


def toot_login(config_dir: Path, base: str, username: str) -> None:
    """Log toot in as an account made by ``sign_up``."""
    email = f"{username}@example.com"
    toot(config_dir, "login_cli", "-i", base, "-e", email, stdin=PASSWORD + "\n")
