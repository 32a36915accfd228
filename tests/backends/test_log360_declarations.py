"""What the Log360 backend declares for the UI: its table columns, its ``/`` filter tokens and its
detail sections, over the sample's incidents and over hostile ones, without a console."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from hardening.hostile import CORPUS
from tui.backends.base import Column, FilterValueError, Place, Section, StatusSpec
from tui.backends.log360.columns import COLUMNS
from tui.backends.log360.details import EVENTS_HEADING, NO_EVENTS_NOTE, details, lookups
from tui.backends.log360.filters import FILTER_FIELDS, is_due_today
from tui.backends.log360.filters import searchable_text as backend_searchable_text
from tui.backends.log360.parse import log360_fields, merge_detail, parse_incident, parse_users, user_names
from tui.filtering import forget_searchable_text, parse_filter, searchable_text
from tui.model import Incident
from tui.timefmt import format_time
from tui.widgets.incident_table import layout_columns, own_columns

SAMPLE = Path(__file__).resolve().parent.parent / "emulator" / "fixtures" / "log360-sample.json"
UTC = timezone.utc
NOW = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)
PAST, FUTURE = "2000-01-01 00:00:00Z", "2999-01-01 00:00:00Z"
STATUSES = (
    StatusSpec("open", "Open", "○", True), StatusSpec("in_progress", "In progress", "◐", True),
    StatusSpec("closed", "Closed", "✓", False),
)
BY_ID = {column.id: column for column in COLUMNS}
FIELDS = {field.name: field for field in FILTER_FIELDS}
# What parse_filter needs of a backend.
BACKEND = SimpleNamespace(filter_fields=FILTER_FIELDS, searchable_text=searchable_text)


def sample() -> dict:
    return json.loads(SAMPLE.read_text())


def sample_incidents() -> list[Incident]:
    document = sample()
    users = user_names(parse_users(document))
    return [parse_incident(raw, users=users, tz=UTC) for raw in document["incidents"]]


def listed(raw: dict) -> dict:
    """A sample incident as the list sends it: no actors, notes, evidence or activity."""
    return {name: value for name, value in raw.items() if name not in ("actors", "notes", "evidence", "activity")}


def incident(**fields) -> Incident:
    raw = {"incident_id": 3000000000001, "incident_name": "x", "severity": "Trouble", "status": "Open",
           "assign_to": -1, "created_time": "2025-06-01 10:00:00Z"}
    return parse_incident({**raw, **fields})


def hostile(text: str) -> Incident:
    """Every text field of an incident, listed and detailed, set to ``text``; its assignee named ``text``."""
    raw = {
        "incident_id": 3000000000777, "incident_name": text, "incident_description": text, "severity": text,
        "status": text, "assign_to": 42, "created_by": text, "created_time": "0001-01-01 00:00:00Z",
        "due_date": "9999-12-31 23:59:59Z",
        "actors": [{text: [text, text]}, {"entity": [text]}],
        "notes": [{"note": text, "added_by": text, "time": text}],
        "evidence": [{"message": text, "hostname": text, "source_ip": text, text: text}],
        "activity": [{"activity": text, "description": text, "time": "2025-06-02 10:00:00Z"}],
    }
    return parse_incident(raw, users={"42": text})


def texts(sections: tuple[Section, ...]) -> list[str]:
    return [
        piece
        for section in sections
        for fact in section.facts
        for part in fact.parts
        for piece in ((part,) if isinstance(part, str) else part)
    ] + [fact.label for section in sections for fact in section.facts]


def facts(sections: tuple[Section, ...]) -> dict[str, tuple]:
    return {fact.label: fact.parts for section in sections for fact in section.facts if fact.label}


@pytest.fixture(autouse=True)
def cold_filter_cache():
    forget_searchable_text()
    yield
    forget_searchable_text()


# --- columns ------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["sample", "listed", "hostile"])
def test_every_column_renders_plain_text_and_sorts(source: str):
    if source == "sample":
        incidents = sample_incidents()
    elif source == "listed":
        incidents = [parse_incident(listed(raw)) for raw in sample()["incidents"]]
    else:
        incidents = [hostile(text) for text in CORPUS.values()] + [Incident("1", "")]
    for column in COLUMNS:
        for wide in (False, True):
            assert all(type(column.render(one, wide)) is str for one in incidents), column.id
        if column.sort_key is not None:
            sorted(incidents, key=column.sort_key)


def test_severity_reads_without_colour_and_sorts_most_urgent_first():
    render = BY_ID["severity"].render
    assert [render(incident(severity=word), False) for word in ("Critical", "TROUBLE", "attention")] == [
        "▲ Critical", "◆ Trouble", "· Attention"]
    assert render(incident(severity="Urgent"), False) == "? Urgent"
    assert render(incident(severity=None), False) == "-"
    words = ["Attention", "Urgent", "Critical", "Trouble"]
    ranked = sorted((incident(severity=word) for word in words), key=BY_ID["severity"].sort_key, reverse=True)
    assert [log360_fields(one).severity_text for one in ranked] == ["Critical", "Trouble", "Attention", "Urgent"]


def test_assignee_is_a_name_and_a_dash_when_nobody():
    by_key = {one.key: one for one in sample_incidents()}
    render = BY_ID["assignee"].render
    assert render(by_key["3000000455704"], False) == "priya.raman"
    assert render(by_key["3000000455701"], False) == "-"
    ordered = sorted(by_key.values(), key=BY_ID["assignee"].sort_key)
    assert [one.assignee for one in ordered[:4]] == ["", "", "", ""] and ordered[4].assignee == "elena.v+ir"


def test_an_overdue_due_date_is_marked_in_the_text_and_a_closed_one_is_not():
    render = BY_ID["due"].render
    late, later = incident(due_date=PAST), incident(due_date=FUTURE)
    assert render(late, False) == f"! {format_time(log360_fields(late).due_date)}"
    assert render(late, True) == f"! {format_time(log360_fields(late).due_date, wide=True)}"
    assert render(incident(due_date=PAST, status="Closed"), False) == format_time(log360_fields(late).due_date)
    assert render(later, False) == format_time(log360_fields(later).due_date)
    assert render(incident(), False) == "-"


def test_due_sorts_earliest_first_and_no_due_date_last_in_the_default_order():
    dues = ["2025-06-05 00:00:00Z", None, "2025-06-02 00:00:00Z", "2025-06-09 00:00:00Z"]
    ordered = sorted((incident(due_date=due) for due in dues), key=BY_ID["due"].sort_key, reverse=True)
    assert [one.raw.get("due_date") for one in ordered] == [dues[2], dues[0], dues[3], None]


def test_counts_are_blank_until_the_details_are_read_and_sort_unknown_last():
    raw = sample()["incidents"][2]
    before, after = parse_incident(listed(raw)), parse_incident(raw)
    assert [BY_ID[name].render(before, False) for name in ("evidence", "notes")] == ["", ""]
    assert [BY_ID[name].render(after, False) for name in ("evidence", "notes")] == ["1", "2"]
    assert sorted([before, after], key=BY_ID["notes"].sort_key, reverse=True) == [after, before]


def layout(width: int) -> list[tuple[Column, int]]:
    return layout_columns(own_columns(STATUSES), COLUMNS, width)


@pytest.mark.parametrize("width", [72, 80, 99])  # 72: the table beside the detail pane on a 120-cell screen
def test_a_narrow_table_keeps_severity_created_name_assignee_and_due(width: int):
    shown = layout(width)
    assert [column.id for column, _ in shown] == ["flag", "state", "severity", "created", "name", "assignee", "due"]
    assert sum(cells for _, cells in shown) + len(shown) - 1 <= width
    cells = dict((column.id, cells) for column, cells in shown)
    assert cells["severity"] >= len("· Attention") and cells["due"] >= len("! 06-02 12:00") and cells["name"] >= 14


@pytest.mark.parametrize("width", [100, 120, 160])
def test_a_wider_table_adds_the_counts_and_long_times_fit(width: int):
    shown = layout(width)
    assert [column.id for column, _ in shown][-2:] == ["evidence", "notes"]
    assert sum(cells for _, cells in shown) + len(shown) - 1 <= width
    wide = width >= 130
    for column, cells in shown:
        if column.id in ("created", "due"):
            assert all(len(column.render(one, wide)) <= cells for one in sample_incidents()), column.id


# --- filter tokens -------------------------------------------------------------------------


def matching(query: str, incidents: list[Incident]) -> list[str]:
    parsed = parse_filter(query, BACKEND)
    assert not parsed.errors, parsed.errors
    return [one.key for one in incidents if parsed.matches(one)]


def test_sev_takes_a_severity_or_its_start():
    incidents = sample_incidents()
    critical = [one.key for one in incidents if one.severity == "critical"]
    assert critical and matching("sev:critical", incidents) == critical == matching("SEV:cr", incidents)
    assert matching("sev:a", incidents) == [one.key for one in incidents if one.severity == "attention"]
    assert matching("!sev:t", incidents) == [one.key for one in incidents if one.severity != "trouble"]
    assert parse_filter("sev:crit", BACKEND).filter_id == parse_filter("sev:critical", BACKEND).filter_id


@pytest.mark.parametrize("spelling", ['in_progress', '"in progress"', "inprogress", "In-Progress", "in"])
def test_status_takes_every_spelling_of_in_progress(spelling: str):
    incidents = sample_incidents()
    expected = [one.key for one in incidents if one.status == "in_progress"]
    assert expected and matching(f"status:{spelling}", incidents) == expected
    assert parse_filter(f"status:{spelling}", BACKEND).describe() == "in progress"


def test_status_open_and_closed():
    incidents = sample_incidents()
    assert matching("status:open", incidents) == [one.key for one in incidents if one.status == "open"]
    assert matching("status:closed", incidents) == [one.key for one in incidents if one.status == "closed"]
    assert parse_filter("!status:closed", BACKEND).describe() == "not closed"


def test_assignee_takes_part_of_a_name_or_none():
    incidents = sample_incidents()
    assert matching("assignee:PRIYA", incidents) == [one.key for one in incidents if one.assignee == "priya.raman"]
    nobody = [one.key for one in incidents if not one.assignee]
    assert nobody and matching("assignee:none", incidents) == nobody
    assert matching("!assignee:none", incidents) == [one.key for one in incidents if one.assignee]
    assert parse_filter("assignee:none", BACKEND).describe() == "unassigned"
    assert parse_filter("!assignee:none", BACKEND).describe() == "assigned"


def test_key_takes_part_of_the_id():
    incidents = sample_incidents()
    assert matching("key:455707", incidents) == ["3000000455707"]
    assert len(matching("key:30000004557", incidents)) == len(incidents)


def test_due_takes_overdue_today_or_none():
    late, later, closed_late, none = (
        incident(due_date=PAST), incident(due_date=FUTURE), incident(due_date=PAST, status="Closed"), incident(),
    )
    due_now = incident(due_date=datetime.now(UTC).isoformat())
    everything = [late, later, closed_late, none, due_now]
    keyed = [replace(one, key=str(number)) for number, one in enumerate(everything)]
    assert matching("due:overdue", keyed[:4]) == ["0"]
    assert matching("due:none", keyed) == ["3"]
    assert matching("!due:none", keyed) == ["0", "1", "2", "4"]
    assert parse_filter("!due:none", BACKEND).describe() == "has a due date"
    assert is_due_today(due_now) and not is_due_today(late) and not is_due_today(none)
    assert is_due_today(incident(due_date="2025-06-03 09:00:00Z"), NOW)


@pytest.mark.parametrize(("query", "error"), [
    ("sev:high", "sev: takes critical, trouble or attention, not 'high'"),
    ("status:done", "status: takes open, in_progress or closed, not 'done'"),
    ('status:"-"', "status: takes open, in_progress or closed, not '-'"),
    ("due:tomorrow", "due: takes overdue, today or none, not 'tomorrow'"),
    ("due:over", "due: takes overdue, today or none, not 'over'"),
])
def test_a_value_a_field_cannot_take_is_one_line_naming_what_it_takes(query: str, error: str):
    assert parse_filter(query, BACKEND).errors == (error,)
    with pytest.raises(FilterValueError):
        FIELDS[query.split(":")[0]].make(query.split(":", 1)[1].strip('"'))


def test_bare_words_search_every_text_the_incident_holds():
    by_key = {one.key: one for one in sample_incidents()}
    found = searchable_text(by_key["3000000455704"], BACKEND)
    raw = next(item for item in sample()["incidents"] if item["incident_id"] == 3000000455704)
    wanted = [raw["incident_name"], raw["incident_description"], "priya.raman", "trouble", raw["created_by"],
              raw["notes"][0]["note"], raw["notes"][0]["added_by"], raw["evidence"][0]["message"],
              raw["evidence"][0]["hostname"], "entity"]
    wanted += [value for actor in raw["actors"] for values in actor.values() for value in values]
    assert all(text.casefold() in found for text in wanted), [text for text in wanted if text.casefold() not in found]


@pytest.mark.parametrize("name", CORPUS)
def test_hostile_text_is_searched_as_typed(name: str):
    parts = list(backend_searchable_text(hostile(CORPUS[name])))
    assert all(type(part) is str for part in parts) and parts.count(CORPUS[name]) >= 8


# --- details ---------------------------------------------------------------------------------


def test_the_details_name_every_fact_of_a_listed_incident():
    raw = next(item for item in sample()["incidents"] if item["incident_id"] == 3000000455707)
    one = parse_incident(raw, users={"3000000000158": "elena.v+ir"}, tz=UTC)
    lead, rest, key_section = details(one, now=NOW)
    # What the analyst triages by leads, above the evidence: two lines.
    assert lead.place is Place.ABOVE_EVENTS and [fact.label for fact in lead.facts] == ["Status", "Due"]
    shown = facts((lead, rest, key_section))
    assert shown["Status"] == ("In progress", "", "▲ Critical", "assigned to elena.v+ir")
    assert shown["Due"] == (format_time(log360_fields(one).due_date, wide=True), "overdue by 21h")
    assert shown["Created"] == (format_time(one.created, wide=True), f"by {raw['created_by']}")
    assert shown["Description"] == (raw["incident_description"],)
    assert shown["Actors"][0] == ("entity", ": ", raw["actors"][0]["entity"][0])
    (key,) = key_section.facts
    assert (key.label, key.parts, key.quiet, key_section.place) == ("Key", ("3000000455707",), True, Place.LAST)
    assert len(lead.facts[0].label) < lead.label_width  # labels of up to 8 cells keep their column


def test_due_says_how_long_until_and_nothing_more_when_closed():
    open_one = details(incident(due_date="2025-06-04 15:00:00Z"), now=NOW)
    assert facts(open_one)["Due"][1] == "in 1d"
    closed = details(incident(due_date="2025-06-01 00:00:00Z", status="Closed"), now=NOW)
    assert len(facts(closed)["Due"]) == 1
    none = details(incident(), now=NOW)
    assert facts(none)["Due"] == ("none",) and facts(none)["Status"][-1] == "unassigned"


def test_a_status_roost_cannot_read_shows_the_consoles_word():
    sections = details(incident(status="Pending Review"), now=NOW)
    assert facts(sections)["Status"][:2] == ("Open", "sent as Pending Review")


@pytest.mark.parametrize("name", CORPUS)
def test_hostile_details_are_plain_text_kept_literal(name: str):
    text = CORPUS[name]
    one = hostile(text)
    sections = details(one, now=NOW)
    found = texts(sections)
    assert all(type(piece) is str for piece in found)
    assert found.count(text) >= 5  # assignee, creator (as "by ..."), target, actors, description
    shown = [fact for section in sections for fact in section.facts]
    assert ("Description" , (text,)) in [(fact.label, fact.parts) for fact in shown]
    assert (text, ": ", text) in [part for fact in shown for part in fact.parts]


def test_many_actors_are_bounded():
    raw = {"actors": [{"suspect": [str(n) for n in range(500)]} for _ in range(500)]}
    shown = [fact for section in details(incident(**raw), now=NOW) for fact in section.facts]
    assert len(shown) < 40
    assert any("… 480 more actors" in fact.parts for fact in shown)


def test_evidence_is_the_events_under_its_own_heading():
    assert EVENTS_HEADING == "Evidence" and "evidence" in NO_EVENTS_NOTE


# --- the notes and activity lookup -------------------------------------------------------


class FakeClient:
    """``get_incident`` as the client does it: the get-one answer merged into the listed incident."""

    def __init__(self, detail: dict) -> None:
        self.detail = detail
        self.asked: list[tuple[str, Incident | None]] = []

    async def get_incident(self, key, *, listed=None, users=None, priority=None) -> Incident:
        self.asked.append((key, listed))
        return merge_detail(listed, self.detail, tz=UTC)


async def test_the_lookup_reads_the_details_once_and_lists_notes_then_activity_newest_first():
    raw = next(item for item in sample()["incidents"] if item["incident_id"] == 3000000455731)
    detail = {name: raw[name] for name in ("actors", "notes", "evidence", "activity")}
    one = parse_incident(listed(raw), tz=UTC)
    client = FakeClient(detail)
    (lookup,) = lookups(client, one)
    assert lookup.key == f"detail:{one.key}:{one.version}"
    answer = await lookup.load()
    assert client.asked == [(one.key, one)]
    section = lookup.show(answer, NOW)
    notes = sorted(raw["notes"], key=lambda note: note["time"], reverse=True)
    activity = sorted(raw["activity"], key=lambda entry: entry["time"], reverse=True)
    labels = [fact.label for fact in section.facts if fact.label]
    assert labels == ["Notes", "Activity"]
    written = [fact.parts[0] for fact in section.facts if not fact.quiet]
    assert written == [note["note"] for note in notes] + [entry["description"] for entry in activity]
    headers = [fact.parts for fact in section.facts if fact.quiet]
    newest = max(note.time for note in log360_fields(answer).notes)
    assert headers[0] == (format_time(newest, wide=True), f"by {notes[0]['added_by']}")
    assert headers[len(notes)][1] == activity[0]["activity"]


def test_a_lookup_with_nothing_says_none_and_its_placeholder_says_the_note():
    (lookup,) = lookups(FakeClient({}), incident())
    section = lookup.show(incident(notes=[], activity=[]), NOW)
    assert [(fact.label, fact.parts, fact.quiet) for fact in section.facts] == [
        ("Notes", ("none",), True), ("Activity", ("none",), True)]
    placeholder = lookup.placeholder("loading…")
    assert [(fact.label, fact.parts, fact.quiet) for fact in placeholder.facts] == [("Notes", ("loading…",), True)]


@pytest.mark.parametrize("name", CORPUS)
def test_hostile_notes_and_activity_stay_literal(name: str):
    text = CORPUS[name]
    (lookup,) = lookups(FakeClient({}), hostile(text))
    found = texts((lookup.show(hostile(text), NOW),))
    assert all(type(piece) is str for piece in found)
    assert found.count(text) == 3 and f"by {text}" in found  # the note, the activity and its description


def test_many_notes_and_activity_records_are_bounded():
    many = incident(notes=[{"note": str(n), "time": f"2025-06-01 10:{n % 60:02d}:00Z"} for n in range(300)],
                    activity=[{"activity": "Incident Updated", "description": str(n)} for n in range(300)])
    section = lookups(FakeClient({}), many)[0].show(many, NOW)
    assert len(section.facts) <= 2 * 50 + 2 * 50 + 2
    assert [fact.parts for fact in section.facts if fact.parts[0].startswith("…")] == [
        ("… 250 more notes",), ("… 250 more activity records",)]
