"""Tolerant readers for the JSON consoles send: string booleans ("True"), numbers as strings
("22"), epoch seconds as strings.  Shared by every backend's parser; they never raise.  A
parser raises ``ShapeError`` for JSON that is not the documented shape at all."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any


class ShapeError(TypeError):
    """The JSON is not the shape the API documents (a list where an object belongs...)."""


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return False


def to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None  # NaN and 1e400 are JSON a console can send
    return None


def to_datetime(value: Any) -> datetime | None:
    """Epoch seconds (int, float or numeric string) to an aware UTC datetime."""
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None



def to_text(value: Any) -> str:
    """Any JSON value as a string; None as empty.  Never raises."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)
