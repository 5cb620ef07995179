"""`roost bench media`: photo and video uploads through the API, to ready.

A Roost server (the embedded default: its app process runs the media jobs)
gets uploads as a phone client sends them: ``POST /api/v2/media``, then
``GET /api/v1/media/:id`` every 50 ms until the attachment is ready (a 200),
which is how Mastodon clients wait. Three measurements:

- upload-to-ready latency (p50/p99) of photos and of short videos, each at
  a steady upload rate (open loop: an upload starts on schedule whether or
  not the previous ones are done);
- photos processed per second by the worker: a burst of uploads sent at
  once, divided by the time until the last one is ready;
- the stored bytes per photo and per video (original plus preview, fetched
  back from their URLs), which is what storage and bandwidth plans need.

The photos are made with Pillow (a smooth gradient with sensor-like noise,
JPEG quality 90, the size of a phone photo by default); the videos with
ffmpeg (see ``roost_bench.video``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
import numpy as np

from roost_bench.http import HttpClient
from roost_bench.stats import latency_summary

POLL_INTERVAL = 0.05
READY_TIMEOUT = 300.0
HOME_LIMIT = 20
HOME_PATH = "/api/v1/timelines/home"
HOME_PAGE = f"{HOME_PATH}?limit={HOME_LIMIT}"


@dataclasses.dataclass(frozen=True, slots=True)
class MediaOptions:
    seconds: float = 20.0  # of each steady-rate run
    photo_rate: float = 1.0  # uploads per second
    video_rate: float = 0.2
    photo_size: tuple[int, int] = (4032, 3024)  # 12 MP, a phone's
    video_seconds: float = 5.0
    video_size: str = "1280x720"
    burst: int = 12  # photos sent at once for the throughput figure


@dataclasses.dataclass(slots=True)
class Upload:
    kind: str  # photo | video
    media_id: str
    latency_s: float
    stored_bytes: int
    upload_bytes: int


def make_photo(size: tuple[int, int], seed: int) -> bytes:
    """A JPEG of ``size``: a colour gradient with noise, so it compresses as
    a photo does, not as a flat test card."""
    from PIL import Image

    width, height = size
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    base = np.stack([x + 0 * y, y + 0 * x, (x[::-1] + y) / 2], axis=-1)
    noisy = base + rng.normal(0, 12, size=(height, width, 3)).astype(np.float32)
    image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def multipart(filename: str, content_type: str, data: bytes) -> tuple[str, bytes]:
    """(Content-Type header, body) of a form with one ``file`` field."""
    boundary = secrets.token_hex(16)
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return (
        f"multipart/form-data; boundary={boundary}",
        head + data + f"\r\n--{boundary}--\r\n".encode(),
    )


async def upload_until_ready(
    client: HttpClient, token: str, form: tuple[str, bytes], kind: str
) -> Upload:
    """Upload, wait until the attachment is ready; the latency is from the
    first byte sent to the answer that says ready."""
    auth = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    response = await client.request(
        "POST", "/api/v2/media", headers={**auth, "Content-Type": form[0]}, body=form[1]
    )
    if response.status not in (200, 202):
        raise RuntimeError(f"upload answered {response.status}: {response.body[:200]!r}")
    entity = response.json()
    deadline = started + READY_TIMEOUT
    while response.status != 200:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"media {entity['id']} not ready after {READY_TIMEOUT:.0f} s")
        await asyncio.sleep(POLL_INTERVAL)  # how a client waits: it polls
        response = await client.request("GET", f"/api/v1/media/{entity['id']}", headers=auth)
        if response.status not in (200, 206):
            raise RuntimeError(f"media {entity['id']}: {response.status} {response.body[:200]!r}")
        entity = response.json()
    latency = time.perf_counter() - started
    stored = 0
    for url in {entity["url"], entity["preview_url"]} - {None}:
        stored += len((await client.request("GET", _path_of(url, client))).body)
    return Upload(kind, str(entity["id"]), latency, stored, len(form[1]))


def _path_of(url: str, client: HttpClient) -> str:
    parts = urlsplit(url)
    if parts.hostname not in ("localhost", "127.0.0.1") or parts.port != client.port:
        # Media on another host (S3, a CDN): this client speaks to Roost only.
        raise RuntimeError(f"media URL {url} is not on the server under test")
    return parts.path


async def steady_rate(
    client: HttpClient, token: str, forms: list[tuple[str, bytes]], kind: str, rate: float
) -> list[Upload]:
    """One upload every ``1 / rate`` seconds, each on its own."""
    started = time.perf_counter()
    tasks = []
    for i, form in enumerate(forms):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)  # the schedule of an open loop
        tasks.append(asyncio.create_task(upload_until_ready(client, token, form, kind)))
    return list(await asyncio.gather(*tasks))


async def burst(
    client: HttpClient, token: str, forms: list[tuple[str, bytes]]
) -> tuple[float, list[Upload]]:
    """Photos made ready per second when ``forms`` are all sent at once."""
    started = time.perf_counter()
    done = await asyncio.gather(*(upload_until_ready(client, token, f, "photo") for f in forms))
    return len(forms) / (time.perf_counter() - started), list(done)


def summarize(uploads: list[Upload], *, rate: float) -> dict[str, Any]:
    return {
        "uploads": len(uploads),
        "rate_per_s": rate,
        "latency_ms": latency_summary([u.latency_s for u in uploads]),
        "upload_bytes_mean": round(sum(u.upload_bytes for u in uploads) / len(uploads)),
        "stored_bytes_mean": round(sum(u.stored_bytes for u in uploads) / len(uploads)),
    }


@dataclasses.dataclass(frozen=True, slots=True)
class Forms:
    """The upload bodies, made before the clock starts."""

    photos: list[tuple[str, bytes]]  # the steady run's, then the burst's
    video: tuple[str, bytes]


def prepare_forms(options: MediaOptions) -> Forms:
    from roost_bench.video import make_clip

    count = max(2, round(options.seconds * options.photo_rate)) + options.burst
    photos = [
        multipart("photo.jpg", "image/jpeg", make_photo(options.photo_size, seed))
        for seed in range(count)
    ]
    with tempfile.TemporaryDirectory(prefix="roost-bench-media-") as tmp:
        clip = Path(tmp, "clip.mp4")
        make_clip(
            clip, seconds=options.video_seconds, size=options.video_size, fps=30, bitrate="8M"
        )
        video = multipart("clip.mp4", "video/mp4", clip.read_bytes())
    return Forms(photos, video)


async def measure_media(
    url: str, cast: Cast, options: MediaOptions, forms: Forms
) -> dict[str, Any]:
    """The steady-rate runs, the burst, then the home pages with and
    without the uploaded photos (for ``home_share``)."""
    token = cast.tokens["photographer"]
    photos = len(forms.photos) - options.burst
    videos = max(2, round(options.seconds * options.video_rate))
    client = HttpClient(url, max_connections=64, timeout=READY_TIMEOUT)
    try:
        photo_runs = await steady_rate(
            client, token, forms.photos[:photos], "photo", options.photo_rate
        )
        video_runs = await steady_rate(
            client, token, [forms.video] * videos, "video", options.video_rate
        )
        photos_per_s, burst_runs = await burst(client, token, forms.photos[photos:])
        attached = await post_pages(client, cast, [u.media_id for u in photo_runs + burst_runs])
    finally:
        await client.close()
    return {
        "photo": summarize(photo_runs, rate=options.photo_rate)
        | {"size": f"{options.photo_size[0]}x{options.photo_size[1]}"},
        "video": summarize(video_runs, rate=options.video_rate)
        | {"seconds": options.video_seconds, "size": options.video_size},
        "photos_per_s_per_worker": photos_per_s,
        "burst": options.burst,
        "home_page": {"statuses": HOME_LIMIT, "photos": attached},
    }


@dataclasses.dataclass(frozen=True, slots=True)
class Cast:
    """The accounts of the run: the photographer uploads and posts media,
    the writer posts the same statuses without media; each reader follows
    one of them."""

    ids: dict[str, str]
    tokens: dict[str, str]


CAST = ("photographer", "writer", "text_reader", "media_reader")


@contextlib.contextmanager
def media_server(data_dir: Path) -> Iterator[tuple[str, Cast]]:
    """The embedded default on ``data_dir`` with the run's accounts; yields
    the server's URL and the accounts."""
    from roost_bench.deploy import _base_env
    from roost_bench.runner import run_async
    from roost_bench.servers import ServerSpec, serve

    env = _base_env(data_dir) | {"ROOST_DATABASE_URL": "", "ROOST_REDIS_URL": ""}
    cast = run_async(_accounts(data_dir))
    with serve(ServerSpec("uvicorn", "roost", env=env, probe_path="/api/v1/instance")) as server:
        yield server.url, cast


