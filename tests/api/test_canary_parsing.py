"""Every JSON example in the Canary docs and our spec, served by a fake console,
comes out of the client as the right model values."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from canary_fakes import RecordingConsole, doc_json
from canary_builders import canary_incident
from tui.backends.canary.client import CanaryClient
from tui.backends.canary.parse import ShapeError, canary_fields, parse_host, parse_incident, parse_page


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=timezone.utc)


async def test_acknowledged_feed_example(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(doc_json("feed_acknowledged.json"))
    page = await client.feed("acknowledged", limit=1)

    assert page.next_cursor == "MTQzOjE0MjoxNDQ6MToxOjA6Mjoz"
    assert page.prev_cursor is None
    assert page.max_updated_id == 142
    [incident] = page.incidents
    assert incident.key == "<incident_key>"
    assert incident.raw["hash_id"] == "<hash_id>"
    assert incident.title == "HTTP Login Attempt"
    assert canary_fields(incident).logtype == 3001
    assert canary_fields(incident).logtype_name == "HTTP Login Attempt"
    assert incident.status == "acknowledged"
    assert incident.raw["description"]["notified"] == "False"  # kept in the document, read by nothing
    assert incident.created == utc(2020, 4, 8, 9, 39, 2)
    assert incident.updated == utc(2020, 4, 8, 10, 55, 9)
    assert incident.version == 142
    assert (canary_fields(incident).dst_port, canary_fields(incident).src_port) == (80, 60961)
    assert canary_fields(incident).node_name == "ExampleBird"
    assert incident.events_count == 1
    [event] = incident.events
    assert event.timestamp == utc(2020, 4, 8, 9, 39, 2)
    assert dict(event.fields)["RESPONSE"] == "200"
    assert "timestamp_std" not in dict(event.fields)


@pytest.mark.parametrize(
    ("fixture", "feed"),
    [("feed_all_token.json", "all"), ("feed_unacknowledged_token.json", "unacknowledged")],
)
async def test_canarytoken_feed_examples(console: RecordingConsole, client: CanaryClient, fixture: str, feed) -> None:
    console.reply(doc_json(fixture))
    [incident] = (await client.feed(feed, limit=1)).incidents

    assert incident.title == "Canarytoken triggered"
    assert canary_fields(incident).logtype == 17012
    assert canary_fields(incident).logtype_name == "AWS API Key Token"
    assert canary_fields(incident).is_token
    assert canary_fields(incident).memo == "Example Memo"
    assert canary_fields(incident).node_name == "N/A"
    assert incident.source == ""
    assert canary_fields(incident).src_port == 0
    assert incident.status == "unacknowledged"
    [event] = incident.events
    fields = dict(event.fields)
    assert fields["type"] == "aws-id"
    assert fields["dst_port"] == "80"
    assert '"User-Agent": ""' in fields["headers"]


async def test_five_incident_page_from_the_worked_example(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(doc_json("feed_unacknowledged_page.json"))
    page = await client.feed("unacknowledged", limit=5)

    assert [i.version for i in page.incidents] == [147, 148, 149, 150, 152]
    assert [canary_fields(i).logtype for i in page.incidents] == [4002, 6001, 8001, 3001, 10001]
    assert page.max_updated_id == 152
    assert page.next_cursor == "MTUzOjE0NzoxNjA6NTowOjA6Mjoy"
    tftp = page.incidents[-1]
    assert tftp.events_count == 2
    assert [e.timestamp for e in tftp.events] == [utc(2020, 4, 17, 20, 30, 58), utc(2020, 4, 17, 20, 31, 3)]
    # Placeholders where numbers belong do not break parsing.
    assert canary_fields(tftp).src_port is None
    mysql = page.incidents[2]
    assert dict(mysql.events[0].fields)["CLIENT_HASH"] == ""


async def test_spec_feed_example(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(doc_json("spec_feed_unacknowledged.json"))
    [incident] = (await client.feed("unacknowledged")).incidents

    assert canary_fields(incident).flock_id == "flock:default"
    assert canary_fields(incident).flock_name == "Default Flock"
    assert incident.created == utc(2020, 4, 17, 20, 29, 30)
    assert incident.raw["summary"] == "SSH Login Attempt"


async def test_search_example_is_flat_form(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(doc_json("search.json"))
    page = await client.search(node_id="<node_id>", limit=1)

    assert (page.page_number, page.total_pages, page.total_results) == (1, 8, 8)
    assert page.next_cursor == "Mzg6Mzk6MTY6MTowOjE6Mjo4"
    assert page.max_updated_id == 39
    assert page.raw["incident_source_counts"] == {"<source_ip>": 8}
    [incident] = page.incidents
    assert incident.key == "<incident_key>"
    assert incident.title == "ModBus Request"
    assert canary_fields(incident).logtype == 18001
    assert incident.status == "unacknowledged"
    assert incident.created == utc(2020, 4, 7, 12, 28, 40)
    assert incident.updated == utc(2020, 4, 7, 12, 28, 40)
    assert incident.version == 39
    assert canary_fields(incident).node_name == "ExampleBird"  # from the embedded host
    assert incident.events_count == 1
    assert dict(incident.events[0].fields) == {"FUNC_CODE": "17", "FUNC_NAME": "Report Slave ID", "UNIT_ID": "1"}
    assert incident.raw["previously_seen_count"] == 9


async def test_fetch_example_keeps_the_true_event_count(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(doc_json("incident_fetch.json"))
    incident = await client.fetch("<incident_key>")

    assert incident.key == "<incident_key>"
    assert incident.title == "Telnet Login Attempt"
    assert canary_fields(incident).logtype_name == "Telnet Login Attempt"
    assert incident.events_count == 3
    assert len(incident.events) == 1
    assert dict(incident.events[0].fields)["TERMSIZE"] == "91x44"
    assert (canary_fields(incident).dst_port, canary_fields(incident).src_port) == (23, 54968)


async def test_history_example(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply(doc_json("history_source.json"))
    [entry] = await client.history_for_source("<source_ip>")

    assert entry.key == "<incident_key>"
    assert entry.summary == "SSH Login Attempt"
    assert entry.deleted is False
    assert entry.created == utc(2020, 4, 7, 11, 57, 39)
    assert entry.dst_port == 22
    assert entry.flock_id == "flock:default"


@pytest.mark.parametrize(
    ("fixture", "method", "action"),
    [
        ("incident_acknowledge.json", "acknowledge", "acknowledged"),
        ("incident_unacknowledge.json", "unacknowledge", "unacknowledged"),
        ("incident_delete.json", "delete", "deleted"),
    ],
)
async def test_single_action_examples(console, client, fixture: str, method: str, action: str) -> None:
    console.reply(doc_json(fixture))
    assert doc_json(fixture)["action"] == action
    assert await getattr(client, method)("<incident_key>") == "<incident_key>"


@pytest.mark.parametrize(
    ("fixture", "method", "touched"),
    [
        ("incidents_acknowledge.json", "acknowledge_many", 7),
        ("incidents_unacknowledge.json", "unacknowledge_many", 7),
        ("incidents_delete.json", "delete_many", 4),
        ("incidents_acknowledge_all.json", "acknowledge_many", 9),
        ("incidents_delete_all.json", "delete_many", 9),
    ],
)
async def test_bulk_action_examples(console, client, fixture: str, method: str, touched: int) -> None:
    console.reply(doc_json(fixture))
    result = await getattr(client, method)(older_than="0h")

    assert result.action == doc_json(fixture)["action"]
    assert result.keys == ("<incident_key>",) * touched


async def test_device_info_from_the_search_host_object(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply({"device": doc_json("search.json")["incidents"][0]["host"], "result": "success"})
    host = await client.device_info("<node_id>")

    assert host.node_id == "<node_id>"
    assert host.name == "ExampleBird"
    assert host.version == "2.3.1"
    assert host.personality == "linux"
    # device_live says "True" while live says "False"; the heartbeat is 11 seconds old.
    assert host.live is True
    assert host.last_seen == utc(2020, 4, 7, 17, 54, 48)
    assert host.first_seen == utc(2020, 4, 3, 20, 56, 22)
    assert host.raw["update_attempts:2.3"] == "1"


def test_devices_all_entry_with_real_booleans_and_printable_dates() -> None:
    host = parse_host(doc_json("spec_devices_all.json")["devices"][0])

    assert host.live is True
    assert host.personality == "linux-db"
    assert host.first_seen == utc(2020, 4, 14, 22, 11, 18)
    assert host.last_seen == utc(2020, 4, 26, 20, 34, 2)


async def test_flock_names(console: RecordingConsole, client: CanaryClient) -> None:
    console.reply({"flocks": {"flock:default": "Default Flock", "flock:3f2a": "DMZ"}, "result": "success"})
    assert await client.flocks() == {"flock:default": "Default Flock", "flock:3f2a": "DMZ"}


def test_nested_feed_form_and_flat_form_are_one_incident() -> None:
    item = doc_json("feed_unacknowledged_page.json")["incidents"][0]
    flat = {**item["description"], **{k: v for k, v in item.items() if k not in ("description", "summary")}}
    flat["description"] = item["summary"]

    nested_incident, flat_incident = parse_incident(item), parse_incident(flat)
    assert nested_incident == flat_incident
    assert (flat_incident.key, flat_incident.title, canary_fields(flat_incident).logtype) == ("<node_id>", "SSH Login Attempt", 4002)


@pytest.mark.parametrize("empty", [None, []])
async def test_null_and_empty_incidents_are_an_empty_last_page(console, client, empty) -> None:
    console.reply({"feed": "All Incidents", "incidents": empty, "result": "success", "updated_timestamp": 0})
    page = await client.feed("all", incidents_since=152)

    assert page.incidents == ()
    assert page.next_cursor is None
    assert page.max_updated_id is None


def test_real_world_shapes_port_scan_unknown_logtypes_and_fields() -> None:
    """Shapes seen in real data (spec 3.1 notes, SEKOIA fixture) but in no docs example."""
    page = parse_page(doc_json("feed_real_world_shapes.json"))
    ssh, scan, unknown = page.incidents

    assert ssh.key.startswith("incident:sshlogin:")
    assert canary_fields(ssh).flock_name == "DMZ"
    assert ssh.raw["description"]["events_list"] == "1720684078,1720684081"
    assert ssh.raw["description"]["matched_annotations"] == {}
    assert canary_fields(scan).logtype_name == "Consolidated Network Port Scan"
    [scan_event] = scan.events
    assert scan_event.timestamp is None
    assert dict(scan_event.fields) == {"22": '["10.0.0.2", "10.0.0.3"]', "445": '["10.0.0.2"]'}
    assert canary_fields(unknown).logtype == 99999
    assert canary_fields(unknown).logtype_name == "Logtype 99999"
    assert unknown.raw["experimental_field"] == {"kept": True}
    assert page.raw["console_extra"] == "kept"
    assert page.next_cursor is None


def test_odd_values_never_raise() -> None:
    incident = parse_incident(
        {"id": "k", "description": {"logtype": "", "created": "soon", "events_count": None, "events": "none",
                                     "acknowledged": None, "dst_port": "<port>", "events_list": [1, 2]}}
    )
    assert incident == canary_incident(key="k", summary="", logtype=None, dst_port=None)
    assert canary_fields(incident).logtype_name == "Unknown"


@pytest.mark.parametrize(
    "body",
    [{"incidents": {}}, {"incidents": "none"}, {"cursor": "next"}, {"cursor": {"next": 7}}],
)
def test_wrong_shapes_are_shape_errors(body) -> None:
    with pytest.raises(ShapeError):
        parse_page(body)


def test_items_that_are_not_incidents_are_left_out_and_counted() -> None:
    page = parse_page({"incidents": [["not", "an", "object"], None, {"summary": "no key"}, {"id": "k"}]})
    assert [incident.key for incident in page.incidents] == ["k"]
    assert page.unreadable == 3


@pytest.mark.parametrize("value", ["0001-01-01 00:00:00 UTC+1400", "9999-12-31 23:59:59 UTC-1400", "2020-13-01 00:00:00 UTC+0000"])
def test_a_std_time_utc_cannot_hold_is_no_time(value):
    from tui.backends.canary.parse import from_std_time

    assert from_std_time(value) is None
