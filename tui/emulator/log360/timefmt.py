"""Log360 times: ``YYYY-MM-DD HH:MM:SS`` without a zone out, that or ISO 8601 in.

The emulated server's own zone is UTC, so a time without an offset is read as
UTC and every time sent back is UTC wall-clock time.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"

# ASCII digits only (datetime.fromisoformat reads some non-ASCII digits); a date alone is refused.
_REQUEST_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_EPOCH_LIMITS = (0, 253402300799)  # 1970-01-01T00:00:00Z (the documented minimum) .. 9999-12-31 23:59:59


# Years 1000 to 9999, which strftime's %Y writes with four digits as the format below does.
_FOUR_DIGIT_YEARS = (-30610224000, 253402300799)


def format_time(epoch: float) -> str:
    whole = int(epoch)
    if _FOUR_DIGIT_YEARS[0] <= whole <= _FOUR_DIGIT_YEARS[1]:  # a list writes two a row: the quick way
        return "%04d-%02d-%02d %02d:%02d:%02d" % time.gmtime(whole)[:6]
    return datetime.fromtimestamp(whole, timezone.utc).strftime(WIRE_FORMAT)


def parse_request_time(text: str) -> int:
    """The epoch second of a request's time: ISO 8601 (offset optional) or the space form; ValueError if neither."""
    if not isinstance(text, str) or _REQUEST_TIME.fullmatch(text) is None:
        raise ValueError("not a date-time")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    epoch = int(moment.timestamp())
    if not _EPOCH_LIMITS[0] <= epoch <= _EPOCH_LIMITS[1]:
        raise ValueError("out of range")
    return epoch
