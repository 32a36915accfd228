"""ConsoleState, the generator and the time formats, without HTTP."""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from tui.emulator.canary import timefmt
from tui.emulator.canary.generator import BIRDS, FLOCKS, NOISY_SOURCES, IncidentGenerator, populate
from tui.emulator.canary.state import ConsoleState

from .conftest import AWS_TOKEN, BIRD, NOW, dump_feed, fixture_json


def test_incidents_are_stored_typed_as_the_console_sends_them(console: ConsoleState):
    ssh = console.get(console.keys()[0])
    assert ssh is not None
    body = ssh.body
    assert body["created"] == str(NOW - 5000)
    assert (body["logtype"], body["dst_port"], body["src_port"]) == ("4002", "22", "40000")
    assert (body["acknowledged"], body["notified"], body["events_count"]) == ("False", "False", "3")
    assert body["created_std"] == "2023-11-14 20:50:00 UTC+0000"
    assert body["description"] == "SSH Login Attempt"
    assert (body["name"], body["ip_address"], body["flock_id"]) == ("fs-nyc-01", "10.0.0.5", "flock:default")
    assert body["events_list"] == ",".join(str(NOW - 5000 + i) for i in range(3))
    assert body["events"][0]["timestamp_std"] == "2023-11-14 20:50:00 UTC+0000"
    assert ssh.key.startswith("incident:sshlogin:") and ssh.key.endswith(f":1.1.1.1:{NOW - 5000}")
    assert len(ssh.hash_id) == 32


def test_token_incidents_name_the_token_not_a_bird(console: ConsoleState):
    token = next(r for r in console.records() if r.is_token)
    body = token.body
    assert (body["name"], body["memo"], body["node_id"]) == ("N/A", "AWS keys on build-07", AWS_TOKEN)
    assert (body["src_port"], body["description"]) == ("0", "Canarytoken triggered")
    assert "ip_address" not in body and "mac_address" not in body
    assert body["local_time"].endswith(" (UTC)")
    assert token.key.startswith("incident:canarytoken:")


def test_updated_id_counts_creation_new_events_and_acknowledgement():
    state = ConsoleState(clock=lambda: NOW)
    first = state.add_incident(logtype=4002, node_id=BIRD)
    second = state.add_incident(logtype=4002, node_id=BIRD)
    assert [state.get(first).updated_id, state.get(second).updated_id] == [1, 2]

    state.add_event(first, {"USERNAME": "root"})
    record = state.get(first)
    assert record.updated_id == 3 and state.max_updated_id == 3
    assert record.body["events_count"] == "1" and record.events[0]["timestamp"] == NOW

    assert state.acknowledge(first) is True
    assert state.get(first).updated_id == 4 and state.is_acknowledged(first)
    assert state.acknowledge(first) is False  # no change, no new updated_id
    assert state.max_updated_id == 4
    assert state.unacknowledge(first) is True
    assert state.get(first).updated_id == 5 and not state.is_acknowledged(first)


def test_acknowledging_can_leave_updated_id_alone():
    state = ConsoleState(clock=lambda: NOW, bump_on_ack=False)
    key = state.add_incident(logtype=4002, node_id=BIRD)
    state.acknowledge(key)
    assert state.get(key).updated_id == 1 and state.is_acknowledged(key)


def test_keys_by_feed_in_updated_id_order(console: ConsoleState):
    acknowledged = console.keys("acknowledged")
    assert len(acknowledged) == 1 and ":2.2.2.2:" in acknowledged[0]
    assert console.keys() == console.keys("unacknowledged") + acknowledged
    with pytest.raises(ValueError, match="unknown feed"):
        console.keys("archived")


def test_deleted_incidents_leave_the_feeds_but_stay_known(console: ConsoleState):
    key = console.keys()[0]
    console.delete(key)
    assert console.get(key) is None
    assert key not in console.keys() and console.deleted_keys == [key]
    assert any(r.key == key and r.deleted for r in console.records(include_deleted=True))
    for action in (console.acknowledge, console.delete, console.is_acknowledged):
        with pytest.raises(KeyError):
            action(key)


def test_dump_then_load_gives_the_same_console():
    original = ConsoleState(clock=lambda: NOW)
    populate(original, 40, seed=5)
    original.delete(original.keys()[3])
    dumped = dump_feed(original)

    copy_ = ConsoleState(clock=lambda: NOW)
    loaded = copy_.load_feed(copy.deepcopy(dumped))
    assert loaded == [item["id"] for item in dumped["incidents"]]
    assert dump_feed(copy_) == dumped
    assert copy_.max_updated_id == dumped["max_updated_id"]
    assert copy_.add_incident(logtype=4002, node_id=BIRD) in copy_.keys()
    assert copy_.max_updated_id == dumped["max_updated_id"] + 1


