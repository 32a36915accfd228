"""The console's time formats (spec section 1.8), rendered from epoch seconds."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from email.utils import formatdate
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc

# Query timestamps (`newer_than`/`older_than` on feeds and search) are UTC wall clock.
QUERY_TIME_FORMAT = "%Y-%m-%d-%H:%M:%S"

_AGE_UNITS = (
    (365 * 86400, "year"),
    (30 * 86400, "month"),
    (7 * 86400, "week"),
    (86400, "day"),
    (3600, "hour"),
    (60, "minute"),
    (1, "second"),
)


def zone(name: str) -> tzinfo:
    """The IANA zone called ``name``; raises ValueError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown time zone {name!r}") from err


def _at(epoch: float, tz: tzinfo = UTC) -> datetime:
    return datetime.fromtimestamp(int(epoch), tz=tz)


def std(epoch: float, tz: tzinfo = UTC) -> str:
    """``*_std`` fields: ``2020-04-07 08:53:43 UTC+0000`` (abbreviation, then offset)."""
    return _at(epoch, tz).strftime("%Y-%m-%d %H:%M:%S %Z%z")


def http_date(epoch: float) -> str:
    """``updated`` fields: RFC 1123 in GMT."""
    return formatdate(int(epoch), usegmt=True)


def wall_clock(epoch: float) -> str:
    """``local_time`` and friends: ``2020-04-07 12:28:39``."""
    return _at(epoch).strftime("%Y-%m-%d %H:%M:%S")


def printable(epoch: float) -> str:
    """Search ``*_printable`` fields, in the style of JavaScript's ``Date.toString()``."""
    return _at(epoch).strftime("%a %b %d %Y %H:%M:%S GMT%z (%Z)")


def age(seconds: float) -> str:
    """Humanised age as the search endpoint shows it: ``5 hours``, ``1 week``."""
    whole = max(0, int(seconds))
    size, unit = next(((size, unit) for size, unit in _AGE_UNITS if whole >= size), (1, "second"))
    count = whole // size
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def parse_query_time(text: str) -> int:
    """``yyyy-mm-dd-hh:mm:ss`` (UTC) to epoch seconds; raises ValueError."""
    return int(datetime.strptime(text, QUERY_TIME_FORMAT).replace(tzinfo=UTC).timestamp())
