"""The detail source: the backend's facts, the source's history and its lookups, loaded once and cached."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from rich.console import Console

from canary_builders import canary_incident
from tui.backends.base import Capability, HistoryEntry
from tui.backends.canary import CanaryBackend
from tui.backends.canary.parse import Host, parse_history_entry
from tui.backends.errors import NotFound, ServerError
from tui.details import CACHE_SECONDS, LOADING, RETRY_SECONDS, UNREADABLE, DetailSource, history_summary
from tui.widgets.detail_pane import render_detail

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=timezone.utc)
BIRD = canary_incident("incident:1", "SSH Login Attempt", src_host="10.0.0.5", node_id="bird1", node_name="fs-01", logtype=4002)
SAME_BIRD = canary_incident("incident:2", "Port Scan", src_host="10.0.0.6", node_id="bird1", node_name="fs-01", logtype=5003)


class CanaryAnswers:
    """Canary's answers, counted; ``failure`` is raised instead when set."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.failure: Exception | None = None

    async def device_info(self, node_id: str) -> Host:
        self.asked.append(f"device {node_id}")
        if self.failure:
            raise self.failure
        return Host(node_id, name="fs-01", ip_address="10.1.1.1", live=True, last_seen=NOW)

    async def history_for_source(self, source: str) -> list:
        self.asked.append(f"history {source}")
        if self.failure:
            raise self.failure
        return [parse_history_entry({"key": "incident:0", "description": "older", "created": 1_700_000_000, "deleted": True})]

    async def flocks(self) -> dict[str, str]:
        """Asked with each history (its flocks by name), not counted: these tests count the rest."""
        return {"flock:default": "Default Flock"}


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def source_for(console: CanaryAnswers, clock: Clock, backend_class: type[CanaryBackend] = CanaryBackend) -> DetailSource:
    return DetailSource(backend_class(console), now=lambda: NOW, monotonic=clock)


def facts_of(source: DetailSource, incident) -> dict[str, tuple]:
    context, _ = source.context(incident)
    return {fact.label: fact.parts for section in context.sections for fact in section.facts if fact.label}


def drawn(source: DetailSource, incident) -> str:
    console = Console(width=100, file=io.StringIO(), color_system=None)
    lines = console.render_lines(render_detail(source.context(incident)[0]), console.options, pad=False)
    return "\n".join("".join(segment.text for segment in line).rstrip() for line in lines)


async def test_lookups_say_loading_until_loaded_then_show_the_answer():
    console, clock = CanaryAnswers(), Clock()
    source = source_for(console, clock)
    context, pending = source.context(BIRD)
    assert pending and facts_of(source, BIRD)["Host"] == (LOADING,) and facts_of(source, BIRD)["History"] == (LOADING,)
    await source.load(BIRD)
    context, pending = source.context(BIRD)
    assert not pending
    assert facts_of(source, BIRD)["History"][0].startswith("1 other incident (1 deleted) · first ")
    assert "Host    fs-01" in drawn(source, BIRD) and "live · last seen 0s ago" in drawn(source, BIRD)
    assert context.title == "SSH Login Attempt" and context.status.id == "unacknowledged"


async def test_one_request_per_lookup_key_kept_a_minute():
    console, clock = CanaryAnswers(), Clock()
    source = source_for(console, clock)
    await source.load(BIRD)
    await source.load(SAME_BIRD)  # same bird: its device is known; another source: its history is not
    assert console.asked == ["device bird1", "history 10.0.0.5", "history 10.0.0.6"]
    clock.seconds = CACHE_SECONDS + 1
    assert source.context(BIRD)[1]
    await source.load(BIRD)
    assert console.asked[3:] == ["device bird1", "history 10.0.0.5"]


async def test_a_failure_is_shown_and_retried_soon():
    console, clock = CanaryAnswers(), Clock()
    console.failure = ServerError("server error (500)")
    source = source_for(console, clock)
    await source.load(BIRD)
    assert facts_of(source, BIRD)["Host"] == ("unavailable: server error (500)",)
    assert facts_of(source, BIRD)["History"] == ("unavailable: server error (500)",)
    clock.seconds = RETRY_SECONDS + 1
    assert source.context(BIRD)[1]


async def test_a_device_the_console_does_not_know_is_an_answer():
    console, clock = CanaryAnswers(), Clock()
    console.failure = NotFound("no such device")
    source = source_for(console, clock)
    await source.load(BIRD)
    assert facts_of(source, BIRD)["Host"] == ("device not found on the console",)
    clock.seconds = RETRY_SECONDS + 1
    assert facts_of(source, BIRD)["Host"] == ("device not found on the console",)  # kept like an answer


async def test_a_bug_in_a_load_is_raised_and_the_pane_stops_loading():
    console, clock = CanaryAnswers(), Clock()
    console.failure = RuntimeError("a parsing bug")
    source = source_for(console, clock)
    with pytest.raises(RuntimeError):
        await source.load(BIRD)
    assert facts_of(source, BIRD)["Host"] == (UNREADABLE,)


async def test_the_history_screen_and_the_history_fact_share_one_load():
    console, clock = CanaryAnswers(), Clock()
    source = source_for(console, clock)
    await source.load_history("10.0.0.5")
    entries, note = source.history("10.0.0.5")
    assert note == "" and entries == (HistoryEntry("incident:0", "older", entries[0].created, True),)
    await source.load(BIRD)
    assert console.asked.count("history 10.0.0.5") == 1


async def test_without_the_history_capability_there_is_no_history_row():
    class NoHistory(CanaryBackend):
        @property
        def capabilities(self) -> frozenset[Capability]:
            return frozenset()

    console, clock = CanaryAnswers(), Clock()
    source = source_for(console, clock, NoHistory)
    assert "History" not in facts_of(source, BIRD)
    await source.load(BIRD)
    assert console.asked == ["device bird1"]


def test_history_summary():
    entry = HistoryEntry("incident:1", "t", None, False)
    assert history_summary((entry,), "incident:1") == "first time seen"
    assert history_summary((entry, HistoryEntry("incident:2", "t", None, False)), "incident:1") == "1 other incident"
