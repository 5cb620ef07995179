"""Settings from the environment: the derived public URL and domain."""

from __future__ import annotations

import pytest

from roost.config import Settings


@pytest.mark.parametrize(
    ("env", "public_url", "domain"),
    [
        ({}, "http://localhost:8000", "localhost:8000"),
        ({"ROOST_PORT": "9000"}, "http://localhost:9000", "localhost:9000"),
        (
            {"ROOST_HOST": "0.0.0.0", "ROOST_PORT": "9001"},
            "http://localhost:9001",
            "localhost:9001",
        ),
        ({"ROOST_HOST": "10.1.2.3"}, "http://10.1.2.3:8000", "10.1.2.3:8000"),
        ({"ROOST_HOST": "fd00::5", "ROOST_PORT": "81"}, "http://[fd00::5]:81", "[fd00::5]:81"),
        (
            {"ROOST_PORT": "9000", "ROOST_PUBLIC_URL": "https://social.example"},
            "https://social.example",
            "localhost:9000",
        ),
        ({"ROOST_DOMAIN": "social.example"}, "http://localhost:8000", "social.example"),
    ],
)
def test_public_url_and_domain_follow_the_served_address(
    env: dict[str, str], public_url: str, domain: str
) -> None:
    settings = Settings.from_env(env)
    assert (settings.public_url, settings.domain) == (public_url, domain)


def test_a_misspelt_log_format_is_refused_at_start() -> None:
    assert Settings.from_env({"ROOST_LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ValueError, match="ROOST_LOG_FORMAT"):
        Settings.from_env({"ROOST_LOG_FORMAT": "jsno"})
