"""Acknowledge, unacknowledge and delete.  No Textual here.

Every action names its targets as a frozen tuple of incident keys taken when
the key was pressed; a refresh cannot change what an action touches.
Acknowledge and unacknowledge apply optimistically and roll back what failed.
Delete is preceded by an archive on disk: no archive, no delete.  Every action
that reaches the console is appended to the audit log.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Literal, Protocol

from .api.errors import ApiError, NotFound, PermissionDenied, TransportError
from .archive import archive_before_delete
from .audit import AuditLog
from .model import Incident
from .store import ChangeSet, IncidentStore

Action = Literal["acknowledge", "unacknowledge", "delete"]
DEFAULT_CONCURRENCY = 8

# Reasons the rollback logic recognises.
REASON_NOT_FOUND = "not found on the console"
REASON_DENIED = "not permitted"

_PAST = {"acknowledge": "Acknowledged", "unacknowledge": "Unacknowledged", "delete": "Deleted"}


class ActionClient(Protocol):
    async def acknowledge(self, key: str) -> Any: ...
    async def unacknowledge(self, key: str) -> Any: ...
    async def delete(self, key: str) -> Any: ...
    async def fetch(self, incident: str | None = None, **kwargs: Any) -> Incident: ...


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

    @property
    def ok(self) -> bool:
        return not self.failed and not self.error

    def summary(self) -> str:
        """One line for a toast."""
        if self.error:
            return self.error
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


@dataclass
class Triage:
    client: ActionClient
    store: IncidentStore
    archive_dir: Path
    audit: AuditLog | None = None
    on_change: Callable[[ChangeSet], None] = lambda changes: None
    concurrency: int = DEFAULT_CONCURRENCY
    read_only: bool = False
    _audit_errors: list[str] = field(default_factory=list, repr=False)

    async def acknowledge(self, keys: tuple[str, ...]) -> ActionResult:
        return await self._set_acknowledged("acknowledge", keys, True)

    async def unacknowledge(self, keys: tuple[str, ...]) -> ActionResult:
        return await self._set_acknowledged("unacknowledge", keys, False)

    async def delete(self, keys: tuple[str, ...]) -> ActionResult:
        targets = tuple(keys)
        if self.read_only:
            return ActionResult("delete", targets, error="Read-only session: nothing was deleted.")
        incidents = [incident for key in targets if (incident := self.store.get(key)) is not None]
        if not incidents:
            return ActionResult("delete", targets, error="Those incidents are no longer loaded: nothing was deleted.")
        try:
            archive = await asyncio.to_thread(archive_before_delete, incidents, self.archive_dir)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            return ActionResult(
                "delete",
                targets,
                error=f"Could not write the archive in {self.archive_dir} ({reason}): nothing was deleted.",
            )
        outcomes = await self._send_all("delete", [incident.key for incident in incidents])
        succeeded = tuple(key for key, reason in outcomes if reason is None)
        failed = tuple((key, reason) for key, reason in outcomes if reason is not None)
        self._emit(self.store.apply((), removed=succeeded))
        return self._finish(
            ActionResult("delete", targets, succeeded, failed, archive=archive, permission_denied=self._denied(outcomes))
        )

    async def _set_acknowledged(self, action: Action, keys: tuple[str, ...], value: bool) -> ActionResult:
        targets = tuple(keys)
        if self.read_only:
            return ActionResult(action, targets, error=f"Read-only session: nothing was {_PAST[action].lower()}.")
        before = {key: incident for key in targets if (incident := self.store.get(key)) is not None}
        to_send = [key for key, incident in before.items() if incident.acknowledged != value]
        skipped = tuple(key for key in before if key not in to_send)
        gone = [(key, "no longer loaded") for key in targets if key not in before]
        self._emit(self.store.set_acknowledged(to_send, value))
        outcomes = await self._send_all(action, to_send)
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

    async def _send_all(self, action: Action, keys: list[str]) -> list[tuple[str, str | None]]:
        """Send one request per key, at most ``concurrency`` at a time; (key, failure reason or None)."""
        gate = asyncio.Semaphore(self.concurrency)

        async def send(key: str) -> tuple[str, str | None]:
            async with gate:
                return key, await self._send_one(action, key)

        return list(await asyncio.gather(*(send(key) for key in keys)))

    async def _send_one(self, action: Action, key: str) -> str | None:
        try:
            await getattr(self.client, action)(key)
            return None
        except NotFound:
            if action == "delete":
                return None  # already gone: the wanted outcome
            return REASON_NOT_FOUND
        except PermissionDenied as error:
            return f"{REASON_DENIED}: {error}"
        except TransportError as error:
            if action != "delete":
                return str(error)
            # The delete may have happened: ask the console before saying anything.
            return await self._delete_outcome_unknown(key, error)
        except ApiError as error:
            return str(error)

    async def _delete_outcome_unknown(self, key: str, error: ApiError) -> str | None:
        try:
            await self.client.fetch(key)
        except NotFound:
            return None
        except ApiError:
            return f"outcome unknown ({error}); press r to check"
        return str(error)

    @staticmethod
    def _denied(outcomes: list[tuple[str, str | None]]) -> bool:
        return any(reason and reason.startswith(REASON_DENIED) for _, reason in outcomes)

    def _emit(self, changes: ChangeSet) -> None:
        if changes:
            self.on_change(changes)

    def _finish(self, result: ActionResult) -> ActionResult:
        if self.audit is None or not (result.succeeded or result.failed):
            return result
        try:
            if result.succeeded:
                self.audit.record(result.action, result.succeeded, "success", str(result.archive or ""))
            for reason in sorted({reason for _, reason in result.failed}):
                keys = [key for key, why in result.failed if why == reason]
                self.audit.record(result.action, keys, "failed", reason)
        except OSError as error:
            return replace(result, audit_error=f"Audit log not written: {error.strerror}")
        return result