async def _accounts(data_dir: Path) -> Cast:
    from roost.accounts.service import create_account
    from roost.config import Settings
    from roost.db.migrate import migrate
    from roost.services import build_services
    from roost_bench.tokens import issue_bench_tokens

    settings = Settings(data_dir=data_dir, password_hash_time_cost=1, password_hash_memory_kib=32)
    services = build_services(settings)
    try:
        await migrate(services.db.engine)
        ids = [
            await create_account(
                services,
                username=name,
                email=f"{name}@example.com",
                password=secrets.token_urlsafe(16),
            )
            for name in CAST
        ]
        tokens = await issue_bench_tokens(services, ids)
    finally:
        await services.close()
    return Cast(
        ids={name: str(i) for name, i in zip(CAST, ids, strict=True)},
        tokens=dict(zip(CAST, tokens, strict=True)),
    )


# -- the home timeline with and without media ---------------------------------


async def post_pages(
    client: HttpClient, cast: Cast, media_ids: list[str], *, statuses: int = HOME_LIMIT
) -> int:
    """The readers follow their author; the photographer posts ``statuses``
    statuses carrying every uploaded attachment (up to 4 photos, or one
    video, each), the writer the same texts without. Returns the media
    attached. Waits until both readers' home pages are full."""
    for reader, author in (("text_reader", "writer"), ("media_reader", "photographer")):
        await _call(
            client, cast.tokens[reader], "POST", f"/api/v1/accounts/{cast.ids[author]}/follow"
        )
    groups: list[list[str]] = [[] for _ in range(statuses)]
    for n, media_id in enumerate(media_ids[: 4 * statuses]):
        groups[n % statuses].append(media_id)
    for n, group in enumerate(groups):
        text = f"Status {n} of the media run, with a few words so it reads like a post."
        await _call(client, cast.tokens["writer"], "POST", "/api/v1/statuses", {"status": text})
        body: dict[str, Any] = {"status": text, "media_ids": group}
        await _call(client, cast.tokens["photographer"], "POST", "/api/v1/statuses", body)
    deadline = time.perf_counter() + READY_TIMEOUT
    for reader in ("text_reader", "media_reader"):
        while len(await _call(client, cast.tokens[reader], "GET", HOME_PAGE)) < statuses:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{reader}'s home timeline was not filled in time")
            await asyncio.sleep(POLL_INTERVAL)  # fan-out runs in the server's worker
    return sum(len(g) for g in groups)


