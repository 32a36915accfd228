"""Log360 lists and gets are written from each incident's JSON kept between requests, and filtered
lists from ids kept until the next change: they must send what writing everything afresh sends."""

from __future__ import annotations

import random
from typing import Any, Callable

import pytest

from tui.emulator.log360.app import create_app
from tui.emulator.log360.state import SEVERITIES, STATUSES, UNASSIGNED, Log360State

from .test_log360_api import NOW, PRIYA, TOKEN, FakeClock, client_for, sample_state

Change = Callable[[Log360State], Any]


def random_change(rng: random.Random, state: Log360State, step: int) -> Change:
    """A new incident, an edit (fields, notes, evidence), or a deletion."""
    ids = [incident.incident_id for incident in state.incidents()]
    kind = rng.choice(["create", "update", "update", "note", "delete"])
    chosen = rng.choice(ids)
    if kind == "create":
        fields = {"severity": rng.choice(SEVERITIES), "status": rng.choice(STATUSES),
                  "assignee": rng.choice([UNASSIGNED, PRIYA])}
        return lambda s: s.create(name=f"new incident {step}", by="admin", **fields)
    if kind == "update":
        changes = {name: rng.choice(values) for name, values in (
            ("severity", SEVERITIES), ("status", STATUSES), ("assignee", [UNASSIGNED, PRIYA]),
            ("description", ["edited", "caf\u00e9"]), ("due_date", [None, NOW + 3600])) if rng.random() < 0.5}
        return lambda s: s.update(chosen, "admin", changes)
    if kind == "note":
        return lambda s: s.update(chosen, "admin", {}, notes=[f"note {step}"],
                                  evidence=[{"incident_uuid": f"uuid-{step}"}] if step % 2 else [])
    return lambda s: s.delete([chosen])


def random_request(rng: random.Random, state: Log360State) -> str:
    if rng.random() < 0.3:
        return f"/api/v2/incident/{rng.choice([incident.incident_id for incident in state.incidents()])}"
    query = [f"from={rng.choice([1, 2, 5, 40])}", f"limit={rng.choice([1, 3, 100])}"]
    for name, values in (("status", ["open", "In Progress", "closed"]), ("severity", SEVERITIES),
                         ("assignee", [str(UNASSIGNED), str(PRIYA)])):
        if rng.random() < 0.4:
            query.append(f"{name}={rng.choice(values)}")
    return "/api/v2/incident?" + "&".join(query)


async def answer(state: Log360State, path: str, app=None) -> bytes:
    async with client_for(app or create_app(state, TOKEN, rate_limit=False)) as http:
        return (await http.get(path)).content


@pytest.mark.parametrize("seed", range(4))
async def test_answers_written_from_kept_json_match_answers_written_afresh(seed):
    rng = random.Random(seed)
    served = sample_state(FakeClock())
    app = create_app(served, TOKEN, rate_limit=False)
    changes: list[Change] = []
    for step in range(25):
        change = random_change(rng, served, step)
        change(served)
        changes.append(change)
        for _ in range(4):
            path = random_request(rng, served)
            kept = await answer(served, path, app)
            fresh = sample_state(FakeClock())
            for earlier in changes:
                earlier(fresh)
            assert kept == await answer(fresh, path), path


async def test_a_change_shows_in_the_next_list_and_get():
    state = sample_state(FakeClock())
    app = create_app(state, TOKEN, rate_limit=False)
    async with client_for(app) as http:
        open_ids = [item["incident_id"] for item in (await http.get("/api/v2/incident?status=open")).json()["data"]]
        first = open_ids[0]
        assert (await http.get(f"/api/v2/incident/{first}")).json()["data"]["notes"] == []
        state.update(first, "admin", {"status": "closed"}, notes=["closing"])
        listed = (await http.get("/api/v2/incident?status=open")).json()
        assert first not in [item["incident_id"] for item in listed["data"]]
        assert listed["meta"]["total_items"] == len(open_ids) - 1
        everything = (await http.get("/api/v2/incident")).json()["data"]
        assert next(item for item in everything if item["incident_id"] == first)["status"] == "Closed"
        notes = (await http.get(f"/api/v2/incident/{first}")).json()["data"]["notes"]
        assert [note["note"] for note in notes] == ["closing"]
