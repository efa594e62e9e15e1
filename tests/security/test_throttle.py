"""The throttle's rules with a fake clock and the in-process store; the same
rules over the database store are tested through the app in
tests/registries/test_login_throttle.py."""

from __future__ import annotations

import asyncio

import pytest

from app.security.client_address import client_address
from app.security.outbound import parse_networks
from app.security.throttle import (
    Attempt,
    Limits,
    LoginThrottle,
    MemoryAttempts,
    PendingLogins,
    Refused,
)

LIMITS = Limits(
    window=60,
    per_address=5,
    per_address_and_username=3,
    per_username=100,
    username_failure_delay=0,
    pending_per_address=4,
)


class Clock:
    def __init__(self) -> None:
        self.now = 6000.0

    def __call__(self) -> float:
        return self.now


async def fail(throttle: LoginThrottle, address: str, username: str) -> Attempt | Refused:
    attempt = await throttle.begin(address, username)
    if isinstance(attempt, Attempt):
        await throttle.failed(attempt)
    return attempt


async def test_limit_then_wait_at_most_a_window_then_allowed_again():
    clock = Clock()
    throttle = LoginThrottle(MemoryAttempts(), LIMITS, clock)
    for _ in range(3):
        assert isinstance(await fail(throttle, "10.0.0.1", "ann"), Attempt)
        clock.now += 1

    refused = await throttle.begin("10.0.0.1", "ann")

    # Failures at 6000..6002 are all in the bucket [6000, 6010): they leave at 6060.
    assert refused == Refused(retry_after=57)
    assert isinstance(await throttle.begin("10.0.0.1", "bob"), Attempt)
    clock.now = 6060
    assert isinstance(await throttle.begin("10.0.0.1", "ann"), Attempt)


async def test_refused_attempts_do_not_extend_the_lock():
    clock = Clock()
    throttle = LoginThrottle(MemoryAttempts(), LIMITS, clock)
    for _ in range(3):
        await fail(throttle, "10.0.0.1", "ann")
    for _ in range(50):  # hammering while locked
        clock.now += 1
        assert isinstance(await throttle.begin("10.0.0.1", "ann"), Refused)

    clock.now = 6060
    assert isinstance(await throttle.begin("10.0.0.1", "ann"), Attempt)


async def test_success_hands_the_attempt_back():
    throttle = LoginThrottle(MemoryAttempts(), LIMITS, Clock())
    for _ in range(20):
        attempt = await throttle.begin("10.0.0.1", "ann")
        assert isinstance(attempt, Attempt)
        await throttle.succeeded(attempt)


async def test_the_address_limit_spans_usernames():
    throttle = LoginThrottle(MemoryAttempts(), LIMITS, Clock())
    results = [await fail(throttle, "10.0.0.1", f"user{n}") for n in range(7)]

    assert [isinstance(r, Attempt) for r in results] == [True] * 5 + [False] * 2


async def test_at_most_the_pending_limit_is_in_flight_from_one_address():
    throttle = LoginThrottle(MemoryAttempts(), LIMITS, Clock())
    in_flight = [await throttle.begin("10.0.0.1", "ann") for _ in range(6)]

    assert [isinstance(a, Attempt) for a in in_flight] == [True] * 4 + [False] * 2
    assert in_flight[4] == Refused(retry_after=1)
    for attempt in in_flight[:4]:
        assert isinstance(attempt, Attempt)
        await throttle.succeeded(attempt)
    assert isinstance(await throttle.begin("10.0.0.1", "ann"), Attempt)


async def test_a_reservation_never_handed_back_stops_counting_within_a_window():
    # A login whose lookup raised never settles its attempt.
    clock = Clock()
    throttle = LoginThrottle(MemoryAttempts(), LIMITS, clock)
    for _ in range(4):
        assert isinstance(await throttle.begin("10.0.0.1", "ann"), Attempt)
    assert await throttle.begin("10.0.0.1", "ann") == Refused(retry_after=1)

    clock.now += 60
    # Gone: a full allowance again, and no more.
    for _ in range(4):
        assert isinstance(await throttle.begin("10.0.0.1", "ann"), Attempt)
    assert await throttle.begin("10.0.0.1", "ann") == Refused(retry_after=1)


