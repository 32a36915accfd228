"""Feed pages are written from each incident's stored body, pasted as it is when it holds what a
feed sends, and nothing written is kept: what they send must be what writing everything afresh
sends, after every kind of change and for every parameter."""

from __future__ import annotations

import gc
import json
import random
import tracemalloc
from typing import Any, Callable

import pytest

from tui.emulator.canary import timefmt, wire
from tui.emulator.canary.app import create_app
from tui.emulator.canary.generator import populate
from tui.emulator.canary.state import ConsoleState
from tui.emulator.responses import pretty_json

from .conftest import AUTH, BIRD, NOW, OTHER_BIRD, TOKEN, client_for, small_console

Operation = Callable[[ConsoleState], Any]


def _events(rng: random.Random, now: int) -> list[Any]:
    """Brute-force logins with repeats (what ``shrink`` folds), now and then a port-scan map or an odd value."""
    events: list[Any] = []
    for _ in range(rng.randint(0, 5)):
        kind = rng.random()
        if kind < 0.15:
            events.append({"8080": [now - 5, now - 4], "22": [now - 3]})
        elif kind < 0.25 and events:
            events.append(dict(events[-1]))  # the same attempt again
        else:
            events.append({"USERNAME": rng.choice(["root", "admin", "caf\u00e9", "\ud800"]),
                           "PASSWORD": rng.choice(["", "x" * 3, None, 1.5]),
                           "timestamp": now - rng.randint(0, 3) if kind < 0.9 else str(now)})
    return events


def random_change(rng: random.Random, state: ConsoleState, now: int) -> Operation:
    """One change a console sees: a new incident, a new event, (un)acknowledging, deleting, a reload."""
    keys = state.keys()
    kind = rng.choice(["add", "add", "event", "ack", "unack", "delete", "reload"] if keys else ["add"])
    key = rng.choice(keys) if keys else ""
    if kind == "add":
        fields = {"src_host": rng.choice(["1.1.1.1", "2.2.2.2", ""]), "events": _events(rng, now),
                  "created": now - rng.randint(0, 9000), "dst_port": rng.choice([22, 23])}
        node, logtype = rng.choice([BIRD, OTHER_BIRD]), 4002 if fields["dst_port"] == 22 else 6001
        return lambda console: console.add_incident(logtype=logtype, node_id=node, **fields)
    if kind == "event":
        event = {"USERNAME": rng.choice(["root", "guest"]), "timestamp": now - rng.randint(0, 2)}
        return lambda console: console.add_event(key, event)
    if kind == "ack":
        return lambda console: console.acknowledge(key)
    if kind == "unack":
        return lambda console: console.unacknowledge(key)
    if kind == "delete":
        return lambda console: console.delete(key)
    saved = json.loads(pretty_json(wire.feed_item(state.get(key), tz=timefmt.UTC, event_limit=None, shrink=False)))
    saved["description"]["memo"] = f"reloaded at {now}"
    return lambda console: console.load_feed([saved])


def random_request(rng: random.Random, state: ConsoleState) -> tuple[str, dict[str, str]]:
    """A listing, search or fetch with any mix of the parameters that change how incidents are written."""
    params: dict[str, str] = {}
    if rng.random() < 0.15 and state.keys():
        params["incident"] = rng.choice(state.keys())
        params["extended_details"] = rng.choice(["true", "false"])
        return "incident/fetch", params
    path = rng.choice(["incidents/all", "incidents/all", "incidents/unacknowledged", "incidents/acknowledged",
                       "incidents/search"])
    optional = {
        "tz": ["UTC", "Europe/London", "america/new_york"],
        "event_limit": ["0", "1", "3"],
        "shrink": ["true", "false"],
        "limit": ["1", "2", "7"],
        "incidents_since": [str(rng.randint(0, state.max_updated_id + 1))],
        "newer_than": ["2023-11-14-20:00:00"],
        "older_than": ["2023-11-14-22:00:00"],
    }
    for name, values in optional.items():
        if rng.random() < 0.35:
            params[name] = rng.choice(values)
    if path == "incidents/search":
        params.pop("incidents_since", None)
        params["filter_incident_state"] = rng.choice(["all", "acknowledged", "unacknowledged"])
    return path, params


async def answers(app, path: str, params: dict[str, str]) -> list[bytes]:
    """The bytes of a request's answer, and of the next page's when there is one."""
    async with client_for(app) as http:
        first = await http.get(f"/api/v1/{path}", params=params, headers=AUTH)
        bodies = [first.content]
        following = (first.json().get("cursor") or {}).get("next")
        if following:
            bodies.append((await http.get(f"/api/v1/{path}", params={"cursor": following}, headers=AUTH)).content)
        return bodies


def replayed(changes: list[tuple[int, Operation]], *, bump_on_ack: bool) -> ConsoleState:
    """A console that went through ``changes`` and has written nothing yet."""
    clock = [NOW]
    state = small_console()
    state.clock = lambda: clock[0]
    state.bump_on_ack = bump_on_ack
    for when, change in changes:
        clock[0] = when
        change(state)
    return state


