"""Canary incidents for benchmarks, shaped exactly like the emulator's (and so like what users run).

The emulator's own seeded generator makes them (brute-force logins of 8-120 events, scans,
token hits, noisy sources: about 10 events an incident), its wire renders them as the
console's feed JSON, and the real ``parse_incident`` reads them, so each incident's ``raw``
round-trips through the cache like real data.  Deltas revise those same documents.
"""

from __future__ import annotations

import copy
from typing import Any, Sequence

from tui.backends.canary.parse import parse_incident
from tui.emulator.canary import wire
from tui.emulator.canary.generator import populate
from tui.emulator.canary.state import ConsoleState
from tui.model import Incident

# A fixed "now" keeps runs comparable; the generator spreads incidents over the days before it.
_NOW = 1_760_000_000


class IncidentFactory:
    """Makes incidents and deltas; ``updated_id`` rises across everything it makes."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._batches = 0
        self._next_updated_id = 1

    def incidents(self, count: int) -> list[Incident]:
        """``count`` incidents as the emulator makes them, in the order the ``all`` feed sends them."""
        return [parse_incident(item) for item in self.documents(count)]

    def documents(self, count: int) -> list[dict[str, Any]]:
        """What ``incidents`` parses: the console's JSON for ``count`` incidents."""
        return [self._restamped(item) for item in self._feed_items(count, _NOW)]

    def delta(self, existing: Sequence[Incident], new: int, changed: int, acked: int) -> list[Incident]:
        """A poll's worth: ``new`` incidents, ``changed`` with one more event, ``acked``."""
        offset = self._batches * 7919  # the touched incidents differ per delta, and run to run are the same
        touched = [existing[(offset + step * 104_729) % len(existing)] for step in range(changed + acked)]
        fresh = [parse_incident(self._restamped(item)) for item in self._feed_items(new, _NOW + 3600)]
        more_events = [self._revised(incident, add_event=True) for incident in touched[:changed]]
        acknowledged = [self._revised(incident, acknowledge=True) for incident in touched[changed:]]
        return fresh + more_events + acknowledged

    def _feed_items(self, count: int, now: int) -> list[dict[str, Any]]:
        if count <= 0:
            return []
        self._batches += 1
        state = ConsoleState(clock=lambda: now)
        populate(state, count, self._seed * 1_000 + self._batches)
        feed = wire.feed_response("all", state.records(), now, tz=None, event_limit=None, shrink=True,
                                  empty_as_null=False)
        return feed["incidents"]

    def _restamped(self, item: dict[str, Any]) -> dict[str, Any]:
        """``item`` with the next ``updated_id``: versions rise across batches, as on one console."""
        item["updated_id"] = self._next_updated_id
        self._next_updated_id += 1
        return item

    def _revised(self, incident: Incident, *, add_event: bool = False, acknowledge: bool = False) -> Incident:
        raw = copy.deepcopy(incident.raw)
        body = raw["description"]
        raw["updated_time"] = str(int(raw.get("updated_time") or body.get("created") or _NOW) + 60)
        if add_event and body.get("events"):
            event = dict(body["events"][-1])
            if isinstance(event.get("timestamp"), int):
                event["timestamp"] += 60
            body["events"].append(event)
            body["events_count"] = str(len(body["events"]))
        if acknowledge:
            body["acknowledged"] = "True"
        return parse_incident(self._restamped(raw))
