"""Side by side: the social workload against any server of the Mastodon API.

Everything goes through the client API, so another implementation can be
measured exactly as Roost is, with no access to its database: the accounts
come as access tokens (one per account, made beforehand), the follow graph
and the first posts are written with ``POST /api/v1/accounts/:id/follow``
and ``POST /api/v1/statuses`` (``setup``), then the same wrk scripts and
clients as the rest of the bench measure:

* home timeline reads (``/api/v1/timelines/home``, 20 statuses);
* user timeline reads (``/api/v1/accounts/:id/statuses``, 20 statuses);
* the 60/30/10 social mix (home, user timeline, posts with mentions and links);
* posting alone (posts/s, latency);
* the delay from a post's acknowledgement to its followers' home timelines,
  at a fixed posting rate (first follower and every follower).

A server's background work is invisible from outside, so before the reads
and before the delay run the bench waits until a fresh post reaches a
follower's home timeline ("settle"): the backlog of the previous step is
then done, or the wait says how long it was. The delay run comes before
the mix and posting runs, whose posts would leave a backlog to time
instead; a last wait after them says how long their delivery took.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from roost_bench.fanout import measure_delay
from roost_bench.http import HttpClient, HttpResponse
from roost_bench.requests import HOME_PATH, LINK_CHARS, TEXT_CHARS, Requests, random_text
from roost_bench.runner import Bench
from roost_bench.stats import latency_summary
from roost_bench.wrk import summarize_runs

T = TypeVar("T")
OOB = "urn:ietf:wg:oauth:2.0:oob"
HOME_LIMIT = 20
USER_LIMIT = 20
MIX_LIMIT = 10


class PeerError(RuntimeError):
    pass


@dataclasses.dataclass(frozen=True)
class PeerOptions:
    """The shape of the social workload (issue 16: 200 users x 50 follows x 20 posts)."""

    users: int = 200
    follows: int = 50
    posts: int = 20
    # Followers polling their home timeline in the delay run.
    observers: int = 16
    # Posts/s of the delay run.
    post_rate: float = 10.0
    # Requests in flight while the graph and posts are written.
    setup_concurrency: int = 16
    # Longest wait, after the set-up, until a new post reaches a follower.
    setup_timeout: float = 900.0


@dataclasses.dataclass(frozen=True, slots=True)
class PeerUser:
    token: str
    account_id: str
    username: str


def read_tokens(path: Path) -> list[str]:
    """Access tokens from a file: one per line (blank lines and ``#``
    comments skipped), or JSON: a list of tokens, a list of objects with
    ``access_token`` (as ``/oauth/token`` answers), or ``{"tokens": [...]}``."""
    text = path.read_text()
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PeerError(f"{path}: not valid JSON ({exc})") from None
        if isinstance(raw, dict):
            raw = raw.get("tokens")
        if not isinstance(raw, list):
            raise PeerError(f'{path}: expected a list of tokens or {{"tokens": [...]}}')
        tokens = [_token_of(item, path) for item in raw]
    else:
        lines = (line.strip() for line in text.splitlines())
        tokens = [line for line in lines if line and not line.startswith("#")]
    if not tokens:
        raise PeerError(f"{path}: no tokens")
    if len(set(tokens)) != len(tokens):
        raise PeerError(f"{path}: a token is listed twice")
    return tokens


def _token_of(item: object, path: Path) -> str:
    if isinstance(item, str) and item.strip():
        return item.strip()
    if isinstance(item, dict):
        token = item.get("access_token") or item.get("token")
        if isinstance(token, str) and token.strip():
            return token.strip()
    raise PeerError(f"{path}: an entry is neither a token nor an object with access_token")


async def register_accounts(
    client: HttpClient,
    count: int,
    *,
    prefix: str,
    email_domain: str = "example.com",
    concurrency: int = 4,
) -> list[str]:
    """Sign ``count`` new accounts up through the API, as an app does: one
    app (``POST /api/v1/apps``), its client-credentials token, then
    ``POST /api/v1/accounts`` per account; returns their access tokens.
    The server must have open sign-ups, no e-mail confirmation before use
    and no sign-up rate limit in the way."""
    scopes = "read write follow"
    form = {"client_name": "roost bench", "redirect_uris": OOB, "scopes": scopes}
    app = await _post_json(client, "/api/v1/apps", form, token=None, what="creating the app")
    grant = {
        "grant_type": "client_credentials",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "scope": scopes,
    }
    app_token = (await _post_json(client, "/oauth/token", grant, token=None, what="app token"))[
        "access_token"
    ]
    password = secrets.token_urlsafe(18)

    def sign_up(i: int) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            name = f"{prefix}{i}"
            form = {
                "username": name,
                "email": f"{name}@{email_domain}",
                "password": password,
                "agreement": True,
                "locale": "en",
            }
            answer = await _post_json(
                client, "/api/v1/accounts", form, token=app_token, what=f"signing up @{name}"
            )
            return str(answer["access_token"])

        return run

    return await _gather_limited([sign_up(i) for i in range(count)], concurrency)


async def _post_json(
    client: HttpClient, path: str, form: dict[str, Any], *, token: str | None, what: str
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"} | (_auth(token) if token else {})
    response = await client.request("POST", path, headers=headers, body=json.dumps(form).encode())
    if response.status != 200:
        raise _failure(what, response)
    answer: dict[str, Any] = response.json()
    return answer


def follow_plan(users: int, follows: int, *, seed: int = 0) -> list[list[int]]:
    """Whom each user follows: ``follows`` others drawn at random (all
    others when there are fewer), fixed by ``seed``."""
    rng = random.Random(seed)
    plan = []
    for user in range(users):
        others = [u for u in range(users) if u != user]
        plan.append(sorted(rng.sample(others, min(follows, len(others)))))
    return plan


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _gather_limited(jobs: Sequence[Callable[[], Awaitable[T]]], concurrency: int) -> list[T]:
    """Run ``jobs`` with at most ``concurrency`` in flight; results in order."""
    results: list[T | None] = [None] * len(jobs)
    queue = list(enumerate(jobs))
    queue.reverse()

    async def worker() -> None:
        while queue:
            i, job = queue.pop()
            results[i] = await job()

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return [r for r in results if r is not None]


def _failure(what: str, response: HttpResponse) -> PeerError:
    body = response.body[:300].decode(errors="replace")
    return PeerError(f"{what}: HTTP {response.status} {body}")


async def identify(client: HttpClient, tokens: Sequence[str], concurrency: int) -> list[PeerUser]:
    """The account behind each token (``verify_credentials``)."""

    def job(token: str) -> Callable[[], Awaitable[PeerUser]]:
        async def run() -> PeerUser:
            response = await client.request(
                "GET", "/api/v1/accounts/verify_credentials", headers=_auth(token)
            )
            if response.status != 200:
                raise _failure(f"token ...{token[-4:]}: verify_credentials", response)
            account = response.json()
            return PeerUser(token, str(account["id"]), str(account["username"]))

        return run

    users = await _gather_limited([job(t) for t in tokens], concurrency)
    if len({u.account_id for u in users}) != len(users):
        raise PeerError("two tokens belong to the same account")
    return users


async def write_graph(
    client: HttpClient,
    users: Sequence[PeerUser],
    options: PeerOptions,
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Follow as ``follow_plan`` says, then ``options.posts`` posts per user,
    all through the API; any refusal stops the set-up."""
    plan = follow_plan(len(users), options.follows, seed=seed)
    rng = random.Random(seed + 7)

    def follow(user: PeerUser, target: PeerUser) -> Callable[[], Awaitable[bool]]:
        async def run() -> bool:
            path = f"/api/v1/accounts/{target.account_id}/follow"
            response = await client.request("POST", path, headers=_auth(user.token))
            relationship = response.json() if response.status == 200 else {}
            if not (relationship.get("following") or relationship.get("requested")):
                raise _failure(f"@{user.username} follows @{target.username}", response)
            return bool(relationship.get("requested")) and not relationship.get("following")

        return run

    def post(user: PeerUser, text: str) -> Callable[[], Awaitable[bool]]:
        async def run() -> bool:
            body = json.dumps({"status": text}).encode()
            headers = _auth(user.token) | {"Content-Type": "application/json"}
            response = await client.request("POST", "/api/v1/statuses", headers=headers, body=body)
            if response.status != 200:
                raise _failure(f"@{user.username} posts", response)
            return True

        return run

    started = time.perf_counter()
    follows = [follow(users[u], users[t]) for u, targets in enumerate(plan) for t in targets]
    requested = sum(await _gather_limited(follows, options.setup_concurrency))
    followed_at = time.perf_counter()
    # Round robin over users, so that every home timeline fills alike.
    posts = [
        post(user, random_text(rng, TEXT_CHARS)) for _ in range(options.posts) for user in users
    ]
    await _gather_limited(posts, options.setup_concurrency)
    done = time.perf_counter()
    if requested:
        raise PeerError(f"{requested} follows became requests: the accounts must not be locked")
    return {
        "follows": len(follows),
        "posts": len(posts),
        "follow_seconds": followed_at - started,
        "post_seconds": done - followed_at,
    }


