"""The backend contract: what Roost needs of a console, in neutral terms.

A backend is one package under ``tui/backends/`` (``canary/`` now, ``log360/``
next) that speaks one console's wire and hands the rest of Roost only neutral
objects: incidents, batches, a census, outcomes, and the typed errors of
``tui.backends.errors``.  No httpx object, cursor or wire dictionary crosses this
line (they stay in ``Incident.raw``).  No Textual here.

What a backend *is* (class attributes): its ``name``, its ``statuses`` (each
with a label, a glyph that reads without colour, and whether it counts as open)
and, per session, its ``capabilities``: what it cannot do is hidden, not greyed.

What it *reads*: ``load`` gives batches of incidents (everything, or what
changed since a watermark it handed out earlier); ``census`` names every
incident the console still holds, for finding deletions made elsewhere; ``fetch``
re-reads one incident (to check an outcome no answer told, or before an edit).

What it *does*: ``set_status`` and ``delete`` act on a frozen set of incidents
and hand each outcome to the caller's ``report`` as soon as it is known, and wait
for it: the caller writes its audit line before the backend sends the next
request in that slot, so a session killed part way leaves every outcome it
learnt of on record.  Batching, pacing, retries of what is safe to repeat, and
any step a console needs first (Canary deletes only acknowledged incidents) are
the backend's business and are reported as outcomes too.

How Log360 fits, for the record: statuses open / in progress / closed (open and
in progress count as open); ``load`` re-lists newest first in paced pages of 100
and gives no watermark, so every ``load`` is a full pass; ``census`` is that
pass's keys; ``set_status`` is a paced ``PUT`` per incident carrying the whole
current record; ``delete`` sends up to 100 ids per call; capabilities add
assign, notes, create, edit, severity and due date and drop history, search and
bulk by filter.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, ClassVar, Iterable, Literal

from ..model import Incident


class Capability(enum.Enum):
    """Optional abilities; the UI offers a key only for what the session's backend can do."""

    HISTORY = "history"  # every incident one source address raised (h)
    SEARCH = "search"  # search the console itself, beyond what is loaded (f)
    BULK_BY_FILTER = "bulk"  # act on everything a filter matches, on the console (b)
    DELETE = "delete"
    ASSIGN = "assign"
    NOTES = "notes"
    CREATE = "create"
    EDIT = "edit"
    SEVERITY = "severity"
    DUE_DATE = "due-date"


@dataclass(frozen=True)
class StatusSpec:
    """One status a backend's incidents can have."""

    #: What the store, filters and triage call it ("unacknowledged", "in_progress").
    id: str
    #: What the analyst reads ("Unacknowledged", "In progress").
    label: str
    #: One cell that tells the status without colour (NO_COLOR, 16 colours, a screen reader).
    glyph: str
    #: Still needs someone: counted as open and shown in the default view.
    is_open: bool


@dataclass(frozen=True)
class Column:
    """One column of the incident table, as the backend declares it."""

    #: What a profile's ``columns`` and the sort name it by ("src", "severity").
    id: str
    #: The header ("Source"); "" for a one-cell column.
    title: str
    #: Cells at least; ``flex`` shares out what is left over after fixed widths.
    width: int
    #: What the cell shows, as plain text (the table cleans it; never markup).  ``wide``: the
    #: table has room for long forms (a time with seconds and date).
    render: Callable[[Incident, bool], str]
    #: Sort order by this column, ties broken by the caller; None: not sortable.
    sort_key: Callable[[Incident], Any] | None = None
    flex: int = 0
    #: Hidden when the table is narrower than this (unless the profile chose it).
    min_table_width: int = 0
    justify: Literal["left", "right"] = "left"


class FilterValueError(ValueError):
    """A ``/`` filter value a field cannot take; the message is shown to the analyst as is."""


@dataclass(frozen=True)
class FilterField:
    """One ``name:value`` token of the ``/`` filter."""

    #: The token before the colon ("src", "sev").
    name: str
    #: (case-folded value) -> (its normal form, a test of one incident).  Raises
    #: FilterValueError for a value the field cannot take.
    make: Callable[[str], tuple[str, Callable[[Incident], bool]]]
    #: For a two-valued field: the normal form that means "not ``value``", so ``!ack:yes``
    #: and ``ack:no`` are one filter.  None: negation stays a "not".
    opposite: Callable[[str], str] | None = None
    #: (normal form, negated) -> words for the header ("unacknowledged"); None: "src 10.0.".
    describe: Callable[[str, bool], str] | None = None


@dataclass(frozen=True)
class Fact:
    """One labelled line of an incident's details."""

    #: "Source"; "" continues the fact above.
    label: str
    #: Literal texts (attacker's text included), shown joined by " · "; empty ones are skipped.
    parts: tuple[str, ...]
    #: Drawn quietly: a note about the value ("loading…", "unavailable: …") or an identifier.
    quiet: bool = False


@dataclass(frozen=True)
class Section:
    """Facts drawn as one block, their labels in a column ``label_width`` cells wide."""

    facts: tuple[Fact, ...]
    label_width: int = 8