@pytest.mark.parametrize("seed", range(6))
async def test_pages_written_from_kept_json_match_pages_written_afresh(seed):
    rng = random.Random(seed)
    bump_on_ack = seed % 2 == 0
    clock = [NOW]
    served = replayed([], bump_on_ack=bump_on_ack)
    served.clock = lambda: clock[0]
    app = create_app(served, TOKEN)
    changes: list[tuple[int, Operation]] = []
    for _ in range(30):
        clock[0] += rng.randint(0, 90)
        change = random_change(rng, served, clock[0])
        change(served)
        changes.append((clock[0], change))
        for _ in range(3):  # requests with other parameters write (and keep) other renderings
            path, params = random_request(rng, served)
            kept = await answers(app, path, params)
            fresh = replayed(changes, bump_on_ack=bump_on_ack)
            fresh.clock = lambda: clock[0]
            assert kept == await answers(create_app(fresh, TOKEN), path, params), (path, params)


def test_an_encoded_feed_is_written_as_the_feed_object_would_be():
    rng = random.Random(3)
    state = small_console()
    for _ in range(40):
        random_change(rng, state, NOW)(state)
    for tz in (timefmt.UTC, timefmt.zone("Asia/Kolkata"), None):
        for event_limit in (None, 0, 2):
            for shrink in (True, False):
                options = dict(tz=tz, event_limit=event_limit, shrink=shrink, empty_as_null=False)
                objects = wire.feed_response("All Incidents", state.records(), NOW, **options)
                for _ in range(2):  # written, then taken from what was kept
                    encoded = wire.feed_response("All Incidents", state.records(), NOW, encoded=True, **options)
                    assert pretty_json(encoded) == json.dumps(objects, indent=2, ensure_ascii=True, allow_nan=False)


def _loaded_in_other_ways(state: ConsoleState) -> None:
    """Incidents loaded as saved in another zone, with their times' text removed, and in UTC."""
    for tz, strip in ((timefmt.zone("Asia/Kolkata"), False), (timefmt.UTC, True), (timefmt.UTC, False)):
        for record in state.records()[:3]:
            saved = json.loads(pretty_json(wire.feed_item(record, tz=tz, event_limit=None, shrink=False)))
            saved["id"] = f"{saved['id']}:{tz}:{strip}"
            if strip:
                del saved["description"]["created_std"]
                for event in saved["description"]["events"]:
                    if isinstance(event, dict):
                        event.pop("timestamp_std", None)
            state.load_feed([saved])


def test_incidents_sent_as_stored_are_written_as_if_written_afresh():
    rng = random.Random(5)
    state = small_console()
    for _ in range(40):
        random_change(rng, state, NOW)(state)
    _loaded_in_other_ways(state)
    records = state.records()
    as_stored = [record.sent_as_stored for record in records]
    assert any(as_stored) and not all(as_stored)  # both ways of writing are exercised

    def everything() -> list[str]:
        pages = []
        for tz in (timefmt.UTC, timefmt.zone("Asia/Kolkata")):
            for event_limit in (None, 0, 1, 50):
                for shrink in (True, False):
                    pages.append(pretty_json(wire.feed_response(
                        "All Incidents", records, NOW, tz=tz, event_limit=event_limit, shrink=shrink, encoded=True)))
            pages += [pretty_json(wire.fetch_item(record, tz=tz, extended=extended))
                      for record in records for extended in (True, False)]
        return pages

    written = everything()
    for record in records:  # every incident written afresh
        record.sent_as_stored = False
    assert written == everything()


async def test_serving_the_whole_feed_keeps_nothing_per_incident():
    async def every_page(state: ConsoleState) -> int:
        app, incidents, params = create_app(state, TOKEN), 0, {"limit": "100"}
        async with client_for(app) as http:
            while True:
                body = (await http.get("/api/v1/incidents/all", params=params, headers=AUTH)).json()
                incidents += len(body["incidents"])
                following = body["cursor"]["next"]
                if following is None:
                    return incidents
                params = {"cursor": following}

    await every_page(small_console())  # what the first requests of all set up once
    state = ConsoleState(clock=lambda: NOW)
    populate(state, 1_000, seed=3)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        assert await every_page(state) == 1_000
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # An incident's feed item, written, is ~4.7 KB: keeping them would be ten times over.
    assert kept < 500 * 1_000, f"{kept / 1_000:.0f} bytes kept per incident served"


@pytest.fixture
def quiet_console() -> ConsoleState:
    """Acknowledging does not move an incident here: a page written from an old writing would show it unchanged."""
    state = small_console()
    state.bump_on_ack = False
    return state


async def test_each_change_shows_in_the_next_page(quiet_console):
    app = create_app(quiet_console, TOKEN)
    ssh = quiet_console.keys()[0]

    async def incident() -> dict[str, Any] | None:
        async with client_for(app) as http:
            body = (await http.get("/api/v1/incidents/all", params={"limit": 10}, headers=AUTH)).json()
        return next((item for item in body["incidents"] if item["id"] == ssh), None)

    assert (await incident())["description"]["acknowledged"] == "False"
    async with client_for(app) as http:
        await http.post("/api/v1/incident/acknowledge", data={"incident": ssh}, headers=AUTH)
    assert (await incident())["description"]["acknowledged"] == "True"

    quiet_console.add_event(ssh, {"USERNAME": "late", "timestamp": NOW})
    seen = await incident()
    assert seen["description"]["events_count"] == "4" and seen["description"]["events"][-1]["USERNAME"] == "late"

    async with client_for(app) as http:
        await http.post("/api/v1/incident/delete", data={"incident": ssh}, headers=AUTH)
    assert await incident() is None
