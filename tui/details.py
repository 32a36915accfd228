"""What the detail pane shows of an incident: the backend's facts, the source's history and the
backend's lookups, the last two loaded off the UI's path and cached.

Ordered for the question an analyst opens an incident with, "what did the attacker do": the
sections the backend places above the events (source, target) and the counts of what the
events carry (usernames, passwords, paths, user agents, most frequent first), then the events,
then the rest (times, host, history), identifiers last.

One per app, so the main screen, the search screen and the history screen share
what was loaded.  An answer is kept for a minute; a failure for a few seconds,
so moving back onto the incident retries soon without hammering the console.
Part of the core, so it never imports Textual: the pane draws the ``DetailContext`` it returns.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Generic, Mapping, TypeVar

from .backends.base import Backend, Capability, Fact, HistoryEntry, Place, Section, StatusSpec, Tally
from .backends.errors import ApiError
from .model import Event, Incident
from .timefmt import format_time

CACHE_SECONDS = 60.0
RETRY_SECONDS = 5.0
LOADING = "loading…"
UNREADABLE = "unavailable: Roost could not read the answer (see the crash log)"
#: Tally lines drawn at most: with the title and the source they fit above the first event at 80x24.
MAX_TALLIES = 4
#: The counts read this many events at most (and fields of each), as they are worked out on the UI's thread.
MAX_EVENTS_COUNTED = 2000
MAX_FIELDS_COUNTED = 100

T = TypeVar("T")


@dataclass(frozen=True)
class Counted:
    """A tally's values in the events, the most frequent first, with how many times each came."""

    values: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DetailContext:
    """What the detail pane shows: the incident's title line, the sections that lead (with
    their tallies counted), its events, then the other sections (the backend's facts, the
    source's history, the lookups, as far as they are known), identifiers last."""

    incident: Incident | None
    title: str = ""
    status: StatusSpec | None = None
    #: Drawn above the events.
    lead: tuple[Section, ...] = ()
    #: Drawn below the events, in order.
    sections: tuple[Section, ...] = ()
    events_heading: str = ""
    no_events_note: str = ""
    #: The incident whose events the pane draws: a lookup's fuller copy once it came, else ``incident``.
    events_of: Incident | None = None
    #: The lead's tallies that the events carry (at most ``MAX_TALLIES``), counted.
    counts: Mapping[Tally, Counted] = field(default_factory=dict)
    #: How many events the counts read (fewer than the incident has when not all were sent or read).
    events_counted: int = 0


