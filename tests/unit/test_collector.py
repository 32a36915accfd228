"""Several consoles load at once, each pausing the garbage collector: it runs again only when the
last load ends (a collection in the middle of another console's load is a frozen UI)."""

from __future__ import annotations

import gc

from tui.collector import collections_paused


def test_the_collector_stays_paused_until_the_last_overlapping_load_ends():
    assert gc.isenabled()
    first, second = collections_paused(then_freeze=True), collections_paused(then_freeze=True)
    try:
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)  # one console loaded; the other is still loading
        assert not gc.isenabled()
        second.__exit__(None, None, None)
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_a_load_that_fails_still_lets_the_collector_run_again():
    try:
        with collections_paused():
            raise OSError("the console went away")
    except OSError:
        pass
    assert gc.isenabled()


def test_a_collector_paused_by_the_embedder_stays_paused():
    gc.disable()
    try:
        with collections_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
