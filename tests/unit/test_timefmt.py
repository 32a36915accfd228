"""Times at the edge of what a datetime holds never crash a screen, in any zone."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from tui.backends.values import to_datetime
from tui.timefmt import format_time

LAST_SECOND = 253_402_300_799  # 9999-12-31 23:59:59 UTC: year 10000 anywhere east of UTC
FIRST_SECOND = -62_135_596_800  # 0001-01-01 00:00:00 UTC: year 0 anywhere west of it
ZONES = ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"]  # +14, -12, and none


@pytest.fixture(params=ZONES)
def zone(request, monkeypatch):
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("epoch", [LAST_SECOND, FIRST_SECOND, 1e300, -1e300, 2**63, -(2**63), float("nan")])
@pytest.mark.parametrize("form", [{}, {"wide": True}, {"clock": True}])
def test_any_epoch_the_model_accepts_formats_in_any_zone(zone, epoch, form):
    shown = format_time(to_datetime(epoch), **form)
    assert shown and shown.isprintable()


@pytest.mark.parametrize("zone_name, epoch, shown", [
    ("Pacific/Kiritimati", LAST_SECOND, "9999-12-31T23:59:59Z"),
    ("Etc/GMT+12", FIRST_SECOND, "0001-01-01T00:00:00Z"),
    ("Pacific/Kiritimati", FIRST_SECOND, "0001-01-01T00:00:00Z"),  # its local mean time was west of UTC
])
def test_a_time_the_zone_cannot_hold_is_shown_as_sent(monkeypatch, zone_name, epoch, shown):
    monkeypatch.setenv("TZ", zone_name)
    time.tzset()
    try:
        moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
        assert format_time(moment) == format_time(moment, wide=True) == format_time(moment, clock=True) == shown
    finally:
        monkeypatch.undo()
        time.tzset()


def test_times_the_zone_can_hold_are_local(monkeypatch):
    monkeypatch.setenv("TZ", "Etc/GMT+12")
    time.tzset()
    try:
        assert format_time(datetime.fromtimestamp(LAST_SECOND, tz=timezone.utc), wide=True) == "9999-12-31 11:59:59"
        assert format_time(datetime(1, 1, 2, tzinfo=timezone.utc), wide=True) == "0001-01-01 12:00:00"  # not "1-01-01"
        assert format_time(datetime(2025, 11, 22, 8, 26, 40, tzinfo=timezone.utc)) == "11-21 20:26"
        assert format_time(datetime(2025, 11, 22, 8, 26, 40, tzinfo=timezone.utc), clock=True) == "20:26:40"
        assert format_time(None) == "-"
    finally:
        monkeypatch.undo()
        time.tzset()