async def _call(
    client: HttpClient, token: str, method: str, path: str, body: dict[str, Any] | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    payload = b""
    if body is not None:
        headers["Content-Type"] = "application/json"
        payload = msgspec.json.encode(body)
    response = await client.request(method, path, headers=headers, body=payload)
    if response.status != 200:
        raise RuntimeError(f"{method} {path}: {response.status} {response.body[:200]!r}")
    return response.json()


def home_share(url: str, cast: Cast, *, seconds: float, rounds: int = 3) -> dict[str, Any]:
    """Home reads per second (wrk, 16 connections) of the media-rich page
    against the text-only page, alternated ``rounds`` times in one server."""
    from roost_bench.wrk import WrkRun, run_wrk

    run = WrkRun(threads=1, connections=16, duration=seconds)
    found: dict[str, list[float]] = {"text": [], "media": []}
    page_bytes: dict[str, float] = {}
    for _ in range(rounds):
        for kind in ("text", "media"):
            data = {
                "tokens": [cast.tokens[f"{kind}_reader"]],
                "limit": HOME_LIMIT,
                "seed": 0,
                "home_path": HOME_PATH,
            }
            result = run_wrk(url, run=run, workload="home", data=data)
            if result.errors:
                raise RuntimeError(f"{kind} home reads: {result.errors} errors")
            found[kind].append(result.rps)
            page_bytes[kind] = result.bytes / max(1, result.requests)
    text, media = (sorted(found[k])[len(found[k]) // 2] for k in ("text", "media"))
    return {
        "text_rps": found["text"],
        "media_rps": found["media"],
        "media_share_of_text": media / text,
        "response_bytes": {k: round(v) for k, v in page_bytes.items()},
    }
