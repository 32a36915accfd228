"""Acknowledge, unacknowledge and delete.  No Textual here.

Every action names its targets as a frozen tuple of incident keys taken when
the key was pressed; a refresh cannot change what an action touches.
Acknowledge and unacknowledge apply optimistically and roll back what failed;
they set a state, so a transient failure is retried a few times.  Delete is
preceded by an archive on disk: no archive, no delete; it is sent once.  The
console deletes only acknowledged incidents, so an unacknowledged one (the
dialog's explicit D) is acknowledged first, then deleted; if that acknowledge
fails, it is not deleted.  When a failure may hide an action the console did (a
timeout, a cut-off answer), the console is asked before anything is said.

Every action that reaches the console is appended to the audit log.  A delete
is recorded as requested before anything is sent (no audit, no delete), then
incident by incident as each outcome is known, so a session killed part way
leaves every delete it learnt of on record; an outcome no answer told is
recorded as unknown, and again once the console has been asked.  Acknowledge
and unacknowledge batches are recorded when they finish.

Bulk actions by filter (``act_by_filter``) use the console's bulk endpoints on
what ``bulk.count_matching`` counted; a delete by filter archives every counted
incident first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Mapping, Protocol, TypeVar

from .backends.errors import ApiError, NotFound, PermissionDenied
from .archive import archive_before_delete
from .backoff import retry_wait
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
from .bulk import Action, BulkPreview
from .backends.canary.parse import BulkResult
from .model import Incident
from .store import ChangeSet, IncidentStore

DEFAULT_CONCURRENCY = 8
# Tries per acknowledge/unacknowledge, and per read asking how an action ended, on transient errors.
ATTEMPTS = 3
# Seconds before the first retry, doubling after; a Retry-After is honoured up to the cap.
RETRY_DELAY = 0.5
RETRY_WAIT_MAX = 10.0
#: Called with (done, total) as the requests of one action complete.
Progress = Callable[[int, int], None]
T = TypeVar("T")

# Reasons the rollback logic recognises.
REASON_NOT_FOUND = "not found on the console"
REASON_DENIED = "not permitted"

REASON_INTERRUPTED = "interrupted before the console answered"
ACKNOWLEDGED_FIRST = "acknowledged first, to delete it"

_PAST = {"acknowledge": "Acknowledged", "unacknowledge": "Unacknowledged", "delete": "Deleted"}


class ActionClient(Protocol):
    async def acknowledge(self, key: str) -> Any: ...
    async def unacknowledge(self, key: str) -> Any: ...
    async def delete(self, key: str) -> Any: ...
    async def fetch(self, incident: str | None = None, **kwargs: Any) -> Incident: ...
    async def acknowledge_many(self, **filters: Any) -> BulkResult: ...
    async def unacknowledge_many(self, **filters: Any) -> BulkResult: ...
    async def delete_many(self, *, include_unacknowledged: bool = False, **filters: Any) -> BulkResult: ...


@dataclass(frozen=True)
class ActionResult:
    action: Action
    targets: tuple[str, ...]
    succeeded: tuple[str, ...] = ()
    #: (key, one-line reason) for each incident the console did not change.
    failed: tuple[tuple[str, str], ...] = ()
    #: Targets that were already in the wanted state, so nothing was sent.
    skipped: tuple[str, ...] = ()
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
    #: Delete only: unacknowledged incidents acknowledged before their delete was sent.
    acknowledged_first: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failed and not self.error and not self.unarchived

    def summary(self) -> str:
        """One line for a toast."""
        if self.error:
            return self.error
        if self.by_filter:
            return self._filter_summary()
        if self.action == "delete":
            return self._delete_summary()
        noun = "incident" if len(self.targets) == 1 else "incidents"
        verb = _PAST[self.action]
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

    def _delete_summary(self) -> str:
        deleted, gone = len(self.succeeded), len(self.already_gone)
        if not deleted and not self.failed and gone:
            were = "was" if gone == 1 else "were"
            line = f"Nothing deleted: {_incidents(gone)} {were} already gone (deleted elsewhere first)"
        else:
            line = f"Deleted {deleted} of {len(self.targets)}" if self.failed else f"Deleted {_incidents(deleted)}"
            if self.acknowledged_first:
                line += f" ({len(self.acknowledged_first)} acknowledged first)"
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
        line = f"{_PAST[self.action]} {touched} incident{'' if touched == 1 else 's'} {self.by_filter}"
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


@dataclass
class _DeleteBatch:
    """What one delete learns as its answers arrive (read even when it is cut short)."""

    #: Said on every audit line of the batch: which archive holds these incidents.
    detail: str
    acknowledged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    #: Set once an audit line could not be written: nothing more is sent.
    audit_error: str = ""


@dataclass
class Triage:
    client: ActionClient
    store: IncidentStore
    archive_dir: Path
    audit: AuditLog | None = None
    on_change: Callable[[ChangeSet], None] = lambda changes: None
    concurrency: int = DEFAULT_CONCURRENCY
    read_only: bool = False
    retry_delay: float = RETRY_DELAY

    # ``known``: incidents the caller has seen that the store may not hold (search results).
    # ``progress``: told (done, total) as the console answers.

    async def acknowledge(
        self, keys: tuple[str, ...], *, known: Mapping[str, Incident] = {}, progress: Progress | None = None
    ) -> ActionResult:
        return await self._set_acknowledged("acknowledge", keys, True, known, progress)

    async def unacknowledge(
        self, keys: tuple[str, ...], *, known: Mapping[str, Incident] = {}, progress: Progress | None = None
    ) -> ActionResult:
        return await self._set_acknowledged("unacknowledge", keys, False, known, progress)

    async def delete(
        self, keys: tuple[str, ...], *, known: Mapping[str, Incident] = {}, progress: Progress | None = None
    ) -> ActionResult:
        """Archive, then per incident: acknowledge it if it is not, then delete it; each outcome audited at once."""
        targets = tuple(keys)
        if self.read_only:
            return ActionResult("delete", targets, error="Read-only session: nothing was deleted.")
        incidents = [incident for key in targets if (incident := self._current(key, known)) is not None]
        if not incidents:
            return ActionResult("delete", targets, error="Those incidents are no longer loaded: nothing was deleted.")
        try:
            archive = await asyncio.to_thread(archive_before_delete, incidents, self.archive_dir)
        except OSError as error:
            return ActionResult("delete", targets, error=self._no_archive(error))
        batch = _DeleteBatch(detail=f"archive {archive}")
        unacknowledged = sum(1 for incident in incidents if not incident.acknowledged)
        first = f" · {unacknowledged} to acknowledge first" if unacknowledged else ""
        # Before anything is sent: a session killed mid-batch leaves what it may have deleted on record.
        batch.audit_error = await self._record("delete", [i.key for i in incidents], REQUESTED, batch.detail + first)
        if batch.audit_error:
            return ActionResult("delete", targets, archive=archive,
                                error=f"{batch.audit_error}: nothing was deleted (archived to {archive}).")
        try:
            work = {incident.key: partial(self._acknowledge_then_delete, incident, batch) for incident in incidents}
            answers = await self._each(work, progress)
        finally:  # cut short too: the view shows what the console was seen to do
            self._emit(self.store.set_acknowledged([k for k in batch.acknowledged if k not in batch.gone], True))
            self._emit(self.store.apply((), removed=batch.gone))
        sent = {incident.key for incident in incidents}
        return ActionResult(
            "delete",
            targets,
            succeeded=tuple(key for key, answer in answers if answer.result in (DELETED, DELETED_AFTER_UNKNOWN)),
            failed=tuple((key, answer.reason) for key, answer in answers if not answer.done)
            + tuple((key, "no longer loaded") for key in targets if key not in sent),
            archive=archive,
            permission_denied=self._denied(answers),
            audit_error=batch.audit_error,
            already_gone=tuple(key for key, answer in answers if answer.result == ALREADY_GONE),
            acknowledged_first=tuple(batch.acknowledged),
        )

    async def _acknowledge_then_delete(self, incident: Incident, batch: _DeleteBatch) -> _Answer:
        key = incident.key
        if batch.audit_error:
            return _Answer(FAILED, f"not sent: {batch.audit_error}")
        if not incident.acknowledged:  # the console refuses to delete it as it is
            acknowledged = await self._interruptible("acknowledge", key, batch, self._send_one("acknowledge", key))
            if acknowledged.reason == REASON_NOT_FOUND:
                acknowledged = _Answer(ALREADY_GONE)
            detail = f"{ACKNOWLEDGED_FIRST} · {batch.detail}"
            if not acknowledged.done:
                detail += f" · {acknowledged.reason}"
            await self._record_for(batch, "acknowledge", key, acknowledged.result, detail)
            if acknowledged.result == ALREADY_GONE:
                batch.gone.append(key)
                return acknowledged
            if not acknowledged.done:
                return replace(acknowledged, reason=f"not acknowledged, so not deleted: {acknowledged.reason}")
            batch.acknowledged.append(key)
            if batch.audit_error:
                return _Answer(FAILED, f"acknowledged but not deleted: {batch.audit_error}")
        return await self._delete_one(key, batch)

    async def _delete_one(self, key: str, batch: _DeleteBatch) -> _Answer:
        """Send one delete, once; record its outcome, and when no answer told it, ask and record again."""
        try:
            await self._interruptible("delete", key, batch, self.client.delete(key))
            answer = _Answer(DELETED)
        except NotFound:
            answer = _Answer(ALREADY_GONE)
        except PermissionDenied as error:
            answer = _Answer(FAILED, f"{REASON_DENIED}: {error}", denied=True)
        except ApiError as error:
            if not error.may_have_acted:
                answer = _Answer(FAILED, str(error))
            else:
                await self._record_for(batch, "delete", key, UNKNOWN, f"{batch.detail} · {error}")
                answer = await self._was_deleted(key, error)
                if answer.result == UNKNOWN:  # still unknown: its line is written already
                    return answer
        if answer.result in (DELETED, DELETED_AFTER_UNKNOWN, ALREADY_GONE):
            batch.gone.append(key)
        detail = batch.detail if answer.done else f"{batch.detail} · {answer.reason}"
        await self._record_for(batch, "delete", key, answer.result, detail)
        return answer

    async def _was_deleted(self, key: str, error: ApiError) -> _Answer:
        """After a delete with no telling answer: whether the incident is gone, from a fetch."""
        try:
            await self._retrying(lambda: self.client.fetch(key))
        except NotFound:
            return _Answer(DELETED_AFTER_UNKNOWN)
        except ApiError:
            return _Answer(UNKNOWN, f"outcome unknown ({error}); press r to check")
        return _Answer(NOT_DELETED_AFTER_UNKNOWN, str(error))

    async def _interruptible(self, action: Action, key: str, batch: _DeleteBatch, request: Awaitable[T]) -> T:
        """Await ``request``; if the session ends while it is in flight, record its outcome as unknown."""
        try:
            return await request
        except asyncio.CancelledError:
            # No awaiting here: the task is being torn down.  A plain write still lands.
            if self.audit is not None:
                try:
                    self.audit.record(action, [key], UNKNOWN, f"{batch.detail} · {REASON_INTERRUPTED}")
                except OSError:
                    pass
            raise

    async def _set_acknowledged(
        self,
        action: Action,
        keys: tuple[str, ...],
        value: bool,
        known: Mapping[str, Incident],
        progress: Progress | None,
    ) -> ActionResult:
        targets = tuple(keys)
        if self.read_only:
            return ActionResult(action, targets, error=f"Read-only session: nothing was {_PAST[action].lower()}.")
        before = {key: incident for key in targets if (incident := self._current(key, known)) is not None}
        to_send = [key for key, incident in before.items() if incident.acknowledged != value]
        skipped = tuple(key for key in before if key not in to_send)
        gone = [(key, "no longer loaded") for key in targets if key not in before]
        self._emit(self.store.set_acknowledged(to_send, value))
        try:
            answers = await self._each({key: partial(self._send_one, action, key) for key in to_send}, progress)
        except BaseException:  # a bug, or cancelled: show what the console last said, not what was hoped
            self._emit(self.store.restore(before[key] for key in to_send))
            raise
        failed = [(key, answer.reason) for key, answer in answers if not answer.done]
        vanished = [key for key, reason in failed if reason == REASON_NOT_FOUND]
        rollback = [before[key] for key, reason in failed if reason != REASON_NOT_FOUND]
        if rollback:
            self._emit(self.store.restore(rollback))
        if vanished:
            self._emit(self.store.apply((), removed=vanished))
        succeeded = tuple(key for key, answer in answers if answer.done)
        audit_error = await self._record_batch(action, answers)
        return ActionResult(
            action,
            targets,
            succeeded,
            tuple(failed + gone),
            skipped=skipped,
            permission_denied=self._denied(answers),
            audit_error=audit_error,
        )

    async def act_by_filter(self, preview: BulkPreview) -> ActionResult:
        """One bulk call for ``preview.request``; a delete archives every counted incident first."""
        request = preview.request
        action, counted, by_filter = request.action, preview.keys, request.describe()
        if self.read_only:
            return ActionResult(action, counted, error=f"Read-only session: nothing was {_PAST[action].lower()}.")
        archive = None
        audited = f"{action} by filter"
        including = request.include_unacknowledged and action == "delete"
        # What the console was asked, for the audit: the filters, and whether unacknowledged ones go too.
        asked = f"{by_filter} · including unacknowledged" if including else by_filter
        if action == "delete":
            try:
                incidents = await self._full_incidents(preview.incidents)
                archive = await asyncio.to_thread(archive_before_delete, incidents, self.archive_dir)
            except ApiError as error:
                return ActionResult(action, counted, error=f"Could not fetch what to archive ({error}): nothing was deleted.")
            except OSError as error:
                return ActionResult(action, counted, error=self._no_archive(error))
            # Recorded before it is sent, as a single delete is: no audit, no delete.
            audit_error = await self._record(audited, counted, REQUESTED, f"{asked} · archive {archive}")
            if audit_error:
                return ActionResult(action, counted, archive=archive,
                                    error=f"{audit_error}: nothing was deleted (archived to {archive}).")
        detail = f"{asked} · archive {archive}" if archive else asked
        options = {"include_unacknowledged": True} if including else {}
        try:
            touched: BulkResult = await self._bulk_sender(action)(**request.filters(), **options)
        except ApiError as error:
            unknown = error.may_have_acted
            maybe = " The console may have acted: press r to check." if unknown else ""
            audit_error = await self._record(audited, counted, UNKNOWN if unknown else FAILED, f"{detail} · {error}")
            return ActionResult(
                action, counted, error=f"Bulk {action} {by_filter} failed: {error}.{maybe}", archive=archive,
                by_filter=by_filter, permission_denied=isinstance(error, PermissionDenied), audit_error=audit_error,
            )
        keys = tuple(touched.keys)
        if action == "delete":
            self._emit(self.store.apply((), removed=keys))
        else:
            self._emit(self.store.set_acknowledged(keys, action == "acknowledge"))
        archived = set(counted)
        unarchived = tuple(key for key in keys if key not in archived) if action == "delete" else ()
        audit_error = await self._record(audited, keys, DELETED if action == "delete" else SUCCESS, detail)
        if unarchived:
            problem = await self._record(audited, unarchived, DELETED_WITHOUT_ARCHIVE, "matched only after the count")
            audit_error = audit_error or problem
        return ActionResult(action, counted, keys, archive=archive, by_filter=by_filter, unarchived=unarchived,
                            audit_error=audit_error)

    async def _full_incidents(self, counted: tuple[Incident, ...]) -> list[Incident]:
        """Each incident as the feed delivered it (the store's copy) or as the console fetches it: whole, for the archive."""
        missing = [incident.key for incident in counted if incident.key not in self.store]
        gate = asyncio.Semaphore(self.concurrency)

        async def fetch(key: str) -> Incident:
            async with gate:
                return await self.client.fetch(key)

        fetched = {incident.key: incident for incident in await asyncio.gather(*(fetch(key) for key in missing))}
        return [self.store.get(incident.key) or fetched[incident.key] for incident in counted]

    def _sender(self, action: Action) -> Callable[[str], Awaitable[Any]]:
        """The client's call for one incident's ``action`` (named, not built from a string)."""
        if action == "acknowledge":
            return self.client.acknowledge
        if action == "unacknowledge":
            return self.client.unacknowledge
        return self.client.delete

    def _bulk_sender(self, action: Action) -> Callable[..., Awaitable[BulkResult]]:
        if action == "acknowledge":
            return self.client.acknowledge_many
        if action == "unacknowledge":
            return self.client.unacknowledge_many
        return self.client.delete_many

    def _current(self, key: str, known: Mapping[str, Incident]) -> Incident | None:
        return self.store.get(key) or known.get(key)

    def _no_archive(self, error: OSError) -> str:
        reason = error.strerror or type(error).__name__
        return f"Could not write the archive in {self.archive_dir} ({reason}): nothing was deleted."

    async def _each(
        self, work: Mapping[str, Callable[[], Awaitable[_Answer]]], progress: Progress | None = None
    ) -> list[tuple[str, _Answer]]:
        """Each key's ``work()``, at most ``concurrency`` at a time; (key, answer) in the order given.

        A key's work, its audit lines included, ends before its slot goes to the next key.
        """
        gate = asyncio.Semaphore(self.concurrency)
        done = 0

        async def run(key: str, job: Callable[[], Awaitable[_Answer]]) -> tuple[str, _Answer]:
            nonlocal done
            async with gate:
                answer = await job()
            done += 1
            if progress is not None:
                progress(done, len(work))
            return key, answer

        return list(await asyncio.gather(*(run(key, job) for key, job in work.items())))

    async def _send_one(self, action: Action, key: str) -> _Answer:
        """Acknowledge or unacknowledge one incident (retried: it sets a state); done when the console did it or had."""
        try:
            send = self._sender(action)
            await self._retrying(lambda: send(key))
            return _Answer(SUCCESS)
        except NotFound:
            return _Answer(FAILED, REASON_NOT_FOUND)
        except PermissionDenied as error:
            return _Answer(FAILED, f"{REASON_DENIED}: {error}", denied=True)
        except ApiError as error:
            if error.may_have_acted:
                return await self._outcome_unknown(action, key, error)
            return _Answer(FAILED, str(error))

    async def _outcome_unknown(self, action: Action, key: str, error: ApiError) -> _Answer:
        """Whether the console did ``action`` to ``key`` after all, from a fetch."""
        try:
            incident = await self._retrying(lambda: self.client.fetch(key))
        except NotFound:
            return _Answer(FAILED, REASON_NOT_FOUND)
        except ApiError:
            return _Answer(UNKNOWN, f"outcome unknown ({error}); press r to check")
        return _Answer(SUCCESS) if incident.acknowledged == (action == "acknowledge") else _Answer(FAILED, str(error))


    async def _retrying(self, call: Callable[[], Awaitable[T]], *, retry: bool = True) -> T:
        """``call()``, repeated after transient errors while attempts remain; the last error is raised."""
        attempt = 1
        while True:
            try:
                return await call()
            except ApiError as error:
                if not (retry and error.transient and attempt < ATTEMPTS):
                    raise
                wait = retry_wait(error, attempt, first=self.retry_delay, cap=RETRY_WAIT_MAX)
            await asyncio.sleep(wait)
            attempt += 1

    @staticmethod
    def _denied(answers: list[tuple[str, _Answer]]) -> bool:
        return any(answer.denied for _, answer in answers)

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

    async def _record_batch(self, action: Action, answers: list[tuple[str, _Answer]]) -> str:
        """An acknowledge or unacknowledge batch: one line for what was done, one per other result and reason."""
        groups: dict[tuple[str, str], list[str]] = {}
        for key, answer in answers:
            groups.setdefault((answer.result, answer.reason), []).append(key)
        problems = []
        for (result, reason), keys in sorted(groups.items(), key=lambda group: (group[0][1] != "", group[0])):
            problems.append(await self._record(action, keys, result, reason))
        return next((problem for problem in problems if problem), "")
