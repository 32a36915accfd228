"""The in-memory truth the UI renders from: incidents by key, and live sorted views.

``IncidentStore.apply`` takes what the sync loop fetched and answers with a
``ChangeSet`` (the keys added, changed and removed), so the UI can update its table
by diff.  A ``View`` (feed x filter x sort) answers "page N" in time that does not
grow with the store: each live view keeps its incidents as sorted entries that
``apply`` updates one incident at a time.

The store knows no console: it is given the backend's statuses (which count as
open: the "open" and "closed" feeds, the open count) and columns (their sort
keys), and judges freshness by ``Incident.version``.

Change the store from one thread (the UI's event loop); nothing here knows about
Textual or HTTP.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from itertools import accumulate, chain, compress
from operator import itemgetter
from typing import Any, Callable, Collection, Iterable, Iterator, KeysView, Protocol, Sequence

from .backends.base import NEUTRAL_SORTS, Column, StatusSpec
from .model import Incident

#: Which incidents a view shows, by whether the backend counts their status as open.
#: "open", "closed", "all", or one declared status id ("in_progress"): what a view shows.
Feed = str

FEEDS: tuple[str, ...] = ("open", "closed", "all")


def feed_statuses(feed: Feed, statuses: Iterable[StatusSpec]) -> tuple[StatusSpec, ...]:
    """The declared statuses whose incidents a view of ``feed`` shows."""
    if feed not in FEEDS:
        return tuple(status for status in statuses if status.id == feed)
    return tuple(status for status in statuses if feed == "all" or status.is_open == (feed == "open"))


# An entry in a view's sorted list: the sort values, ending with the incident key,
# which makes the order total (no two incidents compare equal).
Entry = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """The keys one store operation added, changed and removed (disjoint sets).

    ``watermarks`` is the store's ``max_version`` before and after the operation:
    once the cache has saved this change set it holds every incident whose version
    is in that range, whatever order concurrent saves finish in.  It takes no part in
    equality: two change sets are equal when they name the same keys.
    """

    added: frozenset[str] = frozenset()
    changed: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    watermarks: tuple[int, int] = field(default=(0, 0), compare=False)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass(frozen=True, slots=True)
class ViewSpec:
    """What a view shows and in what order.

    ``sort`` is one of the store's ``sorts``.  ``filter`` is any pure predicate that
    does not raise, or a ``BulkFilter``; ``filter_id`` names it (e.g. the filter's text)
    and is what views are cached by, so two specs with the same ``filter_id`` must mean
    the same predicate.  The predicate itself takes no part in equality or hashing.
    """

    feed: Feed = "open"
    sort: str = "created"
    descending: bool = True
    filter: Callable[[Incident], bool] | None = field(default=None, compare=False)
    filter_id: str = ""
    #: The filter_id of a filter that lets through everything this one does (the query before the
    #: last keystroke): its live view, when there is one, is filtered instead of the whole store.
    within: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if (self.filter is None) != (self.filter_id == ""):
            raise ValueError("a filter needs a filter_id, and a filter_id needs a filter")

    @property
    def _index_key(self) -> tuple[str, str, str]:
        # Both directions read the same ascending entries, so they share one index.
        return (self.feed, self.sort, self.filter_id)


class BulkFilter(Protocol):
    """A filter that also judges a whole view at once: ``gather`` works out, once per unfiltered view
    and in its order, what ``select`` reads of each incident (the same for every filter over this
    store), and ``select`` gives the verdicts for many incidents from it, in order."""

    def __call__(self, incident: Incident) -> bool: ...

    def gather(self, incidents: Sequence[Incident]) -> Sequence[Any]: ...

    def select(self, incidents: Sequence[Incident], gathered: Sequence[Any]) -> Iterable[bool]: ...


def _bulk(test: Callable[[Incident], bool] | None) -> BulkFilter | None:
    return test if callable(getattr(test, "select", None)) else None


class _Gathered:
    """A view's entries and incidents as of some moment, what a ``BulkFilter`` gathered for them
    (the same lists for every view cut from one gathering), and the store's changes since (replayed
    on every view cut from it)."""

    __slots__ = ("entries", "incidents", "gathered", "changes")

    def __init__(self, entries: list[Entry], incidents: list[Incident], gathered: Sequence[Any],
                 changes: list[tuple[Incident | None, Incident | None]]) -> None:
        self.entries = entries
        self.incidents = incidents
        self.gathered = gathered
        self.changes = changes

    def cut(self, test: BulkFilter) -> _Gathered:
        """What ``test`` lets through, as of the same moment: its view's entries, and what a
        narrower filter's view is cut from next (``roo`` then ``root``)."""
        return self._kept(list(test.select(self.incidents, self.gathered)))

    def cut_in_chunks(self, test: BulkFilter, cancelled: Callable[[], bool], chunk: int) -> _Gathered | None:
        """``cut`` on another thread, ``chunk`` incidents at a time; None once ``cancelled()``.
        One ``select`` over the whole view is a single call into C, which keeps the interpreter from
        the UI's thread until it returns (~20 ms at 38,000 incidents); between chunks the UI's
        thread gets its turn, and a newer query stops this one."""
        incidents, gathered = self.incidents, self.gathered
        verdicts: list[bool] = []
        for start in range(0, len(incidents), chunk):
            if cancelled():
                return None
            verdicts.extend(test.select(incidents[start : start + chunk], gathered[start : start + chunk]))
        return None if cancelled() else self._kept(verdicts)

    def _kept(self, verdicts: list[bool]) -> _Gathered:
        if all(verdicts):  # as a first letter often is: the lists are shared (never changed), not copied
            return _Gathered(self.entries, self.incidents, self.gathered, list(self.changes))
        return _Gathered(list(compress(self.entries, verdicts)), list(compress(self.incidents, verdicts)),
                         list(compress(self.gathered, verdicts)), list(self.changes))


