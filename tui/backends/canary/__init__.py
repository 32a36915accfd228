"""Thinkst Canary Console (API v1) behind the backend contract.

Two statuses (unacknowledged, acknowledged); a watermark that is the highest
``updated_id`` seen, so a load after the first asks ``incidents_since`` for the
delta; a census that lists every key with one event each; and the console's rule
that only acknowledged incidents can be deleted, so ``delete`` acknowledges first
and reports that step.

This step of the refactor wraps the existing client (``tui.backends.canary.client``); the
client, its parsing and logtypes move into this package next.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator, Awaitable, Callable, Iterable

from .client import CanaryClient
from ..errors import ApiError, NotFound, PermissionDenied
from ...backoff import retry_wait
from ...model import Incident
from ..base import Backend, Batch, Capability, Census, Outcome, Report, Section, StatusSpec
from .parse import ACKNOWLEDGED, UNACKNOWLEDGED

PAGE_LIMIT = 500
CONCURRENCY = 8
# Acknowledge and unacknowledge set a state: sending one again is harmless.
ATTEMPTS = 3
RETRY_DELAY = 0.5
RETRY_WAIT_MAX = 10.0


class CanaryBackend(Backend):
    name = "canary"
    statuses = (
        StatusSpec(UNACKNOWLEDGED, "Unacknowledged", "●", is_open=True),
        StatusSpec(ACKNOWLEDGED, "Acknowledged", "✓", is_open=False),
    )

    def __init__(
        self,
        client: CanaryClient,
        *,
        read_only: bool = False,
        page_limit: int = PAGE_LIMIT,
        concurrency: int = CONCURRENCY,
        retry_delay: float = RETRY_DELAY,
    ) -> None:
        self.client = client
        self.read_only = read_only
        self.page_limit = page_limit
        self.concurrency = concurrency
        self.retry_delay = retry_delay

    @property
    def capabilities(self) -> frozenset[Capability]:
        readable = {Capability.HISTORY, Capability.SEARCH}
        return frozenset(readable if self.read_only else readable | {Capability.BULK_BY_FILTER, Capability.DELETE})

    async def check(self) -> None:
        await self.client.ping()

    async def load(self, *, since: int | None = None) -> AsyncIterator[Batch]:
        watermark = since
        query = {"incidents_since": since} if since else {}
        async for page in self.client.iter_feed("all", limit=self.page_limit, **query):
            if page.max_updated_id is not None:
                watermark = max(watermark or 0, page.max_updated_id)
            yield Batch(page.incidents, page.unreadable, watermark)

    async def census(self) -> Census:
        keys: set[str] = set()
        # One event per incident: the census needs keys, not bodies.
        async for page in self.client.iter_feed("all", limit=self.page_limit, event_limit=1):
            keys.update(incident.key for incident in page.incidents)
        return Census(frozenset(keys))

    async def fetch(self, key: str) -> Incident:
        return await self.client.fetch(key)

    async def set_status(self, incidents: tuple[Incident, ...], status: str, report: Report) -> None:
        send = self._sender(status)

        async def one(incident: Incident) -> None:
            if incident.status == status:
                await report(Outcome(incident.key, "already"))
            else:
                await report(await self._settled(incident.key, lambda: send(incident.key), retry=True))

        await _each(incidents, one, self.concurrency)

    async def delete(self, incidents: tuple[Incident, ...], report: Report) -> None:
        async def one(incident: Incident) -> None:
            await report(await self._delete_one(incident, report))

        await _each(incidents, one, self.concurrency)

    # --- table and sort (columns) ------------------------------------------------------
    columns = ()  # issue 9: declared in .columns

    # --- the / filter -------------------------------------------------------------------
    filter_fields = ()  # issue 9: declared in .filters

    def searchable_text(self, incident: Incident) -> Iterable[str]:
        raise NotImplementedError  # issue 9: .filters

    # --- details ------------------------------------------------------------------------

    def details(self, incident: Incident) -> tuple[Section, ...]:
        raise NotImplementedError  # issue 9: .details

    async def aclose(self) -> None:
        await self.client.aclose()

    # -------------------------------------------------------------- internals

    async def _delete_one(self, incident: Incident, report: Report) -> Outcome:
        key = incident.key
        if incident.status != ACKNOWLEDGED:  # the console refuses to delete it as it is
            acknowledged = await self._settled(key, lambda: self.client.acknowledge(key), retry=True)
            await report(_as_step(acknowledged, "acknowledge"))
            if acknowledged.result == "gone":
                return Outcome(key, "gone")
            if acknowledged.result != "done":
                return Outcome(key, acknowledged.result, f"not acknowledged, so not deleted: {acknowledged.reason}",
                               denied=acknowledged.denied)
        return await self._settled(key, lambda: self.client.delete(key), retry=False)

    def _sender(self, status: str) -> Callable[[str], Awaitable[str]]:
        senders = {ACKNOWLEDGED: self.client.acknowledge, UNACKNOWLEDGED: self.client.unacknowledge}
        if status not in senders:
            raise KeyError(f"no status {status!r} on a Canary console")
        return senders[status]

    async def _settled(self, key: str, send: Callable[[], Awaitable[object]], *, retry: bool) -> Outcome:
        """Send, retrying what is safe to repeat, and say what became of ``key``."""
        attempt = 1
        while True:
            try:
                await send()
                return Outcome(key, "done")
            except NotFound:
                return Outcome(key, "gone", "not found on the console")
            except PermissionDenied as error:
                return Outcome(key, "failed", f"not permitted: {error}", denied=True)
            except ApiError as error:
                if retry and error.transient and attempt < ATTEMPTS:
                    await asyncio.sleep(retry_wait(error, attempt, first=self.retry_delay, cap=RETRY_WAIT_MAX))
                    attempt += 1
                    continue
                return Outcome(key, "unknown" if error.may_have_acted else "failed", str(error))


def _as_step(outcome: Outcome, step: str) -> Outcome:
    return Outcome(outcome.key, outcome.result, outcome.reason, step=step, denied=outcome.denied)


async def _each(incidents: tuple[Incident, ...], work: Callable[[Incident], Awaitable[None]], concurrency: int) -> None:
    """``work`` on every incident, at most ``concurrency`` at a time; a slot is free again only when
    its work (the caller's report included) is done.  A bug in one stops the others and is raised."""
    gate = asyncio.Semaphore(concurrency)

    async def gated(incident: Incident) -> None:
        async with gate:
            await work(incident)

    async with asyncio.TaskGroup() as group:
        for incident in incidents:
            group.create_task(gated(incident))
