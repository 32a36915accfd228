"""One rule for how long to wait before trying again: Retry-After believed up to a cap,
otherwise doubling from a first wait, jittered when asked."""

from __future__ import annotations

import random

import pytest

from tui.backends.errors import RateLimited, ServerError
from tui.backoff import retry_wait


def test_the_wait_doubles_after_each_failure_up_to_the_cap() -> None:
    waits = [retry_wait(ServerError("boom"), failures, first=0.5, cap=3.0) for failures in range(1, 6)]
    assert waits == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_keeps_the_wait_in_the_upper_half() -> None:
    rng = random.Random(3)
    waits = [retry_wait(ServerError("boom"), 3, first=1.0, cap=60.0, rng=rng) for _ in range(200)]
    assert all(2.0 <= wait <= 4.0 for wait in waits)
    assert len(set(waits)) > 100  # sessions do not retry in step


@pytest.mark.parametrize(("retry_after", "expected"), [(7.0, 7.0), (3600.0, 10.0), (0.0, 0.0), (-5.0, 0.0)])
def test_a_retry_after_is_believed_up_to_the_cap(retry_after: float, expected: float) -> None:
    error = RateLimited("slow down", retry_after=retry_after)
    assert retry_wait(error, 4, first=0.5, cap=10.0, rng=random.Random(1)) == expected


def test_a_rate_limit_without_retry_after_backs_off_as_any_failure() -> None:
    assert retry_wait(RateLimited("slow down"), 2, first=0.5, cap=10.0) == 1.0
