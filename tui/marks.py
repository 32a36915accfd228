"""Marked incidents: keys in the order they were marked, and the anchor a range starts from.

Marks name incidents by key, so refreshes, page turns, sorting and filtering
never move them; an incident deleted anywhere takes its mark with it.
No Textual here.
"""

from __future__ import annotations

from typing import Iterable, Iterator


class Marks:
    def __init__(self) -> None:
        self._keys: dict[str, None] = {}
        #: Where the next range starts: the last incident marked or unmarked by hand.
        self.anchor: str | None = None

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
        if key in self._keys:
            del self._keys[key]
            return False
        self._keys[key] = None
        return True

    def add(self, keys: Iterable[str]) -> list[str]:
        """Mark ``keys``; returns the ones that were not marked before."""
        added = [key for key in keys if key not in self._keys]
        self._keys.update(dict.fromkeys(added))
        return added

    def remove(self, keys: Iterable[str]) -> list[str]:
        """Unmark ``keys``; returns the ones that were marked."""
        removed = []
        for key in keys:
            if key in self._keys:
                del self._keys[key]
                removed.append(key)
        if self.anchor in removed:
            self.anchor = None
        return removed

    def clear(self) -> list[str]:
        cleared = list(self._keys)
        self._keys.clear()
        self.anchor = None
        return cleared
