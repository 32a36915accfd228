"""The backend contract: what Roost needs of a console, in neutral terms.

A backend is one package under ``tui/backends/`` (``canary/``, ``log360/``) that speaks one console's wire and hands the rest of Roost only neutral
objects: incidents, batches, a census, outcomes, and the typed errors of
``tui.backends.errors``.  No httpx object, cursor or wire dictionary crosses this
line (they stay in ``Incident.raw``).  No Textual here.

What a backend *is* (class attributes): its ``name``, its ``statuses`` (each
with a label, a glyph that reads without colour, and whether it counts as open)
and, per session, its ``capabilities``: what it cannot do is hidden, not greyed.

What it *reads*: ``load`` gives batches of incidents (everything, or what
changed since the highest version the caller holds); ``census`` names every
incident the console still holds, for finding deletions made elsewhere; ``fetch``
re-reads one incident (for an archive, or before an edit).

What it *does*: ``set_status`` and ``delete`` act on a frozen set of incidents
and hand each outcome to the caller's ``report`` as soon as it is known, and wait
for it: the caller writes its audit line before the backend sends the next
request in that slot, so a session killed part way leaves every outcome it
learnt of on record.  Batching, pacing, retries of what is safe to repeat, and
any step a console needs first (Canary deletes only acknowledged incidents) are
the backend's business and are reported as outcomes too; so is asking the console
how a request no answer told ended (``Outcome.checked``).  Cancelled, a backend
reports each request in flight as ``interrupted`` before it unwinds; a report
raising ``StopSending`` (the caller can no longer keep a record) stops it sending.

What it offers beyond that is declared and gated by capability: bulk by filter
(``bulk_fields`` for its form, ``bulk_request``, ``count_matching``,
``act_on_matching``), console search (``search_fields``, ``search_query``,
``search``), source history (``history``) and the edits (``edit`` with a
``Change``, ``create``, ``users``, ``severities``); forms are ``FormField``s the UI
draws without knowing the console.

The two backends, side by side: Canary has two statuses, deltas by
``updated_id`` and a cheap census, and deletes only acknowledged incidents (a
reported step); Log360 has three statuses (open and in progress count as open),
no deltas (``load`` is a paced full pass whose keys are the census), a ``PUT``
of the whole record per change, deletes of up to 100 ids a call, and the edits,
but no history, search or bulk by filter.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import (
    TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, ClassVar, Generic, Iterable, Literal, Mapping, Sequence, TypeVar,
)

from ..model import JSON, Document, Incident, with_words
from ..secret import Secret

if TYPE_CHECKING:
    from ..config import Settings


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
    #: The top bar's word for a view of this status alone ("Unacked"); "" means the label.
    short: str = ""


#: Sorts every store has, by neutral fields: by creation, by last update, and by status (in
#: the order the backend declares its statuses).  A column whose id is one of these sorts by it.
NEUTRAL_SORTS = ("created", "updated", "state")


@dataclass(frozen=True)
class Column:
    """One column of the incident table, as the backend declares it.  The table adds two
    one-cell columns of its own before them: the mark flag and the status glyph."""

    #: What a profile's ``columns`` and the sort name it by ("src", "severity").
    id: str
    #: The header ("Source"); "" for a one-cell column.
    title: str
    #: Cells at least; ``flex`` shares out what is left over after fixed widths.
    width: int
    #: What the cell shows, as plain text (the table cleans it; never markup).  ``wide``: the
    #: table has room for long forms (a time with seconds and date).
    render: Callable[[Incident, bool], str]
    #: Sort order by this column, ties broken by the caller (creation, then key); None: not
    #: sortable, unless the id names one of the ``NEUTRAL_SORTS``.
    sort_key: Callable[[Incident], Any] | None = None
    flex: int = 0
    #: Hidden when the table is narrower than this (unless the profile chose it).
    min_table_width: int = 0
    justify: Literal["left", "right"] = "left"
    #: Cells when the table is wide (``render`` then gets ``wide``); 0: ``width`` still.
    wide_width: int = 0
    #: What the info line calls this sort ("sort source"); "": the title in lower case.
    sort_title: str = ""
    #: Its value comes with an incident's details, which the listing lacks (Log360's evidence
    #: and notes counts): while it shows, the rows on screen are ``Backend.complete``d.
    from_details: bool = False

    @property
    def sortable(self) -> bool:
        return self.sort_key is not None or self.id in NEUTRAL_SORTS


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
    #: A part given as several texts shows them run together, each cut to length on its own,
    #: so a long attacker's value cannot push what follows it ("port 22") out of sight.
    parts: tuple[str | tuple[str, ...], ...]
    #: Drawn quietly: a note about the value ("loading…", "unavailable: …") or an identifier.
    quiet: bool = False
    #: Kept to one line, cut visibly in its middle when too long (an identifier whose ends
    #: tell it apart: wrapped, its tail would sit alone on a line that looks empty).
    one_line: bool = False


class Place(enum.Enum):
    """Where the detail pane draws a section: what the attacker did leads, above the events;
    the rest follows them; identifiers close the pane."""

    ABOVE_EVENTS = "above"
    BELOW_EVENTS = "below"
    LAST = "last"


@dataclass(frozen=True)
class Tally:
    """A line counting the values some event fields take ("Users  root ×12 · admin ×9 · +4 more"),
    most frequent first; the pane counts them in the events it shows."""

    label: str
    #: Event field names counted together, matched case-insensitively (a console may spell
    #: one field two ways: Canary's ``USERNAME`` and ``USER``).
    names: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """Facts drawn as one block, their labels in a column ``label_width`` cells wide."""

    facts: tuple[Fact, ...]
    label_width: int = 8
    place: Place = Place.BELOW_EVENTS
    #: Drawn after the facts, for the event fields present (at 80x24 the first few fit above
    #: the events, so the most telling come first).
    tallies: tuple[Tally, ...] = ()


Answer = TypeVar("Answer")


@dataclass(frozen=True)
class Lookup(Generic[Answer]):
    """More about an incident that takes a request (a bird's device): read off the UI's
    path, kept a while by ``key``, and shown as a section."""

    #: Same key, same answer: lookups for two incidents on one bird share one request.
    key: str
    #: The console's answer; raises the typed errors.  Something the console does not have
    #: may be an answer too (a device it no longer knows), which ``show`` then says.
    load: Callable[[], Awaitable[Answer]]
    #: The section for an answer, as of ``now`` (the answer is kept: "last seen 3m ago" is
    #: worked out each time it is shown).
    show: Callable[[Answer, datetime], Section]
    #: The section to show instead, given a note ("loading…", "unavailable: …").
    placeholder: Callable[[str], Section]
    #: The answer is the incident as the console holds it in full (an ``Incident``): the pane
    #: draws its events or evidence, which a listing leaves out (Log360's get-one answer).
    in_full: bool = False


@dataclass(frozen=True)
class HistoryEntry:
    """One incident in a source address's history (Capability.HISTORY), deleted ones included."""

    key: str
    title: str
    created: datetime | None
    #: Deleted on the console: only this entry remains.
    deleted: bool
    #: What was touched: its name, or the console's id for it until ``Backend.name_history``
    #: finds a name.
    target: str = ""
    port: int | None = None
    #: The group it was in (a flock, a site): by name, or by id until named.
    group: str = ""


@dataclass(frozen=True)
class Batch:
    """Incidents as the console sent them, in one piece of a load."""

    incidents: tuple[Incident, ...]
    #: Items that were not incidents (not an object, no key, undecodable): left out, counted.
    unreadable: int = 0


@dataclass(frozen=True)
class Census:
    """What the console holds now: every key (a full census), or, when ``keys`` is None, only
    which of the caller's incidents it no longer has (a census by difference)."""

    keys: frozenset[str] | None
    gone: frozenset[str] = frozenset()


OutcomeResult = Literal["done", "already", "gone", "failed", "unknown"]


@dataclass(frozen=True)
class StatusAction:
    """Setting one declared status, as the analyst and the audit log name it."""

    #: The ``StatusSpec.id`` it sets.
    status: str
    #: The audit log's action and the dialogs' word: "acknowledge" (Log360: "reopen", "start", "close").
    verb: str
    #: For the toast: "Acknowledged 3 incidents" ("Reopened", "Started", "Closed").
    past: str
    #: For the info line while it runs: "acknowledging 3/12…".
    doing: str


@dataclass(frozen=True)
class Outcome:
    """What became of one incident in an action (or of one step of it)."""

    key: str
    #: done: the console did it; already: it was so, nothing was sent; gone: the console no
    #: longer has the incident; failed: the console refused or could not be asked; unknown: no
    #: answer told (for the action itself the backend then asks the console, see ``checked``).
    result: OutcomeResult
    #: One line a person can act on, when not done.
    reason: str = ""
    #: The step this reports when an action takes more than one: the ``StatusAction.verb`` of
    #: a status the console needs first (Canary acknowledges before it deletes); "" for the
    #: action itself.  A step is checked before it is reported: one outcome per step.
    step: str = ""
    #: The console refused because this token may not do it: the session turns read-only.
    denied: bool = False
    #: What the backend found by asking the console after reporting ``unknown`` for the same
    #: key: it follows that ``unknown``.  No such outcome: the console could not tell either.
    checked: bool = False
    #: Reported (result unknown) from a task being torn down, the request in flight: the
    #: report must record it without waiting for anything (no thread, no sleep).
    interrupted: bool = False
    #: Failed because the console's copy changed since the caller's (an edit sent nothing).
    conflict: bool = False
    #: A conflict: what changed on the console, one line each, as the console put it
    #: (attacker-influenced text: cleaned before it is shown).
    theirs: tuple[str, ...] = ()


#: The caller's hand for outcomes: awaited before the backend goes on (see the module).
Report = Callable[[Outcome], Awaitable[None]]


class StopSending(Exception):
    """Raised by a report: the backend sends nothing more for this action (what is in flight
    finishes and is reported) and returns; what was not sent gets no outcome."""


# --- forms: bulk by filter and console search -----------------------------------------


class FormValueError(ValueError):
    """A form's values a backend cannot act on; the message is shown to the analyst as is."""


@dataclass(frozen=True)
class FormField:
    """One text field of a form the backend declares (bulk by filter, console search)."""

    #: What the backend reads it as ("src_host").
    name: str
    #: "Source IP".
    label: str
    #: What it takes, shown beside it or inside it ("1h 3d 2w · 0h = all").
    hint: str = ""
    #: Its value from the incident the form starts from, exactly as the console has it.
    value_of: Callable[[Incident], str] | None = None
    #: What that value is called (a bird's name for its id), shown instead of the hint.
    named: Callable[[Incident], str] | None = None
    #: Chosen at the start when the incident gives it a value.
    chosen: bool = False


@dataclass(frozen=True)
class FormOption:
    """A tick box a form offers with one action."""

    name: str
    label: str
    #: The ``BulkRequest.verb`` it goes with ("delete").
    verb: str


@dataclass(frozen=True)
class BulkRequest:
    """One action on everything the chosen filters match, as the backend understood it."""

    #: The status to set; None: delete.
    status: str | None
    #: "acknowledge", "delete": the dialogs' word and, with " by filter", the audit log's action.
    verb: str
    #: The filters as a phrase: "from 203.0.113.5 · older than 1d".
    describe: str
    #: Which incidents it reaches, as a sentence: "Every acknowledged incident from 203.0.113.5."
    scope: str
    #: What the console is asked, for the audit log (the phrase and any option ticked).
    asked: str
    #: The backend's own form of it; only that backend reads it.
    native: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class BulkPreview:
    """What a bulk request would touch, counted on the console just before it is sent."""

    request: BulkRequest
    incidents: tuple[Incident, ...]
    #: How they were counted, for the confirmation: the analyst decides on it.
    method: str
    #: What is out of the ordinary about them, and the explicit second yes it needs ("" for none).
    caution: str = ""
    risky: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(incident.key for incident in self.incidents)


@dataclass(frozen=True)
class SearchQuery:
    """A console search: its fields' values (normal forms) and at most one declared status."""

    values: tuple[tuple[str, str], ...] = ()
    #: A ``StatusSpec.id``; "" for every status.
    status: str = ""
    #: In words, for the results' title.
    describe: str = "everything"
    #: The backend's own form of it; only that backend reads it.
    native: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SearchPage:
    """One page of a console search."""

    incidents: tuple[Incident, ...]
    #: Handles for the neighbouring pages (for ``Backend.search``); None at either end.
    next: str | None = None
    previous: str | None = None
    #: Page ``number`` of ``pages``, ``total`` results, when the console says.
    number: int | None = None
    pages: int | None = None
    total: int | None = None


# --- documents: the cache, archives and exports ---------------------------------------


@dataclass(frozen=True)
class DocumentFormat:
    """How a backend's incidents are kept in files: each as its ``Incident.raw``, the console's
    own document, read back by the backend.  Pure functions: no session, no console."""

    #: The incident a stored ``Incident.raw`` holds (the cache rebuilds its rows with this);
    #: ValueError or TypeError for a document it cannot read.
    incident: Callable[[JSON], Incident]
    #: A CSV export's header: one name per value of ``csv_row``.
    csv_columns: tuple[str, ...]
    #: One incident as a CSV row (text or numbers; the exporter defuses spreadsheet formulas).
    csv_row: Callable[[Incident], tuple[object, ...]]
    #: What the cache keeps of an incident beyond the neutral fields and the document: its
    #: ``extras`` as a JSON value (lists, numbers, text) that ``restored`` reads back.
    stored: Callable[[Incident], Any]
    #: ``(extras, document)`` from what ``stored`` gave, the document's packed bytes and its
    #: folded words, without reading the document (a restart rebuilds 100,000 incidents);
    #: ValueError or TypeError for a record it cannot read.
    restored: Callable[[Any, bytes, str | None], tuple[Any, Document]]


# --- construction: config sources and opening a session ---------------------------------


@dataclass(frozen=True)
class ProfileKey:
    """A setting a backend reads from a profile of its own (Log360's ``allow_http``)."""

    name: str
    #: The value as TOML gave it -> the value the backend reads; ValueError with the problem in
    #: words ("must be true or false") for a value it cannot take.
    check: Callable[[Any], Any]


@dataclass(frozen=True)
class ToolConfig:
    """A console and its token from the console's own tool's config file: the token goes only
    to that console."""

    console: str
    token: Secret = field(repr=False)
    path: Path
    mode: int
    #: What that file calls the token and the console, for messages ("api_key", "domain").
    token_label: str = "token"
    console_label: str = "console"


@dataclass(frozen=True)
class ConfigSources:
    """Where a backend's console and token may be found beyond Roost's own config, and how it
    tells two spellings of one console apart.  Roost's config applies its precedence and its
    token-to-console pairing rule to what these give."""

    #: Environment variables naming a console and its token, as the console's own tools read
    #: them; "" when there is none.
    console_variable: str
    token_variable: str
    #: The console and token in the console's own tool's config file, read only when nothing
    #: is configured for Roost (given the environment); None when there is none.  ConfigError
    #: for a file that is there but cannot be used.
    read_tool_config: Callable[[Mapping[str, str]], ToolConfig | None]
    #: The console's API address for a console setting (a domain hash, a URL); ConfigError
    #: with one line for a setting that names no usable console.
    api_url: Callable[[str], str]
    #: One spelling per console, for pairing tokens with consoles: like ``api_url``, but
    #: allowing what a test's in-process console needs; ConfigError as ``api_url``.
    console_identity: Callable[[str], str]
    #: Profile settings of this backend's own, beyond Roost's; read into ``Settings.backend_options``.
    profile_keys: tuple[ProfileKey, ...] = ()


@dataclass(frozen=True)
class SeveritySpec:
    """One severity a backend's incidents can have."""

    #: What the model and filters call it ("critical").
    id: str
    #: What the analyst reads ("Critical").
    label: str
    #: One cell that tells it without colour ("▲").
    glyph: str


@dataclass(frozen=True)
class User:
    """Someone incidents may be assigned to."""

    #: The console's id for them, as text ("301").
    id: str
    name: str
    #: The token's own user ("take" assigns to them).
    me: bool = False


#: A field of a Change the analyst did not touch.
UNCHANGED: Any = None


@dataclass(frozen=True)
class Change:
    """What an edit changes; a field left ``UNCHANGED`` (None) is not sent."""

    #: A ``SeveritySpec.id``.
    severity: str | None = UNCHANGED
    #: A ``User.id``; "" unassigns.
    assignee: str | None = UNCHANGED
    #: A due time; ``NO_DUE_DATE`` clears it.
    due: datetime | None = UNCHANGED
    #: A note to add (notes are added, never replaced).
    note: str | None = UNCHANGED
    title: str | None = UNCHANGED
    description: str | None = UNCHANGED
    #: A ``StatusSpec.id``, for ``create`` (and a close that carries a note).
    status: str | None = UNCHANGED

    def fields(self) -> tuple[str, ...]:
        """The names of the fields it changes, in declaration order."""
        return tuple(name for name in CHANGE_FIELDS if getattr(self, name) is not UNCHANGED)


CHANGE_FIELDS = ("severity", "assignee", "due", "note", "title", "description", "status")
#: ``Change.due`` that clears the due date (a time no incident is due at).
NO_DUE_DATE = datetime.min.replace(tzinfo=timezone.utc)


class Backend(abc.ABC):
    """One console, as Roost uses it.  Every method may raise the typed errors of
    ``tui.backends.errors`` (AuthError, PermissionDenied, NotFound, RateLimited, ServerError,
    ConsoleTimeout, ConnectionFailed, ProtocolError ...), each with one line a person can
    act on; nothing else escapes except bugs."""

    #: The profile's ``backend = "..."`` value.
    name: ClassVar[str]
    #: Every status, in the order views and menus list them.
    statuses: ClassVar[tuple[StatusSpec, ...]]
    #: ``load(since=...)`` can give only what changed (Canary's ``incidents_since``).
    deltas: ClassVar[bool] = False
    #: This session may only read: ``capabilities`` drop what changes the console.  Set from the
    #: settings, and by the app when the console refuses a change to this token; the one flag
    #: the UI and triage read.
    read_only: bool = False

    #: The table's columns, in their default order (the table adds the mark flag).
    columns: ClassVar[tuple[Column, ...]]
    #: The ``/`` filter's ``name:value`` tokens.
    filter_fields: ClassVar[tuple[FilterField, ...]]

    #: How its incidents are kept in the cache, archives and exports.
    documents: ClassVar[DocumentFormat]
    #: Where its console and token may be found beyond Roost's config.
    config_sources: ClassVar[ConfigSources]

    @classmethod
    @abc.abstractmethod
    def open(cls, settings: Settings, *, read_attempts: int = 1, **connection: Any) -> Backend:
        """A backend for the settings' console and token (and ``read_only``); nothing is sent yet.

        ``read_attempts``: tries for every read, transient failures retried with backoff (a
        whole-console export is many requests).  ``connection``: the backend's own connection
        options (tests pass an in-process transport).  ConfigError for a console setting it
        cannot use.
        """

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
    async def check(self, *, attempts: int = 1) -> None:
        """Ask the console whether it will talk to this token at all (start-up).

        Raises AuthError for a refused token, ConnectionFailed / ConsoleTimeout when it
        cannot be reached; a transient error (``error.transient``) is tried again, with
        backoff, up to ``attempts`` tries in all.
        """

    @abc.abstractmethod
    def load(self, *, since: int | None = None) -> AsyncIterator[Batch]:
        """Every incident (``since`` None), or, for a backend with ``deltas``, those whose
        ``version`` is above ``since`` (the highest version the caller holds), in batches as
        they arrive.  A backend without deltas ignores ``since``: every load is a full pass.

        A failure part way raises; batches already yielded stay valid.
        """

    @abc.abstractmethod
    def export_batches(self, status: str | None = None) -> AsyncIterator[Batch]:
        """Every incident, or those with the declared status ``status``, in batches, for a
        whole-console export (pages may be larger than ``load``'s).  An incident changed while
        this runs may come in two batches: the later is newer.  A failure part way raises.
        """

    @abc.abstractmethod
    async def census(self, held: Sequence[tuple[str, datetime | None]] = ()) -> Census:
        """What the console holds, to find deletions made elsewhere.

        ``held``: the caller's incidents (key, created), as of when their last listing began.
        A backend that can count incidents by creation time may answer by difference (only
        the ``gone`` keys, each confirmed gone), at a cost that grows with the deletions rather
        than with the console; otherwise it lists every key, as cheaply as the console allows.
        """

    @abc.abstractmethod
    async def fetch(self, key: str) -> Incident:
        """One incident as the console has it now; NotFound when it has gone."""

    # --- Acting -------------------------------------------------------------------------

    #: How setting each status is named, one per status the analyst can set.
    status_actions: ClassVar[tuple[StatusAction, ...]]
    #: The status the console deletes only from, or None: ``delete`` sets it first, as a
    #: step named by its ``StatusAction.verb`` (Canary: acknowledged).
    delete_needs: ClassVar[str | None] = None

    def status_action(self, status_id: str) -> StatusAction:
        """How setting ``status_id`` is named; KeyError for a status the analyst cannot set."""
        for action in self.status_actions:
            if action.status == status_id:
                return action
        raise KeyError(status_id)

    @abc.abstractmethod
    async def set_status(self, incidents: tuple[Incident, ...], status: str, report: Report) -> None:
        """Give each incident the status ``status`` (a declared ``StatusSpec.id``).

        Reports one outcome per incident, in the order answers arrive, and returns when all
        are reported; an ``unknown`` may be followed by a ``checked`` one.  ``incidents`` are as
        the caller last saw them (so a backend can skip what is already so, or send a whole
        record); the caller applies and rolls back its own view.  Cancelled, it reports what
        was in flight (``interrupted``) and sends nothing more; a report raising StopSending
        stops it too.
        """

    @abc.abstractmethod
    async def delete(self, incidents: tuple[Incident, ...], report: Report) -> None:
        """Delete each incident, once (a delete is never retried blindly).

        Reports the outcome of every step as it is known: a step the console needs first
        (``Outcome.step``), then the delete itself; an ``unknown`` delete is reported at once,
        before the console is asked how it ended (``checked``).  Cancelled or stopped as
        ``set_status``.  The caller has archived them before.
        """

    # --- Edits (Capability.ASSIGN, SEVERITY, DUE_DATE, NOTES, EDIT, CREATE) ----------------

    #: The severities an incident may have, most urgent first; () when the backend has none.
    severities: ClassVar[tuple[SeveritySpec, ...]] = ()

    async def users(self) -> tuple[User, ...]:
        """Who incidents may be assigned to (Capability.ASSIGN), and ``User.me`` marks the
        token's own user when the console says who that is."""
        return ()

    async def edit(self, incidents: tuple[Incident, ...], change: Change, report: Report, *,
                   overwrite: bool = False) -> None:
        """Apply ``change`` to each incident, reporting one outcome each as ``set_status`` does
        (already / done / gone / failed / unknown then checked / interrupted; StopSending
        honoured).  ``incidents`` are as the caller last saw them: a backend that finds one
        changed on the console since (another analyst at work) reports it ``failed`` with
        ``conflict`` set and what changed in ``theirs``, and sends nothing for it, so nobody's
        change is overwritten unseen.  ``overwrite``: the analyst saw those conflicts and chose
        to send anyway; the change goes over theirs without that check.
        Each field of ``change`` needs its capability (assignee: ASSIGN, severity: SEVERITY,
        due: DUE_DATE, note: NOTES, title and description: EDIT); a field the session lacks the
        capability for is reported ``failed`` for every incident, and nothing is sent.  A status
        with a note (a close that says why) goes as one change.  ValueError, before anything is
        sent, for a change that is not one (no field, an undeclared severity or status, an
        empty title)."""
        raise NotImplementedError

    async def create(self, draft: Change) -> Incident:
        """A new incident (Capability.CREATE) from ``draft`` (title required); raises the typed
        errors, InvalidParameter with the console's own words for a draft it refuses."""
        raise NotImplementedError

    def incomplete(self, incident: Incident) -> bool:
        """Whether ``incident`` lacks what a ``from_details`` column shows (none: never)."""
        return False

    async def complete(self, incident: Incident) -> Incident:
        """``incident`` with what its listing lacks filled in, at the same version, read in the
        background (after the user's own requests); raises the typed errors.  Later loads keep
        what was filled in while the listing shows no change."""
        return incident

    def edited(self, incident: Incident, change: Change) -> Incident:
        """``incident`` as it will be once ``change`` lands, worked out without a request: what the
        caller shows while the edit is under way (and keeps once it is done).  Same key and version."""
        neutral = {name: value for name, value in (("severity", change.severity), ("title", change.title),
                                                    ("status", change.status)) if value is not UNCHANGED}
        if not neutral:
            return incident
        edited = replace(incident, **neutral)
        if incident.document.words is None:
            return edited
        return with_words(edited, self.searchable_text(edited))  # what bare words find changes with the title

    def reverse(self, incident: Incident, change: Change) -> Change:
        """The change that puts back what ``change`` changes on ``incident`` (as the caller saw it
        before), for undo: only a status, a severity and an assignee are put back; the rest of the
        result is ``UNCHANGED`` (a note cannot be taken back, nor an old text retyped)."""
        return Change(
            severity=incident.severity if change.severity is not UNCHANGED else UNCHANGED,
            assignee=incident.assignee if change.assignee is not UNCHANGED else UNCHANGED,
            status=incident.status if change.status is not UNCHANGED else UNCHANGED,
        )


    #: The filters the bulk form offers, in its order.
    bulk_fields: ClassVar[tuple[FormField, ...]] = ()
    bulk_options: ClassVar[tuple[FormOption, ...]] = ()

    def bulk_request(self, status: str | None, values: Mapping[str, str], options: frozenset[str]) -> BulkRequest:
        """The request for setting ``status`` (None: deleting) on everything the chosen
        filters match (``values`` by ``FormField.name``; ``options`` the ticked
        ``FormOption.name``).  FormValueError for what the console would refuse or what
        would act on everything by accident."""
        raise NotImplementedError(f"{self.name} cannot act by filter")

    async def count_matching(self, request: BulkRequest, *, now: datetime) -> BulkPreview:
        """What ``request`` would touch now, counted on the console."""
        raise NotImplementedError(f"{self.name} cannot act by filter")

    async def act_on_matching(self, preview: BulkPreview) -> tuple[str, ...]:
        """Send ``preview.request``, once; the keys the console says it touched.  The caller
        has archived what was counted before a delete."""
        raise NotImplementedError(f"{self.name} cannot act by filter")

    # --- Console search (Capability.SEARCH) ---------------------------------------------

    #: The search form's fields (the form adds a choice of one status, or all).
    search_fields: ClassVar[tuple[FormField, ...]] = ()

    def search_query(self, values: Mapping[str, str], status: str) -> SearchQuery:
        """The search the form describes (``values`` by ``FormField.name``, ``status`` a
        declared id or ""); FormValueError for values the console cannot take."""
        raise NotImplementedError(f"{self.name} has no console search")

    async def search(self, query: SearchQuery, page: str | None = None, *, limit: int) -> SearchPage:
        """The first page of ``query`` (``page`` None), or the page a ``SearchPage`` handle names."""
        raise NotImplementedError(f"{self.name} has no console search")

    # --- What the UI shows of one incident -------------------------------------------

    #: The detail pane's heading over an incident's events or evidence ("Events (12)"), and
    #: what it says when there are none.
    events_heading: ClassVar[str] = "Events"
    no_events_note: ClassVar[str] = "no events"

    @abc.abstractmethod
    def searchable_text(self, incident: Incident) -> Iterable[str]:
        """What the ``/`` filter's bare words search beyond the neutral fields (title, source, target,
        severity, assignee, which the filter reads itself): names, addresses, event fields.  A
        parser that folds this once into ``Document.words`` (``fold_words``) spares the filter."""

    def display_title(self, incident: Incident) -> str:
        """The line that names ``incident``; a backend may stand in for a missing title."""
        return incident.title

    @abc.abstractmethod
    def details(self, incident: Incident) -> tuple[Section, ...]:
        """What the detail pane shows of ``incident`` from the incident alone, before its
        events or evidence."""

    def lookups(self, incident: Incident) -> tuple[Lookup, ...]:
        """What more the console can tell about ``incident``, shown after ``details`` (and
        after the source's history, with Capability.HISTORY)."""
        return ()

    # --- A source's history (Capability.HISTORY) ----------------------------------------

    #: The history screen's headings for an entry's ``target`` and ``group``.
    history_headings: ClassVar[tuple[str, str]] = ("Target", "Group")

    async def history(self, source: str) -> tuple[HistoryEntry, ...]:
        """Every incident the console knows ``source`` raised, deleted ones included, in the
        console's order.  Called only with Capability.HISTORY."""
        raise NotImplementedError(f"{self.name} keeps no history of a source")

    def name_history(self, entries: tuple[HistoryEntry, ...], incidents: Iterable[Incident]) -> tuple[HistoryEntry, ...]:
        """``entries`` with their targets and groups named from what ``incidents`` (those
        loaded) tell; the console's history may give only ids."""
        return entries

    #: The session's clock, for what is judged against now on screen (overdue, due today):
    #: the app sets its own, so a fixed clock in tests and screenshots holds everywhere.
    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(timezone.utc))

    # --- What the bars say about the link ----------------------------------------------

    @property
    def encrypted(self) -> bool:
        """Whether the link to the console is encrypted; the top bar warns when it is not."""
        return True

    @property
    def holding_back(self) -> str:
        """Why and how long the backend waits before it may send more (a request budget), as a
        phrase for the info line ("holding back 12 s: 60 requests a minute"); "" when it is not."""
        return ""

    async def aclose(self) -> None:
        """Release connections; safe to call twice."""
