"""Plain status text -> Mastodon HTML, plus the hashtags and mentions in it,
and the length rule.

Pure functions: the caller looks up which mentioned usernames exist (one
query) and passes them in, so rendering never touches the database.

Every function here is linear in the length of the text (the regexes have no
nested or overlapping repetition, and trimming a link walks it once): a
status is processed on the event loop, so a slow one would stall every
request. The caller still caps the raw length before calling.
"""

from __future__ import annotations

import dataclasses
import html
import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import quote

import unicode_segmentation_rs

from roost.kernel.errors import ValidationFailed

# Every link counts as this many characters, whatever its length (Mastodon's
# rule, so that long URLs do not eat the character budget).
URL_LENGTH = 23
# Mastodon shortens the visible part of a link to this many characters.
LINK_DISPLAY = 30
MAX_TAG_LENGTH = 100
# Links and mention domains get a length concession, so their own length is
# capped: the longest URL browsers and servers commonly accept, and the
# longest DNS name.
MAX_URL_LENGTH = 2048
MAX_DOMAIN_LENGTH = 253

_URL = r"(?P<url>https?://[^\s<>\"]+)"
# A mention is not preceded by a word character, "/" or "@" (so e-mail
# addresses and URLs do not count); the optional domain may carry a port.
_MENTION = r"(?<![\w/@])@(?P<user>[A-Za-z0-9_]{1,30})(?P<domain>@[\w-]+(?:\.[\w-]+)*(?::\d+)?)?"
# A hashtag is not preceded by a word character, "=", "/", ")" or "&" (URL
# fragments, HTML entities), and must not be all digits.
_HASHTAG = r"(?<![\w=/)&#])#(?P<tag>\w+)"
_TOKEN = re.compile(f"{_URL}|{_MENTION}|{_HASHTAG}")
_TRAILING = ".,:;!?'\"*"
_PARAGRAPH_BREAK = re.compile(r"\n{2,}")


def _may_hold_tokens(text: str) -> bool:
    """Whether ``text`` can hold a link, a mention or a hashtag: each needs
    its mark (``://``, ``@``, ``#``). Most posts have none, and three
    substring scans are cheaper than a search with the token regex."""
    return "@" in text or "#" in text or "://" in text


@dataclasses.dataclass(frozen=True, slots=True)
class MentionTarget:
    """A local account that a mention may point at."""

    id: int
    username: str


@dataclasses.dataclass(frozen=True, slots=True)
class RenderedText:
    html: str
    tags: list[str]  # normalised names, in order of first appearance
    mention_ids: list[int]  # in order of first appearance


def normalize_tag(name: str) -> str:
    """The stored form of a hashtag: NFKC, lower case."""
    return unicodedata.normalize("NFKC", name).lower()


def _is_tag(name: str) -> bool:
    return len(name) <= MAX_TAG_LENGTH and not name.isdigit()


def trim_url(url: str) -> str:
    """Drop trailing punctuation and closing brackets that are not part of the URL.

    One walk from the end with running bracket counts: recounting or
    re-slicing per dropped character was quadratic (a link followed by tens
    of thousands of ")" held the event loop for seconds)."""
    opens = url.count("(")
    closes = url.count(")")
    end = len(url)
    while end:
        last = url[end - 1]
        if last == ")" and opens < closes:
            closes -= 1
        elif last not in _TRAILING:
            break
        end -= 1
    return url[:end]


def _is_local_domain(domain: str | None, local_domain: str) -> bool:
    return domain is None or domain[1:].lower() == local_domain.lower()


def mention_candidates(text: str, *, local_domain: str) -> set[str]:
    """Lower-cased usernames mentioned as local accounts (to look up before rendering)."""
    found: set[str] = set()
    if "@" not in text:
        return found
    for match in _TOKEN.finditer(text):
        user = match.group("user")
        if user is not None and _is_local_domain(match.group("domain"), local_domain):
            found.add(user.lower())
    return found


def grapheme_length(text: str) -> int:
    """Characters as a reader sees them (extended grapheme clusters): a flag
    or a family emoji made of several code points counts once, as on Mastodon.

    A linear segmenter (Rust's unicode-segmentation): the ``regex`` module's
    ``\\X`` is quadratic on runs of flag letters (5,000 of them took 0.3 s)."""
    if text.isascii():
        return len(text) - text.count("\r\n")  # CR LF is the only ASCII cluster
    return len(unicode_segmentation_rs.graphemes(text, True))


