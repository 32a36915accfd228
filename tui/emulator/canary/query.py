"""Choosing incidents: filters shared by feeds, search and bulk actions, and cursor pages.

Pages are cut by position, not by offset: a cursor remembers the sort key of
the last incident it delivered and the next page starts after it.  Feeds are
delivered in ascending ``updated_id``, so an incident that changes while a
client pages through (and so gets a new, higher ``updated_id``) is delivered
again further on instead of being skipped.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from bisect import bisect_left, bisect_right
from typing import Any, Callable, Iterator, Sequence

from .state import IncidentRecord

# Where an incident stands in an ordering: (updated_id or created, key).
Position = tuple[int, str]

# Longer than any cursor the emulator hands out (they carry the first request's filters).
MAX_CURSOR_CHARS = 256 * 1024

# The text fields ``filter_str`` searches: title, sensor, source and destination.
_TEXT_FIELDS = ("description", "node_id", "src_host", "dst_host", "src_host_reverse", "name", "memo")


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents a request is about; None means "any"."""

    feed: str = "all"  # all / acknowledged / unacknowledged
    node_id: str | None = None
    flock_id: str | None = None
    src_host: str | None = None
    since_updated_id: int | None = None  # incidents_since: updated_id strictly greater
    created_after: int | None = None  # strictly after
    created_before: int | None = None  # strictly before
    text: str | None = None  # filter_str: case-insensitive substring
    logtypes: frozenset[int] | None = None

    def matches(self, record: IncidentRecord) -> bool:
        return (
            record.in_feed(self.feed)
            and (self.node_id is None or record.text("node_id") == self.node_id)
            and (self.flock_id is None or record.text("flock_id") == self.flock_id)
            and (self.src_host is None or record.text("src_host") == self.src_host)
            and (self.since_updated_id is None or record.updated_id > self.since_updated_id)
            and (self.created_after is None or record.created > self.created_after)
            and (self.created_before is None or record.created < self.created_before)
            and (self.logtypes is None or record.logtype in self.logtypes)
            and (self.text is None or self._text_matches(record))
        )

    @property
    def by_creation_only(self) -> bool:
        """Whether every incident in the creation window matches (which search reads by bisection)."""
        return self.feed == "all" and all(value is None for value in (
            self.node_id, self.flock_id, self.src_host, self.since_updated_id, self.text, self.logtypes))

    def _text_matches(self, record: IncidentRecord) -> bool:
        needle = (self.text or "").lower()
        return any(needle in record.text(name).lower() for name in _TEXT_FIELDS)


def feed_position(record: IncidentRecord) -> Position:
    return (record.updated_id, record.key)


