"""Due dates as typed: relative, named days, weekdays and ISO 8601, in the local zone, on a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tui.duedate import DueDateError, describe_due, parse_due

BERLIN = ZoneInfo("Europe/Berlin")
# Saturday 2025-11-22 09:26:40 in Berlin (08:26:40 UTC).
NOW = datetime(2025, 11, 22, 8, 26, 40, tzinfo=timezone.utc)


def local(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=BERLIN)


@pytest.mark.parametrize("typed, due", [
    ("+4h", NOW + timedelta(hours=4)),
    ("+ 30m", NOW + timedelta(minutes=30)),
    ("+2d", NOW + timedelta(days=2)),
    ("+1w", NOW + timedelta(weeks=1)),
    ("today 17:00", local(2025, 11, 22, 17, 0)),
    ("Today 9:30", local(2025, 11, 22, 9, 30)),
    ("tomorrow 9:00", local(2025, 11, 23, 9, 0)),
    ("tomorrow", local(2025, 11, 23, 17, 0)),
    ("fri 10:00", local(2025, 11, 28, 10, 0)),
    ("monday 8", local(2025, 11, 24, 8, 0)),
    ("sat 18:00", local(2025, 11, 22, 18, 0)),  # today's, still ahead
    ("sat 9:00", local(2025, 11, 29, 9, 0)),  # today's has passed: next week's
    ("2025-11-24T17:00", local(2025, 11, 24, 17, 0)),
    ("2025-11-24 17:00:30", local(2025, 11, 24, 17, 0, 30)),
    ("2025-11-24", local(2025, 11, 24, 17, 0)),
    ("2025-11-24T17:00Z", datetime(2025, 11, 24, 17, 0, tzinfo=timezone.utc)),
    ("2025-11-24T17:00+05:30", datetime(2025, 11, 24, 11, 30, tzinfo=timezone.utc)),
])
def test_each_form_reads_in_the_local_zone(typed, due):
    parsed = parse_due(typed, NOW, tz=BERLIN)
    assert parsed == due
    assert parsed.tzinfo is not None


def test_empty_means_no_due_date():
    assert parse_due("   ", NOW, tz=BERLIN) is None


def test_a_wall_time_across_a_dst_change_keeps_its_clock_time():
    before_change = datetime(2025, 10, 25, 12, 0, tzinfo=timezone.utc)  # Berlin still on summer time
    due = parse_due("tomorrow 9:00", before_change, tz=BERLIN)
    assert due.astimezone(BERLIN).hour == 9
    assert due.astimezone(timezone.utc).hour == 8  # winter time, UTC+1


def test_the_system_zone_is_the_default(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert parse_due("today 17:00", NOW) == datetime(2025, 11, 22, 17, 0, tzinfo=timezone.utc)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize("typed, says", [
    ("soon", "Not a due date: soon. Try +4h"),
    ("+4x", "Not a due date: +4x."),
    ("fr 10:00", "Not a due date: fr 10:00."),
    ("2025-13-01", "Not a due date: 2025-13-01."),
    ("today 25:00", "Not a time of day: 25:00. Use 24-hour HH:MM."),
    ("today 9:75", "Not a time of day: 9:75."),
    ("today 8:00", "Sat 2025-11-22 08:00 is in the past: give a later time."),
    ("2025-01-01", "Wed 2025-01-01 17:00 is in the past"),
    ("+0h", "is in the past"),
])
def test_errors_are_one_line_that_says_what_to_do(typed, says):
    with pytest.raises(DueDateError) as raised:
        parse_due(typed, NOW, tz=BERLIN)
    message = str(raised.value)
    assert says in message
    assert "\n" not in message


def test_a_long_mistake_is_quoted_short():
    with pytest.raises(DueDateError) as raised:
        parse_due("x" * 500, NOW, tz=BERLIN)
    assert len(str(raised.value)) < 200


def test_the_preview_says_when_and_how_far_ahead():
    assert describe_due(local(2025, 11, 22, 17, 0), NOW, tz=BERLIN) == "Sat 2025-11-22 17:00 (in 7h 33m)"
    assert describe_due(NOW + timedelta(days=2, hours=3), NOW, tz=BERLIN) == "Mon 2025-11-24 12:26 (in 2d 3h)"
    assert describe_due(NOW + timedelta(minutes=5), NOW, tz=BERLIN).endswith("(in 5m)")


def test_the_parser_runs_without_textual():
    import subprocess
    import sys

    probe = "import sys, tui.duedate; print(any(name.split('.')[0] == 'textual' for name in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
