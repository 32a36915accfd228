"""ManageEngine EventLog Analyzer / Log360 (REST API v2 incidents) behind the backend contract.

Everything that knows Log360's wire lives in this package: ``client`` (HTTP, Bearer auth,
``from``/``limit`` pages, both error shapes, the base URL and TLS rules), ``parse`` (its
list items and get-one answers to the neutral model, with Log360's own fields in
``Log360Fields``), ``pacer`` (the 60-requests-a-minute budget every request shares,
user actions first), ``columns``, ``filters``, ``details``, ``documents`` (the cache,
archives and CSV), ``config`` and ``profile`` (the profile's own settings).  Wire details:
../shared/spec/log360-incidents-api.md.

The server has no cursor and no update time, so every ``load`` is a full pass, newest
first, in paced background pages of 100 (only the profile's ``queue`` statuses when it
names some); one ``Versions`` raises an incident's version whenever its listing changed, so
the store takes the change.  The pass is the census too.  ``set_status`` sends each
incident's whole record with the new status (the server may replace rather than patch);
``delete`` sends up to 100 ids a call.  A missing scope seen at runtime hides what it
forbids.

``edit`` re-reads each incident before it sends the whole record with the change, and sends
nothing for one changed on the server since the caller's copy was listed (a conflict).  The
get-one answer has no core fields, so "changed" is read from two things: a later listing
that shows different fields, or an activity record (anything but an added note: notes are
appended, so nobody's is overwritten) dated at or after the second the incident was last
listed (or, for one not listed this session, after its last update; after this session's
own edit, from the next second, so a colleague's change in that same second goes unseen).
Activity times are the server's clock read in the profile's ``timezone``: a wrong zone shows
as conflicts that do not go away after a refresh, or as missed ones.  The server does not say who the token
is, so ``users()`` marks nobody ``me``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence

from ...model import Document, Incident
from ..acting import Reporter, interruptible, settled
from ..base import (
    NO_DUE_DATE, UNCHANGED, Backend, Batch, Capability, Census, Change, Lookup, Outcome, Report, Section,
    SeveritySpec, StatusAction, StatusSpec, User,
)
from ..errors import ApiError, InvalidParameter, NotFound, PermissionDenied
from . import details as incident_details, filters
from .client import (
    CREATE_SCOPE, DELETE_SCOPE, MAX_DELETE, MAX_PAGE, UPDATE_SCOPE, DeleteCall, Log360Client, MissingScope,
)
from .columns import COLUMNS, columns_at
from .config import LOG360_CONFIG_SOURCES
from .documents import LOG360_DOCUMENTS
from .pacer import BACKGROUND, INTERACTIVE
from .parse import (
    ATTENTION, CLOSED, CRITICAL, IN_PROGRESS, OPEN, TROUBLE, UNASSIGNED, Versions, fingerprint, log360_fields,
    normalise_status, parse_incident, user_names, wire_time,
)

if TYPE_CHECKING:
    from ...config import Settings

NOT_FOUND = "not found on the server"
INTERRUPTED = "interrupted before the server answered"
CONFLICT = "changed on the console since you looked: nothing was sent"
#: Newest incidents read back after a create, to find the one made (the list has its core fields).
CREATED_LOOKUP = 10
#: The capability each field of an edit needs.
FIELD_CAPABILITIES = {
    "severity": Capability.SEVERITY, "assignee": Capability.ASSIGN, "due": Capability.DUE_DATE,
    "note": Capability.NOTES, "title": Capability.EDIT, "description": Capability.EDIT,
}
_SECOND = timedelta(seconds=1)
#: A census within this many seconds of a completed load's pass uses that pass's keys.
CENSUS_REUSE_SECONDS = 30.0
#: Pages of a status-filtered listing read to learn how an unanswered status change ended.
CHECK_PAGES = 3
#: What a write scope allows; a token found to lack it loses these (update also sets statuses).
_SCOPE_CAPABILITIES = {
    UPDATE_SCOPE: frozenset({Capability.ASSIGN, Capability.NOTES, Capability.EDIT, Capability.SEVERITY,
                             Capability.DUE_DATE}),
    CREATE_SCOPE: frozenset({Capability.CREATE}),
    DELETE_SCOPE: frozenset({Capability.DELETE}),
}
_WRITES = frozenset().union(*_SCOPE_CAPABILITIES.values())


class Log360Backend(Backend):
    name = "log360"
    deltas = False
    statuses = (
        StatusSpec(OPEN, "Open", "○", is_open=True, short="Open"),
        StatusSpec(IN_PROGRESS, "In progress", "◐", is_open=True, short="In progress"),
        StatusSpec(CLOSED, "Closed", "✓", is_open=False, short="Closed"),
    )
    severities = (
        SeveritySpec(CRITICAL, "Critical", "▲"),
        SeveritySpec(TROUBLE, "Trouble", "◆"),
        SeveritySpec(ATTENTION, "Attention", "·"),
    )
    documents = LOG360_DOCUMENTS
    config_sources = LOG360_CONFIG_SOURCES

    def __init__(
        self,
        client: Log360Client,
        *,
        read_only: bool = False,
        users: Mapping[str, str] | None = None,
        me: str = "",
        queue: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        """``users``: the profile's names by user id, used when the server has no users list for
        this token.  ``me``: the profile's own user id (the API cannot say who a token is), whom
        "take" assigns.  ``queue``: the statuses a load lists (none: all).  ``wall_clock``: the time
        of day, compared with the server's activity times to find conflicting edits."""
        self.client = client
        self.read_only = read_only
        self.profile_users = dict(users or {})
        self.me = me
        self.queue = tuple(queue)
        self.versions = Versions()
        self._clock = clock
        # Names by user id, once read (the server's list, or the profile's map).
        self._users: dict[str, str] | None = None
        # Each incident as last listed (or as this session last set it): the get-one answer lacks the core.
        self._listed: dict[str, Incident] = {}
        # When the last load's pass completed, and its keys, until a census takes them.
        self._last_pass: tuple[float, frozenset[str]] | None = None
        # Write scopes the server said this token lacks.
        self._missing_scopes: set[str] = set()
        self._wall_clock = wall_clock
        # Judged by the session's clock, which the app may set after this (see Backend.clock).
        self.columns = columns_at(lambda: self.clock())
        self.filter_fields = filters.filter_fields_at(lambda: self.clock())
        # Per incident, from when an activity record means a change the caller has not seen: the
        # second its last listing was asked for, or the second after this session's last edit.
        self._unseen_from: dict[str, datetime] = {}
        # Evidence and notes counts from the last get-one, with the version it was read at:
        # the list has no counts, so each listing gets them from here (see ``complete``).
        self._counts: dict[str, tuple[int, int, int]] = {}

    @classmethod
    def open(cls, settings: Settings, *, read_attempts: int = 1, **connection: Any) -> Log360Backend:
        options: Mapping[str, Any] = getattr(settings, "backend_options", {}) or {}
        client = Log360Client(
            settings.console,
            settings.token,
            product=options.get("product", "eventlog"),
            allow_http=bool(options.get("allow_http", False)),
            ca_bundle=options.get("ca_bundle") or None,
            timezone=options.get("timezone"),
            read_attempts=read_attempts,
            **connection,
        )
        return cls(client, read_only=settings.read_only, users=options.get("users"), me=options.get("me", ""),
                   queue=options.get("queue", ()))

    @property
    def capabilities(self) -> frozenset[Capability]:
        if self.read_only:
            return frozenset()
        lost = frozenset().union(*(_SCOPE_CAPABILITIES.get(scope, frozenset()) for scope in self._missing_scopes))
        return _WRITES - lost

    @property
    def holding_back(self) -> str:
        """For the status bar: "holding back 12 s: 60 requests a minute (3 waiting)", "" when not."""
        return self.client.pacer.state().describe()

    @property
    def encrypted(self) -> bool:
        """Whether the link to the server is https (plain http is allowed by the profile only)."""
        return self.client.encrypted

    # --- reading ------------------------------------------------------------------------

    async def check(self, *, attempts: int = 1) -> None:
        await self.client.ping(attempts=attempts)

    async def load(self, *, since: int | None = None) -> AsyncIterator[Batch]:
        users = await self._user_names()
        keys: set[str] = set()
        async for batch in self._listing(keys, users, self.queue):
            yield batch
        self._forget_unlisted(keys)
        self._last_pass = (self._clock(), frozenset(keys))

    async def export_batches(self, status: str | None = None) -> AsyncIterator[Batch]:
        if status is not None:
            self.status(status)  # KeyError for a status Log360 does not have
        users = await self._user_names()
        async for batch in self._listing(set(), users, (status,) if status else ()):
            yield batch

    async def census(self, held: Sequence[tuple[str, datetime | None]] = ()) -> Census:
        # The list cannot be narrowed by creation time: always every key (the pass is the census).
        last, self._last_pass = self._last_pass, None
        if last is not None and self._clock() - last[0] <= CENSUS_REUSE_SECONDS:
            return Census(last[1])
        keys: set[str] = set()
        async for _ in self._listing(keys, self._users or self.profile_users, self.queue):
            pass
        self._forget_unlisted(keys)
        return Census(frozenset(keys))

    async def fetch(self, key: str) -> Incident:
        incident = await self.client.get_incident(key, listed=self._listed.get(key),
                                                  users=self._users or self.profile_users, priority=INTERACTIVE)
        return self.versions.stamp(incident)

    # --- acting -------------------------------------------------------------------------
    status_actions = (
        StatusAction(OPEN, "reopen", "Reopened", "reopening"),
        StatusAction(IN_PROGRESS, "start", "Started", "starting"),
        StatusAction(CLOSED, "close", "Closed", "closing"),
    )
    delete_needs = None

    async def set_status(self, incidents: tuple[Incident, ...], status: str, report: Report) -> None:
        label = self.status(status).label  # KeyError for a status Log360 does not have
        reporter = Reporter(report)
        for incident in incidents:
            if reporter.stopped:
                return
            key = incident.key
            if incident.status == status:
                await reporter(Outcome(key, "already"))
                continue
            current = self._as_sent(incident)
            outcome = await interruptible((key,), reporter, self._settled(
                key, lambda: self.client.update_merged(current, status=status, priority=INTERACTIVE)), reason=INTERRUPTED)
            await reporter(outcome)
            if outcome.result == "done":
                self._listed[key] = self._changed(current, status=label)
            elif outcome.result == "unknown":
                checked = await self._status_check(current, status, outcome.reason)
                if checked is not None:
                    await reporter(checked)

    async def delete(self, incidents: tuple[Incident, ...], report: Report) -> None:
        await self._delete_keys(tuple(dict.fromkeys(incident.key for incident in incidents)), Reporter(report))

    # --- edits --------------------------------------------------------------------------

    async def users(self) -> tuple[User, ...]:
        # The API has no "who am I": the profile's ``me`` says.
        return tuple(User(user_id, name, me=user_id == self.me) for user_id, name in (await self._user_names()).items())

    async def edit(self, incidents: tuple[Incident, ...], change: Change, report: Report, *,
                   overwrite: bool = False) -> None:
        wire = self._wire_change(change)
        reporter = Reporter(report)
        lacking = sorted(name for name in change.fields()
                         if name in FIELD_CAPABILITIES and FIELD_CAPABILITIES[name] not in self.capabilities)
        for incident in incidents:
            if reporter.stopped:
                return
            key, caller = incident.key, self._as_sent(incident)
            listed = self._listed.get(key)
            if lacking:
                await reporter(Outcome(key, "failed", f"this session may not change the {', '.join(lacking)}"))
            elif not overwrite and listed is not None and fingerprint(listed) != fingerprint(caller):
                # A later listing shows it.
                await reporter(Outcome(key, "failed", CONFLICT, conflict=True, theirs=self._differences(caller, listed)))
            elif self._already(caller, change):  # as set_status: no request for what is so
                await reporter(Outcome(key, "already"))
            else:
                await self._edit_one(caller, change, wire, reporter, overwrite=overwrite)

    async def create(self, draft: Change) -> Incident:
        if draft.title is None or not draft.title.strip():
            raise InvalidParameter("An incident needs a name.")
        wire = self._wire_change(draft)
        try:
            key = await self.client.create_incident(
                name=draft.title, description=draft.description, severity=draft.severity, status=draft.status,
                assignee=draft.assignee or None, due_date=wire.get("due_date"), notes=wire.get("notes", ()),
                priority=INTERACTIVE)
        except PermissionDenied as error:
            self._denied(error)
            raise
        # What was sent stands in for the listing until the next pass, when the server's copy cannot be read.
        sent = self._changed(Incident(key, draft.title, document=Document.pack({"incident_id": int(key)})), **_raw_fields(wire, self.client.tz))
        try:
            users = await self._user_names()
            newest = await self.client.list_incidents(limit=CREATED_LOOKUP, users=users, priority=INTERACTIVE)
            listed = next((incident for incident in newest.incidents if incident.key == key), sent)
            created = self.versions.stamp(await self.client.get_incident(key, listed=listed, users=users,
                                                                         priority=INTERACTIVE))
        except ApiError:  # it was made all the same
            created = self.versions.stamp(sent)
        self._listed[key] = created
        self._unseen_from[key] = self._next_second()
        return created

    def edited(self, incident: Incident, change: Change) -> Incident:
        wire = self._wire_change(change)
        changed = self._changed(self._as_sent(incident), **_raw_fields(wire, self.client.tz))
        if "notes" in wire and isinstance(incident.raw.get("notes"), list):
            notes = [*incident.raw["notes"], *({"note": note} for note in wire["notes"])]
            changed = self._changed(changed, notes=notes)
        return replace(changed, version=incident.version)

    def reverse(self, incident: Incident, change: Change) -> Change:
        return Change(
            severity=incident.severity if change.severity is not UNCHANGED else UNCHANGED,
            assignee=log360_fields(incident).assignee_id if change.assignee is not UNCHANGED else UNCHANGED,
            status=incident.status if change.status is not UNCHANGED else UNCHANGED,
        )

    # --- table, filter and details (declared in their modules) ---------------------------
    columns = COLUMNS
    filter_fields = filters.FILTER_FIELDS
    events_heading = incident_details.EVENTS_HEADING
    no_events_note = incident_details.NO_EVENTS_NOTE

    def searchable_text(self, incident: Incident) -> Iterable[str]:
        return filters.searchable_text(incident)

    def details(self, incident: Incident) -> tuple[Section, ...]:
        return incident_details.details(incident, now=self.clock())

    def lookups(self, incident: Incident) -> tuple[Lookup, ...]:
        def counted(load: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
            async def load_and_count() -> Any:
                answer = await load()
                self._count(incident.version, answer)
                return answer
            return load_and_count

        return tuple(replace(lookup, load=counted(lookup.load)) for lookup in incident_details.lookups(self.client, incident))

    def incomplete(self, incident: Incident) -> bool:
        # Counts read before the listing last changed may be out of date too: read again.  Counts read
        # for the detail pane are current but not yet on the row: completing puts them there.
        return self._counts_outdated(incident) or self._with_counts(incident) is not incident

    def _counts_outdated(self, incident: Incident) -> bool:
        counted = self._counts.get(incident.key)
        return counted is None or counted[0] < incident.version

    async def complete(self, incident: Incident) -> Incident:
        if self._counts_outdated(incident):
            detail = await self.client.get_incident(incident.key, listed=incident,
                                                    users=self._users or self.profile_users, priority=BACKGROUND)
            self._count(incident.version, detail)
        return self._with_counts(incident)

    async def aclose(self) -> None:
        await self.client.aclose()

    # -------------------------------------------------------------- internals

    async def _user_names(self) -> dict[str, str]:
        """Names by user id: the server's users list, read once, or the profile's map when the
        server has no list or this token may not read it."""
        if self._users is None:
            try:
                self._users = user_names(await self.client.users(priority=BACKGROUND))
            except (NotFound, MissingScope):
                self._users = dict(self.profile_users)
        return self._users

    async def _listing(
        self, keys: set[str], users: Mapping[str, str], statuses: tuple[str, ...]
    ) -> AsyncIterator[Batch]:
        """One paced pass, newest first, of every incident (or those of ``statuses``), each once:
        ``keys`` collects what it listed.  Every incident is stamped with its version and kept as
        the last listed copy."""
        for status in statuses or (None,):
            asked = _whole_second(self._wall_clock())
            async for page in self.client.iter_pages(page_size=MAX_PAGE, status=status, users=users,
                                                     priority=BACKGROUND):
                fresh = []
                for incident in page.incidents:
                    if incident.key in keys:  # the list moved between pages: listed already
                        continue
                    keys.add(incident.key)
                    stamped = self.versions.stamp(incident)
                    if self._unseen_from.get(incident.key, asked) <= asked:  # not edited here since it was asked
                        self._listed[incident.key] = stamped
                        self._unseen_from[incident.key] = asked
                    fresh.append(self._with_counts(stamped))
                yield Batch(tuple(fresh), page.unreadable)
                asked = _whole_second(self._wall_clock())  # the next page is asked for after this

    def _forget_unlisted(self, keys: set[str]) -> None:
        """After a completed pass of the queue: what it did not list has gone from it."""
        gone = self._listed.keys() - keys
        self.versions.forget(gone)
        for key in gone:
            del self._listed[key]
            self._unseen_from.pop(key, None)
            self._counts.pop(key, None)

    def _count(self, version: int, detail: Incident) -> None:
        """Keep the evidence and notes counts of ``detail`` (a get-one answer) as of ``version``."""
        fields = log360_fields(detail)
        if fields.evidence_count is not None and fields.notes_count is not None:
            self._counts[detail.key] = (version, fields.evidence_count, fields.notes_count)

    def _with_counts(self, incident: Incident) -> Incident:
        """``incident`` (as listed) with the last counts read for it, even ones since outdated:
        a number a minute old says more than a blank, and ``incomplete`` has it read again."""
        counted = self._counts.get(incident.key)
        fields = log360_fields(incident)
        if counted is None or (fields.evidence_count, fields.notes_count) == counted[1:]:
            return incident
        return replace(incident, extras=replace(fields, evidence_count=counted[1], notes_count=counted[2]))

    def _as_sent(self, incident: Incident) -> Incident:
        """``incident``'s record as the server last sent it, read in this session's time zone (a
        cached copy was read in the local one), so the whole record goes back unchanged."""
        if not incident.raw:
            return incident
        return self._changed(incident)

    def _changed(self, incident: Incident, **wire: str) -> Incident:
        """``incident``'s document read again in this session's zone and with its users, with the
        ``wire`` fields set as this session set them."""
        return parse_incident({**incident.raw, **wire}, tz=self.client.tz, users=self._users or self.profile_users,
                              key=incident.key)

    async def _settled(self, key: str, send: Callable[[], Awaitable[object]]) -> Outcome:
        """Send once (the client retries only what the server refused for the rate) and say what became of ``key``."""
        return await settled(key, send, not_found=NOT_FOUND, on_denied=self._denied)

    def _denied(self, error: PermissionDenied) -> None:
        if isinstance(error, MissingScope):
            self._missing_scopes.add(error.scope)

    async def _status_check(self, sent: Incident, status: str, reason: str) -> Outcome | None:
        """After an unanswered status change: whether ``sent`` has ``status`` now, as a checked
        outcome; None when the server cannot tell.  The get-one answer has no status (unless a
        server sends one), so the list filtered by status and by the fields the change re-sent
        is read, newest first, down to the incident's id."""
        key = sent.key
        try:
            detail = await self.client.get_incident(key, priority=INTERACTIVE)
        except NotFound:
            return Outcome(key, "gone", NOT_FOUND, checked=True)
        except ApiError:
            return None
        told = normalise_status(detail.raw.get("status"))
        if told is None:
            listed = await self._listed_with(sent, status)
            if listed is None:
                return None
            told = status if listed else None
        if told == status:
            self._listed[key] = self._changed(sent, status=self.status(status).label)
            return Outcome(key, "done", checked=True)
        return Outcome(key, "failed", reason, checked=True)

    async def _listed_with(self, sent: Incident, status: str) -> bool | None:
        """Whether the list of ``status`` (with ``sent``'s severity and assignee) holds ``sent``;
        None when it was not reached within CHECK_PAGES pages, or the list could not be read."""
        target = int(sent.key)
        assignee = log360_fields(sent).assignee_id or UNASSIGNED
        pages = self.client.iter_pages(page_size=MAX_PAGE, status=status, severity=sent.severity or None,
                                       assignee=assignee, priority=INTERACTIVE)
        try:
            read = 0
            async for page in pages:
                if any(incident.key == sent.key for incident in page.incidents):
                    return True
                read += 1
                if page.size == 0 or any(int(incident.key) < target for incident in page.incidents):
                    return False  # newest first: the list is past where it would be
                    return False
                if read >= CHECK_PAGES:
                    return None
            return False
        except ApiError:
            return None
        finally:
            await pages.aclose()

    def _wire_change(self, change: Change) -> dict[str, Any]:
        """``change`` as ``update_merged``'s keywords; ValueError for a change that is not one."""
        if not change.fields():
            raise ValueError("an edit needs at least one field")
        wire: dict[str, Any] = {}
        if change.severity is not UNCHANGED:
            if change.severity not in {spec.id for spec in self.severities}:
                raise ValueError(f"no severity {change.severity!r}")
            wire["severity"] = change.severity
        if change.status is not UNCHANGED:
            if change.status not in {spec.id for spec in self.statuses}:
                raise ValueError(f"no status {change.status!r}")
            wire["status"] = change.status
        if change.assignee is not UNCHANGED:
            wire["assignee"] = change.assignee or UNASSIGNED
        if change.due is not UNCHANGED:
            wire["due_date"] = None if change.due == NO_DUE_DATE else change.due
        if change.note is not UNCHANGED:
            if not change.note.strip():
                raise ValueError("an empty note")
            wire["notes"] = (change.note,)
        if change.title is not UNCHANGED:
            if not change.title.strip():
                raise ValueError("an incident needs a name")
            wire["name"] = change.title
        if change.description is not UNCHANGED:
            wire["description"] = change.description
        return wire

    def _already(self, incident: Incident, change: Change) -> bool:
        """Whether ``incident`` (as the caller saw it) already is as ``change`` would make it."""
        if change.note is not UNCHANGED:
            return False
        extras = log360_fields(incident)
        wanted = {
            "severity": (change.severity, incident.severity),
            "status": (change.status, incident.status),
            "assignee": (change.assignee, extras.assignee_id),
            "title": (change.title, incident.title),
            "description": (change.description, extras.description),
            "due": (None if change.due == NO_DUE_DATE else change.due, extras.due_date),
        }
        return all(want == have for name, (want, have) in wanted.items() if getattr(change, name) is not UNCHANGED)

    async def _edit_one(self, caller: Incident, change: Change, wire: dict[str, Any], reporter: Reporter, *,
                        overwrite: bool) -> None:
        """Re-read ``caller``'s incident; send the change unless someone changed it since (or
        ``overwrite`` says to all the same: the re-read still gives the record sent)."""
        key = caller.key
        listed = self._listed.get(key)
        try:
            current = await self.client.get_incident(key, listed=listed or caller, users=self._users or self.profile_users,
                                                     priority=INTERACTIVE)
        except NotFound:
            await reporter(Outcome(key, "gone", NOT_FOUND))
            return
        except ApiError as error:  # nothing was sent
            if isinstance(error, PermissionDenied):
                self._denied(error)
            await reporter(Outcome(key, "failed", f"could not re-read it first: {error}",
                                   denied=isinstance(error, PermissionDenied)))
            return
        self._count(caller.version, current)
        theirs = () if overwrite else self._changed_since(caller, current)
        if theirs:
            await reporter(Outcome(key, "failed", CONFLICT, conflict=True, theirs=theirs))
            return
        outcome = await interruptible((key,), reporter, self._settled(
            key, lambda: self.client.update_merged(current, priority=INTERACTIVE, **wire)), reason=INTERRUPTED)
        await reporter(outcome)
        if outcome.result == "done":
            self._took(current, wire)
        elif outcome.result == "unknown":
            checked = await self._edit_check(current, change, wire, outcome.reason)
            if checked is not None:
                await reporter(checked)

    def _changed_since(self, caller: Incident, current: Incident) -> tuple[str, ...]:
        """What the server's ``current`` copy shows changed that ``caller`` has not seen, one line
        each (none: nothing): other fields (a server whose get-one answer has them), or later
        activity records other than notes."""
        if fingerprint(current) != fingerprint(caller):
            return self._differences(caller, current)
        unseen_from = self._unseen_from.get(caller.key)
        if unseen_from is None:  # not listed this session (a cached copy): anything after its last update
            if caller.updated is None:
                return ("not listed since Roost started, and its last change time is unknown",)
            unseen_from = _whole_second(caller.updated) + _SECOND
        return tuple(f"{entry.time:%Y-%m-%d %H:%M:%S}  {entry.description or entry.activity}"
                     for entry in log360_fields(current).activity
                     if entry.time is not None and entry.time >= unseen_from and not _note_only(entry.activity))

    def _differences(self, caller: Incident, theirs: Incident) -> tuple[str, ...]:
        """The listed fields ``theirs`` has otherwise than ``caller``, one "field: was → now" line each."""
        mine, now = log360_fields(caller), log360_fields(theirs)

        labels = {spec.id: spec.label for spec in (*self.severities, *self.statuses)}

        def severity(incident: Incident) -> str:
            return labels.get(incident.severity, incident.severity) if incident.severity else "none"

        def status(incident: Incident) -> str:
            return labels.get(incident.status, incident.status)

        def due(fields: Any) -> str:
            return f"{fields.due_date:%Y-%m-%d %H:%M}" if fields.due_date is not None else "none"

        pairs = (
            ("name", caller.title, theirs.title),
            ("description", _first_line(mine.description), _first_line(now.description)),
            ("severity", severity(caller), severity(theirs)),
            ("status", status(caller), status(theirs)),
            ("assignee", caller.assignee or "nobody", theirs.assignee or "nobody"),
            ("due", due(mine), due(now)),
        )
        lines = tuple(f"{field}: {was} → {now_}" for field, was, now_ in pairs if was != now_)
        return lines or ("changed on the console (Roost cannot tell which field)",)

    def _took(self, sent: Incident, wire: dict[str, Any]) -> None:
        """The server took ``wire`` on ``sent``: keep the result as listed, and this session's own
        activity record (this second's) as seen."""
        self._listed[sent.key] = self._changed(sent, **_raw_fields(wire, self.client.tz))
        self._unseen_from[sent.key] = self._next_second()
        counted = self._counts.get(sent.key)
        if counted is not None and wire.get("notes"):  # a note changes no listed field: count it here
            self._counts[sent.key] = (counted[0], counted[1], counted[2] + len(wire["notes"]))

    def _next_second(self) -> datetime:
        return _whole_second(self._wall_clock()) + _SECOND

    async def _edit_check(self, sent: Incident, change: Change, wire: dict[str, Any], reason: str) -> Outcome | None:
        """After an unanswered edit: whether it landed, as a checked outcome; None when the server
        cannot tell.  One request carried it all, so a note found means it landed; without a note
        the list filtered by the new status, severity and assignee is read for the incident."""
        key = sent.key
        expected = self._changed(sent, **_raw_fields(wire, self.client.tz))
        if change.note is not UNCHANGED:
            try:
                detail = await self.client.get_incident(key, priority=INTERACTIVE)
            except NotFound:
                return Outcome(key, "gone", NOT_FOUND, checked=True)
            except ApiError:
                return None
            landed: bool | None = any(note.text == change.note for note in log360_fields(detail).notes)
        else:
            found = await self._listed_as(expected)
            landed = None if found is None else found is not False and fingerprint(found) == fingerprint(expected)
        if landed is None:
            return None
        if landed:
            self._took(sent, wire)
            return Outcome(key, "done", checked=True)
        return Outcome(key, "failed", reason, checked=True)

    async def _listed_as(self, expected: Incident) -> Incident | bool | None:
        """``expected``'s incident as the list filtered by its status, severity and assignee has it;
        False when that list does not hold it; None when it was not reached within CHECK_PAGES
        pages, or the list could not be read."""
        target = int(expected.key)
        pages = self.client.iter_pages(page_size=MAX_PAGE, status=expected.status, severity=expected.severity or None,
                                       assignee=log360_fields(expected).assignee_id or UNASSIGNED,
                                       priority=INTERACTIVE)
        try:
            for _ in range(CHECK_PAGES):
                page = await anext(pages, None)
                if page is None:
                    return False
                found = next((incident for incident in page.incidents if incident.key == expected.key), None)
                if found is not None:
                    return found
                if page.size == 0 or any(int(incident.key) < target for incident in page.incidents):
                    return False  # newest first: the list is past where it would be
            return None
        except ApiError:
            return None
        finally:
            await pages.aclose()

    async def _delete_keys(self, keys: tuple[str, ...], reporter: Reporter) -> None:
        """Delete ``keys`` in calls of at most 100, each id's outcome from its call's answer."""
        calls = self.client.delete_in_batches(keys, batch=MAX_DELETE, priority=INTERACTIVE)
        sent = 0
        try:
            while not reporter.stopped and sent < len(keys):
                call = await interruptible(keys[sent : sent + MAX_DELETE], reporter, anext(calls), reason=INTERRUPTED)
                sent += len(call.keys)
                await self._delete_answered(call, reporter)
        finally:
            await calls.aclose()

    async def _delete_answered(self, call: DeleteCall, reporter: Reporter) -> None:
        error = call.error
        if error is None:
            for key in call.keys:
                await reporter(Outcome(key, "done"))
        elif isinstance(error, NotFound) and len(call.keys) > 1:
            # The server deletes none of a call naming one it does not have: halve it until
            # each unknown id is alone, so the others are still deleted.
            half = len(call.keys) // 2
            for part in (call.keys[:half], call.keys[half:]):
                if not reporter.stopped:
                    await self._delete_keys(part, reporter)
        elif isinstance(error, NotFound):
            await reporter(Outcome(call.keys[0], "gone", NOT_FOUND))
        elif isinstance(error, PermissionDenied):
            self._denied(error)
            for key in call.keys:
                await reporter(Outcome(key, "failed", f"not permitted: {error}", denied=True))
        elif error.may_have_acted:
            for key in call.keys:
                await reporter(Outcome(key, "unknown", str(error)))
            for key in call.keys:
                checked = await self._delete_check(key, str(error))
                if checked is not None:
                    await reporter(checked)
        else:
            for key in call.keys:
                await reporter(Outcome(key, "failed", str(error)))

    async def _delete_check(self, key: str, reason: str) -> Outcome | None:
        """After an unanswered delete: whether the server still has ``key``, as a checked outcome."""
        try:
            await self.client.get_incident(key, priority=INTERACTIVE)
        except NotFound:
            return Outcome(key, "done", checked=True)
        except ApiError:
            return None
        return Outcome(key, "failed", reason, checked=True)


def _whole_second(moment: datetime) -> datetime:
    """``moment`` without its fraction: the server's times are to the second."""
    return moment.replace(microsecond=0)


def _first_line(text: str, limit: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _note_only(activity: str) -> bool:
    """An activity record of notes added ("Incident Notes Added"): nothing anyone set is overwritten."""
    return "notes added" in activity.lower()


def _raw_fields(wire: Mapping[str, Any], tz: Any) -> dict[str, Any]:
    """An edit's ``update_merged`` keywords as the list's raw fields, for the copy this session keeps."""
    raw: dict[str, Any] = {}
    if "name" in wire:
        raw["incident_name"] = wire["name"]
    if "description" in wire:
        raw["incident_description"] = wire["description"]
    if "severity" in wire:
        raw["severity"] = wire["severity"]
    if "status" in wire:
        raw["status"] = wire["status"]
    if "assignee" in wire:
        raw["assign_to"] = wire["assignee"]
    if "due_date" in wire:
        due = wire["due_date"]
        raw["due_date"] = None if due is None else wire_time(due, tz)
    return raw
