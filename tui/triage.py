"""Acknowledge, unacknowledge and delete.  No Textual here.

Every action names its targets as a frozen tuple of incident keys taken when
the key was pressed; a refresh cannot change what an action touches.
Acknowledge and unacknowledge apply optimistically and roll back what failed;
they set a state, so a transient failure is retried a few times.  Delete is
preceded by an archive on disk: no archive, no delete; it is sent once.  When a
failure may hide an action the console did (a timeout, a cut-off answer), the
console is asked before anything is said.  Every action that reaches the
console is appended to the audit log.

Bulk actions by filter (``act_by_filter``) use the console's bulk endpoints on
what ``bulk.count_matching`` counted; a delete by filter archives every counted
incident first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping, Protocol, TypeVar

from .api.errors import ApiError, NotFound, PermissionDenied, RateLimited, TransportError
from .archive import archive_before_delete
from .audit import AuditLog
from .bulk import Action, BulkPreview
from .model import BulkResult, Incident
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

    @property
    def ok(self) -> bool:
        return not self.failed and not self.error and not self.unarchived

    def summary(self) -> str:
        """One line for a toast."""
        if self.error:
            return self.error
        if self.by_filter:
            return self._filter_summary()
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
    _audit_errors: list[str] = field(default_factory=list, repr=False)

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
        outcomes = await self._send_all("delete", [incident.key for incident in incidents], progress)
        succeeded = tuple(key for key, reason in outcomes if reason is None)
        failed = tuple((key, reason) for key, reason in outcomes if reason is not None)
        self._emit(self.store.apply((), removed=succeeded))
        return self._finish(
            ActionResult("delete", targets, succeeded, failed, archive=archive, permission_denied=self._denied(outcomes))
        )

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
            outcomes = await self._send_all(action, to_send, progress)
        except BaseException:  # a bug, or cancelled: show what the console last said, not what was hoped
            self._emit(self.store.restore(before[key] for key in to_send))
            raise
        failed = [(key, reason) for key, reason in outcomes if reason is not None]
        vanished = [key for key, reason in failed if reason == REASON_NOT_FOUND]
        rollback = [before[key] for key, reason in failed if reason != REASON_NOT_FOUND]
        if rollback:
            self._emit(self.store.restore(rollback))
        if vanished:
            self._emit(self.store.apply((), removed=vanished))
        succeeded = tuple(key for key, reason in outcomes if reason is None)
        return self._finish(
            ActionResult(
                action,
                targets,
                succeeded,
                tuple(failed + gone),
                skipped=skipped,
                permission_denied=self._denied(outcomes),
            )
        )

    async def act_by_filter(self, preview: BulkPreview) -> ActionResult:
        """One bulk call for ``preview.request``; a delete archives every counted incident first."""
        request = preview.request
        action, counted, by_filter = request.action, preview.keys, request.describe()
        if self.read_only:
            return ActionResult(action, counted, error=f"Read-only session: nothing was {_PAST[action].lower()}.")
        archive = None
        if action == "delete":
            try:
                incidents = await self._full_incidents(preview.incidents)
                archive = await asyncio.to_thread(archive_before_delete, incidents, self.archive_dir)
            except ApiError as error:
                return ActionResult(action, counted, error=f"Could not fetch what to archive ({error}): nothing was deleted.")
            except OSError as error:
                return ActionResult(action, counted, error=self._no_archive(error))
        options = {"include_unacknowledged": True} if action == "delete" and request.include_unacknowledged else {}
        try:
            touched: BulkResult = await getattr(self.client, f"{action}_many")(**request.filters(), **options)
        except ApiError as error:
            maybe = " The console may have acted: press r to check." if isinstance(error, TransportError) else ""
            return self._finish(
                ActionResult(action, counted, error=f"Bulk {action} {by_filter} failed: {error}.{maybe}",
                             archive=archive, by_filter=by_filter, permission_denied=isinstance(error, PermissionDenied))
            )
        keys = tuple(touched.keys)
        if action == "delete":
            self._emit(self.store.apply((), removed=keys))
        else:
            self._emit(self.store.set_acknowledged(keys, action == "acknowledge"))
        archived = set(counted)
        unarchived = tuple(key for key in keys if key not in archived) if action == "delete" else ()
        return self._finish(
            ActionResult(action, counted, keys, archive=archive, by_filter=by_filter, unarchived=unarchived)
        )

    async def _full_incidents(self, counted: tuple[Incident, ...]) -> list[Incident]:
        """Each incident as the feed delivered it (the store's copy) or as the console fetches it: whole, for the archive."""
        missing = [incident.key for incident in counted if incident.key not in self.store]
        gate = asyncio.Semaphore(self.concurrency)

        async def fetch(key: str) -> Incident:
            async with gate:
                return await self.client.fetch(key)

        fetched = {incident.key: incident for incident in await asyncio.gather(*(fetch(key) for key in missing))}
        return [self.store.get(incident.key) or fetched[incident.key] for incident in counted]

    def _current(self, key: str, known: Mapping[str, Incident]) -> Incident | None:
        return self.store.get(key) or known.get(key)

    def _no_archive(self, error: OSError) -> str:
        reason = error.strerror or type(error).__name__
        return f"Could not write the archive in {self.archive_dir} ({reason}): nothing was deleted."

    async def _send_all(
        self, action: Action, keys: list[str], progress: Progress | None = None
    ) -> list[tuple[str, str | None]]:
        """Send one request per key, at most ``concurrency`` at a time; (key, failure reason or None)."""
        gate = asyncio.Semaphore(self.concurrency)
        done = 0

        async def send(key: str) -> tuple[str, str | None]:
            nonlocal done
            async with gate:
                outcome = key, await self._send_one(action, key)
            done += 1
            if progress is not None:
                progress(done, len(keys))
            return outcome

        return list(await asyncio.gather(*(send(key) for key in keys)))

    async def _send_one(self, action: Action, key: str) -> str | None:
        """Send one action; None when the console did it (or had already), else why not."""
        try:
            # Acknowledging sets a state: sending it again is harmless.  A delete is sent once.
            await self._retrying(lambda: getattr(self.client, action)(key), retry=action != "delete")
            return None
        except NotFound:
            return None if action == "delete" else REASON_NOT_FOUND  # a deleted incident is gone already
        except PermissionDenied as error:
            return f"{REASON_DENIED}: {error}"
        except ApiError as error:
            # A 429 is refused before anything happens; after any other transient
            # failure the console may have acted: ask it before saying anything.
            if error.transient and not isinstance(error, RateLimited):
                return await self._outcome_unknown(action, key, error)
            return str(error)

    async def _outcome_unknown(self, action: Action, key: str, error: ApiError) -> str | None:
        """Whether the console did ``action`` to ``key`` after all (None), from a fetch."""
        try:
            incident = await self._retrying(lambda: self.client.fetch(key))
        except NotFound:
            return None if action == "delete" else REASON_NOT_FOUND
        except ApiError:
            return f"outcome unknown ({error}); press r to check"
        done = action != "delete" and incident.acknowledged == (action == "acknowledge")
        return None if done else str(error)

    async def _retrying(self, call: Callable[[], Awaitable[T]], *, retry: bool = True) -> T:
        """``call()``, repeated after transient errors while attempts remain; the last error is raised."""
        attempt = 1
        while True:
            try:
                return await call()
            except ApiError as error:
                if not (retry and error.transient and attempt < ATTEMPTS):
                    raise
                wait = self.retry_delay * 2 ** (attempt - 1)
                if isinstance(error, RateLimited) and error.retry_after is not None:
                    wait = min(error.retry_after, RETRY_WAIT_MAX)
            await asyncio.sleep(wait)
            attempt += 1

    @staticmethod
    def _denied(outcomes: list[tuple[str, str | None]]) -> bool:
        return any(reason and reason.startswith(REASON_DENIED) for _, reason in outcomes)

    def _emit(self, changes: ChangeSet) -> None:
        if changes:
            self.on_change(changes)

    def _finish(self, result: ActionResult) -> ActionResult:
        """Audit what reached the console: successes, failures, and a bulk call that failed."""
        if self.audit is None or not (result.succeeded or result.failed or result.by_filter):
            return result
        action = f"{result.action} by filter" if result.by_filter else result.action
        detail = " · ".join(part for part in (result.by_filter, str(result.archive or "")) if part)
        try:
            if result.error:
                self.audit.record(action, result.targets, "failed", f"{detail} · {result.error}")
            elif result.succeeded or result.by_filter:
                self.audit.record(action, result.succeeded, "success", detail)
            if result.unarchived:
                self.audit.record(action, result.unarchived, "deleted without archive", "matched only after the count")
            for reason in sorted({reason for _, reason in result.failed}):
                keys = [key for key, why in result.failed if why == reason]
                self.audit.record(action, keys, "failed", reason)
        except OSError as error:
            return replace(result, audit_error=f"Audit log not written: {error.strerror}")
        return result
