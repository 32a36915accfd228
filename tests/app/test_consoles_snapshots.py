"""The tab bar and the inbox at 80x24 and 120x40: two Canary consoles and a Log360 server, seeded,
on a fixed clock.  Update after an intended change with `--snapshot-update` and look at the report."""

from __future__ import annotations

import pytest

from tui.screenshots import consoles_app

from .conftest import scene

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


SCENES = {
    "console-tab": scene("ctrl+right"),
    "inbox": scene("alt+0"),
    "inbox-delete": scene("alt+0", "space", "j", "j", "space", "d"),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", list(SCENES))
def test_consoles(snap_compare, snapshot_data_dir, size, scene):
    assert snap_compare(consoles_app(snapshot_data_dir), terminal_size=size, run_before=SCENES[scene])
