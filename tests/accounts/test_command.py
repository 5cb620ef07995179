from __future__ import annotations

from click.testing import CliRunner

from roost.cli import main
from roost.config import Settings
from tests.helpers import CHEAP_PASSWORD_HASHING_ENV, ApiClient
from tests.oauth.support import password_login, register_app


def _env(settings: Settings) -> dict[str, str]:
    return {
        "ROOST_DATA_DIR": str(settings.data_dir),
        "ROOST_DATABASE_URL": settings.database_url,
        "ROOST_REDIS_URL": settings.redis_url,
        "ROOST_REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "ROOST_WORKER_ID": "7",
        **CHEAP_PASSWORD_HASHING_ENV,
    }


def test_create_admin(client: ApiClient, settings: Settings) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["create-admin", "--username", "boss", "--email", "boss@example.com"],
        input="a long enough password\na long enough password\n",
        env=_env(settings),
    )
    assert result.exit_code == 0, result.output
    assert "created admin @boss" in result.output

    app = register_app(client)
    login = password_login(client, app, "boss@example.com", "a long enough password")
    assert login.status_code == 200, login.text
    instance = client.get("/api/v1/instance").json()
    assert instance["contact_account"]["username"] == "boss"

    again = runner.invoke(
        main,
        [
            "create-admin",
            "--username",
            "BOSS",
            "--email",
            "x@example.com",
            "--password",
            "long enough pw",
        ],
        env=_env(settings),
    )
    assert again.exit_code == 1
    assert "Username has already been taken" in again.output
