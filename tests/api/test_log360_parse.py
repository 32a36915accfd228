"""Log360's JSON to the neutral model: every example in seed 003 and the spec, every spelling,
times in the profile's zone, versions that grow, and odd or hostile data kept literal."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from log360_fakes import (
    SAMPLE, SEED_CREATED, SEED_DELETED, SEED_GET, SEED_LIST, SEED_UPDATED, SPEC_CREATED, SPEC_GET, SPEC_LIST, doc,
)
from tui.backends.log360.parse import (
    Actor, Log360Fields, ShapeError, Versions, log360_fields, merge_detail, normalise_severity, normalise_status,
    parse_created, parse_detail, parse_id, parse_incident, parse_message, parse_page, parse_time, parse_users,
    user_names, wire_time, with_users,
)
from tui.backends.values import to_text
from tui.model import Event, Incident

UTC = timezone.utc
KOLKATA = ZoneInfo("Asia/Kolkata")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# -- the documents' examples ----------------------------------------------------------------


@pytest.mark.parametrize("text", [SEED_LIST, SPEC_LIST], ids=["seed", "spec"])
def test_the_documented_list_example(text: str):
    page = parse_page(doc(text), tz=UTC)
    (incident,) = page.incidents
    assert (page.per_page, page.total_pages, page.total_items) == (100, 2, 152)
    assert page.size == len(doc(text)["data"]) and page.unreadable == page.size - 1  # the seed's "..." item
    assert incident.key == "3000000455681"
    assert incident.title == "DOS Attack Incident"
    assert (incident.status, incident.severity, incident.assignee) == ("open", "critical", "")
    assert incident.created == utc(2025, 3, 31, 16, 12, 10)
    assert incident.updated == incident.created
    assert incident.version == int(utc(2025, 3, 31, 16, 12, 10).timestamp() * 1000)
    extras = log360_fields(incident)
    assert extras == Log360Fields(
        description="The collection of reports with Downgrade Attacks.", due_date=utc(2025, 4, 2),
        created_by="user001", assignee_id="", status_text="Open", severity_text="Critical",
    )
    assert not extras.detailed and extras.evidence_count is None and extras.notes_count is None
    assert incident.raw == doc(text)["data"][0]


def test_the_seed_get_example():
    incident = parse_detail(doc(SEED_GET), "3000000438278", tz=UTC)
    extras = log360_fields(incident)
    assert incident.key == "3000000438278" and incident.title == "" and extras.detailed
    assert extras.actors == (Actor("entity", ("dev-agent",)), Actor("suspect", ("dev-agent\\n/a",)))
    (note,) = extras.notes
    assert (note.text, note.added_by, note.time) == (
        "Incident occurred during server upgrade.", "gokul.sn+test", utc(2025, 3, 31, 16, 12, 17))
    assert [entry.activity for entry in extras.activity] == [
        "Incident Notes Added", "Incident Updated", "Incident Created"]
    (event,) = incident.events
    assert incident.events_count == 1 and extras.evidence_count == 1 and extras.notes_count == 1
    assert event.timestamp == utc(2025, 3, 31, 15, 30)  # log_org_time: when the log happened
    fields = dict(event.fields)
    assert fields["message"].endswith("Logon ID: 0x8D71B\t9077 ")  # the tab is data, kept
    assert fields["is_threshold_incident"] == "False" and fields["eventid"] == "40960"
    names = [name for name, _ in event.fields]
    # What it says, then who and where; the rest in the wire's order.
    assert names[:3] == ["message", "hostname", "username"]
    assert [name for name in names if name in ("severity", "eventid", "incident_tab")] == ["severity", "eventid", "incident_tab"]
    assert (incident.source, incident.target) == ("1.4.0.0", "dev-agent")
    assert incident.version == int(utc(2025, 3, 31, 16, 12, 17).timestamp() * 1000)


def test_the_spec_get_example_with_placeholders():
    incident = parse_detail(doc(SPEC_GET), "1", tz=UTC)
    assert log360_fields(incident).actors[1].values == ("<host>\\n/a",)
    assert incident.target == "<host>" and dict(incident.events[0].fields)["formatted_message"] == "<message>"


@pytest.mark.parametrize("text", [SEED_CREATED, SPEC_CREATED])
def test_the_create_answer(text: str):
    assert parse_created(doc(text)) == "3000000438284"


@pytest.mark.parametrize(("text", "message"), [
    (SEED_UPDATED, "Incident has been updated successfully."),
    (SEED_DELETED, "Incident has been deleted successfully."),
])
def test_update_and_delete_answers(text: str, message: str):
    assert parse_message(doc(text)) == message


def test_a_listed_incident_with_its_details_merged_is_one_record():
    listed = parse_page(doc(SEED_LIST), tz=UTC).incidents[0]
    whole = merge_detail(listed, doc(SEED_GET)["data"], tz=UTC)
    assert whole.key == listed.key and whole.title == "DOS Attack Incident" and whole.severity == "critical"
    assert log360_fields(whole).detailed and len(whole.events) == 1
    assert whole.version > listed.version  # the newest activity is later than the creation
    assert whole.raw == {**doc(SEED_LIST)["data"][0], **doc(SEED_GET)["data"]}
    # What the cache keeps reads back the same.
    assert parse_incident(json.loads(json.dumps(whole.raw)), tz=UTC) == whole


def test_every_sample_incident_reads_whole():
    sample = json.loads(SAMPLE.read_text())
    names = user_names(parse_users({"data": sample["users"]}))
    incidents = [parse_incident(raw, tz=UTC, users=names) for raw in sample["incidents"]]
    assert len({incident.key for incident in incidents}) == 20
    assert {incident.status for incident in incidents} == {"open", "in_progress", "closed"}
    assert {incident.severity for incident in incidents} == {"critical", "trouble", "attention"}
    assigned = [incident for incident in incidents if incident.assignee]
    assert assigned and all(incident.assignee in names.values() for incident in assigned)
    assert all(incident.created and incident.title and log360_fields(incident).detailed for incident in incidents)


# -- spellings ------------------------------------------------------------------------------


@pytest.mark.parametrize(("spelling", "status"), [
    ("Open", "open"), ("open", "open"), ("OPEN ", "open"), ("In Progress", "in_progress"),
    ("Inprogress", "in_progress"), ("In-progress", "in_progress"), ("in_progress", "in_progress"),
    ("IN PROGRESS", "in_progress"), ("in - progress", "in_progress"), ("Closed", "closed"),
])
def test_status_spellings(spelling: str, status: str):
    assert normalise_status(spelling) == status
    assert parse_incident({"incident_id": 1, "status": spelling}).status == status


@pytest.mark.parametrize("spelling", ["Reopened", "", "progress", None, 3, ["Open"]])
def test_an_unknown_status_counts_as_open_and_keeps_its_word(spelling):
    incident = parse_incident({"incident_id": 1, "status": spelling})
    assert normalise_status(spelling) is None
    assert incident.status == "open"
    assert log360_fields(incident).status_text == to_text(spelling)


@pytest.mark.parametrize(("spelling", "severity"), [
    ("Critical", "critical"), ("TROUBLE", "trouble"), (" attention ", "attention"), ("High", None), (5, None),
])
def test_severity_spellings(spelling, severity):
    assert normalise_severity(spelling) == severity
    assert parse_incident({"incident_id": 1, "severity": spelling}).severity == (severity or "")


# -- times -----------------------------------------------------------------------------------


def test_times_without_a_zone_are_read_in_the_given_zone():
    assert parse_time("2025-03-31 16:12:10", KOLKATA) == utc(2025, 3, 31, 10, 42, 10)
    assert parse_time("2025-03-31 16:12:10", UTC) == utc(2025, 3, 31, 16, 12, 10)
    local = datetime(2025, 3, 31, 16, 12, 10).astimezone().astimezone(UTC)
    assert parse_time("2025-03-31 16:12:10") == local  # default: the local zone
    incident = parse_incident({"incident_id": 1, "created_time": "2025-03-31 16:12:10",
                               "due_date": "2025-04-02 00:00:00"}, tz=KOLKATA)
    assert incident.created == utc(2025, 3, 31, 10, 42, 10)
    assert log360_fields(incident).due_date == utc(2025, 4, 1, 18, 30)


@pytest.mark.parametrize(("value", "expected"), [
    ("2027-10-03T10:30:00Z", utc(2027, 10, 3, 10, 30)),
    ("2027-10-03T10:30:00+05:30", utc(2027, 10, 3, 5, 0)),
    ("2027-10-03T10:30:00-0200", utc(2027, 10, 3, 12, 30)),
    ("2027-10-03 10:30", utc(2027, 10, 3, 10, 30)),
    ("2027-10-03T10:30:00.250", utc(2027, 10, 3, 10, 30, 0, 250000)),
    ("2027-10-03", utc(2027, 10, 3)),
    (1_743_437_530, utc(2025, 3, 31, 16, 12, 10)),
    (1_743_437_530_000, utc(2025, 3, 31, 16, 12, 10)),
    ("", None), ("yesterday", None), ("2025-13-01 00:00:00", None), ("2025-02-30 10:00:00", None),
    ("９９９９-01-01 00:00:00", None), ("0000-01-01 00:00:00", None), ("9999-12-31 23:59:59-14:00", None),
    (True, None), (None, None), ([], None), (float("nan"), None), (1e300, None), ("2025-03-31 16:12:10" * 9, None),
])
def test_time_forms(value, expected):
    assert parse_time(value, UTC) == expected


def test_a_time_in_a_daylight_saving_gap_or_fold_still_reads():
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_time("2025-03-30 02:30:00", berlin) is not None
    assert parse_time("2025-10-26 02:30:00", berlin) is not None


def test_wire_time_forms():
    moment = utc(2027, 10, 3, 5, 0)
    assert wire_time(moment, KOLKATA) == "2027-10-03T10:30:00+05:30"
    assert wire_time(moment, KOLKATA, iso=False) == "2027-10-03 10:30:00"
    assert wire_time(moment, UTC) == "2027-10-03T05:00:00+00:00"


# -- ids, assignees, users ------------------------------------------------------------------


@pytest.mark.parametrize(("value", "key"), [
    (3000000455681, "3000000455681"), ("3000000455681", "3000000455681"), (" 42 ", "42"), (3000000455681.0,
    "3000000455681"), (-1, ""), (0, ""), ("-1", ""), (True, ""), (1.5, ""), ("12a", ""), ("١٢", ""),
    ("1" * 20, ""), (None, ""), ({"id": 1}, ""), ("0042", "42"),
])
def test_ids(value, key: str):
    assert parse_id(value) == key


def test_assignee_is_the_name_when_users_are_known_else_the_id():
    raw = {"incident_id": 1, "assign_to": 3000000000115}
    assert parse_incident(raw).assignee == "3000000000115"
    named = parse_incident(raw, users={"3000000000115": "priya.raman"})
    assert named.assignee == "priya.raman" and log360_fields(named).assignee_id == "3000000000115"
    assert with_users(parse_incident(raw), {"3000000000115": "priya.raman"}) == named
    assert parse_incident({"incident_id": 1, "assign_to": -1}, users={"-1": "x"}).assignee == ""
    assert parse_incident({"incident_id": 1, "assign_to": {"user_id": 7}}).assignee == "7"


@pytest.mark.parametrize("body", [
    {"data": [{"user_id": 3000000000101, "user_name": "admin", "role": "Administrator"}]},
    {"data": {"users": [{"id": "3000000000101", "name": "admin", "role": "Administrator"}]}},
    {"users": [{"USER_ID": 3000000000101, "USER_NAME": "admin", "role": "Administrator"}]},
])
def test_users_in_several_shapes(body):
    (user,) = parse_users(body)
    assert (user.user_id, user.name, user.role) == ("3000000000101", "admin", "Administrator")


def test_users_without_an_id_and_odd_items_are_left_out():
    users = parse_users({"data": [{"user_id": -1, "user_name": "nobody"}, "admin", None, {"user_name": "x"},
                                  {"user_id": 5}]})
    assert [(user.user_id, user.name) for user in users] == [("5", "5")]
    assert parse_users({"data": None}) == ()
    with pytest.raises(ShapeError):
        parse_users({"data": "everyone"})


# -- odd data ---------------------------------------------------------------------------------


def test_items_that_are_not_incidents_are_counted_not_raised():
    page = parse_page({"data": [None, "x", 5, [], {"incident_name": "no id"}, {"incident_id": "abc"},
                                {"incident_id": 3000000000001}], "meta": "nope"})
    assert [incident.key for incident in page.incidents] == ["3000000000001"]
    assert (page.size, page.unreadable, page.total_items) == (7, 6, None)


@pytest.mark.parametrize("body", [{}, {"data": None}, {"data": []}])
def test_empty_pages(body):
    page = parse_page(body)
    assert page.incidents == () and page.unreadable == 0


@pytest.mark.parametrize("body", [{"data": {"incident_id": 1}}, {"data": "x"}])
def test_a_list_that_is_not_a_list_is_a_shape_error(body):
    with pytest.raises(ShapeError):
        parse_page(body)


@pytest.mark.parametrize("body", [{}, {"data": []}, {"data": None}, []])
def test_answers_without_their_object_are_shape_errors(body):
    with pytest.raises(ShapeError):
        parse_detail(body, "1")
    with pytest.raises(ShapeError):
        parse_created(body)


BAD_VALUES = [None, True, 3.5, -7, "", "x", [], {}, [None, 1, "a"], {"nested": {"deep": [1]}}, float("inf")]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_a_bad_value_in_any_field_never_raises(bad):
    fields = ["severity", "created_time", "assign_to", "due_date", "incident_description", "incident_name",
              "created_by", "status", "actors", "notes", "evidence", "activity", "updated_time"]
    for name in fields:
        incident = parse_incident({"incident_id": 3000000000001, name: bad}, tz=UTC)
        assert incident.key == "3000000000001"
    everything = parse_incident({"incident_id": 3000000000001, **{name: bad for name in fields}}, tz=UTC)
    hash(everything.extras)  # frozen all the way down
    for list_name in ("notes", "evidence", "activity", "actors"):
        parse_incident({"incident_id": 1, list_name: [bad, bad]}, tz=UTC)


def test_odd_details_keep_what_they_can():
    incident = parse_incident({
        "incident_id": 1,
        "actors": [{"entity": "one-host"}, {"user": ["alice", 7, None]}, "junk", {"process": []}],
        "notes": ["plain text", {"note": 5, "time": "never"}],
        "evidence": ["uuid-only", {"log_org_time": "bad", "incident_time": "2025-01-01 00:00:00"}],
        "activity": [{"activity": "Incident Updated"}, 3],
    }, tz=UTC)
    extras = log360_fields(incident)
    assert extras.actors == (Actor("entity", ("one-host",)), Actor("user", ("alice", "7", "")), Actor("process", ()))
    assert [note.text for note in extras.notes] == ["plain text", "5"]
    # Newest first, the undated last.
    assert incident.events[0].timestamp == utc(2025, 1, 1)  # no log time: when it was attached
    assert incident.events[1] == Event(timestamp=None, fields=(("value", "uuid-only"),))
    assert [entry.activity for entry in extras.activity] == ["Incident Updated", "3"]


def test_nothing_values_are_not_a_source_or_target():
    incident = parse_incident({"incident_id": 1, "actors": [{"entity": ["n/a", "web01"]}],
                               "evidence": [{"source_ip": "n/a", "hostname": "-"}, {"source_ip": "10.0.0.9"}]})
    assert (incident.source, incident.target) == ("10.0.0.9", "web01")


HOSTILE = [
    "[bold red]pwned[/]", "\x1b]52;c;ZWNobyBwd25lZA==\x07", "\x1b[2J\x1b[H", "line one\nline two\r\n",
    "\u202eevil\u202c", "zero\u200bwidth", "$(rm -rf /)", "`id`", "${jndi:ldap://x}", "C:\\Users\\admin\\",
    "%s%n%x", "<script>alert(1)</script>", "\ud800", "\x00nul", "ㅤadmin", "a" * 100_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda text: repr(text)[:30])
def test_hostile_text_in_every_field_stays_literal(text: str):
    raw = {
        "incident_id": 3000000000001, "incident_name": text, "incident_description": text, "created_by": text,
        "severity": text, "status": text, "actors": [{text: [text]}], "notes": [{"note": text, "added_by": text}],
        "evidence": [{"message": text, "hostname": text, "username": text, "source_ip": text, text: text}],
        "activity": [{"activity": text, "description": text}],
    }
    incident = parse_incident(raw, tz=UTC, users={"1": text})
    extras = log360_fields(incident)
    assert incident.title == text and extras.description == text and extras.created_by == text
    assert extras.severity_text == text and extras.status_text == text
    assert extras.actors == (Actor(text, (text,)),)
    assert extras.notes[0].text == text and extras.notes[0].added_by == text
    assert extras.activity[0].activity == text and extras.activity[0].description == text
    assert dict(incident.events[0].fields)[text] == text
    assert incident.target == text and incident.source == text
    assert parse_users({"data": [{"user_id": 1, "user_name": text}]})[0].name == text


def test_the_records_are_frozen():
    incident = parse_detail(doc(SEED_GET), "1", tz=UTC)
    with pytest.raises(FrozenInstanceError):
        log360_fields(incident).description = "x"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        log360_fields(incident).notes[0].text = "x"  # type: ignore[misc]


# -- versions ---------------------------------------------------------------------------------


def listed(status: str = "Open", **more) -> Incident:
    return parse_incident({"incident_id": 3000000000001, "incident_name": "n", "status": status,
                           "created_time": "2025-01-01 00:00:00", **more}, tz=UTC)


def test_an_update_time_a_console_sends_is_the_version():
    incident = listed(updated_time="2025-01-02 00:00:00")
    assert incident.updated == utc(2025, 1, 2)
    assert incident.version == int(utc(2025, 1, 2).timestamp() * 1000)


def test_versions_grow_when_the_listed_fields_change_and_never_go_down():
    versions = Versions()
    first = versions.stamp(listed())
    again = versions.stamp(listed())
    assert again.version == first.version  # nothing changed
    moved = versions.stamp(listed("In Progress"))
    assert moved.version == first.version + 1
    detailed = versions.stamp(merge_detail(moved, {"activity": [
        {"activity": "Incident Updated", "time": "2025-01-05 00:00:00"}]}, tz=UTC))
    assert detailed.version == int(utc(2025, 1, 5).timestamp() * 1000)
    relisted = versions.stamp(listed("In Progress"))
    assert relisted.version == detailed.version  # not older than what the details said
    closed = versions.stamp(listed("Closed"))
    assert closed.version == detailed.version + 1
    versions.forget([closed.key])
    assert len(versions) == 0 and versions.stamp(listed()).version == first.version


def test_the_fingerprint_ignores_spelling_alone():
    versions = Versions()
    first = versions.stamp(listed("In Progress"))
    assert versions.stamp(listed("IN PROGRESS")).version == first.version
    assert versions.stamp(listed("Inprogress")).version == first.version
    assert versions.stamp(listed("In Progress", due_date="2025-02-01 00:00:00")).version == first.version + 1


def test_a_day_later_in_another_zone_is_a_different_time():
    assert parse_time("2025-01-01 00:00:00", ZoneInfo("Pacific/Kiritimati")) == (
        parse_time("2025-01-01 00:00:00", UTC) - timedelta(hours=14))


def test_evidence_is_newest_first_whatever_order_the_server_sent():
    evidence = [{"message": f"event {day}", "log_org_time": f"2025-01-0{day} 00:00:00"} for day in (1, 3, 2)]
    incident = parse_detail({"data": {"evidence": evidence}}, "1", tz=UTC)
    assert [dict(event.fields)["message"] for event in incident.events] == ["event 3", "event 2", "event 1"]