@dataclass(frozen=True, slots=True)
class Keep:
    """How much of a console the store holds (a profile's ``keep``): the newest ``count``
    incidents by creation, those created within ``age``, or both; None is no bound.  What
    falls outside is let go as if deleted here (the console keeps it: console search finds it)."""

    count: int | None = None
    age: timedelta | None = None

    def __bool__(self) -> bool:
        return self.count is not None or self.age is not None


# ---------------------------------------------------------------------------
# Sort entries: the sort's own values, then the creation time, then the key (the
# neutral sorts by creation and update need no more); the whole tuple reverses for
# a descending view.

_NEVER = float("-inf")


def _seconds(moment: datetime | None) -> float:
    return _NEVER if moment is None else moment.timestamp()


def _by_created(incident: Incident) -> Entry:
    return (_seconds(incident.created), incident.key)


def _by_updated(incident: Incident) -> Entry:
    return (_seconds(incident.updated), incident.version, incident.key)


def _by_status(rank: dict[str, int]) -> Callable[[Incident], Entry]:
    """In the order the statuses are declared; one the backend did not declare, last."""
    unknown = len(rank)

    def entry(incident: Incident) -> Entry:
        return (rank.get(incident.status, unknown), _seconds(incident.created), incident.key)

    return entry


def _by_column(sort_key: Callable[[Incident], Any]) -> Callable[[Incident], Entry]:
    def entry(incident: Incident) -> Entry:
        return (sort_key(incident), _seconds(incident.created), incident.key)

    return entry


# ---------------------------------------------------------------------------
# The sorted container behind a view.

# Entries per block.  One flat list would make each insert or delete move up to
# the whole store's worth of pointers (about 45 us at 100,000); blocks bound that.
BLOCK_SIZE = 1000


# Entries landing in one block from which ``add_all`` merges them in at once rather than one by one.
_MERGE_FROM = 16


