"""How long to wait before trying a failed request again.  No Textual here.

One rule for the sync loop, the client's own read retries and triage: a console
that sent ``Retry-After`` is believed up to a cap; otherwise the wait doubles
with each failure, up to the same cap, and jitter keeps many Roost sessions
from retrying in step.
"""

from __future__ import annotations

import random

from .backends.errors import ApiError, RateLimited


def retry_wait(
    error: ApiError, failures: int, *, first: float, cap: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait after the ``failures``-th failure in a row (1 for the first), ending with ``error``.

    ``first`` is the wait after one failure; it doubles after each further one, up to
    ``cap``, which also bounds a ``Retry-After``.  With ``rng`` the wait is a random
    point in the upper half of that ("equal jitter"), so it never drops below half.
    """
    if isinstance(error, RateLimited) and error.retry_after is not None:
        return min(max(error.retry_after, 0.0), cap)
    wait = min(first * 2 ** max(failures - 1, 0), cap)
    if rng is None:
        return wait
    return wait / 2 + rng.uniform(0, wait / 2)