def search_position(record: IncidentRecord) -> Position:
    """Search is newest first by creation, which changes never move."""
    return (record.created, record.key)


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    """Everything needed to serve the next (or previous) page from the cursor alone."""

    endpoint: str  # "all", "acknowledged", "unacknowledged" or "search"
    params: dict[str, str]  # the first request's filters, replayed on every page
    limit: int
    position: Position | None = None  # None: the first page
    backwards: bool = False  # the page before ``position`` rather than after it
    page_number: int = 1

    def encode(self) -> str:
        """Standard base64 with padding, like the console's (so clients must URL-encode it)."""
        payload = [self.endpoint, self.params, self.limit, list(self.position or []), self.backwards,
                   self.page_number]
        return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()

    @classmethod
    def decode(cls, text: str, endpoint: str) -> Cursor:
        """The cursor in ``text``, which must belong to ``endpoint``; raises InvalidCursor."""
        if len(text) > MAX_CURSOR_CHARS:
            raise InvalidCursor(text[:100])
        try:
            payload = json.loads(base64.b64decode(text.encode(), validate=True))
            name, params, limit, position, backwards, page_number = payload
        # ValueError covers bad base64, text that is not UTF-8 or JSON, and integers over 4,300 digits;
        # RecursionError, JSON nested thousands deep.
        except (binascii.Error, TypeError, ValueError, RecursionError) as err:
            raise InvalidCursor(text[:100]) from err
        valid = (
            name == endpoint
            and isinstance(params, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
            and _is_count(limit)
            and isinstance(position, list)
            and len(position) == 2
            and _is_count(position[0], minimum=0)
            and isinstance(position[1], str)
            and isinstance(backwards, bool)
            and _is_count(page_number)
        )
        if not valid:
            raise InvalidCursor(text[:100])
        return cls(name, params, limit, (position[0], position[1]), backwards, page_number)


# Beyond any limit, page or updated_id the emulator hands out (a limit has at most 20 digits),
# and small enough that a page number one higher can still be written out.
_MAX_COUNT = 10**30


def _is_count(value: Any, minimum: int = 1) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= _MAX_COUNT


@dataclass(frozen=True)
class Page:
    records: list[IncidentRecord]
    next: Cursor | None
    prev: Cursor | None
    page_number: int


def paginate(ordered: Sequence[IncidentRecord], position_of: Callable[[IncidentRecord], Position], *,
             descending: bool, cursor: Cursor, positions: Sequence[Position] | None = None) -> Page:
    """The page ``cursor`` asks for out of ``ordered`` (sorted by ``position_of``, as delivered);
    ``positions``: theirs, when the caller has them already."""
    if positions is None:
        positions = [position_of(record) for record in ordered]

    def precedes(a: Position, b: Position) -> bool:
        """Whether ``a`` is delivered before ``b``."""
        return a > b if descending else a < b

    if cursor.position is None:
        start = 0
        end = min(cursor.limit, len(ordered))
    elif cursor.backwards:
        end = sum(1 for p in positions if precedes(p, cursor.position))
        start = max(0, end - cursor.limit)
    else:
        start = sum(1 for p in positions if not precedes(cursor.position, p))
        end = min(start + cursor.limit, len(ordered))
    page = list(ordered[start:end])
    has_prev = bool(page) and start > 0
    page_number = cursor.page_number if has_prev else 1
    next_cursor = prev_cursor = None
    if page and end < len(ordered):
        next_cursor = replace(cursor, position=positions[end - 1], backwards=False, page_number=page_number + 1)
    if has_prev:
        prev_cursor = replace(cursor, position=positions[start], backwards=True,
                              page_number=max(1, page_number - 1))
    return Page(page, next_cursor, prev_cursor, page_number)


def paginate_ordered(order: Sequence[Position], record_of: Callable[[str], IncidentRecord],
                     matches: Callable[[IncidentRecord], bool], *, descending: bool, cursor: Cursor,
                     first: Position | None = None) -> Page:
    """As ``paginate`` over the matching records of ``order`` (positions, ascending), without
    reading all of them: a page looks at its own records, the ones it skips as not matching,
    and one more on each side to know whether there is a next and a previous page.  ``first``:
    no matching record is delivered before this position (``incidents_since``), so an ascending
    first page starts there."""
    size = len(order)

    def at(index: int) -> Position:  # the index-th position in delivery order
        return order[size - 1 - index] if descending else order[index]

    def after(position: Position) -> int:  # delivery index of the first position delivered after it
        return size - bisect_left(order, position) if descending else bisect_right(order, position)

    def before(position: Position) -> int:  # delivery index of the first position not delivered before it
        return size - bisect_right(order, position) if descending else bisect_left(order, position)

    def matching(indexes: Iterator[int]) -> Iterator[tuple[Position, IncidentRecord]]:
        for index in indexes:
            position = at(index)
            record = record_of(position[1])
            if matches(record):
                yield position, record

    def take(indexes: Iterator[int], count: int) -> list[tuple[Position, IncidentRecord]]:
        taken = []
        for found in matching(indexes):
            taken.append(found)
            if len(taken) == count:
                break
        return taken

    if cursor.backwards and cursor.position is not None:
        end = before(cursor.position)
        page = take(iter(range(end - 1, -1, -1)), cursor.limit)[::-1]
        later = bool(take(iter(range(end, size)), 1))
        earlier_from = size if not page else before(page[0][0])
    else:
        if cursor.position is not None:
            start = after(cursor.position)
        elif first is not None and not descending:
            start = bisect_left(order, first)
        else:
            start = 0
        page = take(iter(range(start, size)), cursor.limit)
        later = bool(page) and bool(take(iter(range(after(page[-1][0]), size)), 1))
        earlier_from = start if cursor.position is not None else 0
    has_prev = bool(page) and bool(take(iter(range(earlier_from - 1, -1, -1)), 1))
    page_number = cursor.page_number if has_prev else 1
    next_cursor = prev_cursor = None
    if page and later:
        next_cursor = replace(cursor, position=page[-1][0], backwards=False, page_number=page_number + 1)
    if has_prev:
        prev_cursor = replace(cursor, position=page[0][0], backwards=True, page_number=max(1, page_number - 1))
    return Page([record for _, record in page], next_cursor, prev_cursor, page_number)
