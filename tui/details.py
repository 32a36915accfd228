"""Device info and source-IP history for the detail pane, loaded off the UI's path and cached.

One per app, so the main screen, the search screen and the history screen share
what was loaded.  An answer is kept for a minute; a failure for a few seconds,
so moving back onto the incident retries soon without hammering the console.
Part of the core, so it never imports Textual: the pane draws the ``DetailContext`` it returns.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from .backends.errors import ApiError, NotFound
from .backends.canary.parse import HistoryEntry, Host
from .model import Incident

CACHE_SECONDS = 60.0
RETRY_SECONDS = 5.0
LOADING = "loading…"
UNREADABLE = "unavailable: Roost could not read the answer (see the crash log)"

T = TypeVar("T")


@dataclass(frozen=True)
class DetailContext:
    """What the detail pane shows: the incident, with its device and its source's history when known."""

    incident: Incident | None
    host: Host | None = None
    host_note: str = ""
    history: tuple[HistoryEntry, ...] | None = None
    history_note: str = ""


class _Cache(Generic[T]):
    """(value or None, note) by name, each until its own expiry."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._entries: dict[str, tuple[float, T | None, str]] = {}

    def get(self, name: str) -> tuple[T | None, str] | None:
        entry = self._entries.get(name)
        if entry is None or entry[0] <= self._monotonic():
            return None
        return entry[1], entry[2]

    def put(self, name: str, value: T | None, note: str = "", *, seconds: float = CACHE_SECONDS) -> None:
        self._entries[name] = (self._monotonic() + seconds, value, note)


class DetailSource:
    def __init__(self, client: Any, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self._hosts: _Cache[Host] = _Cache(monotonic)
        self._histories: _Cache[tuple[HistoryEntry, ...]] = _Cache(monotonic)

    def context(self, incident: Incident) -> tuple[DetailContext, bool]:
        """What is known now about ``incident``, and whether anything is still to load."""
        host, host_note = self._host(incident)
        history, history_note = self.history(incident.src_host)
        pending = LOADING in (host_note, history_note)
        return DetailContext(incident, host, host_note, history, history_note), pending

    def history(self, source: str) -> tuple[tuple[HistoryEntry, ...] | None, str]:
        if not source:
            return None, ""
        return self._histories.get(source) or (None, LOADING)

    async def load(self, incident: Incident) -> None:
        """Fetch whatever ``context`` said was missing (device info and history at once)."""
        tasks = []
        if self._host(incident)[1] == LOADING:
            tasks.append(self._load_host(incident.node_id))
        if self.history(incident.src_host)[1] == LOADING:
            tasks.append(self.load_history(incident.src_host))
        await asyncio.gather(*tasks)

    async def load_history(self, source: str) -> None:
        try:
            self._histories.put(source, tuple(await self.client.history_for_source(source)))
        except ApiError as error:
            self._histories.put(source, None, f"unavailable: {error}", seconds=RETRY_SECONDS)
        except Exception:
            # A bug in reading the answer: the pane says so instead of "loading…" for ever;
            # raised on, it reaches the crash log and a toast.
            self._histories.put(source, None, UNREADABLE, seconds=RETRY_SECONDS)
            raise

    def _host(self, incident: Incident) -> tuple[Host | None, str]:
        if incident.is_token or not incident.node_id:
            return None, ""
        return self._hosts.get(incident.node_id) or (None, LOADING)

    async def _load_host(self, node_id: str) -> None:
        try:
            self._hosts.put(node_id, await self.client.device_info(node_id))
        except NotFound:
            self._hosts.put(node_id, None, "device not found on the console")
        except ApiError as error:
            self._hosts.put(node_id, None, f"unavailable: {error}", seconds=RETRY_SECONDS)
        except Exception:
            self._hosts.put(node_id, None, UNREADABLE, seconds=RETRY_SECONDS)
            raise