def _pieces(block: list[Entry]) -> list[list[Entry]]:
    """``block`` as it is, or cut into pieces of ``BLOCK_SIZE`` to ``2 * BLOCK_SIZE`` when larger."""
    if len(block) <= 2 * BLOCK_SIZE:
        return [block]
    size = -(-len(block) // (len(block) // BLOCK_SIZE))
    return [block[start : start + size] for start in range(0, len(block), size)]


def _keys_of(blocks: list[list[Entry]], descending: bool) -> tuple[str, ...]:
    """Every entry's key (its last item), in order or reversed."""
    in_order = map(reversed, reversed(blocks)) if descending else blocks
    return tuple(map(itemgetter(-1), chain.from_iterable(in_order)))


class SortedEntries:
    """Sorted entries in blocks of ``BLOCK_SIZE`` to ``2 * BLOCK_SIZE``.

    ``add``/``discard`` cost O(log n + BLOCK_SIZE); positional reads find their block
    through the blocks' start positions, recomputed (O(n / BLOCK_SIZE)) only once
    after a change.
    """

    __slots__ = ("_blocks", "_maxes", "_starts", "_len", "_wholes", "generation")

    def __init__(self, sorted_entries: list[Entry]) -> None:
        self._blocks = [
            sorted_entries[start : start + BLOCK_SIZE]
            for start in range(0, len(sorted_entries), BLOCK_SIZE)
        ]
        self._maxes = [block[-1] for block in self._blocks]
        self._starts: list[int] | None = None
        self._len = len(sorted_entries)
        #: The ``WholeView`` of each order as last taken: the same object until a change.
        self._wholes: dict[bool, WholeView] = {}
        #: Counts the changes: what was taken from these entries can tell whether they still hold.
        self.generation = 0

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Entry]:
        return chain.from_iterable(self._blocks)

    def add(self, entry: Entry) -> None:
        blocks, maxes = self._blocks, self._maxes
        if not blocks:
            blocks.append([entry])
            maxes.append(entry)
        else:
            at = min(bisect_left(maxes, entry), len(maxes) - 1)
            insort(blocks[at], entry)
            maxes[at] = blocks[at][-1]
            self._split_if_large(at)
        self._len += 1
        self._changed()

    def add_all(self, entries: list[Entry]) -> None:
        """``add`` each of ``entries`` (sorting the list): what lands in a block many at a time is
        merged into it at once (a restart adds 100,000 in slices of thousands, mostly side by side)."""
        if len(entries) < _MERGE_FROM:
            for entry in entries:
                self.add(entry)
            return
        entries.sort()
        blocks, maxes = self._blocks or [[]], self._maxes
        start, last = 0, len(blocks) - 1
        for at, block in enumerate(blocks):
            # Where ``add`` would put each: the first block whose largest is above it, else the last.
            stop = len(entries) if at == last else bisect_left(entries, maxes[at], start)
            if stop - start >= _MERGE_FROM:
                block += entries[start:stop]
                block.sort()  # two sorted runs: one merge
            else:
                for entry in entries[start:stop]:
                    insort(block, entry)
            start = stop
            if start == len(entries):
                break
        self._blocks = [piece for block in blocks for piece in _pieces(block)]
        self._maxes = [block[-1] for block in self._blocks]
        self._len += len(entries)
        self._changed()

    def discard(self, entry: Entry) -> None:
        """Remove ``entry`` if present."""
        blocks, maxes = self._blocks, self._maxes
        at = bisect_left(maxes, entry)
        if at == len(maxes):
            return
        block = blocks[at]
        position = bisect_left(block, entry)
        if block[position] != entry:
            return
        del block[position]
        self._len -= 1
        self._changed()
        if not block:
            del blocks[at], maxes[at]
            return
        maxes[at] = block[-1]
        # Fold a shrunken block into its neighbour so blocks stay few.
        if len(block) < BLOCK_SIZE // 4 and len(blocks) > 1:
            left = at - 1 if at > 0 else at
            blocks[left].extend(blocks[left + 1])
            del blocks[left + 1], maxes[left + 1]
            maxes[left] = blocks[left][-1]
            self._split_if_large(left)

    def _changed(self) -> None:
        self._starts = None
        self._wholes.clear()
        self.generation += 1

    def _split_if_large(self, at: int) -> None:
        block = self._blocks[at]
        if len(block) <= 2 * BLOCK_SIZE:
            return
        upper = block[BLOCK_SIZE:]
        del block[BLOCK_SIZE:]
        self._blocks.insert(at + 1, upper)
        self._maxes[at : at + 1] = [block[-1], upper[-1]]

    def _block_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0, *accumulate(len(block) for block in self._blocks[:-1])]
        return self._starts

    def index(self, entry: Entry) -> int | None:
        at = bisect_left(self._maxes, entry)
        if at == len(self._maxes):
            return None
        block = self._blocks[at]
        position = bisect_left(block, entry)
        if block[position] != entry:
            return None
        return self._block_starts()[at] + position

    def whole(self, descending: bool, take: Callable[[], WholeView]) -> WholeView:
        """What ``take`` gives for ``descending``, taken once and kept until a change."""
        whole = self._wholes.get(descending)
        if whole is None:
            whole = self._wholes[descending] = take()
        return whole

    def blocks_copy(self) -> list[list[Entry]]:
        """The entries as they are now, block by block: a copy of pointers (a fraction of a millisecond
        at 100,000), not a read of every entry."""
        return [block[:] for block in self._blocks]

    def slice(self, start: int, stop: int) -> list[Entry]:
        """Entries ``start`` to ``stop`` (already within 0..len)."""
        wanted = stop - start
        if wanted <= 0:
            return []
        starts = self._block_starts()
        at = bisect_right(starts, start) - 1
        offset = start - starts[at]
        found: list[Entry] = []
        while len(found) < wanted:
            found.extend(self._blocks[at][offset : offset + wanted - len(found)])
            at += 1
            offset = 0
        return found


class _ViewIndex:
    """The entries of one (feed, sort, filter), kept current by the store."""

    __slots__ = ("_feed_admits", "_filter", "entry_for", "entries")

    def __init__(
        self,
        spec: ViewSpec,
        incidents: dict[str, Incident],
        entry_for: Callable[[Incident], Entry],
        feed_admits: Callable[[Incident], bool] | None,
        base: _ViewIndex | None = None,
    ) -> None:
        """Index ``incidents`` for ``spec``; ``base``, a live index in the same order
        holding a superset, is filtered instead of sorting everything anew."""
        self._feed_admits = feed_admits
        self._filter = spec.filter
        self.entry_for = entry_for
        admits = self._admits
        if base is None:
            entries = sorted(entry_for(i) for i in incidents.values() if admits(i))
        else:
            entries = [entry for entry in base.entries if admits(incidents[entry[-1]])]
        self.entries = SortedEntries(entries)

    @classmethod
    def built(cls, spec: ViewSpec, entries: list[Entry], entry_for: Callable[[Incident], Entry],
              feed_admits: Callable[[Incident], bool] | None) -> _ViewIndex:
        """An index of entries already sorted and filtered (by a ``PendingView``)."""
        index = cls.__new__(cls)
        index._feed_admits, index._filter, index.entry_for = feed_admits, spec.filter, entry_for
        index.entries = SortedEntries(entries)
        return index

    def _admits(self, incident: Incident) -> bool:
        feed_admits, filter_ = self._feed_admits, self._filter
        return (feed_admits is None or feed_admits(incident)) and (
            filter_ is None or filter_(incident)
        )

    def update(self, transitions: list[tuple[Incident | None, Incident | None]]) -> None:
        entries, entry_for, admits = self.entries, self.entry_for, self._admits
        arriving: list[Entry] = []
        for old, new in transitions:
            # The old entry is looked up rather than re-filtered: a lookup is as cheap
            # and stays right even if the predicate would now judge ``old`` otherwise.
            if old is not None:
                entries.discard(entry_for(old))
            if new is not None and admits(new):
                arriving.append(entry_for(new))
        # Each key has one transition: every old entry out first, then the new ones in, is the same.
        entries.add_all(arriving)

    def replay(self, transitions: list[tuple[Incident | None, Incident | None]]) -> None:
        """``update`` for entries built while these changes happened: each may hold either side."""
        entries, entry_for, admits = self.entries, self.entry_for, self._admits
        for old, new in transitions:
            if old is not None:
                entries.discard(entry_for(old))
            if new is not None:
                entries.discard(entry_for(new))
                if admits(new):
                    entries.add(entry_for(new))


