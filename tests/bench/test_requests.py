"""The requests the Python clients send mirror the workload definitions."""

from __future__ import annotations

import collections
import random
import re

from roost_bench.http import encode_request
from roost_bench.requests import Requests, SocialMix, social_post_text


def test_encode_request() -> None:
    raw = encode_request(
        "POST", "/api/v1/statuses", host="127.0.0.1:8000", headers={"A": "b"}, body=b"{}"
    )
    assert raw == (
        b"POST /api/v1/statuses HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nA: b\r\n"
        b"Content-Length: 2\r\n\r\n{}"
    )
    assert b"Content-Length" not in encode_request("GET", "/", host="h")


def test_social_post_text_has_the_deathstarbench_shape() -> None:
    rng = random.Random(3)
    names = [f"username_{i}" for i in range(50)]
    for _ in range(200):
        words = social_post_text(rng, names).split(" ")
        assert re.fullmatch(r"[A-Za-z0-9]{256}", words[0])
        mentions = [w for w in words if w.startswith("@")]
        links = [w for w in words if w.startswith("https://example.com/")]
        assert 1 <= len(mentions) <= 6
        assert 1 <= len(links) <= 6
        assert all(m[1:] in names for m in mentions)
        assert all(re.fullmatch(r"https://example\.com/[A-Za-z0-9]{64}", link) for link in links)
        assert len(words) == 1 + len(mentions) + len(links)


def test_social_mix_shares_and_determinism() -> None:
    requests = Requests("h:1", ["t0", "t1", "t2"])

    def kinds(seed: int) -> list[str]:
        mix = SocialMix(requests, account_ids=[10, 11, 12], usernames=["a", "b", "c"], seed=seed)
        return [mix().kind for _ in range(10_000)]

    drawn = kinds(1)
    counts = collections.Counter(drawn)
    # 60/30/10 within a few points over 10,000 draws
    assert abs(counts["home"] / 10_000 - 0.6) < 0.03
    assert abs(counts["user"] / 10_000 - 0.3) < 0.03
    assert abs(counts["post"] / 10_000 - 0.1) < 0.02
    assert drawn == kinds(1)
    assert drawn != kinds(2)


def test_requests_carry_the_user_token_and_limits() -> None:
    requests = Requests("h:1", ["tok-a", "tok-b"])
    home = requests.home(1, limit=20, since_id=5, max_id=9)
    assert home.startswith(b"GET /api/v1/timelines/home?limit=20&since_id=5&max_id=9 HTTP/1.1")
    assert b"Authorization: Bearer tok-b\r\n" in home
    user = requests.account_statuses(0, 42, limit=10)
    assert user.startswith(b"GET /api/v1/accounts/42/statuses?limit=10 ")
    post = requests.post(0, 'say "hi"')
    assert post.endswith(b'{"status":"say \\"hi\\""}')
    assert b"Content-Type: application/json" in post
