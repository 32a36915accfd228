"""The loop that keeps the store current.  No Textual here.

It speaks to the console only through the backend contract: the initial load
takes every batch ``backend.load()`` gives; then every interval it asks for what
changed since the highest version seen and applies it.  Every few minutes (and on
demand) it reconciles against ``backend.census()``, because a deletion made
elsewhere never shows up in a delta.  A backend without deltas lists everything
on every poll: each completed pass is its census, so it never takes another.  The next poll is
scheduled when the last one finished (no overlap); errors back off with
jitter and honour ``Retry-After``; one failed request never stops the loop.

The status never claims more than is true: a request the console has not
answered within ``stall_after`` seconds shows as ``stalled`` (not ``live``)
until it answers, and ``refresh_now`` then abandons it and asks again.

The loop reports through two callbacks, ``on_change(ChangeSet)`` and
``on_status(SyncStatus)``, so the UI can turn them into messages.

It also keeps the one "new" number (``NewIncidents``): incidents that arrived
after the initial load, whether shown or held while paused, until the analyst
looks at them.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, replace
from typing import AsyncIterator, Awaitable, Callable, Collection, Iterable, Literal, TypeVar

from .backends.errors import ApiError, AuthError, ConfigError, PermissionDenied
from .backoff import retry_wait
from .collector import collect_young, collections_paused, incidents_kept
from .backends.base import Backend, Batch
from .model import Incident
from .store import ChangeSet, IncidentStore

T = TypeVar("T")

SyncState = Literal["connecting", "loading", "live", "manual", "paused", "retrying", "offline", "stalled"]
#: What ``refresh_now`` did: woke the loop, left a request on its way (the refresh
#: follows it), or abandoned a stalled request to ask again.
RefreshOutcome = Literal["started", "under way", "restarted"]

# A loaded page is applied in slices, keys and drawing going on between them: 1,000 incidents take
# the store 5 to 20 ms.
APPLY_SLICE = 1000
RECONCILE_INTERVAL = 300.0
BACKOFF_FIRST = 2.0
BACKOFF_MAX = 120.0
# Never retry sooner than this, even when a console says Retry-After: 0.
BACKOFF_MIN = 1.0
#: Seconds a request may go unanswered before the incidents are no longer shown as current.
#: A poll normally answers within a second or two; the backend gives up at its deadline.
STALL_AFTER = 10.0


class _Restart(Exception):
    """A stalled request abandoned at the analyst's ``r``: run the step again at once."""




@dataclass(frozen=True)
class SyncStatus:
    """What the status line shows about the live connection."""

    state: SyncState
    detail: str = ""
    #: Monotonic time of the next attempt when retrying.
    retry_at: float | None = None
    #: The "new" number when reported (``NewIncidents.count``: it includes what is held while
    #: paused); the UI shows the current one.
    pending_new: int = 0
    #: Items in the last load, poll or reconcile that were not incidents (left out).
    unreadable: int = 0


class NewIncidents:
    """The one "new" number: incidents that arrived after the initial load and that the analyst
    has not looked at since, those held back while paused included.

    The top bar, the info line and the paused counter all show ``count``.  Looking at an
    incident (``seen``), at the top of a view (``seen`` with the view's arrivals) or marking
    everything seen (``seen_all``) takes them off; an incident deleted meanwhile no longer counts.
    """

    def __init__(self, store: IncidentStore, held: Callable[[], Collection[str]] = frozenset) -> None:
        """``held``: the keys of incidents the console sent that the store does not hold yet (paused)."""
        self._store = store
        self._held = held
        self._unseen: set[str] = set()
        # Held keys counted as seen by seen_all before they reached the store.
        self._seen_while_held: set[str] = set()

    def arrived(self, keys: Iterable[str]) -> None:
        for key in keys:
            if key in self._seen_while_held:
                self._seen_while_held.discard(key)
            else:
                self._unseen.add(key)

    def __contains__(self, key: object) -> bool:
        return key in self._unseen

    def unseen(self) -> list[str]:
        """The keys of the unseen incidents the store holds (not those held while paused)."""
        self._unseen = {key for key in self._unseen if key in self._store}
        return list(self._unseen)

    @property
    def count(self) -> int:
        held = sum(1 for key in self._held() if key not in self._seen_while_held)
        return len(self.unseen()) + held

    def seen(self, keys: Iterable[str]) -> list[str]:
        """Take ``keys`` off; the ones that were unseen."""
        taken = [key for key in keys if key in self._unseen]
        self._unseen.difference_update(taken)
        return taken

    def seen_all(self) -> list[str]:
        """Everything counts as seen, the incidents held while paused too; the keys taken off."""
        taken = list(self._unseen)
        self._unseen.clear()
        self._seen_while_held.update(self._held())
        return taken


