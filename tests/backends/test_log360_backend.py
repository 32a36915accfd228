"""What the Log360 backend does beyond the contract suite: the users list and its fallback, the
profile's queue, capabilities a token loses, versions that grow with a changed listing, full
passes as the census (in the sync loop too), deletes in calls of 100, opening from a profile, and
edits: conflicts, a close with a note, lost answers checked, and create."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from reports import outcomes
from tui.backends.base import Capability, Change
from tui.backends.errors import ConfigError, InvalidParameter
from tui.backends.log360 import Log360Backend
from tui.backends.log360.client import Log360Client
from tui.backends.log360.pacer import Pacer
from tui.backends.log360.parse import log360_fields
from tui.config import Settings
from tui.emulator.log360.app import ALL_SCOPES, CREATE, DELETE, READ, UPDATE, USERS, create_app
from tui.emulator.log360.generator import populate
from tui.emulator.log360.state import Log360State
from tui.model import Incident
from tui.secret import Secret
from tui.store import IncidentStore
from tui.sync import SyncEngine

TOKEN = "log360-backend-test-token-0a1b2c"
URL = "http://log360.test"
PROFILE_USERS = {"3000000000203": "Dana (profile)", "3000000000211": "Sam (profile)"}


class Recorded(httpx.AsyncBaseTransport):
    """The emulator, with every request it was sent kept (method, path, query, JSON body)."""

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.method, request.url.path, dict(request.url.params), body))
        return await self.inner.handle_async_request(request)

    def paths(self, method: str = "GET") -> list[str]:
        return [path for sent, path, _, _ in self.requests if sent == method]


def server(backlog: int = 40, **app_options: Any) -> tuple[Log360State, Recorded]:
    state = Log360State()
    populate(state, backlog, seed="log360-backend")
    return state, Recorded(create_app(state, TOKEN, rate_limit=False, **app_options))


def backend_on(transport: Recorded, **options: Any) -> Log360Backend:
    client = Log360Client(URL, Secret(TOKEN), allow_http=True, transport=transport, pacer=Pacer(limit=1_000_000))
    return Log360Backend(client, **options)


async def loaded(backend: Log360Backend) -> dict[str, Any]:
    incidents = {}
    async for batch in backend.load():
        incidents.update((incident.key, incident) for incident in batch.incidents)
    return incidents


def lose_update_answers(transport: Recorded) -> None:
    """Every PUT reaches the server, and its answer is lost on the way back."""
    send = transport.handle_async_request

    async def cut_off(request: httpx.Request) -> httpx.Response:
        response = await send(request)
        if request.method == "PUT":
            raise httpx.ReadError("connection reset")
        return response

    transport.handle_async_request = cut_off


def assigned(state: Log360State) -> dict[str, int]:
    return {str(incident.incident_id): incident.assignee for incident in state.incidents() if incident.assignee != -1}


# --- users ------------------------------------------------------------------------------


async def test_assignees_are_named_from_the_servers_users_list_read_once():
    state, transport = server()
    backend = backend_on(transport, users=PROFILE_USERS)
    await loaded(backend)
    incidents = await loaded(backend)
    names = {key: state.user_name(user_id) for key, user_id in assigned(state).items()}
    assert names and {key: incidents[key].assignee for key in names} == names
    assert transport.paths().count("/api/v2/meta/users") == 1
    await backend.aclose()


@pytest.mark.parametrize("refusal", ["missing scope", "no such endpoint"])
async def test_without_a_users_list_the_profiles_map_names_assignees(refusal):
    if refusal == "missing scope":
        state, transport = server(scopes=tuple(scope for scope in ALL_SCOPES if scope != USERS))
    else:
        state, transport = server()
        state_app = transport.inner.app
        transport.inner = httpx.ASGITransport(app=_without_users(state_app))
    backend = backend_on(transport, users=PROFILE_USERS)
    incidents = await loaded(backend)
    for key, user_id in assigned(state).items():
        assert incidents[key].assignee == PROFILE_USERS.get(str(user_id), str(user_id))
    await loaded(backend)
    assert transport.paths().count("/api/v2/meta/users") == 1  # asked once, not at every pass
    assert Capability.ASSIGN in backend.capabilities  # a users scope is not a write scope
    await backend.aclose()


def _without_users(app):
    async def answer(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/api/v2/meta/users":
            body = b'{"error": {"code": "07001404", "title": "Not Found", "detail": "No such path."}}'
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return answer


# --- the queue, versions and the census ----------------------------------------------------


async def test_a_profile_queue_lists_only_its_statuses():
    state, transport = server()
    backend = backend_on(transport, queue=("open", "in_progress"))
    incidents = await loaded(backend)
    wanted = {str(incident.incident_id) for incident in state.incidents() if incident.status != "closed"}
    assert wanted and set(incidents) == wanted
    listed = {query.get("status") for method, path, query, _ in transport.requests if path == "/api/v2/incident"}
    assert listed == {"open", "in_progress"}
    await backend.aclose()


async def test_a_changed_listing_raises_the_version_so_the_store_takes_it():
    state, transport = server()
    backend = backend_on(transport)
    first = await loaded(backend)
    store = IncidentStore(backend.statuses, backend.columns)
    store.apply(first.values())
    key = sorted(first)[0]
    state.update(int(key), "s.kowalski", {"status": "open" if first[key].status == "closed" else "closed"})

    again = await loaded(backend)

    assert again[key].version > first[key].version
    assert {other: again[other].version for other in again if other != key} == \
        {other: first[other].version for other in first if other != key}
    store.apply(again.values())
    assert store.get(key).status == state.get(int(key)).status
    await backend.aclose()


async def test_a_census_soon_after_a_load_takes_its_keys_once():
    state, transport = server()
    backend = backend_on(transport)
    incidents = await loaded(backend)
    sent = len(transport.requests)
    assert set((await backend.census()).keys) == set(incidents)
    assert len(transport.requests) == sent  # nothing asked
    gone = sorted(incidents)[0]
    state.delete([int(gone)])
    assert gone not in (await backend.census()).keys  # used once: this census lists again
    await backend.aclose()


async def test_sync_reconciles_from_each_full_pass_and_never_takes_a_census():
    state, transport = server()
    backend = backend_on(transport)

    async def no_census():
        raise AssertionError("a backend without deltas needs no census")

    backend.census = no_census
    store = IncidentStore(backend.statuses, backend.columns)
    engine = SyncEngine(backend, store, poll_interval=0, reconcile_interval=0)
    await engine.initial_load()
    assert all(key in store for key in _keys(state))
    gone = _keys(state)[-1]
    state.delete([int(gone)])
    await engine.reconcile()  # due: a poll, which reconciles by itself
    assert gone not in store and all(key in store for key in _keys(state))
    await backend.aclose()


def _keys(state: Log360State) -> list[str]:
    return [str(incident.incident_id) for incident in state.incidents()]


# --- acting -----------------------------------------------------------------------------


async def test_set_status_sends_the_whole_record_with_the_new_status():
    state, transport = server()
    backend = backend_on(transport)
    incidents = await loaded(backend)
    incident = next(incident for incident in incidents.values() if incident.status == "open")
    [outcome] = await outcomes(functools.partial(backend.set_status, (incident,), "in_progress"))
    assert outcome.result == "done" and state.get(int(incident.key)).status == "in_progress"
    [(_, _, _, body)] = [request for request in transport.requests if request[0] == "PUT"]
    assert body["incident_id"] == int(incident.key) and body["name"] == incident.title
    assert body["status"] == "in_progress" and body["severity"] == incident.severity
    assert (await backend.fetch(incident.key)).status == "in_progress"  # detail merged with what was set
    await backend.aclose()


async def test_a_status_change_whose_answer_is_lost_is_checked_on_the_server():
    state, transport = server()
    backend = backend_on(transport)
    incidents = await loaded(backend)
    incident = next(incident for incident in incidents.values() if incident.status != "closed")
    lose_update_answers(transport)
    answers = await outcomes(functools.partial(backend.set_status, (incident,), "closed"))
    assert [(o.result, o.checked) for o in answers] == [("unknown", False), ("done", True)]
    assert state.get(int(incident.key)).status == "closed"
    await backend.aclose()


async def test_a_delete_of_many_goes_in_calls_of_at_most_100():
    state, transport = server(backlog=250)
    backend = backend_on(transport)
    incidents = await loaded(backend)
    answers = await outcomes(functools.partial(backend.delete, tuple(incidents.values())))
    assert sorted(o.key for o in answers if o.result == "done") == sorted(incidents)
    sizes = [len(body["incident_ids"]) for method, _, _, body in transport.requests if method == "DELETE"]
    assert sizes == [100, 100, 50] and not _keys(state)
    await backend.aclose()


# --- capabilities -----------------------------------------------------------------------


async def test_a_read_only_session_can_do_nothing_and_never_history_search_or_bulk():
    _, transport = server()
    full = backend_on(transport)
    assert full.capabilities == {Capability.DELETE, Capability.ASSIGN, Capability.NOTES, Capability.CREATE,
                                 Capability.EDIT, Capability.SEVERITY, Capability.DUE_DATE}
    assert backend_on(transport, read_only=True).capabilities == frozenset()
    await full.aclose()


async def test_a_missing_update_scope_seen_at_runtime_hides_the_edits():
    _, transport = server(scopes=(READ, USERS, CREATE, DELETE))
    backend = backend_on(transport)
    incidents = await loaded(backend)
    incident = next(incident for incident in incidents.values() if incident.status != "closed")
    [outcome] = await outcomes(functools.partial(backend.set_status, (incident,), "closed"))
    assert outcome.result == "failed" and outcome.denied
    assert backend.capabilities == {Capability.CREATE, Capability.DELETE}
    await backend.aclose()


async def test_a_missing_delete_scope_seen_at_runtime_hides_delete():
    state, transport = server(scopes=(READ, USERS, CREATE, UPDATE))
    backend = backend_on(transport)
    incidents = await loaded(backend)
    chosen = tuple(sorted(incidents.values(), key=lambda incident: incident.key)[:3])
    answers = await outcomes(functools.partial(backend.delete, chosen))
    assert [(o.result, o.denied) for o in answers] == [("failed", True)] * 3
    assert Capability.DELETE not in backend.capabilities and Capability.ASSIGN in backend.capabilities
    assert len(_keys(state)) == 40
    await backend.aclose()


# --- opening from a profile, and what the status bar shows -----------------------------


def settings(**options: Any) -> Settings:
    return Settings(console=URL, token=Secret(TOKEN), backend="log360", backend_options=options)


async def test_open_reads_the_profiles_options():
    state, transport = server()
    backend = Log360Backend.open(settings(allow_http=True, product="log360", timezone="UTC", users=PROFILE_USERS,
                                          queue=("open",)), transport=transport)
    assert backend.queue == ("open",) and backend.profile_users == PROFILE_USERS
    assert backend.client.base_url == f"{URL}/api/v2" and not backend.encrypted
    assert backend.holding_back == ""
    incidents = await loaded(backend)
    assert {incident.status for incident in incidents.values()} == {"open"}
    await backend.aclose()


def test_plain_http_needs_the_profiles_allow_http():
    with pytest.raises(ConfigError, match="allow_http"):
        Log360Backend.open(settings())


def test_a_host_gets_the_products_default_port():
    assert Log360Backend.config_sources.api_url("siem01") == "https://siem01:8400/api/v2"
    assert Log360Backend.config_sources.console_identity("HTTPS://SIEM01:8400/") == "https://siem01:8400/api/v2"


# --- documents --------------------------------------------------------------------------


async def test_a_stored_document_reads_back_as_the_incident_and_as_a_csv_row():
    _, transport = server()
    backend = backend_on(transport)
    incident = next(iter((await loaded(backend)).values()))
    documents = Log360Backend.documents
    back = documents.incident(incident.raw)
    assert (back.key, back.title, back.status, back.severity) == (incident.key, incident.title, incident.status,
                                                                  incident.severity)
    row = documents.csv_row(incident)
    assert len(row) == len(documents.csv_columns) and row[:4] == (incident.key, incident.title, incident.status,
                                                                   incident.severity)
    with pytest.raises(ValueError):
        documents.incident({"incident_name": "no id"})
    await backend.aclose()


# --- edits ------------------------------------------------------------------------------


def quiet_server(backlog: int = 40, **app_options: Any) -> tuple[Log360State, Recorded]:
    """A server whose history was made a minute ago: nothing in it is dated the second a test lists."""
    state = Log360State(clock=lambda: time.time() - 60)
    populate(state, backlog, seed="log360-edits")
    state.clock = time.time
    return state, Recorded(create_app(state, TOKEN, rate_limit=False, **app_options))


def puts(transport: Recorded) -> list[dict[str, Any]]:
    return [body for method, _, _, body in transport.requests if method == "PUT"]


def test_severities_are_declared_most_urgent_first_with_glyphs():
    assert [(spec.id, spec.label, spec.glyph) for spec in Log360Backend.severities] == [
        ("critical", "Critical", "▲"), ("trouble", "Trouble", "◆"), ("attention", "Attention", "·")]


async def test_users_come_from_the_servers_list_and_nobody_is_me():
    state, transport = quiet_server()
    backend = backend_on(transport, users=PROFILE_USERS)
    users = await backend.users()
    assert [(user.id, user.name) for user in users] == [(str(user_id), user["user_name"]) for user_id, user in
                                                        state.users.items()]
    assert not any(user.me for user in users)  # the API does not say who the token is
    await backend.aclose()


async def test_the_profiles_me_marks_the_token_holder_for_take():
    state, transport = quiet_server()
    me = str(next(iter(state.users)))
    backend = Log360Backend.open(settings(allow_http=True, me=me), transport=transport)
    assert [user.id for user in await backend.users() if user.me] == [me]
    await backend.aclose()


async def test_users_fall_back_to_the_profiles_map():
    _, transport = quiet_server(scopes=tuple(scope for scope in ALL_SCOPES if scope != USERS))
    backend = backend_on(transport, users=PROFILE_USERS)
    assert {(user.id, user.name) for user in await backend.users()} == set(PROFILE_USERS.items())
    await backend.aclose()


async def test_closing_with_a_note_is_one_put_that_adds_the_note_and_keeps_the_others():
    state, transport = quiet_server()
    backend = backend_on(transport)
    incidents = await loaded(backend)
    incident = next(incident for incident in incidents.values()
                    if incident.status != "closed" and state.get(int(incident.key)).notes)
    earlier = [note.text for note in state.get(int(incident.key)).notes]
    [outcome] = await outcomes(functools.partial(backend.edit, (incident,),
                                                 Change(status="closed", note="False positive: the backup job.")))
    assert outcome.result == "done"
    [body] = puts(transport)
    assert body["status"] == "closed" and body["notes"] == ["False positive: the backup job."]
    assert body["name"] == incident.title and body["severity"] == incident.severity  # the whole record
    there = state.get(int(incident.key))
    assert there.status == "closed" and [note.text for note in there.notes] == [*earlier, "False positive: the backup job."]
    await backend.aclose()


async def test_an_edit_rereads_the_incident_first_and_sends_nothing_already_so():
    state, transport = quiet_server()
    backend = backend_on(transport)
    incidents = await loaded(backend)
    incident = next(incident for incident in incidents.values() if incident.severity == "trouble")
    sent = len(transport.requests)
    [outcome] = await outcomes(functools.partial(backend.edit, (incident,), Change(severity="trouble")))
    assert outcome.result == "already" and len(transport.requests) == sent
    await outcomes(functools.partial(backend.edit, (incident,), Change(severity="critical")))
    assert [method for method, *_ in transport.requests[sent:]] == ["GET", "PUT"]
    assert transport.requests[sent][1] == f"/api/v2/incident/{incident.key}"
    await backend.aclose()


async def test_a_note_added_elsewhere_is_no_conflict_but_a_later_listing_that_differs_is_one():
    state, transport = quiet_server()
    backend = backend_on(transport)
    incidents = await loaded(backend)
    noted, renamed = sorted(incidents)[:2]
    state.update(int(noted), "s.kowalski", {}, notes=["seen it too"])
    [outcome] = await outcomes(functools.partial(backend.edit, (incidents[noted],), Change(severity="critical")))
    assert outcome.result in ("done", "already")
    state.update(int(renamed), "s.kowalski", {"name": "Renamed elsewhere"})
    await loaded(backend)  # the next pass lists the new name; the caller still holds the old copy
    sent = len(transport.requests)
    [outcome] = await outcomes(functools.partial(backend.edit, (incidents[renamed],), Change(note="mine")))
    assert (outcome.result, outcome.conflict) == ("failed", True)
    assert outcome.reason == "changed on the console since you looked: nothing was sent"
    assert outcome.theirs == (f"name: {incidents[renamed].title} → Renamed elsewhere",)
    assert len(transport.requests) == sent  # the listing told: not even a re-read
    await backend.aclose()


async def test_a_colleagues_change_is_told_from_its_activity_and_overwrite_sends_ours_over_it():
    state, transport = quiet_server()
    backend = backend_on(transport)
    incident = next(iter((await loaded(backend)).values()))
    theirs = "attention" if incident.severity != "attention" else "trouble"
    state.update(int(incident.key), "s.kowalski", {"severity": theirs})  # dated now: after Roost listed it
    sent = len(transport.requests)
    [outcome] = await outcomes(functools.partial(backend.edit, (incident,), Change(severity="critical")))
    assert (outcome.result, outcome.conflict) == ("failed", True)
    assert len(outcome.theirs) == 1 and "s.kowalski" in outcome.theirs[0]
    assert [method for method, *_ in transport.requests[sent:]] == ["GET"]  # re-read, nothing sent
    assert state.get(int(incident.key)).severity == theirs

    [outcome] = await outcomes(functools.partial(backend.edit, (incident,), Change(severity="critical"),
                                                 overwrite=True))
    assert outcome.result == "done" and state.get(int(incident.key)).severity == "critical"
    await backend.aclose()


async def test_this_sessions_own_edit_is_no_conflict_for_the_next_one():
    state, transport = quiet_server()
    backend = backend_on(transport)
    incident = next(iter((await loaded(backend)).values()))
    first = Change(severity="critical", assignee="3000000000203")
    await outcomes(functools.partial(backend.edit, (incident,), first))
    shown = backend.edited(incident, first)  # what the caller shows now
    assert (shown.severity, shown.assignee) == ("critical", "d.mwangi") and shown.version == incident.version
    [outcome] = await outcomes(functools.partial(backend.edit, (shown,), Change(assignee="")))
    assert outcome.result == "done" and state.get(int(incident.key)).assignee == -1
    await backend.aclose()


async def test_a_field_the_token_may_not_change_fails_without_a_request():
    _, transport = quiet_server(scopes=(READ, USERS, CREATE, DELETE))
    backend = backend_on(transport)
    incident = next(iter((await loaded(backend)).values()))
    [outcome] = await outcomes(functools.partial(backend.set_status, (incident,), "closed"
                                                 if incident.status != "closed" else "open"))
    assert outcome.denied  # the server said so once: the edits are hidden from then on
    sent = len(transport.requests)
    [outcome] = await outcomes(functools.partial(backend.edit, (incident,), Change(severity="critical", note="x")))
    assert outcome.result == "failed" and "note, severity" in outcome.reason
    assert len(transport.requests) == sent
    await backend.aclose()


def test_a_change_that_is_not_one_is_refused_before_anything_is_sent():
    backend = backend_on(quiet_server()[1])
    incident = Incident("3000000000001", "x")
    for change in (Change(), Change(severity="urgent"), Change(status="resolved"), Change(title=" ")):
        with pytest.raises(ValueError):
            backend.edited(incident, change)


async def test_an_edit_whose_answer_is_lost_is_checked_on_the_server():
    state, transport = quiet_server()
    backend = backend_on(transport)
    incidents = await loaded(backend)
    with_note, without = sorted(incidents)[:2]
    lose_update_answers(transport)
    for key, change in ((with_note, Change(note="lost answer")), (without, Change(severity="critical"))):
        if change.severity == incidents[key].severity:
            change = Change(severity="attention")
        answers = await outcomes(functools.partial(backend.edit, (incidents[key],), change))
        assert [(o.result, o.checked) for o in answers] == [("unknown", False), ("done", True)]
    assert state.get(int(with_note)).notes[-1].text == "lost answer"
    await backend.aclose()


async def test_create_posts_and_reads_the_new_incident_back():
    state, transport = quiet_server()
    backend = backend_on(transport)
    await loaded(backend)
    due = datetime(2031, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    created = await backend.create(Change(title="Beacon to 203.0.113.9", description="seen by EDR", severity="critical",
                                          assignee="3000000000211", due=due, note="opened by hand"))
    there = state.get(int(created.key))
    assert (there.name, there.severity, there.assignee, there.due_date) == (
        "Beacon to 203.0.113.9", "critical", 3000000000211, int(due.timestamp()))
    assert (created.title, created.severity, created.status, created.assignee) == (
        "Beacon to 203.0.113.9", "critical", "open", "s.kowalski")
    assert [note.text for note in log360_fields(created).notes] == ["opened by hand"]
    [post] = [body for method, _, _, body in transport.requests if method == "POST"]
    assert post["name"] == "Beacon to 203.0.113.9" and post["notes"] == ["opened by hand"]
    # The incident it made is now one this session knows: an edit right after is no conflict.
    [outcome] = await outcomes(functools.partial(backend.edit, (created,), Change(severity="trouble")))
    assert outcome.result == "done"
    await backend.aclose()


async def test_a_draft_the_server_refuses_is_invalid_in_the_servers_words():
    state, transport = quiet_server()
    backend = backend_on(transport)
    taken = state.incidents()[0].name
    with pytest.raises(InvalidParameter) as refused:
        await backend.create(Change(title=taken.upper()))
    assert "name" in str(refused.value).lower()
    with pytest.raises(InvalidParameter):
        await backend.create(Change(title="  "))
    await backend.aclose()


async def test_a_listing_asked_for_before_an_edit_does_not_make_the_edit_look_like_someone_elses():
    state, transport = quiet_server()
    backend = backend_on(transport)
    incidents = await loaded(backend)
    key = sorted(incidents)[0]
    send, listed, release = transport.handle_async_request, asyncio.Event(), asyncio.Event()

    async def held(request: httpx.Request) -> httpx.Response:
        response = await send(request)  # answered as of now, read by Roost only once released
        if request.method == "GET" and request.url.path == "/api/v2/incident" and not release.is_set():
            listed.set()
            await release.wait()
        return response

    transport.handle_async_request = held
    passing = asyncio.create_task(loaded(backend))
    await listed.wait()
    change = Change(severity="critical" if incidents[key].severity != "critical" else "trouble")
    [outcome] = await outcomes(functools.partial(backend.edit, (incidents[key],), change))
    assert outcome.result == "done"
    release.set()
    stale = await passing
    assert stale[key].severity == incidents[key].severity  # the page predates the edit
    [outcome] = await outcomes(functools.partial(backend.edit, (backend.edited(incidents[key], change),),
                                                 backend.reverse(incidents[key], change)))
    assert outcome.result == "done" and state.get(int(key)).severity == incidents[key].severity
    await backend.aclose()


async def test_an_incident_made_whose_read_back_fails_is_still_returned_as_sent():
    state, transport = quiet_server()
    backend = backend_on(transport)
    send = transport.handle_async_request

    async def no_reads(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            raise httpx.ConnectError("gone away")
        return await send(request)

    transport.handle_async_request = no_reads
    created = await backend.create(Change(title="Made while the reads fail", severity="critical"))
    assert state.get(int(created.key)).name == "Made while the reads fail"
    assert (created.title, created.severity) == ("Made while the reads fail", "critical")
    await backend.aclose()


async def test_evidence_and_notes_counts_are_read_in_the_background_and_kept_by_later_listings():
    state, transport = quiet_server()
    backend = backend_on(transport)
    incident = next(iter((await loaded(backend)).values()))
    there = state.get(int(incident.key))
    assert backend.incomplete(incident) and log360_fields(incident).evidence_count is None  # the list has no counts

    completed = await backend.complete(incident)
    assert (log360_fields(completed).evidence_count, log360_fields(completed).notes_count) == (
        len(there.evidence), len(there.notes))
    assert completed.version == incident.version and not backend.incomplete(completed)
    relisted = (await loaded(backend))[incident.key]
    assert log360_fields(relisted).notes_count == len(there.notes) and not backend.incomplete(relisted)

    state.update(int(incident.key), "s.kowalski", {"name": "Renamed"}, notes=["one more"])
    relisted = (await loaded(backend))[incident.key]
    assert backend.incomplete(relisted)  # the listing changed: the counts may have too
    assert log360_fields(relisted).notes_count == len(there.notes) - 1  # the last ones read, until read again
    assert log360_fields(await backend.complete(relisted)).notes_count == len(there.notes)
    await backend.aclose()