async def test_settled_logins_leave_nothing_in_flight():
    throttle = LoginThrottle(MemoryAttempts(), LIMITS, Clock())
    for number in range(50):
        attempt = await fail(throttle, f"10.0.0.{number}", "ann")
        assert isinstance(attempt, Attempt)
        attempt = await throttle.begin(f"10.0.1.{number}", "ann")
        assert isinstance(attempt, Attempt)
        await throttle.succeeded(attempt)

    assert len(throttle.pending) == 0


def test_logins_in_flight_are_bounded_under_a_spray_of_addresses():
    pending = PendingLogins(max_addresses=100)
    for number in range(1000):
        assert pending.reserve(f"10.0.{number // 250}.{number % 250}", 1, 0, limit=4)

    assert len(pending) == 100


async def test_memory_is_bounded_under_a_spray_of_keys():
    store = MemoryAttempts(max_keys=100)
    throttle = LoginThrottle(store, LIMITS, Clock())
    for number in range(1000):
        await fail(throttle, f"10.0.{number // 250}.{number % 250}", f"user-{number}")

    assert len(store) == 100


def test_forwarded_for_only_from_listed_proxies():
    proxies = parse_networks("10.0.0.0/8")

    assert client_address("192.0.2.1", ["203.0.113.9"], proxies) == "192.0.2.1"
    assert client_address("10.0.0.2", ["203.0.113.9"], []) == "10.0.0.2"
    assert client_address("10.0.0.2", ["203.0.113.9"], proxies) == "203.0.113.9"
    # A client's own X-Forwarded-For entries are left of what the proxies appended.
    assert client_address("10.0.0.2", ["6.6.6.6, 203.0.113.9, 10.0.0.3"], proxies) == (
        "203.0.113.9"
    )
    assert client_address("10.0.0.2", ["6.6.6.6", "203.0.113.9"], proxies) == "203.0.113.9"
    assert client_address("10.0.0.2", ["not-an-address"], proxies) == "10.0.0.2"
    assert client_address("10.0.0.2", [], proxies) == "10.0.0.2"
    assert client_address(None, ["203.0.113.9"], proxies) == "unknown"


class DownStore:
    """The database store while the database is down."""

    async def add(self, keys, bucket, oldest, read=()):
        raise ConnectionError("connection refused")


class StuckStore:
    """The database store waiting for a server that does not answer."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    async def add(self, keys, bucket, oldest, read=()):
        self.entered.set()
        await asyncio.Event().wait()  # never set: only a cancellation ends it
        raise AssertionError("unreachable")


async def test_a_count_that_raises_hands_the_slot_back():
    throttle = LoginThrottle(DownStore(), LIMITS, Clock())
    for _ in range(3 * LIMITS.pending_per_address):
        with pytest.raises(ConnectionError):
            await throttle.begin("10.0.0.1", "ann")

    assert len(throttle.pending) == 0


async def test_a_login_cancelled_while_counting_hands_the_slot_back():
    store = StuckStore()
    throttle = LoginThrottle(store, LIMITS, Clock())
    beginning = asyncio.create_task(throttle.begin("10.0.0.1", "ann"))
    await store.entered.wait()
    assert len(throttle.pending) == 1

    beginning.cancel()
    with pytest.raises(asyncio.CancelledError):
        await beginning

    assert len(throttle.pending) == 0


async def test_a_login_timed_out_while_counting_hands_the_slot_back():
    store = StuckStore()
    throttle = LoginThrottle(store, LIMITS, Clock())

    async def begin_within_a_deadline() -> None:
        async with asyncio.timeout(None) as deadline:
            beginning = asyncio.ensure_future(throttle.begin("10.0.0.1", "ann"))
            await store.entered.wait()
            deadline.reschedule(asyncio.get_running_loop().time())  # it is due now
            await beginning

    with pytest.raises(TimeoutError):
        await begin_within_a_deadline()

    assert len(throttle.pending) == 0


async def test_handing_back_twice_frees_one_slot():
    """`hand_back` in a `finally` after `succeeded` or `failed` must not free
    another login's slot."""
    throttle = LoginThrottle(MemoryAttempts(), LIMITS, Clock())
    attempts = [await throttle.begin("10.0.0.1", "ann") for _ in range(4)]
    first = attempts[0]
    assert isinstance(first, Attempt)

    await throttle.succeeded(first)
    throttle.hand_back(first)
    throttle.hand_back(first)

    assert isinstance(await throttle.begin("10.0.0.1", "ann"), Attempt)
    assert await throttle.begin("10.0.0.1", "ann") == Refused(retry_after=1)
