"""kernel.bytememo: decoded values by their exact bytes, bounded."""

from __future__ import annotations

import msgspec
import pytest

from roost.kernel.bytememo import ByteMemo


class Point(msgspec.Struct, frozen=True):
    x: int
    y: int


def test_same_bytes_decode_once_other_bytes_decode_anew() -> None:
    calls: list[bytes] = []

    def decode(raw: bytes) -> Point:
        calls.append(raw)
        return msgspec.msgpack.decode(raw, type=Point)

    memo = ByteMemo(decode, 10)
    first = msgspec.msgpack.encode(Point(1, 2))
    again = bytes(bytearray(first))  # equal bytes, another object (as Redis returns them)
    changed = msgspec.msgpack.encode(Point(1, 3))
    assert memo(first) == Point(1, 2)
    assert memo(again) is memo(first)
    assert calls == [first]
    # A changed value is other bytes: never answered with the old decoding.
    assert memo(changed) == Point(1, 3)
    assert memo(first) == Point(1, 2)
    assert len(calls) == 2


def test_bounded_first_in_first_out() -> None:
    memo = ByteMemo(lambda raw: raw.decode(), 3)
    for word in (b"a", b"b", b"c", b"d"):
        memo(word)
    assert len(memo) == 3
    assert set(memo._items) == {b"b", b"c", b"d"}
    memo.clear()
    assert len(memo) == 0


def test_a_failed_decode_is_not_remembered() -> None:
    memo = ByteMemo(lambda raw: msgspec.msgpack.decode(raw, type=Point), 4)
    with pytest.raises(msgspec.DecodeError):
        memo(b"\xc1")
    assert len(memo) == 0
    with pytest.raises(msgspec.DecodeError):
        memo(b"\xc1")