class PendingView:
    """A view's index built away from the store's thread, so that a filter over the whole store
    never holds the UI: ``IncidentStore.begin_view`` takes what it reads (one copy, in C),
    ``build`` filters and sorts it on any thread, and ``IncidentStore.adopt`` makes it live
    with the changes made meanwhile, or ``abandon`` drops it (a newer query).

    A ``BulkFilter``'s view is cut from what was gathered for its feed (``gathered``); with
    ``gatherer``, ``base`` is the feed's unfiltered view and is gathered first (kept on adoption).
    A spec without a filter and a ``gatherer`` only gathers."""

    #: Incidents read between two looks at ``cancel``.
    CHUNK = 5000
    #: Gathered texts searched between two looks at ``cancel`` (~0.6 µs each, 310 characters on average).
    CUT_CHUNK = 4000

    def __init__(self, spec: ViewSpec, entry_for: Callable[[Incident], Entry],
                 feed_admits: Callable[[Incident], bool] | None, incidents: dict[str, Incident],
                 base: list[Entry] | None, everything: tuple[Incident, ...] | None,
                 gathered: _Gathered | None = None, gatherer: BulkFilter | None = None) -> None:
        self.spec = spec
        self._entry_for = entry_for
        self._feed_admits = feed_admits
        self._incidents = incidents
        self._base = base
        self._everything = everything
        self._gathered = gathered
        self._gatherer = gatherer
        self._entries: list[Entry] | None = None
        self._cancelled = False
        #: The store's changes since the copy, replayed on adoption.
        self.changes: list[tuple[Incident | None, Incident | None]] = []
        #: What ``build`` gathered and cut, for the store to keep.
        self.gathered: _Gathered | None = None
        self.cut: _Gathered | None = None

    def cancel(self) -> None:
        """Stop ``build`` at its next chunk (called from the store's thread)."""
        self._cancelled = True

    def _is_cancelled(self) -> bool:
        return self._cancelled

    def build(self) -> bool:
        """Filter and sort; False if cancelled first.  Runs on any thread: it reads only the
        copy taken at the start and incidents (immutable) by key."""
        feed_admits, test = self._feed_admits, self.spec.filter
        if self._gatherer is not None:
            self.gathered = self._gather(self._gatherer)
            if self.gathered is None:
                return False
            if test is None:
                return True
            self._gathered = self.gathered
        if self._gathered is not None:
            self.cut = self._gathered.cut_in_chunks(test, self._is_cancelled, self.CUT_CHUNK)
            if self.cut is None:
                return False
            self._entries = self.cut.entries
            return True
        entries: list[Entry] = []
        if self._base is not None:  # a broader live view, already in order
            get = self._incidents.get
            for start in range(0, len(self._base), self.CHUNK):
                if self._cancelled:
                    return False
                for entry in self._base[start : start + self.CHUNK]:
                    incident = get(entry[-1])
                    # A key changed or removed meanwhile is put right by ``changes``.
                    if incident is not None and (feed_admits is None or feed_admits(incident)) and test(incident):
                        entries.append(entry)
        else:
            everything, entry_for = self._everything, self._entry_for
            for start in range(0, len(everything), self.CHUNK):
                if self._cancelled:
                    return False
                entries.extend(
                    entry_for(incident)
                    for incident in everything[start : start + self.CHUNK]
                    if (feed_admits is None or feed_admits(incident)) and test(incident)
                )
            entries.sort()
        self._entries = entries
        return True

    def _gather(self, gatherer: BulkFilter) -> _Gathered | None:
        get = self._incidents.get
        entries: list[Entry] = []
        incidents: list[Incident] = []
        for start in range(0, len(self._base), self.CHUNK):
            if self._cancelled:
                return None
            for entry in self._base[start : start + self.CHUNK]:
                incident = get(entry[-1])
                if incident is not None:  # one removed meanwhile is put right by ``changes``
                    entries.append(entry)
                    incidents.append(incident)
        return _Gathered(entries, incidents, gatherer.gather(incidents), [])


# ---------------------------------------------------------------------------


