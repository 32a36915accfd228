"""Keeping Python's cyclic garbage collector out of bulk loads, and handing back what a load
freed.  No Textual here.

An incident parses into objects none of which form cycles; with the collector on, its full
passes walk everything made so far again and again while thousands arrive (at 100,000 incidents
30% of a load, with pauses up to a second, each a frozen UI).

A load also frees a great deal on the way: each page's decoded JSON, each cache slice's rows.
glibc keeps the free pages of its heap for a next allocation that may never come;
``malloc_trim`` gives them back once a load is in (2-4 MiB at 100,000 incidents: most of what a
load frees lies among what it keeps, where nothing can give it back).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from functools import cache
from typing import Callable, Iterator


#: Loads under way that paused the collector (several consoles load at once, each in its own
#: sync loop): it runs again when the last of them ends, not when the first does.
_pausing = 0
_was_enabled = False
#: Incidents kept outside a load (polls) before what exists is frozen again: every full collection
#: walks what was made since the last freeze, so at 10 incidents a second it would pass 50 ms (a
#: frozen UI) within the hour; one collection and freeze every 5,000 costs 10-20 ms.
REFREEZE_AFTER = 5_000
_kept_since_freeze = 0


@contextmanager
def collections_paused(*, then_freeze: bool = False) -> Iterator[None]:
    """No collection inside; ``then_freeze``: what exists when it ends, however it ends, lives as
    long as the session (the loaded incidents), so it is left out of every later collection."""
    _pause()
    try:
        yield
    finally:
        _resume(then_freeze=then_freeze)


def _pause() -> None:
    global _pausing, _was_enabled
    if not _pausing:
        _was_enabled = gc.isenabled()
        gc.disable()
    _pausing += 1


def _resume(*, then_freeze: bool) -> None:
    global _pausing, _kept_since_freeze
    _pausing -= 1
    if then_freeze:
        gc.freeze()
        _kept_since_freeze = 0
        release_freed_memory()
    if not _pausing and _was_enabled:
        gc.enable()


#: Whether ``pause_for_startup`` paused the collector and ``startup_over`` has not yet ended it.
_paused_for_startup = False


def pause_for_startup() -> None:
    """No collection while the modules load and the first frame is built: they make ~200,000
    objects and no garbage to speak of, and the collections they set off (~120 before a restart's
    first frame) cost its first row ~20 ms of its 0.3 s.  Called first thing by the ``roost``
    command; ``startup_over`` ends it, and freezes what startup made.  (A plain flag, not an open
    ``collections_paused``: a command that ends before its first frame leaves nothing to run at exit.)"""
    global _paused_for_startup
    if not _paused_for_startup:
        _paused_for_startup = True
        _pause()


def startup_over() -> None:
    """The first frame is up (or this command draws none): collections run again, unless a load
    still pauses them.  Does nothing without ``pause_for_startup``, and the second time."""
    global _paused_for_startup
    if _paused_for_startup:
        _paused_for_startup = False
        _resume(then_freeze=True)


def incidents_kept(count: int) -> None:
    """``count`` incidents came into the store outside a load: once ``REFREEZE_AFTER`` have, one
    full collection and a freeze of what it leaves, so later full collections stay as short as
    right after the load however long the session runs.  (Cyclic garbage alive at that moment and
    dropped later is never collected: the trade a load's freeze makes too.)"""
    global _kept_since_freeze
    if _pausing:
        return  # the load freezes what exists when it ends
    _kept_since_freeze += count
    if _kept_since_freeze >= REFREEZE_AFTER:
        _kept_since_freeze = 0
        gc.collect()
        gc.freeze()


def collect_young() -> None:
    """Collect what was made since the last collection, paused or not: cheap when done often.

    Each page a load fetches leaves reference cycles behind (responses, tasks, tracebacks) that
    only the collector frees; paused, they would be frozen with the incidents for good (10,000
    objects, 4 MB, at 100,000 incidents).  The youngest generation holds only the last page's
    objects, so collecting it after each costs a fraction of a millisecond.
    """
    gc.collect(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``; None where the C library has none (musl, macOS, Windows).
    Looked up on first use: ctypes is not worth importing before the first frame."""
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim  # the process's own symbols: its C library's
    except (OSError, AttributeError, TypeError):
        return None


def release_freed_memory() -> None:
    """Hand the memory the C heap holds free back to the system (glibc only; elsewhere nothing)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
