"""Triage's edits through the Log360 backend on its emulator: shown at once, rolled back where they
failed or met a conflict, audited per batch with what was set, and undone for status, severity and
assignee only."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from tui.audit import AuditLog
from tui.backends.base import NO_DUE_DATE, Change
from tui.backends.log360 import Log360Backend
from tui.backends.log360.client import Log360Client
from tui.backends.log360.pacer import Pacer
from tui.emulator.log360.app import create_app
from tui.emulator.log360.generator import populate
from tui.emulator.log360.state import Log360State
from tui.secret import Secret
from tui.store import IncidentStore
from tui.triage import Triage

TOKEN = "triage-edits-token-5e4d3c2b1a"
DANA, SAM = "3000000000203", "3000000000211"


class Session:
    """A Log360 emulator, the backend on it, a store loaded from it, and triage with an audit log."""

    def __init__(self, tmp_path, *, read_only: bool = False) -> None:
        # The history is a minute old: nothing in it is dated the second the store is loaded.
        self.state = Log360State(clock=lambda: time.time() - 60)
        populate(self.state, 30, seed="triage-edits")
        self.state.clock = time.time
        client = Log360Client("http://log360.test", Secret(TOKEN), allow_http=True, pacer=Pacer(limit=1_000_000),
                              transport=httpx.ASGITransport(app=create_app(self.state, TOKEN, rate_limit=False)))
        self.backend = Log360Backend(client, read_only=read_only)
        self.store = IncidentStore(self.backend.statuses, self.backend.columns)
        self.audit = AuditLog(tmp_path / "audit.jsonl", console="test")
        self.triage = Triage(self.backend, self.store, tmp_path / "archives", audit=self.audit)

    async def load(self) -> list[str]:
        async for batch in self.backend.load():
            self.store.apply(batch.incidents)
        return sorted(self.store.keys())

    def there(self, key: str) -> Any:
        return self.state.get(int(key))


@pytest.fixture
async def session(tmp_path):
    made = Session(tmp_path)
    yield made
    await made.backend.aclose()


async def test_an_assignment_is_shown_audited_named_and_undone_to_each_previous_assignee(session):
    keys = (await session.load())[:4]
    before = {key: session.there(key).assignee for key in keys}

    result = await session.triage.edit(tuple(keys), Change(assignee=DANA))

    done = len(result.succeeded)
    assert done and set(result.succeeded) | set(result.skipped) == set(keys)
    assert result.summary() == f"Assigned {done} incident{'s' if done > 1 else ''} to d.mwangi"
    assert {session.there(key).assignee for key in keys} == {int(DANA)}
    assert {session.store.get(key).assignee for key in keys} == {"d.mwangi"}
    [line] = session.audit.tail(5)
    assert (line["action"], line["result"], line["detail"]) == ("assign", "success", f"assignee d.mwangi ({DANA})")
    assert dict(result.restores) == {key: Change(assignee="" if before[key] == -1 else str(before[key]))
                                     for key in result.succeeded}
    for key, restore in result.restores:
        assert not (await session.triage.edit((key,), restore)).failed
    assert {key: session.there(key).assignee for key in keys} == before


async def test_severity_is_shown_before_the_console_answers_and_named_in_the_toast(session):
    keys = [key for key in await session.load() if session.there(key).severity != "critical"][:2]
    send = session.backend.client.update_merged
    seen_meanwhile: list[str] = []

    async def watched(current, **changes):
        seen_meanwhile.append(session.store.get(current.key).severity)
        return await send(current, **changes)

    session.backend.client.update_merged = watched
    result = await session.triage.edit(tuple(keys), Change(severity="critical"))
    assert seen_meanwhile == ["critical", "critical"]
    assert result.summary() == "Severity set to Critical on 2 incidents" and result.problems() == ()
    assert session.audit.tail(1)[0]["action"] == "severity"


async def test_a_note_is_added_and_z_says_it_cannot_undo_it(session):
    key = (await session.load())[0]
    result = await session.triage.edit((key,), Change(note="Checked with the owner: expected."))
    assert result.summary() == "Note added to 1 incident"
    assert result.restores == () and result.undo_refusal == "z cannot undo a note"
    assert session.there(key).notes[-1].text == "Checked with the owner: expected."
    assert session.audit.tail(1)[0]["detail"] == "note of 33 characters"


async def test_a_due_date_is_set_then_cleared(session):
    key = (await session.load())[0]
    due = datetime(2031, 3, 4, 17, 0, tzinfo=timezone.utc)
    result = await session.triage.edit((key,), Change(due=due))
    assert result.summary() == f"Due date set to {due.astimezone().strftime('%Y-%m-%d %H:%M')} on 1 incident"
    assert session.there(key).due_date == int(due.timestamp()) and result.undo_refusal == "z cannot undo a due date"
    cleared = await session.triage.edit((key,), Change(due=NO_DUE_DATE))
    assert cleared.summary() == "Due date cleared on 1 incident" and session.there(key).due_date is None
    assert session.audit.tail(1)[0]["detail"] == "due date cleared"


async def test_closing_with_a_note_is_a_close_that_undo_reopens(session):
    key = next(key for key in await session.load() if session.there(key).status == "open")
    result = await session.triage.edit((key,), Change(status="closed", note="Benign: patch window."))
    assert result.action == "close" and result.summary() == "Closed 1 incident with a note"
    assert session.store.get(key).status == "closed" and session.there(key).status == "closed"
    assert result.restores == ((key, Change(status="open")),)
    assert session.audit.tail(1)[0]["detail"] == "note of 21 characters · status closed"


async def test_a_conflict_is_rolled_back_reported_on_its_own_line_and_audited(session):
    keys = (await session.load())[:3]
    changed = keys[0]
    session.state.update(int(changed), "s.kowalski", {"severity": "attention" if session.there(changed).severity
                                                       != "attention" else "trouble"})
    elsewhere = session.there(changed).severity
    result = await session.triage.edit(tuple(keys), Change(severity="critical"))
    assert result.conflicts == (changed,)
    assert session.there(changed).severity == elsewhere  # nothing sent
    assert session.store.get(changed).severity != "critical"  # rolled back to what was loaded
    assert result.problems() == ()  # a conflict is a question the app asks, not a failure line
    [(key, theirs)] = result.theirs
    assert key == changed and len(theirs) == 1 and "s.kowalski" in theirs[0]
    assert not any(key == changed for key, _ in result.restores)
    failed = [line for line in session.audit.tail(5) if line["result"] == "failed"]
    assert failed and failed[0]["keys"] == [changed] and "changed on the console" in failed[0]["detail"]


async def test_an_incident_deleted_elsewhere_leaves_the_store_and_others_still_change(session):
    keys = [key for key in await session.load() if session.there(key).severity != "critical"][:2]
    session.state.delete([int(keys[0])])
    result = await session.triage.edit(tuple(keys), Change(severity="critical"))
    assert result.succeeded == (keys[1],) and keys[0] not in session.store
    assert result.problems() == ("1 of 2 incidents not changed: not found on the console",)


async def test_create_shows_the_new_incident_and_audits_it(session):
    await session.load()
    result = await session.triage.create(Change(title="Made by hand", severity="trouble", note="why"))
    [key] = result.succeeded
    assert result.summary() == f"Created incident {key}" and session.store.get(key).title == "Made by hand"
    line = session.audit.tail(1)[0]
    assert (line["action"], line["keys"], line["result"]) == ("create", [key], "success")


async def test_a_refused_create_says_why_in_the_servers_words(session):
    keys = await session.load()
    taken = session.there(keys[0]).name
    result = await session.triage.create(Change(title=taken))
    assert result.error.startswith("Not created: ") and "name" in result.error.lower()
    assert session.audit.tail(1)[0]["action"] == "create"


async def test_read_only_and_an_unusable_change_send_nothing(tmp_path):
    session = Session(tmp_path, read_only=True)
    key = (await session.load())[0]
    result = await session.triage.edit((key,), Change(severity="critical"))
    assert result.error == "Read-only session: nothing was changed."
    session.backend.read_only = False
    refused = await session.triage.edit((key,), Change(severity="urgent"))
    assert refused.error.startswith("Nothing was changed:") and session.audit.tail() == []
    await session.backend.aclose()


async def test_a_cancelled_edit_shows_what_the_console_last_said(session):
    key = next(key for key in await session.load() if session.there(key).severity != "critical")
    loaded = session.store.get(key)
    gate = asyncio.Event()
    send = session.backend.client.update_merged

    async def held(current, **changes):
        await gate.wait()
        return await send(current, **changes)

    session.backend.client.update_merged = held
    task = asyncio.create_task(session.triage.edit((key,), Change(severity="critical")))
    await asyncio.sleep(0.05)
    assert session.store.get(key).severity == "critical"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert session.store.get(key) == loaded