def countable_text(text: str) -> str:
    """``text`` as Mastodon measures it: each link stands for 23 characters and
    a mention for its ``@username`` part (the domain is free).

    Raises ValidationFailed for a link or a mention domain too long to get
    that concession."""
    if "@" not in text and "://" not in text:
        return text  # no link, no mention: a hashtag counts as written
    parts: list[str] = []
    pos = 0
    while (match := _TOKEN.search(text, pos)) is not None:
        parts.append(text[pos : match.start()])
        pos = match.end()
        if match.group("url") is not None:
            url = trim_url(match.group("url"))
            pos = match.start() + len(url)
            if len(url) > MAX_URL_LENGTH:
                raise ValidationFailed(f"Links are limited to {MAX_URL_LENGTH} characters")
            # "https://" alone is not a link (it is not rendered as one either).
            parts.append("x" * URL_LENGTH if url.split("://", 1)[1] else url)
        elif match.group("user") is not None:
            domain = match.group("domain")
            if domain is not None and len(domain) - 1 > MAX_DOMAIN_LENGTH:
                raise ValidationFailed(
                    f"Mention domains are limited to {MAX_DOMAIN_LENGTH} characters"
                )
            parts.append("@" + match.group("user"))
        else:
            parts.append(match.group(0))
    parts.append(text[pos:])
    return "".join(parts)


def countable_length(text: str, *, spoiler_text: str = "") -> int:
    """Length as Mastodon counts a status: grapheme clusters of the content
    warning followed by the countable text."""
    return grapheme_length(spoiler_text + countable_text(text))


def _link_html(url: str) -> str:
    scheme, rest = url.split("://", 1)
    prefix = scheme + "://"
    if rest.startswith("www."):
        prefix, rest = prefix + "www.", rest[4:]
    if len(rest) > LINK_DISPLAY:
        shown = f'<span class="ellipsis">{html.escape(rest[:LINK_DISPLAY])}</span>'
        hidden = html.escape(rest[LINK_DISPLAY:])
    else:
        shown = f'<span class="">{html.escape(rest)}</span>'
        hidden = ""
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" '
        f'translate="no"><span class="invisible">{html.escape(prefix)}</span>'
        f'{shown}<span class="invisible">{hidden}</span></a>'
    )


def _mention_html(target: MentionTarget, public_url: str) -> str:
    name = html.escape(target.username)
    return (
        f'<span class="h-card" translate="no"><a href="{public_url}/@{name}" '
        f'class="u-url mention">@<span>{name}</span></a></span>'
    )


def tag_url(public_url: str, name: str) -> str:
    """The address of a hashtag's page (non-ASCII names percent-encoded)."""
    return f"{public_url.rstrip('/')}/tags/{quote(name, safe='')}"


def _tag_html(shown: str, normalized: str, public_url: str) -> str:
    href = html.escape(tag_url(public_url, normalized))
    return (
        f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{html.escape(shown)}</span></a>'
    )


class _Renderer:
    def __init__(
        self, public_url: str, local_domain: str, accounts: Mapping[str, MentionTarget]
    ) -> None:
        self.public_url = public_url
        self.local_domain = local_domain
        self.accounts = accounts
        self.tags: dict[str, None] = {}
        self.mentions: dict[int, None] = {}

    def line(self, text: str) -> str:
        if not _may_hold_tokens(text):
            return html.escape(text)
        out: list[str] = []
        pos = 0
        while (match := _TOKEN.search(text, pos)) is not None:
            out.append(html.escape(text[pos : match.start()]))
            pos = match.end()
            if match.group("url") is not None:
                url = trim_url(match.group("url"))
                pos = match.start() + len(url)
                out.append(_link_html(url) if url.split("://", 1)[1] else html.escape(url))
            elif match.group("user") is not None:
                out.append(self._mention(match))
            else:
                out.append(self._hashtag(match.group("tag"), match.group(0)))
        out.append(html.escape(text[pos:]))
        return "".join(out)

    def _mention(self, match: re.Match[str]) -> str:
        target = None
        if _is_local_domain(match.group("domain"), self.local_domain):
            target = self.accounts.get(match.group("user").lower())
        if target is None:
            return html.escape(match.group(0))
        self.mentions[target.id] = None
        return _mention_html(target, self.public_url)

    def _hashtag(self, name: str, raw: str) -> str:
        if not _is_tag(name):
            return html.escape(raw)
        normalized = normalize_tag(name)
        self.tags[normalized] = None
        return _tag_html(name, normalized, self.public_url)


def render_text(
    text: str,
    *,
    public_url: str,
    local_domain: str,
    accounts: Mapping[str, MentionTarget],
) -> RenderedText:
    """Escape, linkify and paragraph ``text``. ``accounts`` maps lower-cased
    usernames to the existing local accounts; other mentions stay plain text."""
    renderer = _Renderer(public_url.rstrip("/"), local_domain, accounts)
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(normalized) if p.strip()]
    body = "".join(
        "<p>" + "<br />".join(renderer.line(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
    return RenderedText(html=body, tags=list(renderer.tags), mention_ids=list(renderer.mentions))
