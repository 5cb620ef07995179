"""Matching statuses against the viewer's filters in one context.

A keyword matches case-insensitively anywhere in the status's spoiler text
and text, or (``whole_word``) only where it is not part of a longer word
(a word-character boundary at each end that starts or ends with a word
character, as Mastodon does). A filter also matches the statuses it names.
``hide`` filters drop a matching status; ``warn`` filters add a
FilterResult to its ``filtered`` array. Expired filters match nothing.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec

from roost.filters.entities import Filter, FilterKeyword, FilterResult, FilterStatus
from roost.filters.store import HIDE, FilterRecord
from roost.kernel.timefmt import format_datetime

_encode = msgspec.json.encode
_TAGS = re.compile(r"<[^>]*>")
_BREAKS = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)


def filter_entity(record: FilterRecord) -> Filter:
    return Filter(
        id=str(record.id),
        title=record.title,
        context=list(record.context),
        expires_at=format_datetime(record.expires_at) if record.expires_at else None,
        filter_action=record.action,
        keywords=[
            FilterKeyword(id=str(k.id), keyword=k.keyword, whole_word=k.whole_word)
            for k in record.keywords
        ],
        statuses=[FilterStatus(id=str(s.id), status_id=str(s.status_id)) for s in record.statuses],
    )


@functools.lru_cache(maxsize=4096)
def keyword_pattern(keyword: str, whole_word: bool) -> re.Pattern[str]:
    escaped = re.escape(keyword)
    if whole_word:
        if re.match(r"\w", keyword):
            escaped = r"\b" + escaped
        if re.search(r"\w$", keyword):
            escaped += r"\b"
    return re.compile(escaped, re.IGNORECASE)


def plain_text(content_html: str) -> str:
    """The text of a status's HTML content (for statuses rendered as entities)."""
    return html.unescape(_TAGS.sub("", _BREAKS.sub("\n", content_html)))


def status_text(spoiler_text: str, text: str) -> str:
    return f"{spoiler_text}\n\n{text}" if spoiler_text else text


def is_active(record: FilterRecord, now: datetime) -> bool:
    expires = record.expires_at
    if expires is None:
        return True
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return expires > now


class ContextFilters:
    """The viewer's filters that apply in one context, ready to match."""

    def __init__(self, records: Sequence[FilterRecord], context: str) -> None:
        self.active: list[FilterRecord] = []
        if records:  # most readers have none: no clock read for them
            now = datetime.now(UTC)
            self.active = [r for r in records if context in r.context and is_active(r, now)]
        self._entities: dict[int, Filter] = {}

    def __bool__(self) -> bool:
        return bool(self.active)

    def _entity(self, record: FilterRecord) -> Filter:
        found = self._entities.get(record.id)
        if found is None:
            found = self._entities[record.id] = filter_entity(record)
        return found

    def results(self, status_id: int, text: str) -> tuple[bool, list[FilterResult]]:
        """(hidden, the warn filters' results) for one status."""
        found: list[FilterResult] = []
        for record in self.active:
            keywords = [
                k.keyword
                for k in record.keywords
                if keyword_pattern(k.keyword, k.whole_word).search(text)
            ]
            statuses = (
                [str(status_id)] if any(s.status_id == status_id for s in record.statuses) else []
            )
            if not keywords and not statuses:
                continue
            if record.action == HIDE:
                return True, []
            found.append(
                FilterResult(
                    filter=self._entity(record),
                    keyword_matches=keywords or None,
                    status_matches=statuses or None,
                )
            )
        return False, found

    def verdict(self, status_id: int, text: str) -> tuple[bool, bytes | None]:
        """(hidden, the ``filtered`` array as JSON or None when no filter matched)."""
        hidden, found = self.results(status_id, text)
        return hidden, (_encode(found) if found else None)