def _next_link(response: HttpResponse) -> str | None:
    for part in response.headers.get("link", "").split(","):
        url, _, params = part.partition(";")
        if 'rel="next"' in params:
            split = urlsplit(url.strip().strip("<>"))
            return split.path + (f"?{split.query}" if split.query else "")
    return None


async def following(client: HttpClient, user: PeerUser, *, max_pages: int = 20) -> list[str]:
    """The account ids ``user`` follows, as the server lists them."""
    found: list[str] = []
    path: str | None = f"/api/v1/accounts/{user.account_id}/following?limit=80"
    for _ in range(max_pages):
        if path is None:
            break
        response = await client.request("GET", path, headers=_auth(user.token))
        if response.status != 200:
            raise _failure(f"@{user.username}'s follows", response)
        page = response.json()
        if not page:
            break
        found.extend(str(a["id"]) for a in page)
        path = _next_link(response)
    return found


def pick_observers(users: int, count: int, seed: int) -> list[int]:
    return sorted(random.Random(seed + 3).sample(range(users), min(count, users)))


async def followers_among(
    client: HttpClient, users: Sequence[PeerUser], observers: Sequence[int]
) -> dict[int, list[int]]:
    """Author -> the observers following it (user indexes), for authors
    that are not observers themselves (their own posts would count twice)."""
    index = {u.account_id: i for i, u in enumerate(users)}
    watched = set(observers)
    followers: dict[int, list[int]] = {}
    for observer in observers:
        for account_id in await following(client, users[observer]):
            author = index.get(account_id)
            if author is not None and author not in watched:
                followers.setdefault(author, []).append(observer)
    return followers


