"""Every Log360 key that exists today, checked against the emulated server's state, not only the widgets.

Status keys (o reopen, i start, c close), d delete and z undo on one incident and on
marks; the archive written before the server loses anything; the audit log's lines;
the views, the filter, the sort, the detail pane and export.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from detail_lines import detail_lines
from tui.backends.log360.pacer import Pacer
from tui.emulator.log360.state import Log360State
from tui.screens.confirm import ConfirmDeleteScreen
from tui.screens.export import ExportScreen
from tui.screenshots import in_process_log360_app, seeded_log360
from tui.widgets.incident_table import IncidentTable

from .conftest import screen_text, settle, wait_for, wait_for_triage

TOKEN = "roost-log360-test-token-4e3d2c1b"
OPEN_STATUSES = {"open", "in_progress"}
SEVERITY_RANK = {"critical": 3, "trouble": 2, "attention": 1}


def build_log360_app(state: Log360State, data_directory: Path, **options):
    """The app on the in-process server; Roost's own pacing lifted, so no test waits for the minute."""
    return in_process_log360_app(state, data_directory, token=TOKEN, connection={"pacer": Pacer(limit=1_000_000)},
                                 **options)


@pytest.fixture
def server() -> Log360State:
    return seeded_log360()


def table(app) -> IncidentTable:
    return app.screen.query_one(IncidentTable)


def status_of(server: Log360State, key: str) -> str:
    return server.get(int(key)).status


def keys_with(server: Log360State, statuses: set[str]) -> set[str]:
    return {str(incident.incident_id) for incident in server.incidents() if incident.status in statuses}


def audit_lines(data_directory: Path) -> list[dict]:
    return [json.loads(line) for line in (data_directory / "audit.jsonl").read_text().splitlines()]


def toasts(app) -> str:
    return " ".join(str(notification.message) for notification in app.messages)


def detail_text(app) -> str:
    """The detail pane's lines (the screen's would interleave them with the table's)."""
    return "\n".join(detail_lines(app))


async def close(pilot) -> None:
    """c, and past the closing note it asks for (if it does) with none: the status is what is tested here."""
    await pilot.press("c")
    await pilot.pause()
    if pilot.app.screen is not pilot.app.main_screen:
        await pilot.press("ctrl+s")
    await wait_for_triage(pilot)


async def move_to(pilot, key: str) -> None:
    """Put the cursor on ``key``'s row (it must be in the view)."""
    rows = table(pilot.app).row_keys
    assert key in rows
    while table(pilot.app).cursor_key != key:
        await pilot.press("j" if rows.index(key) > rows.index(table(pilot.app).cursor_key) else "k")


# -- one incident -----------------------------------------------------------------------


