"""Slowing down repeated failed logins, per process.

Each key (a client address, a username) may fail `limit` times within a
sliding `window`; after that it gets 429 with Retry-After until its oldest
failure leaves the window. Nothing is locked for longer than one window after
the failures stop. State is in memory: with N workers an attacker gets up to N
times the limit, which still turns millions of guesses into dozens per minute.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class FailureThrottle:
    def __init__(
        self,
        *,
        limit: int,
        window: float,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait before `key` may try again, or None if it may now."""
        failures = self._recent(key)
        if failures is None or len(failures) < self.limit:
            return None
        return max(1, math.ceil(failures[0] + self.window - self.clock()))

    def record_failure(self, key: str) -> None:
        failures = self._recent(key)
        if failures is None:
            failures = self._failures[key] = deque()
            if len(self._failures) > self.max_keys:  # bound memory under a spray of keys
                self._failures.popitem(last=False)
        failures.append(self.clock())

    def _recent(self, key: str) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        cutoff = self.clock() - self.window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures
