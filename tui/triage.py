"""Set status and delete, through the session's backend.  No Textual here.

Every action names its targets as a frozen tuple of incident keys taken when
the key was pressed; a refresh cannot change what an action touches.  A status
change applies optimistically and rolls back what failed; each incident
remembers the status it had, which is what undo puts back.  Delete is preceded
by an archive on disk: no archive, no delete.  Sending, retrying what is safe to
repeat, a step the console needs first (Canary deletes only acknowledged
incidents, so it acknowledges them first) and asking the console how an
unanswered request ended are the backend's business; it reports each outcome
here, and waits for this side to write it down.

Every action that reaches the console is appended to the audit log.  A delete
is recorded as requested before anything is sent (no audit, no delete), then
incident by incident as each outcome is known, so a session killed part way
leaves every delete it learnt of on record; an outcome no answer told is
recorded as unknown, and again once the console has been asked.  A request in
flight when the session ends is recorded as unknown (interrupted).  Status
batches are recorded when they finish.

Bulk actions by filter (``act_by_filter``) send what the backend counted
(``Backend.count_matching``); a delete by filter archives every counted incident
first.

Edits (``edit``: assign, severity, due date, note, name and description, or a
status with a note) go the way of a status change: shown at once as the backend
says they will look (``Backend.edited``), rolled back where they failed, audited
per batch with what was set.  One the backend finds changed on the console since
the analyst looked is a conflict: nothing was sent, and the analyst refreshes
first.  Undo puts back a status, a severity or an assignee (``Backend.reverse``);
a note, a due date or a text cannot be taken back.  ``create`` makes a new
incident and shows it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from .archive import archive_before_delete
from .audit import (
    ALREADY_GONE,
    DELETED,
    DELETED_AFTER_UNKNOWN,
    DELETED_WITHOUT_ARCHIVE,
    FAILED,
    NOT_DELETED_AFTER_UNKNOWN,
    REQUESTED,
    SUCCESS,
    UNKNOWN,
    AuditLog,
)
from .backends.base import NO_DUE_DATE, UNCHANGED, Backend, BulkPreview, Change, Outcome, StopSending
from .backends.errors import ApiError, PermissionDenied
from .model import Incident
from .store import ChangeSet, IncidentStore

#: Called with (done, total) as the requests of one action complete.
Progress = Callable[[int, int], None]
# Whole incidents fetched at once for a delete by filter's archive.
ARCHIVE_FETCHES = 8

# Reasons the rollback logic recognises.
REASON_NOT_FOUND = "not found on the console"

DELETE = "delete"
CREATE = "create"
#: The audit log's word for an edit of one kind of field (several kinds: "edit").
EDIT_ACTIONS = {"assignee": "assign", "severity": "severity", "due": "due", "note": "note",
                "title": "edit", "description": "edit"}
#: Fields undo can put back; for the others, what z says instead.
UNDOABLE = ("severity", "assignee", "status")
_CANNOT_UNDO = {"note": "z cannot undo a note", "due": "z cannot undo a due date",
                "title": "z cannot undo an edit of the name", "description": "z cannot undo an edit of the description"}


@dataclass(frozen=True)
class ActionResult:
    #: The audit log's word for it: a ``StatusAction.verb``, or "delete".
    action: str
    targets: tuple[str, ...]
    succeeded: tuple[str, ...] = ()
    #: (key, one-line reason) for each incident the console did not change.
    failed: tuple[tuple[str, str], ...] = ()
    #: Targets that already had the wanted status, so nothing was sent.
    skipped: tuple[str, ...] = ()
    #: The toast's word for it: "Acknowledged", "Deleted".
    past: str = ""
    #: The status it set; "" for a delete.
    status: str = ""
    #: (key, status before) of each incident whose status it changed: what undo puts back.
    previous: tuple[tuple[str, str], ...] = ()
    archive: Path | None = None
    #: Set when nothing could be attempted (e.g. the archive failed).
    error: str = ""
    permission_denied: bool = False
    audit_error: str = ""
    #: A bulk action by filter: its filters as a phrase (``targets`` are what was counted first).
    by_filter: str = ""
    #: Deleted by filter without being in the archive: they matched only after the count.
    unarchived: tuple[str, ...] = ()
    #: Delete only: the console no longer knew them (someone deleted them first); not counted as deleted.
    already_gone: tuple[str, ...] = ()
    #: Delete only: incidents given the status the console deletes from before their delete was sent,
    #: and that status's word ("acknowledged").
    readied: tuple[str, ...] = ()
    readied_as: str = ""
    #: An edit: the change it sent.
    change: Change | None = None
    #: An edit: what it set, in words ("d.mwangi", "Critical", "2026-12-01 17:00"); "" for none.
    value: str = ""
    #: An edit: per incident it changed, the change that puts back what it had (what undo sends).
    restores: tuple[tuple[str, Change], ...] = ()
    #: An edit that cannot be undone: what z says instead ("z cannot undo a note").
    undo_refusal: str = ""
    #: Failed because they changed on the console since the analyst looked: nothing was sent.
    conflicts: tuple[str, ...] = ()
    #: Per conflict, what changed on the console, one line each (the console's words: clean them).
    theirs: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failed and not self.error and not self.unarchived

    def summary(self) -> str:
        """One line for a toast ("" when an edit did nothing: ``problems`` says why)."""
        if self.error:
            return self.error
        if self.by_filter:
            return self._filter_summary()
        if self.action == CREATE:
            return f"Created incident {self.succeeded[0]}"
        if self.change is not None and not self.status:
            return self._edit_summary()
        if self.change is not None:  # a status, with a note
            if not self.succeeded:
                return self._edit_summary()
            return f"{self.past} {_incidents(len(self.succeeded))}{' with a note' if self.change.note else ''}"
        if not self.status:
            return self._delete_summary()
        noun = "incident" if len(self.targets) == 1 else "incidents"
        verb = self.past
        if not self.failed:
            line = f"{verb} {len(self.succeeded)} {noun}" if self.succeeded else f"Nothing to do: already {verb.lower()}"
            if self.skipped and self.succeeded:
                line += f" ({len(self.skipped)} already {verb.lower()})"
        else:
            reasons = sorted({reason for _, reason in self.failed})
            line = f"{verb} {len(self.succeeded)} of {len(self.targets)}; {len(self.failed)} failed: {reasons[0]}"
        if self.archive is not None:
            line += f" · archived to {self.archive}"
        return line

    def problems(self) -> tuple[str, ...]:
        """An edit's failures, one line each, for toasts after the summary (its conflicts are a
        question: the caller shows ``theirs`` and asks whether to send anyway)."""
        if self.change is None:
            return ()
        lines = []
        failed = [(key, reason) for key, reason in self.failed if key not in self.conflicts]
        if failed:
            reasons = sorted({reason for _, reason in failed})
            lines.append(f"{len(failed)} of {_incidents(len(self.targets))} not changed: {reasons[0]}")
        return tuple(lines)

    def _edit_summary(self) -> str:
        done = _incidents(len(self.succeeded))
        if not self.succeeded:
            return "Nothing to do: already so" if self.skipped and not self.failed else ""
        fields = self.change.fields() if self.change is not None else ()
        if fields == ("assignee",):
            return f"Assigned {done} to {self.value}" if self.value else f"Unassigned {done}"
        if fields == ("severity",):
            return f"Severity set to {self.value} on {done}"
        if fields == ("due",):
            return f"Due date set to {self.value} on {done}" if self.value else f"Due date cleared on {done}"
        if fields == ("note",):
            return f"Note added to {done}"
        return f"Edited {done}"

    def _delete_summary(self) -> str:
        deleted, gone = len(self.succeeded), len(self.already_gone)
        if not deleted and not self.failed and gone:
            were = "was" if gone == 1 else "were"
            line = f"Nothing deleted: {_incidents(gone)} {were} already gone (deleted elsewhere first)"
        else:
            line = f"Deleted {deleted} of {len(self.targets)}" if self.failed else f"Deleted {_incidents(deleted)}"
            if self.readied:
                line += f" ({len(self.readied)} {self.readied_as} first)"
            if gone:
                line += f"; {gone} already gone (deleted elsewhere first)"
            if self.failed:
                reasons = sorted({reason for _, reason in self.failed})
                line += f"; {len(self.failed)} failed: {reasons[0]}"
        if self.archive is not None:
            line += f" · archived to {self.archive}"
        return line

    def _filter_summary(self) -> str:
        touched = len(self.succeeded)
        line = f"{self.past} {touched} incident{'' if touched == 1 else 's'} {self.by_filter}"
        if touched != len(self.targets):
            line += f" (counted {len(self.targets)} before sending)"
        if self.archive is not None:
            line += f" · archived to {self.archive}"
        if self.unarchived:
            line += f" · {len(self.unarchived)} matched only after the count and are NOT in the archive"
        return line


def _incidents(count: int) -> str:
    return f"{count} incident{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class _Answer:
    """What became of one incident: its audit result, and why it was not done ("" when it was)."""

    result: str
    reason: str = ""
    #: The console refused because the token may not do this.
    denied: bool = False

    @property
    def done(self) -> bool:
        return not self.reason


def _unanswered(outcome: Outcome) -> str:
    return f"outcome unknown ({outcome.reason}); press r to check"


def _status_answer(outcome: Outcome) -> _Answer:
    """A status change's (or a step's) outcome as an audit result."""
    if outcome.result == "done":
        return _Answer(SUCCESS)
    if outcome.result == "gone":
        return _Answer(FAILED, REASON_NOT_FOUND)
    if outcome.result == "unknown":
        return _Answer(UNKNOWN, _unanswered(outcome))
    return _Answer(FAILED, outcome.reason, outcome.denied)


def _delete_answer(outcome: Outcome) -> _Answer:
    """A delete's own outcome as an audit result."""
    if outcome.checked:  # asked after an unknown: the console has it, or not
        if outcome.result == "done":
            return _Answer(DELETED_AFTER_UNKNOWN)
        return _Answer(NOT_DELETED_AFTER_UNKNOWN, outcome.reason)
    if outcome.result == "done":
        return _Answer(DELETED)
    if outcome.result == "gone":
        return _Answer(ALREADY_GONE)
    if outcome.result == "unknown":
        return _Answer(UNKNOWN, _unanswered(outcome))
    return _Answer(FAILED, outcome.reason, outcome.denied)


@dataclass
class _Answers:
    """Each incident's latest answer, in the order they arrive, with progress told on the first."""

    total: int
    progress: Progress | None
    by_key: dict[str, _Answer] = field(default_factory=dict)

    def take(self, key: str, answer: _Answer) -> None:
        first = key not in self.by_key
        self.by_key[key] = answer
        if first and self.progress is not None:
            self.progress(len(self.by_key), self.total)


@dataclass
class _DeleteBatch:
    """What one delete learns as its answers arrive (read even when it is cut short)."""

    #: Said on every audit line of the batch: which archive holds these incidents.
    detail: str
    answers: _Answers
    #: Given the status the console deletes from, as a step before their delete.
    readied: list[str] = field(default_factory=list)
    #: Whose step did not happen: their delete was not sent.
    not_readied: set[str] = field(default_factory=set)
    gone: list[str] = field(default_factory=list)
    #: Set once an audit line could not be written: nothing more is sent.
    audit_error: str = ""


@dataclass
class Triage:
    backend: Backend
    store: IncidentStore
    archive_dir: Path
    audit: AuditLog | None = None
    on_change: Callable[[ChangeSet], None] = lambda changes: None

    # ``known``: incidents the caller has seen that the store may not hold (search results).
    # ``progress``: told (done, total) as the console answers.

    async def set_status(
        self,
        keys: tuple[str, ...],
        status: str,
        *,
        known: Mapping[str, Incident] = {},
        progress: Progress | None = None,
    ) -> ActionResult:
        """Give each incident the declared status ``status``: shown at once, rolled back where it failed."""
        named = self.backend.status_action(status)
        targets = tuple(keys)
        if self.backend.read_only:
            return ActionResult(named.verb, targets, past=named.past, status=status,
                                error=f"Read-only session: nothing was {named.past.lower()}.")
        before = {key: incident for key in targets if (incident := self._current(key, known)) is not None}
        to_send = tuple(incident for incident in before.values() if incident.status != status)
        skipped = tuple(key for key, incident in before.items() if incident.status == status)
        gone = [(key, "no longer loaded") for key in targets if key not in before]
        answers = _Answers(len(to_send), progress)
        already: list[str] = []

        async def report(outcome: Outcome) -> None:
            if outcome.interrupted:  # the action is being cancelled: rolled back below
                return
            if outcome.result == "already":  # the console had it so: the view is right
                already.append(outcome.key)
                return
            answers.take(outcome.key, _status_answer(outcome))

        self._emit(self.store.set_status([incident.key for incident in to_send], status))
        try:
            await self.backend.set_status(to_send, status, report)
        except BaseException:  # a bug, or cancelled: show what the console last said, not what was hoped
            self._emit(self.store.restore(before[incident.key] for incident in to_send))
            raise
        ordered = [(incident.key, answers.by_key[incident.key]) for incident in to_send if incident.key in answers.by_key]
        failed = [(key, answer.reason) for key, answer in ordered if not answer.done]
        vanished = [key for key, reason in failed if reason == REASON_NOT_FOUND]
        rollback = [before[key] for key, reason in failed if reason != REASON_NOT_FOUND]
        if rollback:
            self._emit(self.store.restore(rollback))
        if vanished:
            self._emit(self.store.apply((), removed=vanished))
        succeeded = tuple(key for key, answer in ordered if answer.done)
        audit_error = await self._record_batch(named.verb, ordered)
        return ActionResult(
            named.verb,
            targets,
            succeeded,
            tuple(failed + gone),
            skipped=skipped + tuple(already),
            past=named.past,
            status=status,
            previous=tuple((key, before[key].status) for key in succeeded),
            permission_denied=any(answer.denied for _, answer in ordered),
            audit_error=audit_error,
        )

    async def edit(
        self,
        keys: tuple[str, ...],
        change: Change,
        *,
        known: Mapping[str, Incident] = {},
        progress: Progress | None = None,
        overwrite: bool = False,
    ) -> ActionResult:
        """Apply ``change`` to each incident: shown at once, rolled back where it failed or met a
        conflict.  ``overwrite``: sent over conflicts the analyst was shown (``Backend.edit``)."""
        targets = tuple(keys)
        try:
            action, past, status = self._edit_names(change)
        except KeyError:
            return ActionResult("edit", targets, error=f"Nothing was changed: no status {change.status!r}.")
        named = dict(past=past, status=status, change=change)
        if self.backend.read_only:
            return ActionResult(action, targets, error="Read-only session: nothing was changed.", **named)
        before = {key: incident for key in targets if (incident := self._current(key, known)) is not None}
        gone = [(key, "no longer loaded") for key in targets if key not in before]
        try:
            shown = {key: self.backend.edited(incident, change) for key, incident in before.items()}
        except ValueError as error:
            return ActionResult(action, targets, error=f"Nothing was changed: {error}.", **named)
        answers = _Answers(len(before), progress)
        already: list[str] = []
        conflicts: dict[str, tuple[str, ...]] = {}

        async def report(outcome: Outcome) -> None:
            if outcome.interrupted:  # the action is being cancelled: rolled back below
                return
            if outcome.result == "already":
                already.append(outcome.key)
                return
            if outcome.conflict:
                conflicts[outcome.key] = outcome.theirs
            answers.take(outcome.key, _status_answer(outcome))

        self._emit(self.store.show_pending([shown[key] for key in before if key in self.store]))
        try:
            await self.backend.edit(tuple(before.values()), change, report, overwrite=overwrite)
        except BaseException:  # a bug, or cancelled: show what the console last said, not what was hoped
            self._emit(self.store.restore(before.values()))
            raise
        ordered = [(key, answers.by_key[key]) for key in before if key in answers.by_key]
        failed = [(key, answer.reason) for key, answer in ordered if not answer.done]
        vanished = [key for key, reason in failed if reason == REASON_NOT_FOUND]
        unsent = [key for key in before if key not in answers.by_key and key not in already]  # stopped first
        rollback = [before[key] for key, reason in failed if reason != REASON_NOT_FOUND]
        if rollback or unsent:
            self._emit(self.store.restore(rollback + [before[key] for key in unsent]))
        if vanished:
            self._emit(self.store.apply((), removed=vanished))
        succeeded = tuple(key for key, answer in ordered if answer.done)
        audit_error = await self._record_batch(action, ordered, self._edit_detail(change, shown))
        undoable = any(name in UNDOABLE for name in change.fields())
        refusal = next((_CANNOT_UNDO[name] for name in change.fields() if name in _CANNOT_UNDO), "")
        return ActionResult(
            action,
            targets,
            succeeded,
            tuple(failed + gone),
            skipped=tuple(already),
            value=self._edit_value(change, shown),
            restores=tuple((key, self.backend.reverse(before[key], change)) for key in succeeded) if undoable else (),
            undo_refusal="" if undoable else refusal,
            conflicts=tuple(conflicts),
            theirs=tuple(conflicts.items()),
            permission_denied=any(answer.denied for _, answer in ordered),
            audit_error=audit_error,
            **named,
        )

    async def create(self, draft: Change) -> ActionResult:
        """A new incident from ``draft`` (title required), shown at once and audited."""
        if self.backend.read_only:
            return ActionResult(CREATE, (), past="Created", error="Read-only session: nothing was created.")
        try:
            incident = await self.backend.create(draft)
        except ApiError as error:
            audit_error = await self._record(CREATE, [], FAILED, str(error))
            return ActionResult(CREATE, (), past="Created", error=f"Not created: {error}",
                                permission_denied=isinstance(error, PermissionDenied), audit_error=audit_error)
        self._emit(self.store.apply([incident]))
        audit_error = await self._record(CREATE, [incident.key], SUCCESS, self._edit_detail(draft, {}))
        return ActionResult(CREATE, (incident.key,), (incident.key,), past="Created", audit_error=audit_error)

    def _edit_names(self, change: Change) -> tuple[str, str, str]:
        """(audit action, toast's past tense, status) of an edit: a status it sets names it."""
        if change.status is not UNCHANGED:
            named = self.backend.status_action(change.status)
            return named.verb, named.past, change.status
        actions = {EDIT_ACTIONS[name] for name in change.fields()}
        return (actions.pop() if len(actions) == 1 else "edit"), "", ""

    def _edit_value(self, change: Change, shown: Mapping[str, Incident]) -> str:
        """What an edit set, in words, for the toast."""
        if change.assignee:
            named = next(iter(shown.values()), None)  # the backend names the assignee as it will show
            return named.assignee if named is not None else change.assignee
        if change.severity is not UNCHANGED:
            return next((spec.label for spec in self.backend.severities if spec.id == change.severity),
                        change.severity)
        if change.due is not UNCHANGED and change.due != NO_DUE_DATE:
            return change.due.astimezone().strftime("%Y-%m-%d %H:%M")
        return ""

    def _edit_detail(self, change: Change, shown: Mapping[str, Incident]) -> str:
        """What an edit set, for its audit lines (a note's and a text's length, not their words)."""
        said = []
        for name in change.fields():
            value = getattr(change, name)
            if name == "assignee":
                said.append(f"assignee {self._edit_value(Change(assignee=value), shown) or 'nobody'} ({value or -1})"
                            if value else "assignee nobody")
            elif name == "due":
                said.append("due date cleared" if value == NO_DUE_DATE else f"due {value.isoformat()}")
            elif name in ("note", "title", "description"):
                said.append(f"{name} of {len(value):,} characters")
            else:
                said.append(f"{name} {value}")
        return " · ".join(said)

    async def delete(
        self, keys: tuple[str, ...], *, known: Mapping[str, Incident] = {}, progress: Progress | None = None
    ) -> ActionResult:
        """Archive, then delete each incident (with any step the console needs first); each outcome audited at once."""
        targets = tuple(keys)
        if self.backend.read_only:
            return ActionResult(DELETE, targets, past="Deleted", error="Read-only session: nothing was deleted.")
        incidents = tuple(incident for key in targets if (incident := self._current(key, known)) is not None)
        if not incidents:
            return ActionResult(DELETE, targets, past="Deleted",
                                error="Those incidents are no longer loaded: nothing was deleted.")
        try:
            archive = await asyncio.to_thread(archive_before_delete, list(incidents), self.archive_dir)
        except OSError as error:
            return ActionResult(DELETE, targets, past="Deleted", error=self._no_archive(error))
        batch = _DeleteBatch(detail=f"archive {archive}", answers=_Answers(len(incidents), progress))
        needs = self.backend.delete_needs
        first = ""
        if needs is not None:
            unready = sum(1 for incident in incidents if incident.status != needs)
            first = f" · {unready} to {self.backend.status_action(needs).verb} first" if unready else ""
        # Before anything is sent: a session killed mid-batch leaves what it may have deleted on record.
        batch.audit_error = await self._record(DELETE, [i.key for i in incidents], REQUESTED, batch.detail + first)
        if batch.audit_error:
            return ActionResult(DELETE, targets, past="Deleted", archive=archive,
                                error=f"{batch.audit_error}: nothing was deleted (archived to {archive}).")
        try:
            await self.backend.delete(incidents, lambda outcome: self._delete_reported(batch, outcome))
        finally:  # cut short too: the view shows what the console was seen to do
            if needs is not None:
                self._emit(self.store.set_status([k for k in batch.readied if k not in batch.gone], needs))
            self._emit(self.store.apply((), removed=batch.gone))
        readied_as = self.backend.status(needs).label.lower() if needs is not None else ""
        answers = [(incident.key, self._delete_outcome(batch, incident.key, readied_as)) for incident in incidents]
        sent = {incident.key for incident in incidents}
        return ActionResult(
            DELETE,
            targets,
            succeeded=tuple(key for key, answer in answers if answer.result in (DELETED, DELETED_AFTER_UNKNOWN)),
            failed=tuple((key, answer.reason) for key, answer in answers if not answer.done)
            + tuple((key, "no longer loaded") for key in targets if key not in sent),
            past="Deleted",
            archive=archive,
            permission_denied=any(answer.denied for _, answer in answers),
            audit_error=batch.audit_error,
            already_gone=tuple(key for key, answer in answers if answer.result == ALREADY_GONE),
            readied=tuple(batch.readied),
            readied_as=readied_as,
        )

    def _delete_outcome(self, batch: _DeleteBatch, key: str, readied_as: str) -> _Answer:
        """``key``'s answer, or why it was not sent (an audit line could not be written)."""
        answer = batch.answers.by_key.get(key)
        if answer is not None:
            return answer
        if key in batch.readied:
            return _Answer(FAILED, f"{readied_as} but not deleted: {batch.audit_error}")
        return _Answer(FAILED, f"not sent: {batch.audit_error}")

    async def _delete_reported(self, batch: _DeleteBatch, outcome: Outcome) -> None:
        """Write down one outcome of a delete before the backend sends the next request in its slot."""
        key = outcome.key
        action = outcome.step or DELETE
        if outcome.interrupted:
            # No awaiting here: the task is being torn down.  A plain write still lands.
            if self.audit is not None:
                try:
                    self.audit.record(action, [key], UNKNOWN, f"{batch.detail} · {outcome.reason}")
                except OSError:
                    pass
            return
        if outcome.step:
            await self._step_reported(batch, outcome)
        elif key in batch.not_readied:  # its step did not happen, so its delete was not sent: no line
            answer = _delete_answer(outcome)
            if answer.result == ALREADY_GONE:
                batch.gone.append(key)
            batch.answers.take(key, answer)
        elif outcome.result == "unknown":  # on record at once; the backend now asks the console
            await self._record_for(batch, DELETE, key, UNKNOWN, f"{batch.detail} · {outcome.reason}")
            batch.answers.take(key, _delete_answer(outcome))
        else:
            answer = _delete_answer(outcome)
            if answer.result in (DELETED, DELETED_AFTER_UNKNOWN, ALREADY_GONE):
                batch.gone.append(key)
            detail = batch.detail if answer.done else f"{batch.detail} · {answer.reason}"
            await self._record_for(batch, DELETE, key, answer.result, detail)
            batch.answers.take(key, answer)
        if batch.audit_error:
            raise StopSending(batch.audit_error)

    async def _step_reported(self, batch: _DeleteBatch, outcome: Outcome) -> None:
        key = outcome.key
        answer = _Answer(ALREADY_GONE) if outcome.result == "gone" else _status_answer(outcome)
        readied_as = self.backend.status(self.backend.delete_needs).label.lower() if self.backend.delete_needs else ""
        detail = f"{readied_as} first, to delete it · {batch.detail}"
        if not answer.done:
            detail += f" · {answer.reason}"
        await self._record_for(batch, outcome.step, key, answer.result, detail)
        if answer.result == SUCCESS:
            batch.readied.append(key)
        else:
            batch.not_readied.add(key)

    async def act_by_filter(self, preview: BulkPreview) -> ActionResult:
        """One bulk call for ``preview.request``; a delete archives every counted incident first."""
        request = preview.request
        deleting = request.status is None
        past = "Deleted" if deleting else self.backend.status_action(request.status).past
        counted, by_filter = preview.keys, request.describe
        action = request.verb
        if self.backend.read_only:
            return ActionResult(action, counted, past=past, status=request.status or "",
                                error=f"Read-only session: nothing was {past.lower()}.")
        archive = None
        audited = f"{action} by filter"
        if deleting:
            try:
                incidents = await self._full_incidents(preview.incidents)
                archive = await asyncio.to_thread(archive_before_delete, incidents, self.archive_dir)
            except ApiError as error:
                return ActionResult(action, counted, past=past,
                                    error=f"Could not fetch what to archive ({error}): nothing was deleted.")
            except OSError as error:
                return ActionResult(action, counted, past=past, error=self._no_archive(error))
            # Recorded before it is sent, as a single delete is: no audit, no delete.
            audit_error = await self._record(audited, counted, REQUESTED, f"{request.asked} · archive {archive}")
            if audit_error:
                return ActionResult(action, counted, past=past, archive=archive,
                                    error=f"{audit_error}: nothing was deleted (archived to {archive}).")
        detail = f"{request.asked} · archive {archive}" if archive else request.asked
        try:
            keys = tuple(await self.backend.act_on_matching(preview))
        except ApiError as error:
            unknown = error.may_have_acted
            maybe = " The console may have acted: press r to check." if unknown else ""
            audit_error = await self._record(audited, counted, UNKNOWN if unknown else FAILED, f"{detail} · {error}")
            return ActionResult(
                action, counted, past=past, status=request.status or "", archive=archive, by_filter=by_filter,
                error=f"Bulk {action} {by_filter} failed: {error}.{maybe}",
                permission_denied=isinstance(error, PermissionDenied), audit_error=audit_error,
            )
        previous: tuple[tuple[str, str], ...] = ()
        if request.status is None:
            self._emit(self.store.apply((), removed=keys))
        else:
            seen = {incident.key: incident for incident in preview.incidents}
            before = {key: incident for key in keys if (incident := self.store.get(key) or seen.get(key)) is not None}
            previous = tuple((key, incident.status) for key, incident in before.items() if incident.status != request.status)
            self._emit(self.store.set_status(keys, request.status))
        archived = set(counted)
        unarchived = tuple(key for key in keys if key not in archived) if deleting else ()
        audit_error = await self._record(audited, keys, DELETED if deleting else SUCCESS, detail)
        if unarchived:
            problem = await self._record(audited, unarchived, DELETED_WITHOUT_ARCHIVE, "matched only after the count")
            audit_error = audit_error or problem
        return ActionResult(action, counted, keys, past=past, status=request.status or "", previous=previous,
                            archive=archive, by_filter=by_filter, unarchived=unarchived, audit_error=audit_error)

    async def _full_incidents(self, counted: tuple[Incident, ...]) -> list[Incident]:
        """Each incident as the feed delivered it (the store's copy) or as the console fetches it: whole, for the archive."""
        missing = [incident.key for incident in counted if incident.key not in self.store]
        gate = asyncio.Semaphore(ARCHIVE_FETCHES)

        async def fetch(key: str) -> Incident:
            async with gate:
                return await self.backend.fetch(key)

        fetched = {incident.key: incident for incident in await asyncio.gather(*(fetch(key) for key in missing))}
        return [self.store.get(incident.key) or fetched[incident.key] for incident in counted]

    def _current(self, key: str, known: Mapping[str, Incident]) -> Incident | None:
        return self.store.get(key) or known.get(key)

    def _no_archive(self, error: OSError) -> str:
        reason = error.strerror or type(error).__name__
        return f"Could not write the archive in {self.archive_dir} ({reason}): nothing was deleted."

    def _emit(self, changes: ChangeSet) -> None:
        if changes:
            self.on_change(changes)

    # ------------------------------------------------------------------ audit

    async def _record(self, action: str, keys: Iterable[str], result: str, detail: str = "") -> str:
        """Append one audit line (fsynced, in a thread); "" when written, else what went wrong."""
        if self.audit is None:
            return ""
        try:
            await asyncio.to_thread(self.audit.record, action, list(keys), result, detail)
        except OSError as error:
            return f"Audit log not written ({error.strerror or type(error).__name__})"
        return ""

    async def _record_for(self, batch: _DeleteBatch, action: str, key: str, result: str, detail: str) -> None:
        """One incident's line in a delete batch; the first failure stops the batch sending more."""
        problem = await self._record(action, [key], result, detail)
        batch.audit_error = batch.audit_error or problem

    async def _record_batch(self, action: str, answers: list[tuple[str, _Answer]], what: str = "") -> str:
        """A status or edit batch: one line for what was done, one per other result and reason;
        ``what``: what an edit set, said on each line."""
        groups: dict[tuple[str, str], list[str]] = {}
        for key, answer in answers:
            groups.setdefault((answer.result, answer.reason), []).append(key)
        problems = []
        for (result, reason), keys in sorted(groups.items(), key=lambda group: (group[0][1] != "", group[0])):
            detail = " · ".join(part for part in (what, reason) if part)
            problems.append(await self._record(action, keys, result, detail))
        return next((problem for problem in problems if problem), "")
