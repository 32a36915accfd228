"""Several consoles load at once, each pausing the garbage collector: it runs again only when the
last load ends (a collection in the middle of another console's load is a frozen UI)."""

from __future__ import annotations

import gc

from tui.collector import REFREEZE_AFTER, collections_paused, incidents_kept


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


def test_incidents_polled_after_the_load_are_frozen_once_enough_have_come():
    # A full collection walks every object not frozen: polls must not grow that walk for hours.
    held: list[list[int]] = []
    try:
        with collections_paused(then_freeze=True):
            pass  # the load's end: everything so far frozen
        frozen_after_load = gc.get_freeze_count()
        for _ in range(REFREEZE_AFTER // 100 - 1):
            held.extend([n] for n in range(100))  # a poll's incidents, as the store keeps them
            incidents_kept(100)
        assert gc.get_freeze_count() == frozen_after_load  # not yet: a refreeze costs a full collection
        held.extend([n] for n in range(100))
        incidents_kept(100)
        assert gc.get_freeze_count() >= frozen_after_load + len(held)
    finally:
        gc.unfreeze()


def test_nothing_is_frozen_part_way_through_a_load():
    try:
        with collections_paused(then_freeze=True):
            frozen = gc.get_freeze_count()
            incidents_kept(REFREEZE_AFTER * 2)
            assert gc.get_freeze_count() == frozen and not gc.isenabled()
    finally:
        gc.unfreeze()


def test_the_startup_pause_lasts_through_a_load_begun_before_the_first_frame():
    """`roost` pauses the collector before importing anything (issue 12: ~120 collections, ~20 ms of a
    restart's first row); the first frame ends that pause, and a load already under way keeps it."""
    from tui.collector import pause_for_startup, startup_over

    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    load = collections_paused(then_freeze=True)
    try:
        pause_for_startup()
        assert not gc.isenabled()
        made_at_startup = [[] for _ in range(1000)]  # what startup makes lives as long as Roost
        load.__enter__()
        startup_over()
        assert not gc.isenabled()  # the load still pauses it
        assert gc.get_freeze_count() >= frozen_before + len(made_at_startup)
        load.__exit__(None, None, None)
        assert gc.isenabled()
        startup_over()  # a second time: nothing
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_a_command_that_draws_no_frame_collects_as_usual(monkeypatch, capsys):
    """`roost config path` (like the emulator and export) never reaches a first frame: the startup
    pause ends as soon as the command is known."""
    import sys

    from tui import start

    monkeypatch.setattr(sys, "argv", ["roost", "config", "path"])
    try:
        assert start.main() == 0
        assert gc.isenabled()
        assert capsys.readouterr().out.strip()
    finally:
        gc.enable()
        gc.unfreeze()
