"""Password hashing with argon2id, at the cost the settings ask for.

The defaults (3 passes over 64 MiB, 4 lanes) are RFC 9106's low-memory
profile, argon2-cffi's own default. Every hash records the parameters it
was made with, so hashes made at another cost keep verifying after the
settings change; a successful login rehashes them at the configured cost
(``roost.oauth.login``).
"""

from __future__ import annotations

import threading

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PARALLELISM = 4


class PasswordHasher:
    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        # argon2 would only complain at the first sign-up; a bad setting
        # should stop the server at start instead.
        if time_cost < 1:
            raise ValueError(f"password hash time cost must be at least 1, not {time_cost}")
        if memory_kib < 8 * PARALLELISM:
            raise ValueError(
                f"password hash memory must be at least {8 * PARALLELISM} KiB, not {memory_kib}"
            )
        self._argon2 = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=PARALLELISM
        )
        self._dummy: str | None = None
        self._dummy_lock = threading.Lock()

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when ``password_hash`` was made at another cost than this hasher's."""
        return self._argon2.check_needs_rehash(password_hash)

    def dummy_hash(self) -> str:
        """A hash of no real password at this cost: checking a login against it
        takes as long as against a real account's."""
        with self._dummy_lock:
            if self._dummy is None:
                self._dummy = self.hash("not a real password, only here to spend the same time")
            return self._dummy
