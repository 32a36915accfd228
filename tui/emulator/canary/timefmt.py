"""The console's time formats (spec section 1.8), rendered from epoch seconds.

Rendering never fails: a loaded file may hold times no calendar can show
(year 0, ``1e20``, NaN).  Such a time is clamped to the range every zone can
show, so the ``*_std`` and date fields keep the documented format while the
raw value (``created``, ``updated_time``) is served as it was stored.
"""

from __future__ import annotations

import functools
import time
from datetime import datetime, timezone, tzinfo
from email.utils import format_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = timezone.utc

# Query timestamps (`newer_than`/`older_than` on feeds and search) are UTC wall clock.
QUERY_TIME_FORMAT = "%Y-%m-%d-%H:%M:%S"

# A day inside datetime's range at each end, so that every zone (offsets under a day) can show them.
EARLIEST = int(datetime(1, 1, 2, tzinfo=UTC).timestamp())
LATEST = int(datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC).timestamp())
# UTC itself can show the whole range.
_UTC_EARLIEST = int(datetime(1, 1, 1, tzinfo=UTC).timestamp())
_UTC_LATEST = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
_DATE_TIME = "%04d-%02d-%02d %02d:%02d:%02d"
_HTTP_DATE = "%s, %02d %s %04d %02d:%02d:%02d GMT"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

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
    """The IANA zone called ``name``, whatever its case (``europe/london``); raises ValueError.

    Only names of the installed time-zone database reach ZoneInfo, so no
    request can make it look for files elsewhere.
    """
    canonical = _zone_names().get(name.lower())
    if canonical is None:
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError, OSError) as err:
        raise ValueError(f"unknown time zone {name!r}") from err


@functools.cache
def _zone_names() -> dict[str, str]:
    """Lower-cased zone name -> its proper spelling (read once: scanning the database takes a while)."""
    return {name.lower(): name for name in sorted(available_timezones() | {"UTC"})}


def clamp(epoch: object, earliest: int = EARLIEST, latest: int = LATEST) -> int:
    """Epoch seconds that every zone can show: out-of-range and non-numbers move to the nearest end."""
    try:
        whole = int(epoch)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):  # NaN, infinities, text
        return latest if epoch == float("inf") else earliest
    return min(max(whole, earliest), latest)


def _at(epoch: float, tz: tzinfo = UTC) -> datetime:
    try:
        return datetime.fromtimestamp(int(epoch), tz=tz)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.fromtimestamp(clamp(epoch), tz=tz)


def std(epoch: float, tz: tzinfo = UTC) -> str:
    """``*_std`` fields: ``2020-04-07 08:53:43 UTC+0000`` (abbreviation, then offset).

    Feeds render one per event, so UTC, the default, takes a path several times faster than strftime.
    """
    if tz is UTC:
        if type(epoch) is not int or not _UTC_EARLIEST <= epoch <= _UTC_LATEST:
            epoch = clamp(epoch, _UTC_EARLIEST, _UTC_LATEST)
        return (_DATE_TIME + " UTC+0000") % time.gmtime(epoch)[:6]
    moment = _at(epoch, tz)
    return _date_time(moment) + moment.strftime(" %Z%z")


def _date_time(moment: datetime) -> str:
    """``2020-04-07 08:53:43``, with a four-digit year even before 1000 (strftime's %Y may drop the zeros)."""
    return _DATE_TIME % (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def http_date(epoch: float) -> str:
    """``updated`` fields: RFC 1123 in GMT, as ``email.utils.format_datetime`` writes them.

    Feeds write one per incident: a whole number of seconds every zone can show takes a path
    several times faster than building a datetime.
    """
    if type(epoch) is int and EARLIEST <= epoch <= LATEST:
        year, month, day, hour, minute, second, weekday = time.gmtime(epoch)[:7]
        return _HTTP_DATE % (_WEEKDAYS[weekday], day, _MONTHS[month - 1], year, hour, minute, second)
    return format_datetime(_at(epoch), usegmt=True)


def wall_clock(epoch: float) -> str:
    """``local_time`` and friends: ``2020-04-07 12:28:39``."""
    return _date_time(_at(epoch))


def printable(epoch: float) -> str:
    """Search ``*_printable`` fields, in the style of JavaScript's ``Date.toString()``."""
    return _at(epoch).strftime("%a %b %d %Y %H:%M:%S GMT%z (%Z)")


def age(seconds: float) -> str:
    """Humanised age as the search endpoint shows it: ``5 hours``, ``1 week``."""
    try:
        whole = max(0, int(seconds))
    except (TypeError, ValueError, OverflowError):
        whole = 0
    size, unit = next(((size, unit) for size, unit in _AGE_UNITS if whole >= size), (1, "second"))
    count = whole // size
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def parse_query_time(text: str) -> int:
    """``yyyy-mm-dd-hh:mm:ss`` (UTC, ASCII digits) to epoch seconds; raises ValueError."""
    if not text.isascii():
        raise ValueError(f"not a time: {text!r}")
    try:
        return int(datetime.strptime(text, QUERY_TIME_FORMAT).replace(tzinfo=UTC).timestamp())
    except (OverflowError, OSError) as err:
        raise ValueError(f"not a time: {text!r}") from err
