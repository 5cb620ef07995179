"""The web app: one HTML shell for every page of the app, and its scripts and
styles under a versioned path.

The files in ``web/app`` are plain ES modules and CSS, served as they are (no
build step). They are read once, at start-up, into an ``AssetBundle``: the
version is a hash of every file, so the URL of an asset changes whenever any
file changes and the files can be cached for a year as immutable. Each file
is also kept gzip-compressed. The shell is revalidated on every load (an ETag
makes that a 304), so a new release is picked up at the next page load.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import html
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

APP_DIR = Path(__file__).resolve().parent / "app"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
}
# Served at the root, not under the versioned path: a service worker's URL must
# stay the same across releases and its scope is the folder it is served from.
SERVICE_WORKER = "sw.js"
ENTRY = "app.js"
# Every page of the app; the script reads the path and shows the right screen.
APP_PATHS = (
    "/",
    "/signin",
    "/signup",
    "/callback",
    "/public",
    "/local",
    "/nearby",
    "/search",
    "/notifications",
    "/bookmarks",
    "/settings",
    "/scheduled",
    "/tags/{name}",
    "/followed_tags",
    "/lists",
    "/lists/{id}",
    "/filters",
    "/filters/{id}",
    "/follow_requests",
    "/statuses/{id}",
    "/@{username}",
    "/@{username}/{rest:path}",
)


@dataclasses.dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: str


@dataclasses.dataclass(frozen=True, slots=True)
class AssetBundle:
    version: str
    files: dict[str, Asset]

    @classmethod
    def load(cls, directory: Path = APP_DIR) -> AssetBundle:
        files: dict[str, Asset] = {}
        digest = hashlib.sha256()
        for path in sorted(directory.iterdir()):
            if not path.is_file() or path.suffix not in _TYPES:
                continue
            body = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + body + b"\0")
            files[path.name] = Asset(body, gzip.compress(body, 9, mtime=0), _TYPES[path.suffix])
        return cls(digest.hexdigest()[:16], files)

    def url(self, name: str) -> str:
        return f"/assets/{self.version}/{name}"

    def first_load_bytes(self) -> tuple[int, int]:
        """Bytes of every script and style sheet the shell loads: (raw, gzipped)."""
        loaded = [
            a for n, a in self.files.items() if n != SERVICE_WORKER and not n.endswith(".svg")
        ]
        return sum(len(a.body) for a in loaded), sum(len(a.gzipped) for a in loaded)


def content_security_policy(streaming_url: str | None = None) -> str:
    """No inline script or style, no plugins, no framing; media and pictures
    may come from the media storage's own host, connections go to this origin
    (and to the streaming host when it is a separate one)."""
    connect = "'self'"
    if streaming_url:
        parts = urlsplit(streaming_url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc:
            scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
            connect += f" {scheme}://{parts.netloc}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "img-src 'self' https: http: data: blob:; media-src 'self' https: http: blob:; "
        f"connect-src {connect}; worker-src 'self'; manifest-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


# API paths the app has screens for that only some builds serve: the shell
# names the ones this server has, so the app shows those screens only.
FEATURES = {
    "notifications": "/api/v1/notifications",
    "streaming": "/api/v1/streaming/user",
    "search": "/api/v2/search",
    "trends": "/api/v1/trends/tags",
    "nearby": "/api/v1/timelines/nearby",
    "media": "/api/v2/media",
    "push": "/api/v1/push/subscription",
}


def features_of(api_paths: Iterable[str]) -> list[str]:
    served = set(api_paths)
    return [name for name, path in FEATURES.items() if path in served]


def shell_html(bundle: AssetBundle, title: str, features: Iterable[str] = ()) -> str:
    modules = "".join(
        f'<link rel="modulepreload" href="{bundle.url(name)}">'
        for name in sorted(bundle.files)
        if name.endswith(".js") and name not in (ENTRY, SERVICE_WORKER)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{html.escape(title)}</title>"
        f'<meta name="roost-features" content="{html.escape(" ".join(features))}">'
        f'<link rel="stylesheet" href="{bundle.url("app.css")}">'
        f'<link rel="icon" href="{bundle.url("icon.svg")}">{modules}'
        f'<script type="module" src="{bundle.url(ENTRY)}"></script></head>'
        '<body><div id="app"><p class="boot" role="status">Loading…</p></div>'
        "<noscript><p>This web app needs JavaScript. Any Mastodon client app can "
        "use this server too.</p></noscript></body></html>"
    )


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def _asset_response(request: Request, asset: Asset, cache: str) -> Response:
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    if _accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.content_type, headers=headers)
    return Response(asset.body, media_type=asset.content_type, headers=headers)


def web_routes(
    *,
    title: str,
    streaming_url: str | None = None,
    api_paths: Iterable[str] = (),
    bundle: AssetBundle | None = None,
) -> list[BaseRoute]:
    """The shell at every app path, the versioned assets and the service worker."""
    assets = bundle or AssetBundle.load()
    page = shell_html(assets, title, features_of(api_paths)).encode()
    etag = '"' + hashlib.sha256(page).hexdigest()[:16] + '"'
    shell_headers = {
        "Cache-Control": REVALIDATE,
        "ETag": etag,
        "Content-Security-Policy": content_security_policy(streaming_url),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }

    async def shell(request: Request) -> Response:
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=shell_headers)
        return Response(page, media_type="text/html; charset=utf-8", headers=shell_headers)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        found = assets.files.get(name)
        if found is None or name == SERVICE_WORKER:
            return Response("Not found", status_code=404, media_type="text/plain")
        # An asset of another release (several app servers mid-upgrade): the
        # current file, but not cached for good under the other version's URL.
        current = request.path_params["version"] == assets.version
        return _asset_response(request, found, IMMUTABLE if current else REVALIDATE)

    async def service_worker(request: Request) -> Response:
        return _asset_response(request, assets.files[SERVICE_WORKER], REVALIDATE)

    routes: list[BaseRoute] = [Route(path, shell, methods=["GET", "HEAD"]) for path in APP_PATHS]
    routes.append(Route("/assets/{version}/{name}", asset, methods=["GET", "HEAD"]))
    routes.append(Route("/" + SERVICE_WORKER, service_worker, methods=["GET", "HEAD"]))
    return routes
