"""The search language: words, "phrases", -excluded words, #hashtags,
@accounts and Mastodon's operators, parsed into a value the engines turn
into SQL. Unknown operators are searched as words; operator values that
make no sense (a bad date) are refused with a 422."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta

from roost.kernel.errors import ValidationFailed

MAX_QUERY_CHARS = 500
MAX_TERMS = 16
_TOKEN = re.compile(r'(-?)(?:(\w+):)?("([^"]*)"?|\S+)', re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
OPERATORS = frozenset({"from", "has", "is", "before", "after", "during", "language", "in", "near"})


@dataclasses.dataclass(slots=True)
class ParsedQuery:
    """What a status search asks for."""

    words: list[str] = dataclasses.field(default_factory=list)
    phrases: list[list[str]] = dataclasses.field(default_factory=list)
    excluded: list[str] = dataclasses.field(default_factory=list)
    tags: list[str] = dataclasses.field(default_factory=list)
    from_accounts: list[str] = dataclasses.field(default_factory=list)
    has_media: bool | None = None
    has_poll: bool | None = None
    is_reply: bool | None = None
    is_sensitive: bool | None = None
    language: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    only_own: bool = False  # in:library / in:mine: the viewer's own statuses
    # near:LAT,LON[,KM] (Roost): posted within KM (default 10) of the point.
    near: tuple[float, float, float] | None = None

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def is_empty(self) -> bool:
        return not (self.has_text or self.tags or self.from_accounts)


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{name}: expects a date as YYYY-MM-DD") from None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


NEAR_DEFAULT_KM = 10.0
NEAR_MAX_KM = 500.0


def _near(value: str) -> tuple[float, float, float]:
    """``LAT,LON`` or ``LAT,LON,KM`` (a trailing ``km`` allowed)."""
    parts = value.lower().removesuffix("km").split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) == 2:
        numbers.append(NEAR_DEFAULT_KM)
    if len(numbers) != 3 or any(n != n for n in numbers):  # n != n: NaN
        raise ValidationFailed("near: expects LATITUDE,LONGITUDE or LATITUDE,LONGITUDE,KM")
    lat, lon, km = numbers
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < km <= NEAR_MAX_KM):
        raise ValidationFailed(
            f"near: latitude -90..90, longitude -180..180, radius above 0 and at most "
            f"{NEAR_MAX_KM:g} km"
        )
    return lat, lon, km


def _apply_operator(parsed: ParsedQuery, name: str, value: str, negated: bool) -> bool:
    """Apply one ``name:value``; False when it is not an operator after all."""
    value = value.strip('"')
    if name == "from":
        parsed.from_accounts.append(value.lstrip("@"))
    elif name == "has":
        if value not in ("media", "poll", "image", "video", "audio", "embed", "link"):
            return False
        if value == "poll":
            parsed.has_poll = not negated
        else:
            parsed.has_media = not negated
    elif name == "is":
        if value == "reply":
            parsed.is_reply = not negated
        elif value == "sensitive":
            parsed.is_sensitive = not negated
        else:
            return False
    elif name == "before":
        parsed.until = _midnight(_day(value, "before"))
    elif name == "after":
        parsed.since = _midnight(_day(value, "after")) + timedelta(days=1)
    elif name == "during":
        start = _midnight(_day(value, "during"))
        parsed.since, parsed.until = start, start + timedelta(days=1)
    elif name == "language":
        parsed.language = value.lower()[:16] or None
    elif name == "in":
        if value not in ("library", "mine", "all", "public"):
            return False
        parsed.only_own = value in ("library", "mine")
    elif name == "near":
        if negated:
            return False
        parsed.near = _near(value)
    else:
        return False
    return True


def parse(text: str) -> ParsedQuery:
    """Parse a search box's text (bounded in length and number of terms)."""
    parsed = ParsedQuery()
    terms = 0
    for match in _TOKEN.finditer(text[:MAX_QUERY_CHARS]):
        if terms >= MAX_TERMS:
            break
        terms += 1
        negated, operator, raw, quoted = (
            match.group(1) == "-",
            match.group(2),
            match.group(3),
            match.group(4),
        )
        name = (operator or "").lower()
        if name in OPERATORS and _apply_operator(parsed, name, raw, negated):
            continue
        if operator:
            raw = f"{operator}:{raw}"
        if quoted is not None and not operator:
            words = _words(quoted)
            if len(words) == 1 and not negated:
                parsed.words.extend(words)
            elif len(words) > 1 and not negated:
                parsed.phrases.append(words)
            elif negated:
                parsed.excluded.extend(words)
            continue
        if raw.startswith("#") and not negated:
            tag = raw.lstrip("#")
            if _WORD.fullmatch(tag):
                parsed.tags.append(tag)
                continue
        words = _words(raw)
        if negated:
            parsed.excluded.extend(words)
        elif len(words) > 1:
            parsed.phrases.append(words)  # e.g. don't, e-mail: adjacent words
        else:
            parsed.words.extend(words)
    return parsed