class WholeView:
    """Every key of a view as it stood when taken (``View.whole``): what ``*`` marks.

    Taking it reads no key, so ``*`` on 100,000 incidents costs what it does on ten.  While the
    view is unchanged, whether it holds a key is answered by the view's own index; after a change it
    cannot say (None), and its keys are read out of the copy of the entries taken with it."""

    __slots__ = ("_store", "_index_key", "_index", "_generation", "_blocks", "_len", "_descending", "_keys")

    def __init__(self, store: IncidentStore, spec: ViewSpec, index: _ViewIndex) -> None:
        self._store = store
        self._index_key = spec._index_key
        self._index = index
        self._generation = index.entries.generation
        self._blocks = index.entries.blocks_copy()
        self._len = len(index.entries)
        self._descending = spec.descending
        self._keys: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return self._len

    def holds(self, key: str) -> bool | None:
        """Whether ``key`` is one of the keys; None once the view has changed (ask ``keys``)."""
        index = self._index
        # An index the store let go (too many views live) is no longer kept current: it cannot say.
        if self._store._views.get(self._index_key) is not index or index.entries.generation != self._generation:
            return None
        incident = self._store.get(key)
        return incident is not None and index.entries.index(index.entry_for(incident)) is not None

    def keys(self) -> tuple[str, ...]:
        """Every key, in the view's order (read once, when asked)."""
        if self._keys is None:
            self._keys = _keys_of(self._blocks, self._descending)
        return self._keys