class SyncEngine:
    def __init__(
        self,
        backend: Backend,
        store: IncidentStore,
        *,
        poll_interval: float,
        reconcile_interval: float = RECONCILE_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        on_change: Callable[[ChangeSet], None] = lambda changes: None,
        on_status: Callable[[SyncStatus], None] = lambda status: None,
        persist: Callable[[ChangeSet], Awaitable[None]] | None = None,
        preload: Callable[[], Iterable[tuple[list[Incident], int]]] | None = None,
        stall_after: float = STALL_AFTER,
    ) -> None:
        self.backend = backend
        self.store = store
        self.poll_interval = poll_interval
        self.stall_after = stall_after
        self.reconcile_interval = reconcile_interval
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._on_change = on_change
        self._on_status = on_status
        self._persist = persist
        self._preload = preload
        self._wake = asyncio.Event()
        self._reconcile_requested = False
        self._paused = False
        self._pending: dict[str, Incident] = {}
        #: Incidents that arrive count as new once the initial load is done.
        self._loaded = False
        #: The version the initial load's first try started from (0: everything).
        self._load_since: int | None = None
        self.new_incidents = NewIncidents(store, held=self._held_new)
        self._failures = 0
        self._unreadable = 0
        self._last_reconcile = monotonic()
        #: What the loop last said of itself; ``status`` adds whether a request has stalled.
        self._status = SyncStatus("connecting")
        # Inside a step (load, poll, reconcile), including its retries' requests.
        self._busy = False
        # The console has not answered the request in flight within stall_after.
        self._stalled = False
        # While an answer is awaited: the deadline ``refresh_now`` moves to now to abandon it.
        self._answer_wait: asyncio.Timeout | None = None
        self._restart_requested = False

    # ------------------------------------------------------------------ control

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def status(self) -> SyncStatus:
        """What the status line should show."""
        if self._stalled:
            return replace(
                self._status,
                state="stalled",
                # Short: at 80 columns it shares the info line with the page and the sort.
                detail=f"No answer for {self.stall_after:g} s; r asks again.",
                retry_at=None,
            )
        return self._status

    def refresh_now(self, *, reconcile: bool = True) -> RefreshOutcome:
        """Poll at once (and reconcile), ending any wait or back-off.

        A request already on its way is left to finish, and the refresh follows it
        ("under way"); one that has stalled is abandoned and sent again ("restarted").
        """
        self._reconcile_requested = self._reconcile_requested or reconcile
        self._wake.set()
        if self._stalled and self._answer_wait is not None:
            if not self._restart_requested:
                self._restart_requested = True
                self._answer_wait.reschedule(asyncio.get_running_loop().time())
            return "restarted"
        return "under way" if self._busy else "started"

    def pause(self) -> None:
        """Keep polling, but hold what arrives until ``resume``: the view stays still."""
        self._paused = True
        self._report(replace(self._status, state="paused", pending_new=self.new_incidents.count))

    def resume(self) -> None:
        self._paused = False
        held = list(self._pending.values())
        self._pending.clear()
        if held:
            self._apply(held)
        self._report(replace(self._status, state=self._idle_state(), pending_new=self.new_incidents.count))
        self._wake.set()

    # --------------------------------------------------------------- the loop

    async def run(self) -> None:
        """Load, then poll forever.  Cancel the task to stop."""
        await self._with_retries(self.initial_load)
        while True:
            await self._wait(self.poll_interval if self.poll_interval > 0 else None)
            due = self._monotonic() - self._last_reconcile >= self.reconcile_interval
            if self._reconcile_requested or due:
                self._reconcile_requested = False
                await self._with_retries(self.reconcile)
            else:
                await self._with_retries(self.poll_once)

    async def initial_load(self) -> None:
        """Load every incident (or what changed since a cached watermark)."""
        if self._preload is not None:
            await self._load_cache()
        if self._load_since is None:
            self._load_since = self.store.max_version
        # A delta comes by rising version, so a retry takes up where it stopped; a whole load (which
        # may come newest first) starts again: what it holds says nothing of what it lacks.
        since = (self.store.max_version if self._load_since else 0) or None
        loaded = 0
        listed: set[str] = set()
        self._report(SyncStatus("loading", "loading incidents"))
        with collections_paused(then_freeze=True):
            async for batch in self._batches(since):
                loaded += len(batch.incidents)
                listed.update(incident.key for incident in batch.incidents)
                for start in range(0, len(batch.incidents), APPLY_SLICE):
                    self._apply(batch.incidents[start : start + APPLY_SLICE])
                    await asyncio.sleep(0)  # keys and drawing between slices
                collect_young()
                self._report(SyncStatus("loading", f"loaded {loaded:,}"))
            if not self.backend.deltas:
                # A cached store may hold incidents deleted while we were away: the pass did not list them.
                self._reconcile_with(listed, as_of=since or 0)
            elif since:
                # A cached store may hold incidents deleted while we were away.
                await self.reconcile()
            else:
                self._last_reconcile = self._monotonic()
        self._loaded = True
        self._succeeded()

    async def _load_cache(self) -> None:
        """Show the last known state at once (the launcher puts the page the app opens on in the
        store before the first frame); the console then sends only what changed.  The stages are
        read in a worker thread, then applied one per turn of the loop, so keys and drawing go on
        between them (newest first: the top of the view stays where it is)."""
        preload, self._preload = self._preload, None
        self._report(SyncStatus("loading", "reading the local cache"))
        held = len(self.store)
        with collections_paused(then_freeze=True):
            # One trip to the thread for the whole read, not a hand-off for each stage.
            stages = await asyncio.to_thread(lambda: list(preload()))
            for incidents, watermark in stages:
                if not watermark:
                    # The snapshot turned out unreadable part way: what it gave is loaded again, whole.
                    self._load_since = 0
                    return
                changes = self.store.apply(incidents, watermark=watermark)
                # Already on disk: announce, but do not write back.
                if changes:
                    self._on_change(changes)
                held += len(incidents)
                self._report(SyncStatus("loading", f"cached {held:,}"))
                await asyncio.sleep(0)  # keys and drawing between stages

    async def poll_once(self) -> None:
        incoming: list[Incident] = []
        listing_started_at = self.store.max_version
        async for batch in self._batches(self.store.max_version or None):
            incoming.extend(batch.incidents)
        if self._paused:
            for incident in incoming:
                held = self._pending.get(incident.key)
                if held is None or held.version <= incident.version:
                    self._pending[incident.key] = incident
        else:  # nothing new still counts: a store that keeps a span lets go of what aged out of it
            self._apply(incoming)
        if not self.backend.deltas:
            self._reconcile_with({incident.key for incident in incoming}, as_of=listing_started_at)
        self._succeeded()

    async def reconcile(self) -> None:
        """Ask the console which incidents it still holds and drop the others; then take what changed."""
        if not self.backend.deltas:  # every poll is a full pass, and reconciles by itself
            await self.poll_once()
            return
        listing_started_at = self.store.max_version
        held = [(incident.key, incident.created) for incident in self.store.snapshot()]
        census = await self._answer(self.backend.census(held))
        if census.keys is not None:
            self._emit(self.store.reconcile(set(census.keys), as_of=listing_started_at))
        else:  # by difference: each one confirmed gone
            self._emit(self.store.apply((), removed=census.gone))
        self._last_reconcile = self._monotonic()
        await self.poll_once()

    # ---------------------------------------------------------------- helpers

    def _reconcile_with(self, listed: set[str], *, as_of: int) -> None:
        """A completed full pass listed ``listed``: drop what it did not list (and held at ``as_of``)."""
        self._emit(self.store.reconcile(listed, as_of=as_of))
        self._last_reconcile = self._monotonic()

    async def _batches(self, since: int | None) -> AsyncIterator[Batch]:
        batches = aiter(self.backend.load(since=since))
        try:
            while (batch := await self._answer(anext(batches, None))) is not None:
                self._unreadable += batch.unreadable
                yield batch
        finally:
            close = getattr(batches, "aclose", None)
            if close is not None:
                await close()

    async def _answer(self, request: Awaitable[T]) -> T:
        """The console's answer to ``request``, reporting a stall while it is slow to come;
        ``refresh_now`` during a stall abandons the request (``_Restart``)."""
        self._watch_for_stall()
        try:
            async with asyncio.timeout(None) as self._answer_wait:
                answer = await request
        except TimeoutError:
            if self._restart_requested:
                # Still stalled: the console has not answered since, whatever the next try brings.
                raise _Restart() from None
            self._stalled = False
            raise
        except BaseException:
            self._stalled = False  # whoever handles the failure (or the stop) reports it
            raise
        finally:
            self._watchdog.cancel()
            self._answer_wait = None
            self._restart_requested = False
        if self._stalled:
            self._stalled = False
            self._on_status(self.status)
        return answer

    def _watch_for_stall(self) -> None:
        self._watchdog = asyncio.get_running_loop().call_later(self.stall_after, self._stall)

    def _stall(self) -> None:
        if self.backend.holding_back:
            # The backend is keeping to the console's request budget: it has not asked yet, so
            # the console is not slow, and r would only spend the budget again.
            self._watch_for_stall()
            return
        if not self._stalled:
            self._stalled = True
            self._on_status(self.status)

    def _apply(self, incidents: list[Incident] | tuple[Incident, ...]) -> None:
        changes = self.store.apply(incidents)
        if self._loaded:
            self.new_incidents.arrived(changes.added)
            incidents_kept(len(incidents))
        self._emit(changes)

    def _emit(self, changes: ChangeSet) -> None:
        if changes:
            self._on_change(changes)
            if self._persist is not None:
                asyncio.ensure_future(self._persist(changes))

    def _held_new(self) -> list[str]:
        """Incidents held while paused that the store does not hold yet."""
        return [key for key in self._pending if key not in self.store]

    def _idle_state(self) -> SyncState:
        if self._paused:
            return "paused"
        return "live" if self.poll_interval > 0 else "manual"

    def _succeeded(self) -> None:
        self._failures = 0
        self._report(SyncStatus(self._idle_state(), pending_new=self.new_incidents.count, unreadable=self._unreadable))

    def _report(self, status: SyncStatus) -> None:
        self._status = status
        self._on_status(self.status)

    async def _wait(self, seconds: float | None) -> bool:
        """Sleep ``seconds`` (forever if None) unless woken; True if woken."""
        try:
            if seconds is None:
                await self._wake.wait()
            else:
                await asyncio.wait_for(self._wake.wait(), timeout=seconds)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            self._wake.clear()

    async def _with_retries(self, step: Callable[[], Awaitable[None]]) -> None:
        """Run ``step`` until it succeeds, backing off between failures."""
        while True:
            self._unreadable = 0
            self._busy = True
            try:
                await step()
                return
            except _Restart:
                continue  # the analyst asked again: no back-off, it is not the console's failure
            except ApiError as failure:
                error = failure
            except ConfigError as failure:
                # The profile cannot reach a console as it stands (a URL found wrong when the client is
                # first made): its tab says why and waits for `r`; other consoles' tabs go on.
                self._report(replace(self._status, state="offline", detail=str(failure), retry_at=None))
                await self._wait(None)
                continue
            finally:
                self._busy = False
            delay = self._backoff(error)
            self._failures += 1
            if isinstance(error, (AuthError, PermissionDenied)):
                # Retrying a rejected token only hammers the console: wait for `r`.
                self._report(replace(self._status, state="offline", detail=str(error), retry_at=None))
                await self._wait(None)
                continue
            state: SyncState = "offline" if self._failures >= 3 else "retrying"
            retry_at = self._monotonic() + delay
            self._report(replace(self._status, state=state, detail=str(error), retry_at=retry_at))
            await self._wait(delay)

    def _backoff(self, error: ApiError) -> float:
        """Seconds before the next try; ``self._failures`` counts the failures before this one."""
        wait = retry_wait(error, self._failures + 1, first=BACKOFF_FIRST, cap=BACKOFF_MAX, rng=self._rng)
        return max(wait, BACKOFF_MIN)
