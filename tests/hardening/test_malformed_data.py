"""A console that sends what no documentation promises: Roost shows what it can and keeps going."""

from __future__ import annotations

import functools
import io
import json
import time

import httpx
import pytest
from rich.console import Console

from app.conftest import screen_lines, settle, wait_for
from canary_builders import canary_incident
from detail_lines import detail_lines
from tui.backends.canary.client import CanaryClient
from tui.app import RoostApp
from tui.config import Settings
from tui.backends.canary import CanaryBackend
from tui.details import DetailSource
from tui.model import Event, Incident
from tui.screenshots import FIXED_NOW, IN_PROCESS_URL
from tui.secret import Secret
from tui.widgets.detail_pane import MAX_EVENT_LINES, MAX_EVENTS_SHOWN, MAX_FIELDS_SHOWN, render_detail
from tui.widgets.incident_table import IncidentTable

from .test_hostile_text import assert_terminal_safe

TOKEN = "malformed-test-token-0123456789"
BUSY_EVENTS = 10_000

READABLE = [
    {"id": "incident:only-a-key"},
    {"id": "incident:wrong-types", "updated_id": "7", "summary": {"nested": [1, 2]},
     "description": {"src_host": ["10.0.0.1", "10.0.0.2"], "dst_port": {"port": 22}, "acknowledged": 7,
                     "created": "yesterday", "logtype": "99999", "memo": {"a": 1}, "events": "not a list",
                     "events_count": "many", "name": 42, "src_host_reverse": None, "local_time": [], "flock_id": False}},
    {"id": "incident:odd-events", "updated_id": 9,
     "description": {"logtype": 4002, "events": [None, 42, "text", ["a"], {"timestamp": "soon", "USERNAME": {"x": 1},
                                                                              "PORTS": [22, 23], "": ""}]}},
    {"id": "incident:null-lists", "updated_id": 10, "description": {"events": None, "logdata": None}},
    {"id": "incident:unknown-logtype", "updated_id": 11, "description": {"logtype": 424242, "description": ""}},
    {"id": 12345, "updated_id": 12, "description": []},
    {"id": "incident:out-of-range", "updated_id": 13,
     "description": {"created": 1e300, "src_port": float("nan"), "dst_port": "1e400", "events_count": float("inf")}},
    {"id": "incident:busy", "updated_id": 14,
     "description": {"logtype": 4002, "src_host": "198.51.100.7", "created": FIXED_NOW, "events_count": str(BUSY_EVENTS),
                     "events": [{"USERNAME": f"user{n}", "PASSWORD": "hunter2", "timestamp": FIXED_NOW + n}
                                for n in range(BUSY_EVENTS)]}},
]
UNREADABLE = ["a string", None, ["a", "list"], {"updated_id": 15, "summary": "no key to act on"}]


def canned_console(request: httpx.Request, feed: list | None = None) -> httpx.Response:
    """Every endpoint Roost reads, answering in shapes the documentation does not have
    (and ``feed`` as the incidents, when given)."""
    path = request.url.path.removeprefix("/api/v1/")
    if path == "incidents/all":
        since = request.url.params.get("incidents_since")
        items = [] if since else (feed if feed is not None else [*READABLE[:4], *UNREADABLE, *READABLE[4:]])
        body = {"feed": "All Incidents", "incidents": items, "max_updated_id": "lots", "cursor": None, "result": "success"}
    elif path == "device/info":
        body = {"device": "not an object", "result": "success"}
    elif path == "incidents/history/source":
        body = {"incidents": [None, {"key": {"a": 1}}], "result": "success"}
    else:
        body = {"message": "Not found", "result": "error"}
    return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def malformed_app(tmp_path, feed: list | None = None) -> RoostApp:
    transport = httpx.MockTransport(functools.partial(canned_console, feed=feed))
    client = CanaryClient(IN_PROCESS_URL, Secret(TOKEN), transport=transport)
    settings = Settings(console=IN_PROCESS_URL, token=Secret(TOKEN), profile="odd console", poll_interval=0)
    app = RoostApp(settings, CanaryBackend(client), data_directory=tmp_path)
    app.detail_delay = 0
    return app


async def test_odd_shapes_are_shown_as_well_as_they_can_be(tmp_path):
    app = malformed_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # All
        table = app.screen.query_one(IncidentTable)
        assert sorted(table.row_keys) == sorted(str(item["id"]) for item in READABLE)
        assert any("4 items the console sent are not incidents" in n.message for n in app.messages)
        for _ in READABLE:
            await settle(pilot)
            assert_terminal_safe(app, f"detail of {table.cursor_key}")
            await pilot.press("j")
        assert app.is_running and not app.crash_report


