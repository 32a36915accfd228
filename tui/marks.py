"""Marked incidents: keys in the order they were marked, and the anchor a range starts from.

Marks name incidents by key, so refreshes, page turns, sorting and filtering
never move them; an incident deleted anywhere takes its mark with it.
No Textual here.
"""

from __future__ import annotations

from itertools import filterfalse
from operator import is_
from typing import Iterable, Iterator, Sequence


class Marks:
    def __init__(self) -> None:
        self._keys: dict[str, None] = {}
        #: Where the next range starts: the last incident marked or unmarked by hand.
        self.anchor: str | None = None
        #: The keys ``*`` marked, while they are exactly the marks (in their order).
        self._whole: Sequence[str] | None = None
        #: The marks of the last ``*`` unmarked, kept while nothing is marked: ``*`` again on the same
        #: keys takes them back instead of building them anew (at 100,000, most of what ``*`` costs).
        self._spare: tuple[Sequence[str], dict[str, None]] | None = None

    def _changing(self) -> None:
        """The marks change by hand: they are no longer what ``*`` marked, nor is an empty set."""
        self._whole = self._spare = None

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def keys(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def toggle(self, key: str) -> bool:
        """Mark ``key`` or unmark it; True when it is now marked."""
        self.anchor = key
        self._changing()
        if key in self._keys:
            del self._keys[key]
            return False
        self._keys[key] = None
        return True

    def add(self, keys: Iterable[str]) -> int:
        """Mark ``keys`` (those already marked keep their place); how many were not marked before."""
        before = len(self._keys)
        self._changing()
        self._keys.update(dict.fromkeys(keys))  # in C
        return len(self._keys) - before

    def mark_or_unmark_all(self, keys: Sequence[str]) -> bool:
        """Mark every one of ``keys`` (distinct), or unmark them if every one is marked already;
        True when they are now marked.  In C: a view of 100,000 takes a few milliseconds."""
        if not self._keys:
            spare = self._spare
            # One pass: at 100,000, reading each key is most of the cost (unless the last * left them).
            self._keys = spare[1] if spare is not None and spare[0] is keys else dict.fromkeys(keys)
            self._spare = None
            self._whole = keys
            return True
        # Marked by the last * and untouched since: known at once; or the same key objects in the
        # same order, known without reading a string.
        all_the_marks = keys is self._whole or (len(keys) == len(self._keys) and all(map(is_, keys, self._keys)))
        if not keys or not (all_the_marks or all(map(self._keys.__contains__, keys))):
            self.add(keys)
            return True
        if all_the_marks:  # they are all the marks, in order: kept aside for * again
            anchor = None if self.anchor in self._keys else self.anchor  # a marked anchor goes with its mark
            marked = self._keys
            self._keys = {}
            self.anchor = anchor
            self._whole, self._spare = None, (keys, marked)
        elif len(keys) == len(self._keys):  # they are all the marks: nothing to sift
            anchor = None if self.anchor in self._keys else self.anchor
            self.clear()
            self.anchor = anchor
        else:
            self.remove(keys)
        return False

    def remove(self, keys: Iterable[str]) -> int:
        """Unmark ``keys``; how many were marked."""
        gone = keys if isinstance(keys, (set, frozenset)) else set(keys)
        if not gone:
            return 0  # nothing changes (a poll that deleted nothing): the marks stay as * left them
        before = len(self._keys)
        self._changing()
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
        cleared = len(self._keys)
        self._changing()
        self._keys.clear()
        self.anchor = None
        return cleared