def _status_ids(response: HttpResponse) -> list[int]:
    if response.status != 200:
        return []
    return [int(s["id"]) for s in response.json()]


async def read_every_home(
    client: HttpClient, requests: Requests, concurrency: int
) -> dict[str, Any]:
    """Each account's home timeline read once before the measured reads: a
    server may build a timeline on its first read (Roost and Mastodon do),
    which is not what a warm read costs. Returns those first reads' latencies."""
    latencies: list[float] = []

    def read(user: int) -> Callable[[], Awaitable[bool]]:
        async def run() -> bool:
            started = time.perf_counter()
            response = await client.send_raw(requests.home(user, limit=HOME_LIMIT))
            latencies.append(time.perf_counter() - started)
            return response.status == 200

        return run

    answered = await _gather_limited([read(u) for u in range(len(requests.tokens))], concurrency)
    return {
        "reads": len(answered),
        "errors": answered.count(False),
        "latency_ms": latency_summary(latencies),
    }


async def newest_home_id(client: HttpClient, requests: Requests, observers: Sequence[int]) -> int:
    """The newest status id on the observers' home timelines (0: none): the
    delay run's polls ask for what comes after it. Status ids must be numbers."""
    newest = 0
    for observer in observers:
        ids = _status_ids(await client.send_raw(requests.home(observer, limit=1)))
        newest = max([newest, *ids])
    return newest


