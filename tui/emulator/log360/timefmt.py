"""Log360 times: ``YYYY-MM-DD HH:MM:SS`` without a zone out, that or ISO 8601 in.

The emulated server's own zone is UTC, so a time without an offset is read as
UTC and every time sent back is UTC wall-clock time.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"

# ASCII digits only (datetime.fromisoformat reads some non-ASCII digits); a date alone is refused.
_REQUEST_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_EPOCH_LIMITS = (0, 253402300799)  # 1970-01-01T00:00:00Z (the documented minimum) .. 9999-12-31 23:59:59


def format_time(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), timezone.utc).strftime(WIRE_FORMAT)


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