class _Cache(Generic[T]):
    """(answer, note) by name, each until its own expiry; a note ("unavailable: …") means no answer."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._entries: dict[str, tuple[float, T | None, str]] = {}

    def get(self, name: str) -> tuple[T | None, str] | None:
        entry = self._entries.get(name)
        if entry is None or entry[0] <= self._monotonic():
            return None
        return entry[1], entry[2]

    def put(self, name: str, value: T | None, note: str = "", *, seconds: float = CACHE_SECONDS) -> None:
        self._entries[name] = (self._monotonic() + seconds, value, note)

    async def fill(self, name: str, load: Callable[[], Awaitable[T]]) -> None:
        try:
            self.put(name, await load())
        except ApiError as error:
            self.put(name, None, f"unavailable: {error}", seconds=RETRY_SECONDS)
        except Exception:
            # A bug in reading the answer: the pane says so instead of "loading…" for ever;
            # raised on, it reaches the crash log and a toast.
            self.put(name, None, UNREADABLE, seconds=RETRY_SECONDS)
            raise


class DetailSource:
    def __init__(
        self,
        backend: Backend,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self._now = now
        self._answers: _Cache[Any] = _Cache(monotonic)
        self._histories: _Cache[tuple[HistoryEntry, ...]] = _Cache(monotonic)
        # The pane asks again when a lookup arrives: the events it counted are usually the same.
        self._last_counted: tuple[Incident, tuple[Tally, ...], dict[Tally, Counted], int] | None = None

    def context(self, incident: Incident) -> tuple[DetailContext, bool]:
        """What is known now about ``incident``, and whether anything is still to load."""
        backend = self.backend
        sections = list(backend.details(incident))
        pending = False
        if self._keeps_history(incident):
            history, note = self.history(incident.source)
            pending = note == LOADING
            if history is not None:
                sections.append(Section((Fact("History", (history_summary(history, incident.key),)),)))
            else:
                sections.append(Section((Fact("History", (note,), quiet=True),)))
        now = self._now()
        events_of = incident
        for lookup in backend.lookups(incident):
            known = self._answers.get(lookup.key)
            if known is None:
                sections.append(lookup.placeholder(LOADING))
                pending = True
            elif known[1]:
                sections.append(lookup.placeholder(known[1]))
            else:
                sections.append(lookup.show(known[0], now))
                if lookup.in_full:
                    events_of = known[0]
        try:
            status: StatusSpec | None = backend.status(incident.status)
        except KeyError:  # not one the backend declares: the title line goes without it
            status = None
        lead = tuple(section for section in sections if section.place is Place.ABOVE_EVENTS)
        counts, counted = self._counts(events_of, tuple(tally for section in lead for tally in section.tallies))
        context = DetailContext(
            incident, backend.display_title(incident), status, lead,
            (*(section for section in sections if section.place is Place.BELOW_EVENTS),
             *(section for section in sections if section.place is Place.LAST)),
            backend.events_heading, backend.no_events_note, events_of, counts, counted,
        )
        return context, pending

    def _counts(self, incident: Incident, tallies: tuple[Tally, ...]) -> tuple[dict[Tally, Counted], int]:
        last = self._last_counted
        if last is not None and last[0] is incident and last[1] == tallies:
            return last[2], last[3]
        counts, counted = count_tallies(incident.events, tallies)
        self._last_counted = (incident, tallies, counts, counted)
        return counts, counted

    def history(self, source: str) -> tuple[tuple[HistoryEntry, ...] | None, str]:
        """``source``'s history as loaded (None and a note when it is not)."""
        if not source:
            return None, ""
        return self._histories.get(source) or (None, LOADING)

    async def load(self, incident: Incident) -> None:
        """Fetch whatever ``context`` said was missing (the lookups and the history at once)."""
        tasks = [
            self._answers.fill(lookup.key, lookup.load)
            for lookup in self.backend.lookups(incident)
            if self._answers.get(lookup.key) is None
        ]
        if self._keeps_history(incident) and self.history(incident.source)[1] == LOADING:
            tasks.append(self.load_history(incident.source))
        # Every load finishes even when one hits a bug (then raised): none is left saying "loading…".
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def load_history(self, source: str) -> None:
        await self._histories.fill(source, lambda: self.backend.history(source))

    def _keeps_history(self, incident: Incident) -> bool:
        return bool(incident.source) and Capability.HISTORY in self.backend.capabilities


def count_tallies(events: tuple[Event, ...], tallies: tuple[Tally, ...]) -> tuple[dict[Tally, Counted], int]:
    """The first ``MAX_TALLIES`` of ``tallies`` that the events carry, counted, and how many
    events were read.  One event alone is its own summary: nothing is counted."""
    if len(events) < 2 or not tallies:
        return {}, 0
    read = events[:MAX_EVENTS_COUNTED]
    tally_of = {name.casefold(): tally for tally in reversed(tallies) for name in tally.names}
    # The values first, counted in C once read (a Counter per value read cost more than the counting).
    found: dict[Tally, list[str]] = {}
    for event in read:
        for name, value in event.fields[:MAX_FIELDS_COUNTED]:
            tally = tally_of.get(name.casefold())
            if tally is not None and value:
                values = found.get(tally)
                if values is None:
                    values = found[tally] = []
                values.append(value)
    present = [tally for tally in tallies if tally in found][:MAX_TALLIES]
    # most_common keeps first-seen order among equal counts: the same screen every time.
    return {tally: Counted(tuple(Counter(found[tally]).most_common())) for tally in present}, len(read)


def history_summary(entries: tuple[HistoryEntry, ...], current_key: str) -> str:
    """"3 other incidents (1 deleted) · first … · last …", or "first time seen"."""
    others = [entry for entry in entries if entry.key != current_key]
    if not others:
        return "first time seen"
    deleted = sum(1 for entry in others if entry.deleted)
    times = [entry.created for entry in entries if entry.created is not None]
    summary = f"{len(others)} other incident{'s' if len(others) != 1 else ''}"
    if deleted:
        summary += f" ({deleted} deleted)"
    if times:
        summary += f" · first {format_time(min(times), wide=True)} · last {format_time(max(times), wide=True)}"
    return summary