@dataclass(frozen=True)
class Lookup:
    """More about an incident that takes a request (a bird's device, a source's history):
    read off the UI's path, kept a while by ``key``, and shown as a section."""

    #: Same key, same answer: lookups for two incidents on one bird share one request.
    key: str
    #: The section, once the console answered; raises the typed errors.
    load: Callable[[], Awaitable[Section]]
    #: The section to show instead, given a note ("loading…", "unavailable: …").
    placeholder: Callable[[str], Section]


@dataclass(frozen=True)
class Batch:
    """Incidents as the console sent them, in one piece of a load."""

    incidents: tuple[Incident, ...]
    #: Items that were not incidents (not an object, no key, undecodable): left out, counted.
    unreadable: int = 0
    #: After this batch, ``load(since=watermark)`` gives only what changed; None when the
    #: backend has no such thing (every load is then a full pass).
    watermark: int | None = None


@dataclass(frozen=True)
class Census:
    """Every incident the console holds now, by key."""

    keys: frozenset[str]


OutcomeResult = Literal["done", "already", "gone", "failed", "unknown"]


@dataclass(frozen=True)
class Outcome:
    """What became of one incident in an action (or of one step of it)."""

    key: str
    #: done: the console did it; already: it was so, nothing was sent; gone: the console no
    #: longer has the incident; failed: the console refused or could not be asked; unknown: no
    #: answer told (the caller may ``fetch`` to find out).
    result: OutcomeResult
    #: One line a person can act on, when not done.
    reason: str = ""
    #: The step this reports when an action takes more than one (Canary acknowledges before
    #: it deletes: "acknowledge"); "" for the action itself.
    step: str = ""
    #: The console refused because this token may not do it: the session turns read-only.
    denied: bool = False


#: The caller's hand for outcomes: awaited before the backend goes on (see the module).
Report = Callable[[Outcome], Awaitable[None]]


class Backend(abc.ABC):
    """One console, as Roost uses it.  Every method may raise the typed errors of
    ``tui.backends.errors`` (AuthError, PermissionDenied, NotFound, RateLimited, ServerError,
    ConsoleTimeout, ConnectionFailed, ProtocolError ...), each with one line a person can
    act on; nothing else escapes except bugs."""

    #: The profile's ``backend = "..."`` value.
    name: ClassVar[str]
    #: Every status, in the order views and menus list them.
    statuses: ClassVar[tuple[StatusSpec, ...]]

    #: The table's columns, in their default order (the table adds the mark flag).
    columns: ClassVar[tuple[Column, ...]]
    #: The ``/`` filter's ``name:value`` tokens.
    filter_fields: ClassVar[tuple[FilterField, ...]]

    @property
    @abc.abstractmethod
    def capabilities(self) -> frozenset[Capability]:
        """What this session may do (a read-only token has fewer than the backend could)."""

    def status(self, status_id: str) -> StatusSpec:
        """The declared status ``status_id``; KeyError for one the backend does not have."""
        for spec in self.statuses:
            if spec.id == status_id:
                return spec
        raise KeyError(status_id)

    @abc.abstractmethod
    async def check(self) -> None:
        """Ask the console whether it will talk to this token at all (start-up).

        Raises AuthError for a refused token, ConnectionFailed / ConsoleTimeout when it
        cannot be reached; transient errors (``error.transient``) may pass on their own.
        """

    @abc.abstractmethod
    def load(self, *, since: int | None = None) -> AsyncIterator[Batch]:
        """Every incident (``since`` None), or those changed after the watermark ``since``
        that an earlier batch gave, in batches as they arrive.

        May assume ``since`` came from this backend's own ``Batch.watermark``.  A failure
        part way raises; batches already yielded stay valid.
        """

    @abc.abstractmethod
    async def census(self) -> Census:
        """The keys of every incident the console holds, to find deletions made elsewhere.

        Cheap where the console allows (Canary asks for one event per incident).
        """

    @abc.abstractmethod
    async def fetch(self, key: str) -> Incident:
        """One incident as the console has it now; NotFound when it has gone."""

    @abc.abstractmethod
    async def set_status(self, incidents: tuple[Incident, ...], status: str, report: Report) -> None:
        """Give each incident the status ``status`` (a declared ``StatusSpec.id``).

        Reports one outcome per incident, in the order answers arrive, and returns when all
        are reported.  ``incidents`` are as the caller last saw them (so a backend can skip
        what is already so, or send a whole record); the caller applies and rolls back its
        own view.  Cancelled, it sends nothing more.
        """

    @abc.abstractmethod
    async def delete(self, incidents: tuple[Incident, ...], report: Report) -> None:
        """Delete each incident, once (a delete is never retried blindly).

        Reports the outcome of every step as it is known: a step the console needs first
        (``Outcome.step``), then the delete itself.  The caller has archived them before.
        """

    # --- What the UI shows of one incident -------------------------------------------

    @abc.abstractmethod
    def searchable_text(self, incident: Incident) -> Iterable[str]:
        """Every text the ``/`` filter's bare words search (title, addresses, names, event fields)."""

    @abc.abstractmethod
    def details(self, incident: Incident) -> tuple[Section, ...]:
        """What the detail pane shows of ``incident`` from the incident alone, before its
        events or evidence."""

    def lookups(self, incident: Incident) -> tuple[Lookup, ...]:
        """What more the console can tell about ``incident``, shown after ``details``."""
        return ()

    async def aclose(self) -> None:
        """Release connections; safe to call twice."""
