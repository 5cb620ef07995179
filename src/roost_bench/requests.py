"""The API requests of the workloads, as raw bytes for the Python clients.

They mirror the Lua scripts in ``lua/`` (which wrk runs), so the open-loop
runs send the same requests the throughput runs send.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from urllib.parse import quote

import msgspec

from roost_bench.http import encode_request
from roost_bench.openloop import PlannedRequest

HOME_PATH = "/api/v1/timelines/home"
TEXT_CHARS = 256
LINK_CHARS = 64
_ALNUM = string.ascii_letters + string.digits


class Requests:
    """Builds requests for one server and a fixed set of users."""

    def __init__(self, hostport: str, tokens: Sequence[str]) -> None:
        self.host = hostport
        self.tokens = list(tokens)

    def _auth(self, user: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def home(
        self,
        user: int,
        *,
        limit: int = 20,
        since_id: int | None = None,
        max_id: int | None = None,
    ) -> bytes:
        query = f"?limit={limit}"
        if since_id is not None:
            query += f"&since_id={since_id}"
        if max_id is not None:
            query += f"&max_id={max_id}"
        return encode_request("GET", HOME_PATH + query, host=self.host, headers=self._auth(user))

    def account_statuses(self, user: int, account_id: int, *, limit: int = 20) -> bytes:
        path = f"/api/v1/accounts/{account_id}/statuses?limit={limit}"
        return encode_request("GET", path, host=self.host, headers=self._auth(user))

    def post(self, user: int, text: str) -> bytes:
        body = msgspec.json.encode({"status": text})
        headers = self._auth(user) | {"Content-Type": "application/json"}
        return encode_request(
            "POST", "/api/v1/statuses", host=self.host, headers=headers, body=body
        )

    def search(self, user: int, query: str, *, limit: int = 20) -> bytes:
        path = f"/api/v2/search?type=statuses&limit={limit}&q={quote(query)}"
        return encode_request("GET", path, host=self.host, headers=self._auth(user))


def random_text(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(_ALNUM, k=length))


def social_post_text(rng: random.Random, usernames: Sequence[str]) -> str:
    """DeathStarBench's post: 256 random characters, 1-6 mentions, 1-6 links."""
    words = [random_text(rng, TEXT_CHARS)]
    words += [f"@{rng.choice(usernames)}" for _ in range(rng.randint(1, 6))]
    words += [
        f"https://example.com/{random_text(rng, LINK_CHARS)}" for _ in range(rng.randint(1, 6))
    ]
    return " ".join(words)


class SocialMix:
    """The mix of benchmark.md workload 1, for the open-loop client.

    ``home`` and ``user`` are the shares of the two reads; the rest are posts.
    """

    def __init__(
        self,
        requests: Requests,
        *,
        account_ids: Sequence[int],
        usernames: Sequence[str],
        home: float = 0.6,
        user: float = 0.3,
        limit: int = 10,
        seed: int = 0,
    ) -> None:
        self.requests = requests
        self.account_ids = list(account_ids)
        self.usernames = list(usernames)
        self.home_share = home
        self.user_share = user
        self.limit = limit
        self.rng = random.Random(seed)

    def __call__(self) -> PlannedRequest:
        rng = self.rng
        user = rng.randrange(len(self.account_ids))
        r = rng.random()
        if r < self.home_share:
            return PlannedRequest("home", self.requests.home(user, limit=self.limit))
        if r < self.home_share + self.user_share:
            target = rng.choice(self.account_ids)
            raw = self.requests.account_statuses(user, target, limit=self.limit)
            return PlannedRequest("user", raw)
        text = social_post_text(rng, self.usernames)
        return PlannedRequest("post", self.requests.post(user, text))
