"""Thinkst Canary Console (API v1) behind the backend contract.

Two statuses (unacknowledged, acknowledged); ``updated_id`` as the version, so a
load after the first asks ``incidents_since`` for the delta; a census by difference (the
console's counts per window of creation time, narrowed down to where they disagree with the
caller's); and the console's rule
that only acknowledged incidents can be deleted, so ``delete`` acknowledges first
and reports that step.

Everything that knows Canary's wire lives in this package: ``client`` (HTTP, auth,
pagination, the console's error shapes), ``parse`` (its two incident shapes to the
neutral model, with Canary's own fields in ``CanaryFields``), ``logtypes``, ``config``
(``CANARY_API_*``, ``~/.canarytools.config``, domain-hash URLs) and ``documents`` (its
incidents read back from the cache, its CSV export), ``bulk`` (bulk actions by filter
and the console search, with their forms).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence, TypeVar

from ..errors import ApiError, AuthError, NotFound
from ...backoff import retry_wait
from ...model import Incident
from ..acting import Reporter, interruptible, settled
from ..base import (
    Backend, Batch, BulkPreview, BulkRequest, Capability, Census, HistoryEntry, Lookup, Outcome, Report, SearchPage,
    SearchQuery, Section, StatusAction, StatusSpec,
)
from . import bulk
from .config import CANARY_CONFIG_SOURCES
from .documents import CANARY_DOCUMENTS
from .columns import COLUMNS
from . import details as incident_details, filters
from .parse import ACKNOWLEDGED, UNACKNOWLEDGED

if TYPE_CHECKING:
    from ...config import Settings
    from .client import CanaryClient

#: Incidents per page of a load, an export and a census listing.  The console's maximum is not
#: documented (canarytools asks for a whole feed in one answer; a console that pages smaller is
#: followed).  A page's decoded JSON is freed among the incidents made from it, and the memory it
#: held cannot all go back to the system.  Measured loading 100,000 incidents: pages of 5,000 left
#: Roost at 426 MiB, of 1,000 at 270 MiB, of 400 at 254 MiB (of 250, no less), in the same time.
PAGE_LIMIT = 400
#: A console larger than this is loaded newest first (below it one page is quicker).
NEWEST_FIRST_ABOVE = 1000
#: The newest incidents are read first, from windows of creation time going back from the newest
#: incident by these spans (seconds), until the open ones fill a screen.
NEWEST_SPANS = (3600, 86400, 7 * 86400)
FIRST_SCREEN = 100
CONCURRENCY = 8
# Acknowledge and unacknowledge set a state: sending one again is harmless.
ATTEMPTS = 3
RETRY_DELAY = 0.5
RETRY_WAIT_MAX = 10.0
NOT_FOUND = "not found on the console"
#: A census by difference lists a window of creation time outright once it holds this many.
CENSUS_LEAF = 500
#: More suspected deletions than this, each confirmed by a fetch, and a census lists every key instead.
CENSUS_CONFIRM_LIMIT = 100
INTERRUPTED = "interrupted before the console answered"
T = TypeVar("T")


class CanaryBackend(Backend):
    name = "canary"
    deltas = True
    statuses = (
        StatusSpec(UNACKNOWLEDGED, "Unacknowledged", "●", is_open=True, short="Unacked"),
        StatusSpec(ACKNOWLEDGED, "Acknowledged", "✓", is_open=False, short="Acked"),
    )
    documents = CANARY_DOCUMENTS
    config_sources = CANARY_CONFIG_SOURCES

    def __init__(
        self,
        client: CanaryClient | None,
        *,
        connect: Callable[[], CanaryClient] | None = None,
        read_only: bool = False,
        page_limit: int = PAGE_LIMIT,
        concurrency: int = CONCURRENCY,
        retry_delay: float = RETRY_DELAY,
    ) -> None:
        """A backend speaking through ``client``, or through the one ``connect`` makes when
        first needed."""
        self._client = client
        self._connect = connect
        self.read_only = read_only
        self.page_limit = page_limit
        self.concurrency = concurrency
        self.retry_delay = retry_delay

    @classmethod
    def open(cls, settings: Settings, *, read_attempts: int = 1, **connection: Any) -> CanaryBackend:
        # The client (and httpx, a tenth of Roost's start-up) is made when first needed: a restart
        # from the cache draws its first rows without it.
        def connect() -> CanaryClient:
            from .client import CanaryClient

            return CanaryClient(settings.console, settings.token, read_attempts=read_attempts, **connection)

        return cls(None, connect=connect, read_only=settings.read_only)

    @property
    def client(self) -> CanaryClient:
        if self._connect is not None:
            self._client, self._connect = self._connect(), None
        return self._client  # type: ignore[return-value]  # None only for a backend built to declare, never to send

    @client.setter
    def client(self, client: CanaryClient) -> None:
        self._client, self._connect = client, None

    async def _connected(self) -> CanaryClient:
        """The client, made in a worker thread the first time: importing httpx would hold up drawing."""
        if self._connect is not None:
            client = await asyncio.to_thread(self._connect)
            if self._connect is not None:  # not made meanwhile on the UI's thread
                self._client, self._connect = client, None
            else:
                await client.aclose()
        return self.client

    @property
    def capabilities(self) -> frozenset[Capability]:
        readable = {Capability.HISTORY, Capability.SEARCH}
        return frozenset(readable if self.read_only else readable | {Capability.BULK_BY_FILTER, Capability.DELETE})

    async def check(self, *, attempts: int = 1) -> None:
        await (await self._connected()).ping(attempts=attempts)

    async def load(self, *, since: int | None = None) -> AsyncIterator[Batch]:
        await self._connected()
        if since:
            async for batch in self._listing("all", incidents_since=since):
                yield batch
            return
        newest = await self._newest()
        if newest is None:
            async for batch in self._listing("all"):
                yield batch
            return
        async for batch in self._newest_first(newest):
            yield batch

    async def _newest(self) -> int | None:
        """When the newest incident was created (epoch seconds), or None when the console is small
        enough to list at once or will not say (a search the console refuses, an incident without a
        creation time).  Search is newest first by creation, and says how many incidents there are."""
        try:
            counted = await self.client.search(filter_incident_state="all", limit=1)
        except ApiError as error:
            if error.transient or isinstance(error, AuthError):
                raise
            return None
        if (counted.total_results or 0) <= NEWEST_FIRST_ABOVE or not counted.incidents:
            return None
        created = counted.incidents[0].created
        return None if created is None else int(created.timestamp())

    async def _newest_first(self, newest: int) -> AsyncIterator[Batch]:
        """Every incident, the newest first, so the top of the view is right at once: windows of
        creation time back from ``newest`` until the open incidents fill a screen; then, created
        before the last window, the open incidents (the open view is then complete) and the rest.

        Each listing is whole for its part when it ends (a feed is read by rising ``updated_id``,
        so an incident changed meanwhile comes again further on), but one read later does not
        bring back a change to an earlier one's part.  So the load ends with everything updated
        after the first listing that held incidents: every change since then, those to incidents
        it held included, has a higher ``updated_id`` than any it saw.  The highest version
        seen is then a watermark the next poll can trust.
        """
        highest = 0  # the highest updated_id seen
        changed_after = 0
        open_count = 0
        upper: dict[str, datetime] = {}
        for span in NEWEST_SPANS:
            start = newest - span
            async for batch in self._listing("all", newer_than=_utc(start), **upper):
                highest = max(highest, _highest(batch))
                open_count += sum(1 for incident in batch.incidents if incident.status == UNACKNOWLEDGED)
                yield batch
            changed_after = changed_after or highest
            upper = {"older_than": _utc(start + 1)}
            if open_count >= FIRST_SCREEN:
                break
        for feed in ("unacknowledged", "acknowledged"):
            async for batch in self._listing(feed, **upper):
                highest = max(highest, _highest(batch))
                yield batch
            changed_after = changed_after or highest
        if changed_after:
            async for batch in self._listing("all", incidents_since=changed_after):
                yield batch

    async def _listing(self, feed: str, **query: Any) -> AsyncIterator[Batch]:
        async for page in self.client.iter_feed(feed, limit=self.page_limit, **query):
            yield Batch(page.incidents, page.unreadable)

    async def export_batches(self, status: str | None = None) -> AsyncIterator[Batch]:
        # Canary's feeds are named by status: all, unacknowledged, acknowledged.
        async for batch in self._listing(status or "all"):
            yield batch

    async def census(self, held: Sequence[tuple[str, datetime | None]] = ()) -> Census:
        created = [(int(when.timestamp()), key) for key, when in held if when is not None]
        if not created or len(created) < len(held):
            return Census(await self._every_key())
        created.sort()
        suspects: set[str] = set()
        await self._suspects_between(created, created[0][0], created[-1][0] + 1, suspects)
        if len(suspects) > CENSUS_CONFIRM_LIMIT:  # the counts disagree wholesale: list every key instead
            return Census(await self._every_key())
        return Census(None, frozenset([key for key in sorted(suspects) if await self._is_gone(key)]))

    async def _every_key(self) -> frozenset[str]:
        keys: set[str] = set()
        # One event per incident: the census needs keys, not bodies.
        async for page in self.client.iter_feed("all", limit=self.page_limit, event_limit=1):
            keys.update(incident.key for incident in page.incidents)
        return frozenset(keys)

    async def _suspects_between(self, held: list[tuple[int, str]], start: int, end: int, suspects: set[str]) -> None:
        """Keys of ``held`` (sorted (created, key), all created in [start, end)) that the console may
        no longer have.  The console counts a window with one search of one incident; where its count
        and ``held``'s agree nothing was deleted there, otherwise the window is halved, and one of at
        most CENSUS_LEAF incidents is listed.  (Creation times never change, and an incident new to
        the caller is created after every one it holds, so a deletion cannot hide behind an arrival.)"""
        window = {"filter_incident_state": "all", "newer_than": _utc(start - 1), "older_than": _utc(end)}
        counted = await self.client.search(limit=1, **window)
        if counted.total_results is not None and counted.total_results == len(held):
            return
        if len(held) <= CENSUS_LEAF or end - start <= 1:
            listed: set[str] = set()
            async for page in self.client.iter_search(limit=CENSUS_LEAF, **window):
                listed.update(incident.key for incident in page.incidents)
            suspects.update(key for _, key in held if key not in listed)
            return
        middle = held[len(held) // 2][0]
        if middle == start:  # many in the first second: split just after it
            middle = start + 1
        split = next(index for index, (when, _) in enumerate(held) if when >= middle)
        await self._suspects_between(held[:split], start, middle, suspects)
        await self._suspects_between(held[split:], middle, end, suspects)

    async def _is_gone(self, key: str) -> bool:
        """Whether the console no longer has ``key``: a search that left it out is not taken on its word."""
        try:
            await self.client.fetch(key)
        except NotFound:
            return True
        return False

    async def fetch(self, key: str) -> Incident:
        return await self.client.fetch(key)

    # --- acting -------------------------------------------------------------------------
    status_actions = (
        StatusAction(ACKNOWLEDGED, "acknowledge", "Acknowledged", "acknowledging"),
        StatusAction(UNACKNOWLEDGED, "unacknowledge", "Unacknowledged", "unacknowledging"),
    )
    delete_needs = ACKNOWLEDGED

    async def set_status(self, incidents: tuple[Incident, ...], status: str, report: Report) -> None:
        send = self._sender(status)

        async def one(incident: Incident, reporter: Reporter) -> None:
            key = incident.key
            if incident.status == status:
                await reporter(Outcome(key, "already"))
                return
            outcome = await interruptible((key,), reporter, self._settled(key, lambda: send(key), retry=True),
                                          reason=INTERRUPTED)
            await reporter(outcome)
            if outcome.result == "unknown":
                await self._report_check(outcome, reporter, lambda now: now is not None and now.status == status)

        await _each(incidents, one, Reporter(report), self.concurrency)

    async def delete(self, incidents: tuple[Incident, ...], report: Report) -> None:
        await _each(incidents, self._delete_one, Reporter(report), self.concurrency)

    # --- bulk by filter and console search ----------------------------------------------
    bulk_fields = bulk.BULK_FIELDS
    bulk_options = bulk.BULK_OPTIONS
    search_fields = bulk.SEARCH_FIELDS

    def bulk_request(self, status: str | None, values: Mapping[str, str], options: frozenset[str]) -> BulkRequest:
        return bulk.bulk_request(bulk.bulk_call(status, values, options), status)

    async def count_matching(self, request: BulkRequest, *, now: datetime) -> BulkPreview:
        incidents, method = await bulk.count_matching(self.client, request.native, now=now)
        return bulk.bulk_preview(request, incidents, method)

    async def act_on_matching(self, preview: BulkPreview) -> tuple[str, ...]:
        call: bulk.BulkCall = preview.request.native
        if call.action == "delete":
            touched = await self.client.delete_many(include_unacknowledged=call.include_unacknowledged, **call.filters())
        elif call.action == "acknowledge":
            touched = await self.client.acknowledge_many(**call.filters())
        else:
            touched = await self.client.unacknowledge_many(**call.filters())
        return touched.keys

    def search_query(self, values: Mapping[str, str], status: str) -> SearchQuery:
        return bulk.search_query(values, status)

    async def search(self, query: SearchQuery, page: str | None = None, *, limit: int) -> SearchPage:
        found = await (self.client.search(**query.native, limit=limit) if page is None else self.client.search(cursor=page))
        return SearchPage(found.incidents, found.next_cursor, found.prev_cursor, found.page_number, found.total_pages,
                          found.total_results)

    # --- table and sort (columns) ------------------------------------------------------
    columns = COLUMNS

    # --- the / filter -------------------------------------------------------------------
    filter_fields = filters.FILTER_FIELDS

    def searchable_text(self, incident: Incident) -> Iterable[str]:
        return filters.searchable_text(incident)

    # --- details ------------------------------------------------------------------------
    no_events_note = incident_details.NO_EVENTS_NOTE
    history_headings = ("Bird / token", "Flock")

    def display_title(self, incident: Incident) -> str:
        return incident_details.display_title(incident)

    def details(self, incident: Incident) -> tuple[Section, ...]:
        return incident_details.facts(incident)

    def lookups(self, incident: Incident) -> tuple[Lookup, ...]:
        return incident_details.lookups(self._connected, incident)

    async def history(self, source: str) -> tuple[HistoryEntry, ...]:
        return await incident_details.history(self.client, source)

    def name_history(self, entries: tuple[HistoryEntry, ...], incidents: Iterable[Incident]) -> tuple[HistoryEntry, ...]:
        return incident_details.name_history(entries, incidents)

    async def aclose(self) -> None:
        if self._client is not None:  # never made: nothing to close
            await self._client.aclose()

    # -------------------------------------------------------------- internals

    async def _delete_one(self, incident: Incident, reporter: Reporter) -> None:
        key = incident.key
        if incident.status != ACKNOWLEDGED:  # the console refuses to delete it as it is
            acknowledged = await interruptible((key,), reporter, self._acknowledged_first(key),
                                               reason=INTERRUPTED, step="acknowledge")
            await reporter(acknowledged)
            if acknowledged.result == "gone":
                await reporter(Outcome(key, "gone", acknowledged.reason))
                return
            if acknowledged.result != "done":
                await reporter(Outcome(key, "failed", f"not acknowledged, so not deleted: {acknowledged.reason}",
                                       denied=acknowledged.denied))
                return
            if reporter.stopped:
                return
        outcome = await interruptible((key,), reporter, self._settled(key, lambda: self.client.delete(key), retry=False),
                                      reason=INTERRUPTED)
        await reporter(outcome)
        if outcome.result == "unknown":
            await self._report_check(outcome, reporter, lambda now: now is None)

    async def _acknowledged_first(self, key: str) -> Outcome:
        """The acknowledge a delete needs first, checked on the console when no answer told."""
        outcome = await self._settled(key, lambda: self.client.acknowledge(key), retry=True, step="acknowledge")
        if outcome.result != "unknown":
            return outcome
        found = await self._found(outcome, lambda now: now is not None and now.status == ACKNOWLEDGED)
        return found or outcome

    async def _report_check(self, unknown: Outcome, reporter: Reporter, done: Callable[[Incident | None], bool]) -> None:
        """After reporting ``unknown``: ask the console, and report what it says (if it says)."""
        found = await self._found(unknown, done)
        if found is not None:
            await reporter(found)

    async def _found(self, unknown: Outcome, done: Callable[[Incident | None], bool]) -> Outcome | None:
        """What the console shows of ``unknown.key`` now, read as an outcome (``done``: the incident
        as it is now, None when gone, shows the action happened); None when it cannot say."""
        key = unknown.key
        try:
            now: Incident | None = await self._retried(lambda: self.client.fetch(key), retry=True)
        except NotFound:
            now = None
        except ApiError:
            return None
        if done(now):
            return Outcome(key, "done", step=unknown.step, checked=True)
        if now is None:
            return Outcome(key, "gone", NOT_FOUND, step=unknown.step, checked=True)
        return Outcome(key, "failed", unknown.reason, step=unknown.step, checked=True)

    def _sender(self, status: str) -> Callable[[str], Awaitable[str]]:
        if status == ACKNOWLEDGED:
            return self.client.acknowledge
        if status == UNACKNOWLEDGED:
            return self.client.unacknowledge
        raise KeyError(f"no status {status!r} on a Canary console")

    async def _settled(self, key: str, send: Callable[[], Awaitable[object]], *, retry: bool, step: str = "") -> Outcome:
        """Send (retried only when ``retry``: it is safe to repeat) and say what became of ``key``."""
        return await settled(key, lambda: self._retried(send, retry=retry), not_found=NOT_FOUND, step=step)

    async def _retried(self, call: Callable[[], Awaitable[T]], *, retry: bool) -> T:
        """``call()``, again after transient errors while attempts remain (the one retry loop); the
        last error is raised."""
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


async def _each(
    incidents: tuple[Incident, ...],
    work: Callable[[Incident, Reporter], Awaitable[None]],
    reporter: Reporter,
    concurrency: int,
) -> None:
    """``work`` on every incident, at most ``concurrency`` at a time, until the caller asks to stop;
    a slot is free again only when its work (the caller's report included) is done.  A bug in
    one stops the others and is raised."""
    gate = asyncio.Semaphore(concurrency)

    async def gated(incident: Incident) -> None:
        async with gate:
            if not reporter.stopped:
                await work(incident, reporter)

    async with asyncio.TaskGroup() as group:
        for incident in incidents:
            group.create_task(gated(incident))


def _highest(batch: Batch) -> int:
    return max((incident.version for incident in batch.incidents), default=0)


def _utc(epoch_seconds: int) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, timezone.utc)