async def test_an_incident_with_ten_thousand_events_shows_the_first_ones_quickly(tmp_path):
    app = malformed_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        table = app.screen.query_one(IncidentTable)
        while table.cursor_key != "incident:busy":
            await pilot.press("j")
        started = time.perf_counter()
        await pilot.press("enter")  # into the detail pane, then to its end
        await pilot.press("end")
        await wait_for(pilot, lambda: "more events not shown" in "".join(
            strip.text for strip in screen_lines(app)), "the last line of the pane")
        seconds = time.perf_counter() - started
        text = assert_terminal_safe(app, "the busy incident")
        assert f"… {BUSY_EVENTS - MAX_EVENTS_SHOWN:,} more events not shown" in "\n".join(text)
        assert seconds < 2, f"{seconds:.2f} s to show a 10,000-event incident"


# An event with 1,000 fields, 200 times: it froze the UI for 16.8 s each time it was highlighted.
WIDE_FIELDS, WIDE_EVENTS = 1_000, 200


def wide_incident(value_length: int = 12) -> Incident:
    events = tuple(
        Event(timestamp=None, fields=tuple((f"FIELD{field:04d}", f"{event}:{field}:".ljust(value_length, "v"))
                                           for field in range(WIDE_FIELDS)))
        for event in range(WIDE_EVENTS)
    )
    return canary_incident(key="incident:wide", summary="SSH Login Attempt", logtype=4002, events=events, events_count=WIDE_EVENTS)


def rendered_lines(incident: Incident, width: int) -> list[str]:
    console = Console(width=width, color_system=None, file=io.StringIO())
    context, _ = DetailSource(CanaryBackend(client=None)).context(incident)  # its lookups still loading
    lines = console.render_lines(render_detail(context), console.options, pad=False)
    return ["".join(segment.text for segment in line) for line in lines]


@pytest.mark.parametrize("value_length", [12, 512])
@pytest.mark.parametrize("width", [40, 120])
def test_the_detail_of_a_thousand_fields_per_event_is_bounded(width, value_length):
    started = time.perf_counter()
    lines = rendered_lines(wide_incident(value_length), width)
    seconds = time.perf_counter() - started
    text = " ".join(" ".join(lines).split())  # wherever the lines were wrapped
    assert len(lines) <= MAX_EVENT_LINES + 40, f"{len(lines):,} lines"
    assert f"… {WIDE_FIELDS - MAX_FIELDS_SHOWN:,} more fields" in text
    assert "FIELD0000=0:0:" in text and f"FIELD{MAX_FIELDS_SHOWN:04d}=" not in text
    if len(lines) > MAX_EVENT_LINES:  # the lines ran out before the events did: says so
        assert f"the pane draws at most {MAX_EVENT_LINES:,} lines of events Type " in text  # the facts follow
    assert seconds < 2, f"{seconds:.2f} s to draw the detail"


async def test_highlighting_an_incident_with_a_thousand_fields_per_event_stays_quick(tmp_path):
    wide = {"id": "incident:wide", "updated_id": 20,
            "description": {"logtype": 4002, "src_host": "198.51.100.8", "created": FIXED_NOW + 10,
                            "events": [{**{f"FIELD{field:04d}": f"value {field}" for field in range(WIDE_FIELDS)},
                                        "timestamp": FIXED_NOW + event} for event in range(WIDE_EVENTS)]}}
    small = {"id": "incident:small", "updated_id": 21,
             "description": {"logtype": 4002, "src_host": "198.51.100.9", "created": FIXED_NOW,
                             "events": [{"USERNAME": "root", "timestamp": FIXED_NOW}]}}
    app = malformed_app(tmp_path, feed=[wide, small])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # All
        await settle(pilot)
        table = app.screen.query_one(IncidentTable)
        assert table.row_keys == ["incident:wide", "incident:small"]
        await pilot.press("j")
        await settle(pilot)
        for _ in range(2):  # the first highlight, and the next: each one used to take as long
            started = time.perf_counter()
            await pilot.press("k")
            await settle(pilot)
            lines = detail_lines(app)
            seconds = time.perf_counter() - started
            assert table.cursor_key == "incident:wide"
            assert f"… {WIDE_FIELDS - MAX_FIELDS_SHOWN:,} more fields" in " ".join(" ".join(lines).split())
            assert len(lines) <= MAX_EVENT_LINES + 40, f"{len(lines):,} lines in the pane"
            assert seconds < 3, f"{seconds:.2f} s to show the incident"
            await pilot.press("j")
            await settle(pilot)
        assert app.is_running and not app.crash_report
