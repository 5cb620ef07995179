"""Decoded cache values kept in the process, keyed by their exact bytes.

A warm read decodes the same cached entries again and again: the twenty
status records of a page, their counts, the reader's marks and relation
summary. A ``ByteMemo`` keeps what one encoded value decodes to, keyed by
the value's bytes themselves. It needs no invalidation and can never answer
stale: a changed entry has other bytes, so it is a different key (and is
decoded), whichever process changed it in a shared cache; an entry that was
dropped or expired is not read from the cache, so its bytes are never asked
for. The decoded values are shared by every caller: they must never be
changed (the record types are frozen; maps are read only).

Bounded by count; when full the oldest insertion goes (first in, first out:
a hit costs one dictionary lookup, no reordering). A value evicted while in
use is simply decoded again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ByteMemo(Generic[T]):
    """``decode(raw)``, remembered by ``raw`` (see the module docstring)."""

    __slots__ = ("_decode", "_items", "limit")

    def __init__(self, decode: Callable[[bytes], T], limit: int) -> None:
        self._decode = decode
        self._items: OrderedDict[bytes, T] = OrderedDict()
        self.limit = limit

    def __call__(self, raw: bytes) -> T:
        items = self._items
        found = items.get(raw)
        if found is None:
            found = self._decode(raw)
            if len(items) >= self.limit:
                items.popitem(last=False)
            items[raw] = found
        return found

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget everything (tests; never needed for correctness)."""
        self._items.clear()