async def test_i_starts_the_highlighted_incident_on_the_server(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = next(key for key in table(app).row_keys if status_of(server, key) == "open")
        await move_to(pilot, key)
        await pilot.press("i")
        await wait_for_triage(pilot)
        assert status_of(server, key) == "in_progress"
        assert key in table(app).row_keys  # in progress is still open work: it stays in the Open view
        assert server.get(int(key)).activity[0].description.endswith("Changed: status open -> in_progress.")
        [line] = audit_lines(tmp_path)
        assert (line["console"], line["action"], line["keys"], line["result"]) == (
            app.settings.console, "start", [key], "success")
        assert "Started 1 incident" in toasts(app)


async def test_c_closes_the_highlighted_incident_and_it_leaves_the_open_view(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        key = table(app).cursor_key
        before = status_of(server, key)
        assert before in OPEN_STATUSES
        await close(pilot)
        assert status_of(server, key) == "closed"
        assert key not in table(app).row_keys
        assert table(app).cursor_index == 1  # the cursor stays on the same row index
        assert [(line["action"], line["keys"], line["result"]) for line in audit_lines(tmp_path)] == [
            ("close", [key], "success")]


async def test_o_reopens_a_closed_incident(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")  # the Closed view
        key = table(app).cursor_key
        assert status_of(server, key) == "closed"
        await pilot.press("o")
        await wait_for_triage(pilot)
        assert status_of(server, key) == "open"
        assert key not in table(app).row_keys
        assert audit_lines(tmp_path)[-1]["action"] == "reopen" and audit_lines(tmp_path)[-1]["keys"] == [key]


async def test_a_status_key_on_an_incident_already_there_sends_nothing(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        key = table(app).cursor_key
        activity = list(server.get(int(key)).activity)
        await close(pilot)
        assert status_of(server, key) == "closed" and server.get(int(key)).activity == activity


async def test_z_puts_back_the_status_the_incident_had(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = next(key for key in table(app).row_keys if status_of(server, key) == "in_progress")
        await move_to(pilot, key)
        await close(pilot)
        assert status_of(server, key) == "closed"
        await pilot.press("z")
        await wait_for_triage(pilot)
        assert status_of(server, key) == "in_progress"  # not merely "open"
        assert "Undone:" in toasts(app)
        assert [(line["action"], line["keys"]) for line in audit_lines(tmp_path)] == [("close", [key]), ("start", [key])]


# -- marks --------------------------------------------------------------------------------


async def test_c_on_marks_closes_them_all_and_z_restores_each_ones_own_status(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        marked = table(app).row_keys[:5]
        before = {key: status_of(server, key) for key in marked}
        assert set(before.values()) == OPEN_STATUSES  # both kinds of open work among them
        await pilot.press(*["space"] * 5)
        await close(pilot)
        assert {key: status_of(server, key) for key in marked} == dict.fromkeys(marked, "closed")
        assert "Closed 5 incidents · z to undo" in toasts(app)
        unmarked = set(table(app).row_keys)
        assert not unmarked & set(marked)
        await pilot.press("z")
        await wait_for_triage(pilot)
        assert {key: status_of(server, key) for key in marked} == before
        # One line for the close; the undo sends one batch per status the incidents had.
        lines = audit_lines(tmp_path)
        assert (lines[0]["action"], sorted(lines[0]["keys"]), lines[0]["result"]) == ("close", sorted(marked), "success")
        undone = {line["action"]: sorted(line["keys"]) for line in lines[1:]}
        assert undone == {
            "reopen": sorted(key for key in marked if before[key] == "open"),
            "start": sorted(key for key in marked if before[key] == "in_progress"),
        }


async def test_i_and_o_on_marks_across_every_status(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # All: open, in progress and closed side by side
        await settle(pilot)
        marked = table(app).row_keys[:12]
        assert {status_of(server, key) for key in marked} == {"open", "in_progress", "closed"}
        already = {key for key in marked if status_of(server, key) == "in_progress"}
        await pilot.press(*["space"] * 12, "i")
        await wait_for_triage(pilot)
        assert {status_of(server, key) for key in marked} == {"in_progress"}
        # What was in progress already is not sent again, nor logged.
        line = audit_lines(tmp_path)[-1]
        assert (line["action"], set(line["keys"])) == ("start", set(marked) - already)
        # Sending clears the marks: mark the same rows again (the view is sorted by creation, unchanged).
        await pilot.press("g", *["space"] * 12, "o")
        await wait_for_triage(pilot)
        assert {status_of(server, key) for key in marked} == {"open"}
        line = audit_lines(tmp_path)[-1]
        assert (line["action"], set(line["keys"])) == ("reopen", set(marked))


# -- delete -------------------------------------------------------------------------------


def archive_before_delete(server: Log360State, data_directory: Path) -> list[set[str]]:
    """Make the server record, at each delete it takes, the keys the archives on disk hold then."""
    archived_at_delete: list[set[str]] = []
    delete = server.delete

    def recording_delete(incident_ids):
        held = set()
        for archive in (data_directory / "archives").glob("deleted-*.json"):
            held |= {str(incident["incident_id"]) for incident in json.loads(archive.read_text())["incidents"]}
        archived_at_delete.append(held & {str(incident_id) for incident_id in incident_ids})
        return delete(incident_ids)

    server.delete = recording_delete
    return archived_at_delete


async def test_d_archives_the_incident_then_deletes_it_from_the_server(server, tmp_path):
    archived_at_delete = archive_before_delete(server, tmp_path)
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        name = server.get(int(key)).name
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDeleteScreen)
        assert "Delete 1 incident?" in screen_text(app)
        await pilot.press("y")
        await wait_for_triage(pilot)
        assert server.get(int(key)) is None
        assert archived_at_delete == [{key}]
        [archive] = (tmp_path / "archives").glob("deleted-*.json")
        [document] = json.loads(archive.read_text())["incidents"]
        assert (str(document["incident_id"]), document["incident_name"]) == (key, name)
        assert key not in table(app).row_keys and key not in app.store
        # Asked for (naming the archive), then what the server did with each.
        assert [(line["action"], line["keys"], line["result"]) for line in audit_lines(tmp_path)] == [
            ("delete", [key], "requested"), ("delete", [key], "deleted")]
        assert audit_lines(tmp_path)[0]["detail"] == f"archive {archive}"
        await pilot.press("z")
        await pilot.pause()
        assert "Deletes cannot be undone" in toasts(app)


async def test_d_then_n_deletes_nothing(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = table(app).cursor_key
        await pilot.press("d", "n")
        await pilot.pause()
        assert server.get(int(key)) is not None
        assert not (tmp_path / "archives").exists() and not (tmp_path / "audit.jsonl").exists()


async def test_d_on_marks_archives_them_all_before_one_delete_call(server, tmp_path):
    archived_at_delete = archive_before_delete(server, tmp_path)
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        marked = table(app).row_keys[:3]
        await pilot.press("space", "space", "space", "d")
        assert "Delete 3 incidents?" in screen_text(app)
        await pilot.press("y")
        await wait_for_triage(pilot)
        assert not any(server.get(int(key)) for key in marked)
        assert archived_at_delete == [set(marked)]  # one call of up to 100 ids, all archived first
        assert len(server) == 40 - 3
        lines = [(line["action"], sorted(line["keys"]), line["result"]) for line in audit_lines(tmp_path)]
        assert lines == [("delete", sorted(marked), "requested"), *(("delete", [key], "deleted") for key in marked)]


# -- views, filter, sort, detail pane, export ---------------------------------------------


async def test_the_three_views_show_what_the_server_holds(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert set(table(app).row_keys) == keys_with(server, OPEN_STATUSES)  # the default hides closed
        await pilot.press("2")
        assert set(table(app).row_keys) == keys_with(server, {"closed"})
        await pilot.press("3")
        assert set(table(app).row_keys) == keys_with(server, {"open", "in_progress", "closed"})
        await pilot.press("1")
        assert set(table(app).row_keys) == keys_with(server, OPEN_STATUSES)


@pytest.mark.parametrize(("typed", "matches"), [
    ("sev:critical", lambda incident: incident.severity == "critical"),
    ("status:in", lambda incident: incident.status == "in_progress"),
    ("assignee:night", lambda incident: server_user(incident) == "night-shift"),
    ("!assignee:none", lambda incident: incident.assignee != -1),
    ("vpn", lambda incident: "vpn" in incident.name.casefold() or "vpn" in incident.description.casefold()),
])
async def test_the_filter_keeps_what_the_server_says_matches(server, tmp_path, typed, matches):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash", *typed, "enter")
        await settle(pilot)
        expected = {str(incident.incident_id) for incident in server.incidents() if matches(incident)}
        assert expected, f"the seeded server has nothing for {typed}"
        assert set(table(app).row_keys) == expected


def server_user(incident) -> str | None:
    return {3000000000219: "night-shift"}.get(incident.assignee)


async def test_s_sorts_by_each_column_and_S_reverses(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        screen = app.main_screen
        assert screen.sort == "created"
        created = [server.get(int(key)).created_time for key in table(app).row_keys]
        assert created == sorted(created, reverse=True)
        while screen.sort != "severity":
            await pilot.press("s")
        ranks = [SEVERITY_RANK[server.get(int(key)).severity] for key in table(app).row_keys]
        assert ranks == sorted(ranks, reverse=True)
        assert "sort severity" in screen_text(app)
        await pilot.press("S")
        ranks = [SEVERITY_RANK[server.get(int(key)).severity] for key in table(app).row_keys]
        assert ranks == sorted(ranks)
        while screen.sort != "name":
            await pilot.press("s")
        names = [server.get(int(key)).name.casefold() for key in table(app).row_keys]
        assert names in (sorted(names), sorted(names, reverse=True))


async def test_the_detail_pane_shows_the_incident_its_notes_and_its_activity(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        key = next(key for key in table(app).row_keys
                   if server.get(int(key)).notes and server.get(int(key)).assignee != -1
                   and server.get(int(key)).name.isascii() and len(server.get(int(key)).description) < 100)
        await move_to(pilot, key)
        await pilot.press("enter")
        await settle(pilot)
        incident = server.get(int(key))
        shown = " ".join(detail_text(app).split())
        for text in (incident.name, incident.description, server.user_name(incident.assignee),
                     incident.notes[-1].text.split("\n")[0], f"by {incident.notes[-1].added_by}",
                     incident.activity[0].activity, key):
            assert " ".join(text.split()) in shown, text
        assert "loading…" not in shown


async def test_e_exports_the_view_as_the_servers_own_json(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"sev:critical", "enter", "e")
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("enter")  # JSON, the default
        await wait_for(pilot, lambda: "Exported" in toasts(app), "the export")
        [exported] = (tmp_path / "exports").glob("*.json")
        documents = json.loads(exported.read_text())["incidents"]
        assert {str(document["incident_id"]) for document in documents} == set(table(app).row_keys)
        for document in documents:
            held = server.get(int(document["incident_id"]))
            assert (document["incident_name"], document["severity"]) == (held.name, "Critical")


async def test_e_exports_the_marks_as_csv(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        marked = table(app).row_keys[:2]
        await pilot.press("space", "space", "e")
        assert "Export the 2 marked incidents" in screen_text(app)
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: "Exported 2 incidents" in toasts(app), "the export")
        [exported] = (tmp_path / "exports").glob("marks-*.csv")
        rows = list(csv.DictReader(exported.read_text(encoding="utf-8-sig").splitlines()))
        assert {row["id"]: (row["name"], row["status"]) for row in rows} == {
            key: (server.get(int(key)).name, server.get(int(key)).status) for key in marked}


async def test_with_marks_the_footer_names_the_log360_keys_they_are_for(server, tmp_path):
    app = build_log360_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")
        footer = screen_text(app).splitlines()[-1]
        assert "reopen/start/close/delete 3 marked" in footer and "ack" not in footer
