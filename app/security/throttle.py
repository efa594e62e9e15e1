"""The login throttle: a burst is counted before any credential is looked up.

Two kinds of counts, per window:
- pending logins per client address, in this process: added before the
  credential lookup and handed back on every way out of the login (granted,
  refused, an exception such as the database being down, a cancellation or a
  timeout; callers hand it back in a `finally`). At most
  `pending_per_address` may be in flight at once, so a burst of simultaneous
  guesses cannot all reach the lookup. (Kept in memory on purpose: every login
  would otherwise write the same database row twice.)
- failures per address, per address+username and per username, added when a
  login fails, in the store: shared by all workers on PostgreSQL.

Over its failure limit an address, or an address with a username, is refused
(429, Retry-After) without looking at the credential; this only ever locks the
sender's own address. A username is never refused: failures from anywhere else
must not lock its rightful owner out. Past its limit, answers to *failed* logins
for it are delayed; the right token is answered at once. So a burst from one
address gets at most `pending_per_address` (per process) + the failure limit
guesses through.

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
from functools import lru_cache
from typing import Protocol

BUCKETS_PER_WINDOW = 6

Counts = dict[str, list[tuple[int, int]]]  # key -> [(bucket, attempts)], oldest first


class AttemptStore(Protocol):
    async def add(
        self, keys: Sequence[str], bucket: int, oldest: int, read: Sequence[str] = ()
    ) -> Counts:
        """Count one for each of `keys` in `bucket`; return the counts of `keys`
        (this one included) and of `read` in the buckets from `oldest` on."""
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
    async def add(
        self, keys: Sequence[str], bucket: int, oldest: int, read: Sequence[str] = ()
    ) -> Counts:
        result: Counts = {}
        for key in (*keys, *read):
            buckets = self._counts.pop(key, None)
            if buckets is None:  # the usual case for what is only read: no failures
                buckets = {}
            elif buckets and min(buckets) < oldest:
                buckets = {b: n for b, n in buckets.items() if b >= oldest}
            if key in keys:
                buckets[bucket] = buckets.get(bucket, 0) + 1
            if buckets:
                self._counts[key] = buckets  # most recently used last
            result[key] = sorted(buckets.items())
        while len(self._counts) > self.max_keys:
            self._counts.popitem(last=False)
        return result


@dataclass(frozen=True)
class Limits:
    window: int
    per_address: int
    per_address_and_username: int
    per_username: int  # past it, failed logins are slowed down, never refused
    username_failure_delay: float
    pending_per_address: int


class Attempt:
    """A reservation, to be settled by `succeeded` or `failed`, and handed back
    by `LoginThrottle.hand_back` whatever happened. (A plain class with slots:
    made on every login, and a frozen dataclass's __init__ is slower.)"""

    __slots__ = ("address", "bucket", "by_address", "by_pair", "pending", "username")

    def __init__(
        self, address: str, by_address: str, by_pair: str, username: str, bucket: int
    ) -> None:
        self.address = address
        self.by_address = by_address
        self.by_pair = by_pair
        self.username = username
        self.bucket = bucket
        self.pending = True  # its slot in PendingLogins is still taken

    def __repr__(self) -> str:  # no address or username: this may be logged
        return f"Attempt(bucket={self.bucket})"

    def failure_keys(self) -> tuple[str, ...]:
        # The username's key is made only when a login fails: most do not.
        return (self.by_address, self.by_pair, _key("username", self.username))


@dataclass(frozen=True)
class Refused:
    retry_after: int


def _key(kind: str, *parts: str) -> str:
    # A digest: bounded size, and the store never holds addresses or usernames.
    text = "\0".join((kind, *parts)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


@lru_cache(maxsize=4096)
def _address_key(address: str) -> str:
    """The failure key of an address, remembered for the addresses seen last:
    every login needs it. (An address is short; a username, which a client
    chooses freely, is not remembered.)"""
    return _key("address", address)


class PendingLogins:
    """Logins in flight per client address, in this process, in the same buckets
    as failures: a reservation that were somehow never handed back would still
    stop counting within a window (a backstop: every path out of a login hands
    its slot back). At most `max_addresses` are kept, the oldest
    dropped first. Plain dictionaries and no await: every login reserves and
    hands back once, and each call is atomic on the event loop."""

    def __init__(self, max_addresses: int = 100_000) -> None:
        self.max_addresses = max_addresses
        self._counts: dict[str, dict[int, int]] = {}

    def __len__(self) -> int:
        return len(self._counts)

    def reserve(self, address: str, bucket: int, oldest: int, limit: int) -> bool:
        """One more in flight from `address`, unless `limit` (at least 1) already are."""
        buckets = self._counts.get(address)  # never empty: see release
        if buckets is not None and min(buckets) < oldest:
            buckets = {b: n for b, n in buckets.items() if b >= oldest} or None
            if buckets is None:
                del self._counts[address]
            else:
                self._counts[address] = buckets
        if buckets is None:  # the usual case: nothing in flight from there
            if len(self._counts) >= self.max_addresses:
                del self._counts[next(iter(self._counts))]
            self._counts[address] = {bucket: 1}
            return True
        if sum(buckets.values()) >= limit:
            return False
        buckets[bucket] = buckets.get(bucket, 0) + 1
        return True

    def release(self, address: str, bucket: int) -> None:
        buckets = self._counts.get(address)
        if not buckets or bucket not in buckets:
            return  # expired meanwhile, or dropped to keep within max_addresses
        if buckets[bucket] > 1:
            buckets[bucket] -= 1
        elif len(buckets) > 1:
            del buckets[bucket]
        else:
            del self._counts[address]


class LoginThrottle:
    def __init__(
        self, store: AttemptStore, limits: Limits, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.pending = PendingLogins()
        self.limits = limits
        self.clock = clock
        self.step = limits.window / BUCKETS_PER_WINDOW

    def _buckets(self) -> tuple[int, int]:
        bucket = math.floor(self.clock() / self.step)
        return bucket, bucket - BUCKETS_PER_WINDOW + 1

    async def begin(self, address: str, username: str) -> Attempt | Refused:
        bucket, oldest = self._buckets()
        by_address = _address_key(address)
        by_pair = _key("address+username", address, username)
        # Reserved before the failures are read (which may wait for the database),
        # so a burst of concurrent guesses cannot all get past this point.
        reserved = self.pending.reserve(address, bucket, oldest, self.limits.pending_per_address)
        try:
            counts = await self.store.add([], bucket, oldest, read=[by_address, by_pair])
        except BaseException:
            # The database is down, or the login was cancelled or timed out while
            # waiting for it: nothing was decided, so nothing is kept or counted.
            if reserved:
                self.pending.release(address, bucket)
            raise
        waits = [
            self._retry_after(counts[key], limit)
            for key, limit in (
                (by_address, self.limits.per_address),
                (by_pair, self.limits.per_address_and_username),
            )
            if counts[key] and _total(counts[key]) >= limit
        ]
        if not reserved:
            waits.append(1)  # as soon as some of this address's logins are answered
        if waits:
            # A refused attempt is not a failure: only failures keep a lock going.
            if reserved:
                self.pending.release(address, bucket)
            return Refused(max(waits))
        return Attempt(address, by_address, by_pair, username, bucket)

    def hand_back(self, attempt: Attempt) -> None:
        """The attempt's pending slot back, once, counting nothing. Callers call
        it in a `finally` around the login, so an exception (the database down:
        an outage is not a failed login), a cancellation or a timeout cannot
        keep the slot taken and make the address's next logins wait for a
        window; after `succeeded` or `failed` it does nothing."""
        if attempt.pending:
            attempt.pending = False
            self.pending.release(attempt.address, attempt.bucket)

    async def succeeded(self, attempt: Attempt) -> None:
        self.hand_back(attempt)

    async def failed(self, attempt: Attempt) -> None:
        """Count the failure; past the username's limit the answer waits, which
        slows guessing from many addresses down."""
        self.hand_back(attempt)
        bucket, oldest = self._buckets()
        keys = attempt.failure_keys()
        counts = await self.store.add(keys, bucket, oldest)
        if _total(counts[keys[-1]]) > self.limits.per_username:
            await asyncio.sleep(self.limits.username_failure_delay)

    def _retry_after(self, counts: list[tuple[int, int]], limit: int) -> int:
        """Seconds until fewer than `limit` failures are left in the window."""
        remaining = _total(counts)
        now = expires = self.clock()
        for counted_bucket, attempts in counts:  # oldest first
            if remaining < limit:
                break
            remaining -= attempts
            expires = (counted_bucket + BUCKETS_PER_WINDOW) * self.step
        return max(1, math.ceil(expires - now))


def _total(counts: list[tuple[int, int]]) -> int:
    return sum(attempts for _, attempts in counts)
