"""Due dates as an analyst types them: ``+4h``, ``tomorrow 17:00``, ``fri 10:00``, ISO 8601.

Everything is read in the local zone (a time with its own zone keeps it) and
relative to an injected ``now``, so tests and the prompt's preview agree.  A
day without a time means ``END_OF_DAY`` on that day.  A due date in the past is
refused: it is almost always a typo.  Errors are one line a person can act on.
No Textual here.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

__all__ = ["DueDateError", "END_OF_DAY", "FORMS", "describe_due", "parse_due"]

#: The time of a due date given as a day only ("tomorrow", "fri", "2025-11-24").
END_OF_DAY = time(17, 0)
#: What the prompt offers as examples.
FORMS = "+4h · +2d · today 17:00 · tomorrow 9:00 · fri 10:00 · 2025-11-24T17:00"

_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_RELATIVE = re.compile(r"\+\s*(\d{1,4})\s*([mhdw])")
_DAY_AND_TIME = re.compile(r"([a-z]+)(?:\s+(\d{1,2})(?::(\d{2}))?)?")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DueDateError(ValueError):
    """A due date Roost cannot read, or one in the past; the message is one line."""


def parse_due(text: str, now: datetime, *, tz: tzinfo | None = None) -> datetime | None:
    """The due time ``text`` names, timezone-aware; None for an empty ``text`` (no due date).

    ``now`` is aware; ``tz`` is the local zone (default: the system's, with its DST rules).
    """
    typed = " ".join(text.split()).lower()
    if not typed:
        return None
    due = _relative(typed, now) or _named_day(typed, now, tz) or _iso(typed, tz)
    if due is None:
        raise DueDateError(f"Not a due date: {_quoted(text)}. Try {FORMS}.")
    if due <= now:
        raise DueDateError(f"{_format(due, tz)} is in the past: give a later time.")
    return due


def describe_due(due: datetime, now: datetime, *, tz: tzinfo | None = None) -> str:
    """``Sat 2025-11-22 17:00 (in 8h 33m)``: what the prompt shows the analyst before sending."""
    return f"{_format(due, tz)} (in {_span(due - now)})"


def _relative(typed: str, now: datetime) -> datetime | None:
    match = _RELATIVE.fullmatch(typed)
    if match is None:
        return None
    return now + int(match.group(1)) * _UNITS[match.group(2)]


def _named_day(typed: str, now: datetime, tz: tzinfo | None) -> datetime | None:
    """``today``/``tomorrow``/a weekday, with an optional ``H[:MM]``; a weekday is its next one
    still ahead (today's, if its time has not passed)."""
    match = _DAY_AND_TIME.fullmatch(typed)
    if match is None:
        return None
    word, hour, minute = match.groups()
    at = _clock(hour, minute)
    today = _local(now, tz).date()
    if word == "today":
        return _at(today, at, tz)
    if word in ("tomorrow", "tmrw", "tmr"):
        return _at(today + timedelta(days=1), at, tz)
    weekday = next((index for index, name in enumerate(_WEEKDAYS) if len(word) >= 3 and name.startswith(word)), None)
    if weekday is None:
        return None
    ahead = (weekday - today.weekday()) % 7
    due = _at(today + timedelta(days=ahead), at, tz)
    return due if due > now else _at(today + timedelta(days=ahead or 7), at, tz)


def _clock(hour: str | None, minute: str | None) -> time:
    if hour is None:
        return END_OF_DAY
    hours, minutes = int(hour), int(minute or 0)
    if hours > 23 or minutes > 59:
        raise DueDateError(f"Not a time of day: {hour}:{minute or '00'}. Use 24-hour HH:MM.")
    return time(hours, minutes)


def _iso(typed: str, tz: tzinfo | None) -> datetime | None:
    """ISO 8601: a date, or a date and time, with or without a zone (``Z`` too)."""
    candidate = typed.upper()
    try:
        if len(candidate) == 10:
            return _at(date.fromisoformat(candidate), END_OF_DAY, tz)
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return moment
    return _at(moment.date(), moment.time(), tz)


def _at(day: date, at: time, tz: tzinfo | None) -> datetime:
    """Wall time ``at`` on ``day`` in the local zone (the system's DST rules when ``tz`` is None)."""
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()


def _local(moment: datetime, tz: tzinfo | None) -> datetime:
    return moment.astimezone(tz) if tz is not None else moment.astimezone()


def _format(moment: datetime, tz: tzinfo | None) -> str:
    local = _local(moment, tz)
    return f"{_WEEKDAYS[local.weekday()][:3].capitalize()} {local:%Y-%m-%d %H:%M}"


def _span(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def _quoted(text: str) -> str:
    shown = text.strip()
    return f"{shown[:40]}…" if len(shown) > 40 else shown
