"""The Log360 table at 80x24 and 120x40, from a seeded emulator on a fixed clock: with its detail
pane, filtered, the Closed view, and without the pane (the evidence and notes counts at 120).

Update after an intended change with `pytest tests/app/test_log360_table_snapshots.py --snapshot-update`
and look at the report before committing.
"""

from __future__ import annotations

import pytest

from tui.backends.log360.pacer import Pacer
from tui.screenshots import in_process_log360_app, seeded_log360

from .conftest import TOKEN, scene

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def snapshot_app(data_dir):
    # Live polling far in the future: the top bar says "live" and nothing moves.
    return in_process_log360_app(seeded_log360(), data_dir, token=TOKEN, poll_interval=3600, profile="demo log360",
                                 connection={"pacer": Pacer(limit=1_000_000)})


SCENES = {
    "detail": scene("j", "j", "enter"),
    "filtered": scene("slash", *"sev:critical", "enter"),
    "closed": scene("2"),
    # The whole width for the table: the evidence and notes counts, read for the rows on screen.
    "counts": scene("v"),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", list(SCENES))
def test_log360_table(snap_compare, snapshot_data_dir, size, scene):
    assert snap_compare(snapshot_app(snapshot_data_dir), terminal_size=size, run_before=SCENES[scene])