async def settle(
    client: HttpClient,
    requests: Requests,
    followers: dict[int, list[int]],
    *,
    wait_at_most: float,
    interval: float = 0.1,
) -> float | None:
    """Post once as an author and wait until a follower's home timeline
    shows it: seconds it took, or None after ``wait_at_most`` seconds.

    The follower's home timeline is read first: a server that builds a
    timeline on its first read (from its database) would show the post
    then whatever its delivery backlog, and the wait would time nothing."""
    author = min(followers)
    observer = followers[author][0]
    first = await client.send_raw(requests.home(observer, limit=1))
    if first.status != 200:
        raise _failure("the settle read", first)
    started = time.perf_counter()
    response = await client.send_raw(
        requests.post(author, "settle " + random_text(random.Random(), 16))
    )
    if response.status != 200:
        raise _failure("the settle post", response)
    posted = int(response.json()["id"])
    deadline = started + wait_at_most
    while time.perf_counter() < deadline:
        page = await client.send_raw(requests.home(observer, limit=40, since_id=posted - 1))
        if posted in _status_ids(page):
            return time.perf_counter() - started
        await asyncio.sleep(interval)
    return None


def measure_server(
    bench: Bench,
    url: str,
    tokens: Sequence[str],
    options: PeerOptions,
    *,
    label: str,
    setup: bool,
    roost: bool = False,
) -> dict[str, Any]:
    """Every figure of the side-by-side table for the server at ``url``."""
    o = bench.options
    url = url.rstrip("/")
    tokens = list(tokens)[: options.users]
    if len(tokens) < 2:
        raise PeerError("at least 2 tokens are needed")
    observers = pick_observers(len(tokens), options.observers, o.seed)
    bench.say(f"{label}: {len(tokens)} accounts at {url}")

    async def prepare(client: HttpClient) -> dict[str, Any]:
        users = await identify(client, tokens, options.setup_concurrency)
        written = await write_graph(client, users, options, seed=o.seed) if setup else None
        return {
            "users": users,
            "setup": written,
            "followers": await followers_among(client, users, observers),
        }

    prepared = bench.with_client(url, prepare)
    users: list[PeerUser] = prepared["users"]
    followers: dict[int, list[int]] = prepared["followers"]
    if prepared["setup"] is not None:
        s = prepared["setup"]
        bench.say(
            f"{label}: set up {s['follows']:,} follows in {s['follow_seconds']:.1f} s and "
            f"{s['posts']:,} posts in {s['post_seconds']:.1f} s through the API"
        )
    if not followers:
        raise PeerError("no observer follows another account: run with --setup first")

    def settled(when: str, limit: float = o.settle_timeout) -> float | None:
        async def job(client: HttpClient) -> float | None:
            requests = Requests(client.hostport, tokens)
            return await settle(client, requests, followers, wait_at_most=limit)

        seconds = bench.with_client(url, job)
        bench.say(
            f"{label}: a post reached a follower {when} in "
            + (f"{seconds:.2f} s" if seconds is not None else f"more than {limit:g} s")
        )
        return seconds

    wrk_users: dict[str, Any] = {
        "tokens": tokens,
        "account_ids": [u.account_id for u in users],
        "usernames": [u.username for u in users],
        "seed": o.seed,
        "text_chars": TEXT_CHARS,
        "link_chars": LINK_CHARS,
    }
    # figure -> (wrk script, its data beyond the users, label); the mix
    # script with shares of 0 or 1 sends one kind of request only.
    figures: dict[str, tuple[str, dict[str, Any], str]] = {
        "home": ("home", {"limit": HOME_LIMIT, "home_path": HOME_PATH}, "home"),
        "user_timeline": ("mix", {"home": 0.0, "user": 1.0, "limit": USER_LIMIT}, "user timeline"),
        "mix": ("mix", {"home": 0.6, "user": 0.3, "limit": MIX_LIMIT}, "mix"),
        "posting": ("mix", {"home": 0.0, "user": 0.0, "limit": MIX_LIMIT}, "posting"),
    }

    def run(name: str) -> dict[str, Any]:
        script, data, what = figures[name]
        runs = bench.wrk_reps(url, script, wrk_users | data, label=f"{label} {what}")
        return summarize_runs(runs)

    async def delay(client: HttpClient) -> dict[str, Any]:
        requests = Requests(client.hostport, tokens)
        floor = await newest_home_id(client, requests, observers)
        result = await measure_delay(
            client,
            requests,
            followers=followers,
            observers=observers,
            rate=options.post_rate,
            duration=o.open_loop_seconds,
            settle_timeout=o.settle_timeout,
            seed=o.seed,
            floor=floor,
        )
        return result.summary()

    # The delay run comes before the mix and posting runs: a backlog of
    # their posts would be timed instead of the delivery of a steady rate.
    # After a set-up the server may have thousands of follows and posts to
    # deliver: that wait gets its own, longer limit.
    limit = options.setup_timeout if prepared["setup"] is not None else o.settle_timeout
    settle_seconds = {"reads": settled("before the reads", limit)}

    async def first_reads(client: HttpClient) -> dict[str, Any]:
        requests = Requests(client.hostport, tokens)
        return await read_every_home(client, requests, options.setup_concurrency)

    cold = bench.with_client(url, first_reads)
    bench.say(
        f"{label}: read every home timeline once, p50 {cold['latency_ms'].get('p50', 0):.0f} ms, "
        f"p99 {cold['latency_ms'].get('p99', 0):.0f} ms, {cold['errors']} errors"
    )
    measured = {name: run(name) for name in ("home", "user_timeline")}
    settle_seconds["delay"] = settled("before the delay run")
    fanout = bench.with_client(url, delay)
    fanout.pop("delay_samples_ms", None)
    first = fanout["first_delay_ms"]
    bench.say(
        f"{label}: post -> first follower p50 {first.get('p50', 0) / 1000:.2f} s, "
        f"{fanout['undelivered']} (post, follower) pairs undelivered, "
        f"{fanout['post']['completed']} posts"
    )
    measured |= {name: run(name) for name in ("mix", "posting")}
    # How long the posts of the mix and posting runs took to be delivered.
    settle_seconds["after_posting"] = settled("after the posting runs")
    return {
        "workload": "peer",
        "server": label,
        "roost": roost,
        "url": url,
        "users": len(tokens),
        "follows_per_user": min(options.follows, len(tokens) - 1),
        "posts_per_user": options.posts,
        "observers": len(observers),
        "setup": prepared["setup"],
        "settle_seconds": settle_seconds,
        "settle_timeout_s": o.settle_timeout,
        "setup_timeout_s": options.setup_timeout if prepared["setup"] is not None else None,
        "home": measured["home"] | {"limit": HOME_LIMIT, "first_reads": cold},
        "user_timeline": measured["user_timeline"] | {"limit": USER_LIMIT},
        "mix": measured["mix"] | {"shares": {"home": 0.6, "user": 0.3, "post": 0.1}},
        "posting": measured["posting"],
        "fanout": fanout | {"rate": options.post_rate},
    }
