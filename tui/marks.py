"""Marked incidents: keys in the order they were marked, and the anchor a range starts from.

Marks name incidents by key, so refreshes, page turns, sorting and filtering
never move them; an incident deleted anywhere takes its mark with it.
No Textual here.
"""

from __future__ import annotations

from itertools import filterfalse
from operator import is_
from typing import Iterable, Iterator, Protocol


class KeysOfView(Protocol):
    """Every key of a view as it stood when ``*`` was pressed (``store.WholeView``)."""

    def __len__(self) -> int: ...

    def holds(self, key: str) -> bool | None:
        """Whether ``key`` is one of them, answered cheaply; None when that cannot be told so."""

    def keys(self) -> tuple[str, ...]:
        """All of them, in order (read out: at 100,000, milliseconds)."""


class Marks:
    def __init__(self) -> None:
        #: Marked keys, in the order they were marked (with ``_whole``: those marked before ``*``).
        self._keys: dict[str, None] = {}
        #: Where the next range starts: the last incident marked or unmarked by hand.
        self.anchor: str | None = None
        #: What ``*`` marked, not read out yet: the marks are ``_keys``, then its keys not among them.
        #: Read out (``_read_out``) only when the marks change by hand or the view changed, so ``*``
        #: itself reads no key (at 100,000, reading them was most of what it cost).
        self._whole: KeysOfView | None = None
        #: How many are marked while ``_whole`` is not read out.
        self._whole_count = 0
        #: What ``*`` marked, read out, while every one of its keys is still marked: ``*`` again knows
        #: at once that it unmarks them.
        self._all_marked: KeysOfView | None = None

    def _read_out(self) -> dict[str, None]:
        """The marks, every one in ``_keys`` (what ``*`` marked, after those marked before it)."""
        whole = self._whole
        if whole is not None:
            self._whole = None
            self._all_marked = whole
            self._keys.update(dict.fromkeys(whole.keys()))  # in C; those marked before keep their place
        return self._keys

    def _changing(self) -> dict[str, None]:
        """The marks are about to change by hand: read out, and no longer what ``*`` marked."""
        marks = self._read_out()
        self._all_marked = None
        return marks

    def __contains__(self, key: object) -> bool:
        if key in self._keys:
            return True
        whole = self._whole
        if whole is None:
            return False
        held = whole.holds(key)  # type: ignore[arg-type]
        return key in self._read_out() if held is None else held

    def __len__(self) -> int:
        return self._whole_count if self._whole is not None else len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._read_out())

    def keys(self) -> tuple[str, ...]:
        return tuple(self._read_out())

    def toggle(self, key: str) -> bool:
        """Mark ``key`` or unmark it; True when it is now marked."""
        self.anchor = key
        marks = self._changing()
        if key in marks:
            del marks[key]
            return False
        marks[key] = None
        return True

    def add(self, keys: Iterable[str]) -> int:
        """Mark ``keys`` (those already marked keep their place); how many were not marked before."""
        marks = self._changing()
        before = len(marks)
        marks.update(dict.fromkeys(keys))  # in C
        return len(marks) - before

    def mark_or_unmark_all(self, whole: KeysOfView) -> bool:
        """Mark every key of ``whole`` (a view's keys, distinct), or unmark them if every one is
        marked already; True when they are now marked.

        Marking reads none of the keys (they are read out when the marks next change by hand), and
        ``*`` again on the same unchanged view unmarks them reading only the marks made before."""
        if not len(whole):
            return True  # an empty view: nothing to mark, and nothing to unmark either
        if whole is self._whole:  # * again, and nothing changed the marks since
            held = [whole.holds(key) for key in self._keys]
            if None not in held:  # the view is as it was: what stays is what was marked outside it
                anchor = None if self.anchor in self else self.anchor  # a marked anchor goes with its mark
                self._keys = dict.fromkeys(key for key, is_held in zip(self._keys, held) if not is_held)
                self._whole, self.anchor = None, anchor
                return False
        marks = self._read_out()
        if len(marks) >= len(whole) and (
            whole is self._all_marked  # read out and untouched since: known at once
            or all(map(is_, whole.keys(), marks))  # the same key objects in the same order
            or all(map(marks.__contains__, whole.keys()))
        ):
            anchor = None if self.anchor in marks else self.anchor
            if len(marks) == len(whole):  # they are all the marks: nothing to sift
                self._keys = {}
            else:
                self.remove(whole.keys())
            self._all_marked = None
            self.anchor = anchor
            return False
        self._whole_count = len(whole) + sum(1 for key in marks if whole.holds(key) is not True)
        self._whole, self._all_marked = whole, None
        return True

    def remove(self, keys: Iterable[str]) -> int:
        """Unmark ``keys``; how many were marked."""
        gone = keys if isinstance(keys, (set, frozenset)) else set(keys)
        if not gone:
            return 0  # nothing changes (a poll that deleted nothing): the marks stay as * left them
        before = len(self._changing())
        anchor_marked = self.anchor in self._keys
        if len(gone) >= before and all(map(gone.__contains__, self._keys)):
            self._keys.clear()  # every mark goes (* again on the marked view): nothing to sift
        elif len(gone) * 4 < before:
            for key in gone:  # a few (deleted elsewhere): one at a time
                self._keys.pop(key, None)
        else:  # many: the marks that stay are sifted in C, in their order
            self._keys = dict.fromkeys(filterfalse(gone.__contains__, self._keys))
        if anchor_marked and self.anchor not in self._keys:
            self.anchor = None
        return before - len(self._keys)

    def clear(self) -> int:
        """Unmark everything; how many were marked."""
        cleared = len(self)
        self._keys, self._whole, self._all_marked = {}, None, None  # nothing read out: none of them stays
        self.anchor = None
        return cleared