class View:
    """A read-only window on one ``ViewSpec``, in the spec's order.

    It holds no entries of its own: every read goes through the store, so a View
    kept across ``apply`` calls always shows the current state.
    """

    __slots__ = ("_store", "spec")

    def __init__(self, store: IncidentStore, spec: ViewSpec) -> None:
        self._store = store
        self.spec = spec

    def _entries(self) -> SortedEntries:
        return self._store._live_index(self.spec).entries

    def __len__(self) -> int:
        return len(self._entries())

    def page_count(self, size: int) -> int:
        """Pages of ``size`` rows; an empty view still has one (empty) page."""
        _check_page_size(size)
        return max(1, -(-len(self) // size))

    def page(self, number: int, size: int) -> list[Incident]:
        """Page ``number`` (0-based, clamped to the pages there are) of ``size`` rows."""
        number = min(max(number, 0), self.page_count(size) - 1)
        incidents = self._store._incidents
        return [incidents[key] for key in self.keys(number * size, (number + 1) * size)]

    def whole(self) -> WholeView:
        """Every key in the view, taken without reading one: the same object until the view changes."""
        index = self._store._live_index(self.spec)
        return index.entries.whole(self.spec.descending, lambda: WholeView(self._store, self.spec, index))

    def keys(self, start: int = 0, stop: int | None = None) -> list[str]:
        """Keys at positions ``start`` to ``stop``, clamped like a slice of non-negatives."""
        entries = self._entries()
        count = len(entries)
        start = min(max(start, 0), count)
        stop = count if stop is None else min(max(stop, start), count)
        if not self.spec.descending:
            return [entry[-1] for entry in entries.slice(start, stop)]
        found = entries.slice(count - stop, count - start)
        return [entry[-1] for entry in reversed(found)]

    def index_of(self, key: str) -> int | None:
        """The position of ``key`` in this view, or None if the view does not show it."""
        incident = self._store.get(key)
        if incident is None:
            return None
        index = self._store._live_index(self.spec)
        position = index.entries.index(index.entry_for(incident))
        if position is None or not self.spec.descending:
            return position
        return len(index.entries) - 1 - position


def _check_page_size(size: int) -> None:
    if size < 1:
        raise ValueError(f"page size must be at least 1, not {size}")


class IncidentStore:
    """Incidents by key, the sync watermark, and the live views.

    ``statuses`` and ``columns`` are the backend's: a status not declared open is
    closed, and the sorts are the ``NEUTRAL_SORTS`` and the columns' sort keys.
    """

    def __init__(
        self,
        statuses: Iterable[StatusSpec] = (),
        columns: Iterable[Column] = (),
        *,
        max_live_views: int = 8,
        keep: Keep = Keep(),
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._incidents: dict[str, Incident] = {}
        self._keep = keep
        self._clock = clock
        # Every incident by creation, oldest first: what a bound lets go first.
        self._by_age: SortedEntries | None = SortedEntries([]) if keep else None
        statuses = tuple(statuses)
        self._open_statuses = frozenset(status.id for status in statuses if status.is_open)
        self._open = 0
        self._max_version = 0
        # Keys whose status was set locally and not yet confirmed by a console state
        # with a higher version.
        self._pending: set[str] = set()
        neutral: dict[str, Callable[[Incident], Entry]] = {
            "created": _by_created,
            "updated": _by_updated,
            "state": _by_status({status.id: rank for rank, status in enumerate(statuses)}),
        }
        declared = {column.id: _by_column(column.sort_key) for column in columns if column.sort_key is not None}
        self._entry_for = {name: neutral[name] for name in NEUTRAL_SORTS} | {
            name: entry for name, entry in declared.items() if name not in neutral
        }
        open_statuses = self._open_statuses
        self._feed_admits: dict[str, Callable[[Incident], bool] | None] = {
            "all": None,
            "open": lambda incident: incident.status in open_statuses,
            "closed": lambda incident: incident.status not in open_statuses,
        }
        for status in statuses:  # a view of one status
            self._feed_admits.setdefault(status.id, lambda incident, wanted=status.id: incident.status == wanted)
        self._views: OrderedDict[tuple[str, str, str], _ViewIndex] = OrderedDict()
        self._max_live_views = max_live_views
        self._building: list[PendingView] = []
        #: By view: what bulk filters read of its incidents (``BulkFilter``), newest last.
        self._gathered: OrderedDict[tuple[str, str, str], _Gathered] = OrderedDict()

    # -- reading -------------------------------------------------------------

    @property
    def sorts(self) -> tuple[str, ...]:
        """The names a ``ViewSpec.sort`` may take."""
        return tuple(self._entry_for)

    @property
    def max_version(self) -> int:
        """The highest version seen, or watermark given: what a load asks for changes since."""
        return self._max_version

    def get(self, key: str) -> Incident | None:
        return self._incidents.get(key)

    def incidents(self, keys: Iterable[str]) -> list[Incident]:
        """The stored incidents for ``keys``, in that order; unknown keys are skipped."""
        found = (self._incidents.get(key) for key in keys)
        return [incident for incident in found if incident is not None]

    def keys(self) -> KeysView[str]:
        return self._incidents.keys()

    def snapshot(self) -> tuple[Incident, ...]:
        """Every incident, copied in one step (safe to call from a worker thread)."""
        return tuple(self._incidents.values())

    def __len__(self) -> int:
        return len(self._incidents)

    def __contains__(self, key: object) -> bool:
        return key in self._incidents

    def unconfirmed(self) -> Collection[str]:
        """Keys whose state here is Roost's own until the console confirms it (an action or an
        edit under way).  The live set: another thread may ask whether a key is in it, not iterate it."""
        return self._pending

    def counts(self) -> tuple[int, int]:
        """(open, total)."""
        return self._open, len(self._incidents)

    def view(self, spec: ViewSpec) -> View:
        """The view for ``spec``; its index is built now if it is not live.  ValueError
        for a sort the store does not have."""
        self._live_index(spec)
        return View(self, spec)

    # -- changing ------------------------------------------------------------

    def apply(
        self,
        incidents: Iterable[Incident],
        removed: Iterable[str] = (),
        *,
        watermark: int | None = None,
    ) -> ChangeSet:
        """Upsert ``incidents`` by key, then remove the ``removed`` keys.

        An incoming incident older than the stored one (lower version) is ignored, as
        is one at the same version while a local change is pending: both are
        states the console has since moved past.  ``watermark`` (e.g. a cached one,
        or a batch's) raises ``max_version`` if it is higher.
        """
        before: dict[str, Incident | None] = {}
        previous_watermark = self._max_version
        highest = previous_watermark if watermark is None else max(previous_watermark, watermark)
        # Locals and no calls a brand-new key does not need: a restart applies 100,000 of them.
        held, pending, remember = self._incidents, self._pending, before.setdefault
        for incident in incidents:
            key, version = incident.key, incident.version
            if version > highest:
                highest = version
            current = held.get(key)
            if current is not None and self._is_stale(incident, current):
                continue
            if pending:
                pending.discard(key)
            remember(key, current)
            held[key] = incident
        self._max_version = highest
        for key in removed:
            if key in self._incidents:
                before.setdefault(key, self._incidents.pop(key))
                self._pending.discard(key)
        return self._commit(before, previous_watermark, bounded=True)

    def _is_stale(self, incoming: Incident, current: Incident) -> bool:
        if incoming.version != current.version:
            return incoming.version < current.version
        return current.key in self._pending

    def reconcile(self, console_keys: set[str], *, as_of: int | None = None) -> ChangeSet:
        """Remove what the console no longer has (deletions never arrive in a delta).

        ``as_of`` is ``max_version`` when the console's key listing began: an
        incident updated after that (a higher version) may be missing from the listing
        only because it moved, so it is kept.
        """
        missing = [
            key
            for key, incident in self._incidents.items()
            if key not in console_keys and (as_of is None or incident.version <= as_of)
        ]
        return self.apply((), removed=missing)

    def set_status(self, keys: Iterable[str], status: str) -> ChangeSet:
        """Optimistically give ``keys`` the status ``status`` before the console confirms it.

        Roll back with ``restore(previous)``, ``previous`` being ``incidents(keys)``
        taken before this call (their statuses are what an undo puts back).  Until the
        console reports a higher version for a key, states at the old version are
        ignored (they predate the action), so a poll cannot flip the row back while the
        request is in flight.
        """
        before: dict[str, Incident | None] = {}
        for current in self.incidents(keys):
            if current.status != status:
                before.setdefault(current.key, current)
                self._incidents[current.key] = replace(current, status=status)
                self._pending.add(current.key)
        return self._commit(before, self._max_version)

    def show_pending(self, incidents: Iterable[Incident]) -> ChangeSet:
        """Optimistically show ``incidents`` (an edit under way, at their stored versions) before
        the console confirms.  As with ``set_status``, states at the old version are ignored
        until the console reports a higher one, so a listing read before the edit landed cannot
        put the old fields back on screen; ``restore`` rolls back."""
        before: dict[str, Incident | None] = {}
        for incident in incidents:
            current = self._incidents.get(incident.key)
            if current is None or current.version > incident.version:
                continue
            before.setdefault(incident.key, current)
            self._incidents[incident.key] = incident
            self._pending.add(incident.key)
        return self._commit(before, self._max_version)

    def restore(self, previous: Iterable[Incident]) -> ChangeSet:
        """Put back incidents as they were before an optimistic change (a rollback).

        A key the console has since updated (higher version) keeps the console's
        state, and a key removed meanwhile stays removed: the console is the truth.
        """
        before: dict[str, Incident | None] = {}
        for incident in previous:
            key = incident.key
            current = self._incidents.get(key)
            if current is None or current.version > incident.version:
                continue
            before.setdefault(key, current)
            self._incidents[key] = incident
            self._pending.discard(key)
        return self._commit(before, self._max_version)

    def _commit(self, before: dict[str, Incident | None], previous_watermark: int, *,
                bounded: bool = False) -> ChangeSet:
        """Turn first-seen states into a ChangeSet and bring counts and views along; ``bounded``:
        then let go of what the store's ``Keep`` does not hold."""
        if self._by_age is not None:
            self._track_age(before)
            if bounded:
                self._let_go_beyond_keep(before)
        added: list[str] = []
        changed: list[str] = []
        removed: list[str] = []
        transitions: list[tuple[Incident | None, Incident | None]] = []
        held, open_statuses = self._incidents, self._open_statuses
        opened = 0
        for key, old in before.items():
            new = held.get(key)
            if old is None:
                if new is None:
                    continue
                added.append(key)
                opened += new.status in open_statuses
            elif new is None:
                removed.append(key)
                opened -= old.status in open_statuses
            elif old == new:
                continue
            else:
                changed.append(key)
                opened += (new.status in open_statuses) - (old.status in open_statuses)
            transitions.append((old, new))
        self._open += opened
        for index in self._views.values():
            index.update(transitions)
        for pending in self._building:
            pending.changes.extend(transitions)
        for key, gathered in list(self._gathered.items()):
            gathered.changes.extend(transitions)
            if len(gathered.changes) > len(gathered.entries) // 32 + 64:
                del self._gathered[key]  # replaying would cost more than gathering again
        return ChangeSet(
            frozenset(added),
            frozenset(changed),
            frozenset(removed),
            watermarks=(previous_watermark, self._max_version),
        )

    def _track_age(self, before: dict[str, Incident | None]) -> None:
        by_age = self._by_age
        for key, old in before.items():
            new = self._incidents.get(key)
            if old is not None and (new is None or new.created != old.created):
                by_age.discard(_by_created(old))
            if new is not None and (old is None or new.created != old.created):
                by_age.add(_by_created(new))

    def _let_go_beyond_keep(self, before: dict[str, Incident | None]) -> None:
        """Drop the oldest incidents while more than ``keep.count`` are held or they were
        created before ``keep.age`` ago (an incident of unknown age counts as the oldest)."""
        by_age, keep = self._by_age, self._keep
        cutoff = _NEVER if keep.age is None else (self._clock() - keep.age).timestamp()
        excess = 0 if keep.count is None else len(self._incidents) - keep.count
        doomed: list[Entry] = []
        for entry in by_age:  # oldest first; stops at the first one kept
            if len(doomed) >= excess and entry[0] >= cutoff:
                break
            doomed.append(entry)
        for entry in doomed:
            key = entry[-1]
            before.setdefault(key, self._incidents.pop(key))
            self._pending.discard(key)
            by_age.discard(entry)

    # -- views ---------------------------------------------------------------

    def _live_index(self, spec: ViewSpec) -> _ViewIndex:
        key = spec._index_key
        index = self._views.get(key)
        if index is None:
            entry_for = self._entry_for.get(spec.sort)
            if entry_for is None:
                raise ValueError(f"unknown sort {spec.sort!r}; expected one of {self.sorts}")
            if spec.feed not in self._feed_admits:
                raise ValueError(f"unknown feed {spec.feed!r}; expected one of {', '.join(self._feed_admits)}")
            base = self._base_for(spec)
            gathered = self._gathered_for(spec, base)
            if gathered is None:
                index = _ViewIndex(spec, self._incidents, entry_for, self._feed_admits[spec.feed], base)
            else:
                cut = gathered.cut(spec.filter)
                index = _ViewIndex.built(spec, cut.entries, entry_for, self._feed_admits[spec.feed])
                index.replay(cut.changes)
                self._keep_gathered(key, cut)
            self._views[key] = index
            if len(self._views) > self._max_live_views:
                self._views.popitem(last=False)
        else:
            self._views.move_to_end(key)
        return index

    def is_live(self, spec: ViewSpec) -> bool:
        """Whether ``view(spec)`` would answer without building an index."""
        return spec._index_key in self._views

    def view_cost(self, spec: ViewSpec) -> int:
        """How many incidents ``view(spec)`` would read to build its index: 0 when it is live."""
        if self.is_live(spec):
            return 0
        base = self._base_for(spec)
        gathered = self._gathered_for(spec, base)
        if gathered is not None:
            return len(gathered.entries) // 3  # see _gathered_for
        return len(base.entries) if base is not None else len(self._incidents)

    def begin_view(self, spec: ViewSpec) -> PendingView:
        """Start building ``spec``'s index away from this thread (``PendingView``): reads the
        live view it narrows, or every incident, in one copy.  ValueError as ``view``."""
        entry_for = self._entry_for.get(spec.sort)
        if entry_for is None:
            raise ValueError(f"unknown sort {spec.sort!r}; expected one of {self.sorts}")
        if spec.feed not in self._feed_admits:
            raise ValueError(f"unknown feed {spec.feed!r}; expected one of {', '.join(self._feed_admits)}")
        base = self._base_for(spec)
        gathered = self._gathered_for(spec, base)
        # Without it, a bulk filter over its feed's unfiltered view gathers that view as it filters.
        gathers = gathered is None and base is not None and base is self._unfiltered(spec)
        gatherer = _bulk(spec.filter) if gathers else None
        pending = PendingView(
            spec, entry_for, self._feed_admits[spec.feed], self._incidents,
            base=list(base.entries) if base is not None and gathered is None else None,
            everything=None if base is not None else tuple(self._incidents.values()),
            gathered=gathered, gatherer=gatherer,
        )
        if gathered is not None:
            pending.changes.extend(gathered.changes)
        self._building.append(pending)
        return pending

    def begin_gathering(self, spec: ViewSpec, gatherer: BulkFilter) -> PendingView | None:
        """Start gathering what ``gatherer`` reads of ``spec``'s feed's unfiltered view (in its sort)
        away from this thread, so the filters that follow are cut from it: None when it is gathered
        already or that view is not live.  ``build`` it, then ``adopt`` or ``abandon`` it."""
        base = self._unfiltered(spec)
        if base is None or (spec.feed, spec.sort, "") in self._gathered:
            return None
        unfiltered = replace(spec, filter=None, filter_id="", within="")
        pending = PendingView(unfiltered, base.entry_for, self._feed_admits[spec.feed], self._incidents,
                              base=list(base.entries), everything=None, gatherer=gatherer)
        self._building.append(pending)
        return pending

    def adopt(self, pending: PendingView) -> None:
        """Make a built ``PendingView`` live, with every change made since it began."""
        if pending not in self._building:
            return  # abandoned
        self._building.remove(pending)
        if pending.gathered is not None:
            pending.gathered.changes = list(pending.changes)
            self._keep_gathered((pending.spec.feed, pending.spec.sort, ""), pending.gathered)
        if pending.spec.filter is None:
            return  # it only gathered
        key = pending.spec._index_key
        if pending.cut is not None:
            pending.cut.changes = list(pending.changes)
            self._keep_gathered(key, pending.cut)
        if key in self._views or pending._entries is None:
            return  # built here meanwhile (a view asked for it), or never finished
        index = _ViewIndex.built(pending.spec, pending._entries, pending._entry_for, pending._feed_admits)
        index.replay(pending.changes)
        self._views[key] = index
        if len(self._views) > self._max_live_views:
            self._views.popitem(last=False)

    def abandon(self, pending: PendingView) -> None:
        """Drop a ``PendingView`` that is no longer wanted, and stop its build."""
        pending.cancel()
        if pending in self._building:
            self._building.remove(pending)

    def _unfiltered(self, spec: ViewSpec) -> _ViewIndex | None:
        return self._views.get((spec.feed, spec.sort, ""))

    def _gathered_for(self, spec: ViewSpec, base: _ViewIndex | None) -> _Gathered | None:
        """What was gathered for the view ``spec`` narrows, else for its feed, if its filter can use it
        and it reads no more than ``base`` would: a gathered incident costs about a third of a looked-up one."""
        if _bulk(spec.filter) is None:
            return None
        for key in dict.fromkeys(((spec.feed, spec.sort, spec.within), (spec.feed, spec.sort, ""))):
            gathered = self._gathered.get(key)
            if gathered is None:
                continue
            if base is not None and len(gathered.entries) > 3 * len(base.entries):
                return None
            self._gathered.move_to_end(key)
            return gathered
        return None

    def _keep_gathered(self, key: tuple[str, str, str], gathered: _Gathered) -> None:
        self._gathered[key] = gathered
        self._gathered.move_to_end(key)
        while len(self._gathered) > self._max_live_views:  # those of the views looked at last
            self._gathered.popitem(last=False)

    def _base_for(self, spec: ViewSpec) -> _ViewIndex | None:
        """A live index with the same sort holding a superset of ``spec``'s: the broader filter's
        (``spec.within``), else an unfiltered one whose feed includes ``spec``'s."""
        if spec.within:
            broader = self._views.get((spec.feed, spec.sort, spec.within))
            if broader is not None:
                return broader
        for feed in (spec.feed, "all"):
            base = self._views.get((feed, spec.sort, ""))
            if base is not None and (feed, spec.filter_id) != (spec.feed, ""):
                return base
        return None
