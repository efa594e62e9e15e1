from __future__ import annotations

from app.security.throttle import FailureThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_then_wait_then_allowed_again():
    clock = Clock()
    throttle = FailureThrottle(limit=3, window=60, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("1.2.3.4") is None
        throttle.record_failure("1.2.3.4")
        clock.now += 1

    assert throttle.retry_after("1.2.3.4") == 57
    assert throttle.retry_after("5.6.7.8") is None
    clock.now += 57
    assert throttle.retry_after("1.2.3.4") is None


def test_memory_is_bounded_under_a_spray_of_keys():
    throttle = FailureThrottle(limit=1, window=60, max_keys=100, clock=Clock())
    for number in range(1000):
        throttle.record_failure(f"user-{number}")

    assert len(throttle._failures) == 100
    assert throttle.retry_after("user-999") == 60
