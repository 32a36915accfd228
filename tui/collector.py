"""Keeping Python's cyclic garbage collector out of bulk loads.  No Textual here.

An incident parses into objects none of which form cycles; with the collector on, its full
passes walk everything made so far again and again while thousands arrive (at 100,000 incidents
30% of a load, with pauses up to a second, each a frozen UI).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collections_paused(*, then_freeze: bool = False) -> Iterator[None]:
    """No collection inside; ``then_freeze``: what exists when it ends, however it ends, lives as
    long as the session (the loaded incidents), so it is left out of every later collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if then_freeze:
            gc.freeze()
        if enabled:
            gc.enable()