def test_loading_the_documentation_example_keeps_every_field():
    saved = fixture_json("seed_acknowledged_feed.json")
    state = ConsoleState(clock=lambda: NOW)
    assert state.load_feed(saved) == ["<incident_key>"]
    item = saved["incidents"][0]
    dumped = dump_feed(state)["incidents"][0]
    assert dumped == item
    assert state.is_acknowledged("<incident_key>") and state.max_updated_id == 142
    assert state.devices["<node_id>"].name == "ExampleBird"  # device/info and search can describe it


def test_loading_a_token_incident_registers_the_token():
    state = ConsoleState(clock=lambda: NOW)
    state.load_feed(fixture_json("seed_all_feed.json"))
    assert state.tokens["<node_id>"].kind == "aws-id"
    assert dump_feed(state)["incidents"] == fixture_json("seed_all_feed.json")["incidents"]


def test_loading_the_flat_search_form_and_empty_feeds():
    state = ConsoleState(clock=lambda: NOW)
    assert state.load_feed({"feed": "All Incidents", "incidents": None, "result": "success"}) == []
    state.load_feed(fixture_json("seed_search.json"))
    record = state.get("<incident_key>")
    assert record is not None and record.updated_id == 39
    assert record.title == "ModBus Request"
    assert record.events == [{"FUNC_CODE": 17, "FUNC_NAME": "Report Slave ID", "UNIT_ID": 1}]
    assert "host" not in record.body and "created_age" not in record.body
    with pytest.raises(ValueError, match="incidents"):
        state.load_feed({"result": "success"})


def test_the_generator_is_deterministic_for_a_seed_and_a_clock():
    def dump(seed: int) -> dict:
        state = ConsoleState(clock=lambda: NOW)
        populate(state, 30, seed=seed)
        IncidentGenerator(state, "live").live_step()
        return dump_feed(state)

    assert dump(11) == dump(11)
    assert dump(11) != dump(12)


def test_the_generator_makes_a_realistic_console():
    state = ConsoleState(clock=lambda: NOW)
    keys = populate(state, 300, seed=2)
    records = state.records()
    assert len(keys) == len(records) == 300
    assert set(state.flocks) == set(FLOCKS) and len(state.devices) == len(BIRDS)
    assert any(not device.live for device in state.devices.values())
    logtypes = {r.logtype for r in records}
    assert {2000, 3000, 3001, 4002, 5000, 5003, 5007, 6001, 8001, 9001, 10001, 13001, 14001, 18001} <= logtypes
    assert {16000, 17000, 17001, 17004, 17005, 17012} <= logtypes
    assert max(int(r.body["events_count"]) for r in records) >= 8  # brute forces
    sources = Counter(r.text("src_host") for r in records)
    assert all(sources[ip] >= 10 for ip, _ in NOISY_SOURCES)
    assert any(r.text("src_host_reverse") for r in records)
    assert 0 < len(state.keys("acknowledged")) < 300
    assert all(r.created <= NOW and r.updated_time <= NOW for r in records)

    ssh = next(r for r in records if r.logtype == 4002)
    assert {"LOCALVERSION", "REMOTEVERSION", "USERNAME", "PASSWORD", "timestamp", "timestamp_std"} <= set(ssh.events[0])
    scan = next(r for r in records if r.logtype == 5007)
    assert all(port.isdigit() and isinstance(seen, list) for port, seen in scan.events[0].items())
    token = next(r for r in records if r.is_token)
    assert {"canarytoken", "type", "src_host", "geoip", "timestamp"} <= set(token.events[0])


def test_live_steps_add_incidents_or_events():
    state = ConsoleState(clock=lambda: NOW)
    generator = IncidentGenerator(state, 9)
    generator.populate(10)
    before = state.max_updated_id
    touched = [generator.live_step() for _ in range(40)]
    assert state.max_updated_id == before + 40
    created = len(state.keys()) - 10
    assert 0 < created < 40  # the other steps added events to ongoing brute forces
    assert all(state.get(key) is not None for key in touched)


def test_time_formats():
    assert timefmt.std(1586249623) == "2020-04-07 08:53:43 UTC+0000"
    assert timefmt.std(1586249623, timefmt.zone("Africa/Johannesburg")) == "2020-04-07 10:53:43 SAST+0200"
    assert timefmt.http_date(1586249623) == "Tue, 07 Apr 2020 08:53:43 GMT"
    assert timefmt.printable(1586262520) == "Tue Apr 07 2020 12:28:40 GMT+0000 (UTC)"
    assert [timefmt.age(s) for s in (0, 1, 11, 5 * 3600, 86400, 9 * 86400)] == [
        "0 seconds", "1 second", "11 seconds", "5 hours", "1 day", "1 week"]
    assert timefmt.parse_query_time("2020-04-07-08:53:43") == 1586249623
    with pytest.raises(ValueError):
        timefmt.zone("Mars/Olympus_Mons")
