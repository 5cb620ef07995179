"""`roost bench peer`: the side-by-side run against another Mastodon API
server, pointed here at a Roost the test serves (real HTTP, small sizes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from click.testing import CliRunner

from roost.cli import main
from roost_bench.http import HttpClient, HttpResponse
from roost_bench.peer import (
    PeerError,
    _next_link,
    follow_plan,
    read_tokens,
    register_accounts,
)
from roost_bench.report import _PEER_ROWS, _peer_cell, markdown_report
from roost_bench.runner import run_async
from tests.helpers import CHEAP_PASSWORD_HASHING_ENV
from tests.served import served_roost

USERS, FOLLOWS, POSTS = 8, 3, 2


def test_tokens_are_read_from_lines_or_json(tmp_path: Path) -> None:
    lines = tmp_path / "tokens.txt"
    lines.write_text("# made by hand\nabc\n\n  def  \n")
    assert read_tokens(lines) == ["abc", "def"]
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps([{"access_token": "abc", "token_type": "Bearer"}, "def"]))
    assert read_tokens(answers) == ["abc", "def"]
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"tokens": ["x", "y", "z"]}))
    assert read_tokens(wrapped) == ["x", "y", "z"]


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "no tokens"),
        ("# only a comment\n", "no tokens"),
        ("abc\nabc\n", "twice"),
        ("[1, 2]", "neither a token"),
        ('{"tokens": "abc"}', "a list of tokens"),
        ("[not json", "not valid JSON"),
    ],
)
def test_bad_token_files_are_refused(tmp_path: Path, text: str, complaint: str) -> None:
    path = tmp_path / "tokens"
    path.write_text(text)
    with pytest.raises(PeerError, match=complaint):
        read_tokens(path)


def test_the_follow_plan_follows_distinct_others() -> None:
    plan = follow_plan(30, 5, seed=4)
    assert len(plan) == 30
    for user, followed in enumerate(plan):
        assert len(followed) == len(set(followed)) == 5
        assert user not in followed
        assert all(0 <= f < 30 for f in followed)
    assert plan == follow_plan(30, 5, seed=4)
    assert plan != follow_plan(30, 5, seed=5)
    # Fewer users than follows: everyone else.
    assert follow_plan(3, 50) == [[1, 2], [0, 2], [0, 1]]


def _figures(result: dict[str, Any]) -> None:
    """Every figure of the side-by-side table is there and came from real work."""
    assert result["users"] == USERS and result["follows_per_user"] == FOLLOWS
    setup = result["setup"]
    assert (setup["follows"], setup["posts"]) == (USERS * FOLLOWS, USERS * POSTS)
    assert setup["follow_seconds"] > 0 and setup["post_seconds"] > 0
    for name, kind in (("home", "home"), ("user_timeline", "user"), ("posting", "post")):
        figure = result[name]
        assert figure["rps"]["median"] > 0, name
        assert figure["latency_ms"]["p50"] > 0, name
        assert figure["errors"] == 0, name
        # wrk's script sent only that kind of request.
        assert set(figure["runs"][0]["kinds"]) == {kind}, name
    first = result["home"]["first_reads"]
    assert (first["reads"], first["errors"]) == (USERS, 0)
    assert first["latency_ms"]["p50"] > 0
    mix = result["mix"]
    assert mix["rps"]["median"] > 0 and mix["errors"] == 0
    assert set(mix["runs"][0]["kinds"]) <= {"home", "user", "post"}
    assert mix["runs"][0]["kinds"].get("home", 0) > 0
    fanout = result["fanout"]
    assert fanout["post"]["completed"] > 0 and fanout["post"]["errors"] == 0
    assert fanout["undelivered"] == 0
    assert fanout["first_delay_ms"]["p50"] >= 0
    assert fanout["delay_samples"] >= fanout["post"]["completed"]
    assert result["settle_seconds"]["reads"] is not None
    assert result["settle_seconds"]["delay"] is not None
    assert result["settle_seconds"]["after_posting"] is not None
    assert result["settle_timeout_s"] == 20
    assert result["setup_timeout_s"] == 60


@pytest.mark.e2e
def test_peer_run_against_a_served_roost_and_roost_itself(tmp_path: Path) -> None:
    env = {"ROOST_RATE_LIMITS": "false", **CHEAP_PASSWORD_HASHING_ENV}
    with served_roost(tmp_path, env=env) as (port, _log):
        url = f"http://127.0.0.1:{port}"

        async def sign_up() -> list[str]:
            client = HttpClient(url)
            try:
                return await register_accounts(client, USERS, prefix="peer")
            finally:
                await client.close()

        tokens = run_async(sign_up())
        path = tmp_path / "tokens.txt"
        path.write_text("\n".join(tokens) + "\n")
        out = tmp_path / "results"
        done = CliRunner().invoke(
            main,
            [
                *("bench", "peer", "--url", url, "--tokens", str(path), "--setup"),
                *("--with-roost", "--users", str(USERS), "--follows", str(FOLLOWS)),
                *("--posts", str(POSTS), "--observers", "3", "--post-rate", "5"),
                *("--repetitions", "1", "--duration", "1", "--warmup", "0"),
                *("--connections", "4", "--threads", "1", "--delay-seconds", "1"),
                *("--settle-timeout", "20", "--setup-timeout", "60", "--out", str(out)),
            ],
        )
        assert done.exit_code == 0, done.output + repr(done.exception)

        # The graph and the posts were written on the served Roost, through its API.
        first = httpx.get(
            f"{url}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {tokens[0]}"},
        ).json()
        assert first["following_count"] == FOLLOWS
        assert first["statuses_count"] >= POSTS

    (written,) = out.glob("peer-*.json")
    document = json.loads(written.read_text())
    peer, roost = document["results"]
    assert (peer["server"], peer["roost"], peer["url"]) == ("peer", False, url)
    assert roost["roost"] is True and roost["server"] == "Roost embedded"
    assert roost["url"] != url
    _figures(peer)
    _figures(roost)
    assert document["load_average_at_start"] is not None
    for row in (
        "home timeline, req/s",
        "user timeline, req/s",
        "social mix 60/30/10, req/s",
        "posting, posts/s",
        "post -> first follower's home p50, s",
        "settle before the delay run, s",
        "settle after the posting runs, s",
    ):
        assert row in done.output
    assert "Roost ÷ peer" in done.output
    # `roost bench report` prints the same table from the file.
    assert "| home timeline, req/s |" in markdown_report(document)


def test_the_peer_command_needs_a_server(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["bench", "peer"])
    assert done.exit_code != 0 and "--with-roost" in done.output
    tokens = tmp_path / "t"
    tokens.write_text("abc\n")
    done = CliRunner().invoke(main, ["bench", "peer", "--tokens", str(tokens)])
    assert done.exit_code != 0 and "go together" in done.output


def test_the_next_page_comes_from_the_link_header() -> None:
    link = (
        '<https://peer.example/api/v1/accounts/9/following?limit=80&max_id=55>; rel="next", '
        '<https://peer.example/api/v1/accounts/9/following?limit=80&since_id=99>; rel="prev"'
    )
    response = HttpResponse(200, {"link": link}, b"[]")
    assert _next_link(response) == "/api/v1/accounts/9/following?limit=80&max_id=55"
    assert _next_link(HttpResponse(200, {}, b"[]")) is None


def test_a_settle_that_timed_out_says_so() -> None:
    (row,) = [r for r in _PEER_ROWS if r.label == "settle before the delay run, s"]
    waits: dict[str, float | None] = {"reads": 0.1, "delay": None}
    result = {"settle_seconds": waits, "settle_timeout_s": 120.0}
    assert _peer_cell(row, result) == "over 120"
    waits["delay"] = 1.5
    assert _peer_cell(row, result) == "1.50"
    (first,) = [r for r in _PEER_ROWS if r.label == "settle before the reads, s"]
    waits["reads"] = None
    assert _peer_cell(first, result | {"setup_timeout_s": 900.0}) == "over 900"
    assert _peer_cell(first, result | {"setup_timeout_s": None}) == "over 120"
