"""Times as Roost shows them: the one place a console's time becomes text.

Times are shown in the local zone.  A console (or an attacker behind one) can
send any epoch, and the model turns whatever fits a ``datetime`` into one, so a
time at the edge of the range (year 9999, year 1) cannot always be moved into
the local zone: east of UTC, 9999-12-31 23:00 UTC is already year 10000.  Such
a time is shown as the value the console sent, in UTC (``9999-12-31T23:59:59Z``),
rather than crashing the screen that shows it, and at every start after.
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["format_time"]


def format_time(moment: datetime | None, *, wide: bool = False, clock: bool = False) -> str:
    """``moment`` in local time: ``MM-DD HH:MM``, ``YYYY-MM-DD HH:MM:SS`` when ``wide``,
    ``HH:MM:SS`` when ``clock``; "-" for no time.  Never raises."""
    if moment is None:
        return "-"
    try:
        local = moment.astimezone()
    except (OverflowError, OSError, ValueError):
        # Out of range once moved to this zone (or for the platform's time_t).
        return _as_sent(moment)
    # Formatted by hand: strftime writes year 1 as "1" on glibc and is locale-dependent.
    if clock:
        return f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    if wide:
        return (
            f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
            f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
        )
    return f"{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def _as_sent(moment: datetime) -> str:
    """The time in UTC, which is what an epoch from the console means."""
    try:
        utc = moment.astimezone(timezone.utc)
    except (OverflowError, OSError, ValueError):
        return moment.isoformat()  # its own offset: formatting it never moves it
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
    )
