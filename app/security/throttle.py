"""The login throttle: every attempt is counted before the credential is looked up.

A login first reserves one attempt on three counters: its client address, its
address with the username, and the username alone. A login that succeeds hands
its reservation back; a failed one keeps it, so it counts as a failure for one
window. Counting first is what makes a burst count: of a thousand simultaneous
tries, the eleventh already sees eleven.

- Over its limit, an address, or an address with a username, is refused (429,
  Retry-After) without looking at the credential. These only ever lock the
  sender's own address.
- A username is never refused: failures from anywhere else must not lock its
  rightful owner out. Past its limit, answers to *failed* logins for it are
  delayed; the right token is answered at once.

Counts live in buckets of a sixth of the window, so a failure stops counting at
most `window` seconds after it was made. Where the counts are kept is the
store's business: in the process (`MemoryAttempts`) or in the database, shared
by every worker and host (`app.security.attempts_table.DatabaseAttempts`).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

BUCKETS_PER_WINDOW = 6

Counts = dict[str, list[tuple[int, int]]]  # key -> [(bucket, attempts)], oldest first


class AttemptStore(Protocol):
    async def add(self, keys: Sequence[str], bucket: int, oldest: int) -> Counts:
        """Count one attempt for each key in `bucket`; return each key's counts in
        the buckets from `oldest` on, this attempt included."""
        ...

    async def take_back(self, keys: Sequence[str], bucket: int) -> None:
        """Undo one `add` of these keys in `bucket`."""
        ...


class MemoryAttempts:
    """Counts in this process only: N workers let N times as many tries through.
    At most `max_keys` keys are kept, least recently used dropped first."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._counts: OrderedDict[str, dict[int, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._counts)

    # No await inside: each call is atomic on the event loop.
    async def add(self, keys: Sequence[str], bucket: int, oldest: int) -> Counts:
        result: Counts = {}
        for key in keys:
            buckets = self._counts.pop(key, {})
            self._counts[key] = buckets  # most recently used last
            for old in [b for b in buckets if b < oldest]:
                del buckets[old]
            buckets[bucket] = buckets.get(bucket, 0) + 1
            result[key] = sorted(buckets.items())
        while len(self._counts) > self.max_keys:
            self._counts.popitem(last=False)
        return result

    async def take_back(self, keys: Sequence[str], bucket: int) -> None:
        for key in keys:
            buckets = self._counts.get(key)
            if buckets and buckets.get(bucket):
                buckets[bucket] -= 1
                if not buckets[bucket]:
                    del buckets[bucket]


@dataclass(frozen=True)
class Limits:
    window: int
    per_address: int
    per_address_and_username: int
    per_username: int  # past it, failed logins are slowed down, never refused
    username_failure_delay: float


@dataclass(frozen=True)
class Attempt:
    """A reservation, to be settled by `succeeded` or `failed`."""

    keys: tuple[str, ...]
    bucket: int
    username_attempts: int


@dataclass(frozen=True)
class Refused:
    retry_after: int


def _key(kind: str, *parts: str) -> str:
    # A digest: bounded size, and the store never holds addresses or usernames.
    text = "\0".join((kind, *parts)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


class LoginThrottle:
    def __init__(
        self, store: AttemptStore, limits: Limits, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.limits = limits
        self.clock = clock
        self.step = limits.window / BUCKETS_PER_WINDOW

    async def begin(self, address: str, username: str) -> Attempt | Refused:
        bucket = math.floor(self.clock() / self.step)
        oldest = bucket - BUCKETS_PER_WINDOW + 1
        by_address = _key("address", address)
        by_pair = _key("address+username", address, username)
        by_username = _key("username", username)
        keys = (by_address, by_pair, by_username)
        counts = await self.store.add(keys, bucket, oldest)
        waits = [
            self._retry_after(counts[key], limit)
            for key, limit in (
                (by_address, self.limits.per_address),
                (by_pair, self.limits.per_address_and_username),
            )
            if sum(attempts for _, attempts in counts[key]) > limit
        ]
        if waits:
            # A refused attempt is not a failure: only failures keep a lock going.
            await self.store.take_back(keys, bucket)
            return Refused(max(waits))
        return Attempt(keys, bucket, sum(attempts for _, attempts in counts[by_username]))

    async def succeeded(self, attempt: Attempt) -> None:
        await self.store.take_back(attempt.keys, attempt.bucket)

    async def failed(self, attempt: Attempt) -> None:
        """The reservation stays as a failure; past the username's limit the
        answer waits, which slows guessing from many addresses down."""
        if attempt.username_attempts > self.limits.per_username:
            await asyncio.sleep(self.limits.username_failure_delay)

    def _retry_after(self, counts: list[tuple[int, int]], limit: int) -> int:
        """Seconds until, with this attempt handed back, one more would be admitted."""
        remaining = sum(attempts for _, attempts in counts) - 1
        now = expires = self.clock()
        for counted_bucket, attempts in counts:  # oldest first
            if remaining < limit:
                break
            remaining -= attempts
            expires = (counted_bucket + BUCKETS_PER_WINDOW) * self.step
        return max(1, math.ceil(expires - now))
