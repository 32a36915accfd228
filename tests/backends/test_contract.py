"""The backend contract, as any backend must keep it, checked against each console's emulator in-process.

Each backend under test comes with a ``Console``: the backend, plus a way to look at
and change the emulated console's own state behind the backend's back (another
analyst at work).
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

import httpx
import pytest
from starlette.applications import Starlette

from reports import outcomes
from tui.audit import AuditLog
from tui.filtering import parse_filter
from tui.model import fold_words, neutral_text
from tui.backends.canary.client import CanaryClient
from tui.backends.errors import AuthError, ConsoleTimeout, NotFound, RateLimited, ServerError
from tui.backends.base import Backend, Capability, Change, Outcome, StopSending
from tui.backends.registry import backend_class, names
from tui.backends.log360.client import Log360Client
from tui.backends.log360.pacer import Pacer
from tui.emulator.canary.app import create_app
from tui.emulator.faults import FaultInjector, FaultPlan
from tui.emulator.log360.app import create_app as create_log360_app
from tui.emulator.log360.generator import populate
from tui.emulator.log360.state import Log360State
from tui.screenshots import IN_PROCESS_URL, seeded_console
from tui.secret import Secret
from tui.store import IncidentStore
from tui.triage import Triage

TOKEN = "contract-suite-token-7c6b5a4d3e2f"
# More than one delete call's worth (100 ids), so a report can stop a delete part way.
LOG360_BACKLOG = 130


@dataclass
class Console:
    """A backend and the emulated console behind it."""

    #: The backend's name, as ``CONSOLES`` knows its maker.
    name: str
    backend: Backend
    keys: Callable[[], set[str]]
    status_of: Callable[[str], str]
    delete_elsewhere: Callable[[str], None]
    change_elsewhere: Callable[[str], None]
    fail_next: Callable[[str], None]
    #: With Capability.BULK_BY_FILTER: bulk form values that match every incident.
    match_everything: Mapping[str, str] = field(default_factory=dict)
    #: With edits: the console's own values of an incident's ``Change`` fields (the assignee as a
    #: user id, "" for nobody; the due time, None for none; ``note``: the newest note's text).
    edit_fields: Callable[[str], dict[str, Any]] | None = None


def canary_console(token: str = TOKEN) -> Console:
    state = seeded_console(backlog=60)
    emulator = create_app(state, TOKEN)
    # A short overall deadline: the emulator's timeout fault hangs far longer.
    client = CanaryClient(IN_PROCESS_URL, Secret(token), transport=httpx.ASGITransport(app=emulator), deadline=0.5)

    def change_elsewhere(key: str) -> None:
        if state.is_acknowledged(key):
            state.unacknowledge(key)
        else:
            state.acknowledge(key)

    return Console(
        name="canary",
        backend=backend_class("canary")(client, retry_delay=0),
        keys=lambda: set(state.keys("all")),
        status_of=lambda key: "acknowledged" if state.is_acknowledged(key) else "unacknowledged",
        delete_elsewhere=state.delete,
        change_elsewhere=change_elsewhere,
        fail_next=functools.partial(_fail_next, emulator),
        match_everything={"older_than": "0h"},
    )


def log360_console(token: str = TOKEN) -> Console:
    # The history is made a minute ago: activity dated the second an incident is listed counts as
    # a change since (the server's times are to the second), which a test's edit must not meet.
    state = Log360State(clock=lambda: time.time() - 60)
    populate(state, LOG360_BACKLOG, seed="contract")
    state.clock = time.time
    emulator = create_log360_app(state, TOKEN, rate_limit=False)
    # The server's 60 a minute is off (the emulator's --no-rate-limit), and so is Roost's pacing; a short
    # overall deadline, as for Canary; a rate-limit answer is raised at once, not tried again.
    client = Log360Client("http://log360.test", Secret(token), allow_http=True, pacer=Pacer(limit=1_000_000),
                          transport=httpx.ASGITransport(app=emulator), deadline=0.5, rate_limit_attempts=1)

    def status_of(key: str) -> str:
        return state.get(int(key)).status

    def change_elsewhere(key: str) -> None:
        state.update(int(key), "s.kowalski", {"status": "open" if status_of(key) == "closed" else "closed"})

    def edit_fields(key: str) -> dict[str, Any]:
        incident = state.get(int(key))
        return {
            "severity": incident.severity, "status": incident.status, "title": incident.name,
            "description": incident.description, "assignee": "" if incident.assignee == -1 else str(incident.assignee),
            "due": None if incident.due_date is None else datetime.fromtimestamp(incident.due_date, timezone.utc),
            "note": incident.notes[-1].text if incident.notes else None,
        }

    return Console(
        name="log360",
        backend=backend_class("log360")(client),
        keys=lambda: {str(incident.incident_id) for incident in state.incidents()},
        status_of=status_of,
        delete_elsewhere=lambda key: state.delete([int(key)]),
        change_elsewhere=change_elsewhere,
        fail_next=functools.partial(_fail_next, emulator, paths=("/api/v2/",)),
        edit_fields=edit_fields,
    )


def _fail_next(emulator: Starlette, fault: str, paths: tuple[str, ...] = FaultPlan().paths) -> None:
    """The next request meets ``fault``; later ones are answered as usual."""
    answer = functools.partial(Starlette.__call__, emulator)
    injector = FaultInjector(answer, FaultPlan({fault: 1.0}, paths=paths, retry_after=0, slow_seconds=(0.01, 0.02)))
    used = False

    async def once(scope, receive, send) -> None:
        nonlocal used
        if scope["type"] == "http" and not used:
            used = True
            await injector(scope, receive, send)
        else:
            await answer(scope, receive, send)

    emulator.state.fault_injector = once


CONSOLES = {"canary": canary_console, "log360": log360_console}
#: A value each console's filter tokens take where any text will not do (a port, yes or no).
FILTER_VALUES = {"port": "22", "ack": "yes", "sev": "critical", "status": "open", "due": "overdue"}


@pytest.fixture(params=sorted(CONSOLES))
async def console(request) -> Console:
    made = CONSOLES[request.param]()
    yield made
    await made.backend.aclose()


async def everything(backend: Backend, since: int | None = None) -> tuple[dict[str, object], int | None]:
    incidents = {}
    async for batch in backend.load(since=since):
        incidents.update((incident.key, incident) for incident in batch.incidents)
    return incidents, max((incident.version for incident in incidents.values()), default=since)


def closed_status(backend: Backend) -> str:
    return next(status.id for status in backend.statuses if not status.is_open)


def deletable(backend: Backend, incidents) -> tuple:
    """Those a delete reaches without a step first, by key."""
    return tuple(sorted((incident for incident in incidents if backend.delete_needs in (None, incident.status)),
                        key=lambda incident: incident.key))


def test_every_backend_is_in_the_registry():
    assert set(CONSOLES) <= set(names())


def test_statuses_are_declared_with_glyphs_and_at_least_one_open_and_one_closed(console):
    statuses = console.backend.statuses
    assert {status.is_open for status in statuses} == {True, False}
    assert all(len(status.glyph) == 1 and status.label for status in statuses)
    assert len({status.id for status in statuses}) == len(statuses)


async def test_check_passes_with_the_token_and_fails_typed_without_it(console):
    await console.backend.check()
    stranger = CONSOLES[console.name](token="not-this-consoles-token")
    with pytest.raises(AuthError):
        await stranger.backend.check()
    await stranger.backend.aclose()


async def test_load_gives_every_incident_and_then_only_what_changed(console):
    loaded, watermark = await everything(console.backend)
    assert set(loaded) == console.keys()
    changed = sorted(loaded)[0]
    console.change_elsewhere(changed)
    delta, _ = await everything(console.backend, since=watermark)
    if console.backend.deltas:  # a backend with deltas sends only the change
        assert set(delta) == {changed}
    else:  # one without re-lists everything
        assert set(delta) == console.keys()
    assert delta[changed].status == console.status_of(changed)


async def test_the_census_names_every_incident_and_misses_one_deleted_elsewhere(console):
    census = await console.backend.census()
    assert set(census.keys) == console.keys()
    gone = sorted(census.keys)[0]
    console.delete_elsewhere(gone)
    assert set((await console.backend.census()).keys) == console.keys() and gone not in console.keys()


async def test_a_census_given_what_the_caller_holds_finds_exactly_the_deletions_made_elsewhere(console):
    loaded, _ = await everything(console.backend)
    held = [(key, incident.created) for key, incident in loaded.items()]
    unchanged = await console.backend.census(held)
    assert _said_gone(unchanged, loaded) == set()
    deleted = set(sorted(loaded)[:3:2])
    for key in deleted:
        console.delete_elsewhere(key)
    assert _said_gone(await console.backend.census(held), loaded) == deleted


def _said_gone(census, held) -> set[str]:
    return set(held) - set(census.keys) if census.keys is not None else set(census.gone)


async def test_set_status_lands_on_the_console_and_is_undone_by_setting_each_previous_status(console):
    loaded, _ = await everything(console.backend)
    chosen = tuple(incident for incident in loaded.values() if console.status_of(incident.key) != closed_status(console.backend))[:5]
    before = {incident.key: console.status_of(incident.key) for incident in chosen}
    done = await outcomes(functools.partial(console.backend.set_status, chosen, closed_status(console.backend)))
    assert sorted((o.key, o.result) for o in done) == sorted((key, "done") for key in before)
    assert {console.status_of(key) for key in before} == {closed_status(console.backend)}
    # Undo: each incident's previous status, as it was before.
    refreshed = {key: await console.backend.fetch(key) for key in before}
    for key, status in before.items():
        await outcomes(functools.partial(console.backend.set_status, (refreshed[key],), status))
    assert {key: console.status_of(key) for key in before} == before


async def test_set_status_to_the_status_an_incident_has_sends_nothing(console):
    loaded, _ = await everything(console.backend)
    incident = next(iter(loaded.values()))
    [outcome] = await outcomes(functools.partial(console.backend.set_status, (incident,), console.status_of(incident.key)))
    assert outcome.result == "already"


async def test_delete_removes_each_incident_and_says_so_for_each(console):
    assert Capability.DELETE in console.backend.capabilities
    loaded, _ = await everything(console.backend)
    chosen = tuple(sorted(loaded.values(), key=lambda incident: incident.key)[:6])
    answers = await outcomes(functools.partial(console.backend.delete, chosen))
    finals = [outcome for outcome in answers if not outcome.step]
    assert sorted(outcome.key for outcome in finals) == sorted(incident.key for incident in chosen)
    assert {outcome.result for outcome in finals} == {"done"}
    assert not {incident.key for incident in chosen} & console.keys()
    # A step a console needs first is reported before the delete it allowed.
    for step in (outcome for outcome in answers if outcome.step):
        assert answers.index(step) < answers.index(next(o for o in finals if o.key == step.key))


async def test_a_partial_failure_has_its_own_outcome_and_the_rest_complete(console):
    loaded, _ = await everything(console.backend)
    chosen = tuple(sorted(loaded.values(), key=lambda incident: incident.key)[:4])
    console.delete_elsewhere(chosen[0].key)
    finals = {o.key: o for o in await outcomes(functools.partial(console.backend.delete, chosen)) if not o.step}
    assert finals[chosen[0].key].result == "gone"
    assert {finals[incident.key].result for incident in chosen[1:]} == {"done"}


async def test_fetch_of_a_deleted_incident_is_not_found(console):
    loaded, _ = await everything(console.backend)
    key = sorted(loaded)[0]
    console.delete_elsewhere(key)
    with pytest.raises(NotFound):
        await console.backend.fetch(key)


@pytest.mark.parametrize(("fault", "error"), [("429", RateLimited), ("500", ServerError), ("503", ServerError)])
async def test_each_fault_class_is_a_typed_error(console, fault, error):
    console.fail_next(fault)
    with pytest.raises(error):
        await console.backend.census()


async def test_a_timeout_is_a_typed_error(console):
    console.fail_next("timeout")
    with pytest.raises(ConsoleTimeout):
        await everything(console.backend)


async def test_a_delete_whose_answer_is_lost_is_reported_unknown_then_checked(console):
    loaded, _ = await everything(console.backend)
    incident = deletable(console.backend, loaded.values())[0]
    console.fail_next("truncated")  # the console deletes it; the answer is cut off
    answers = await outcomes(functools.partial(console.backend.delete, (incident,)))
    assert [(o.key, o.result, o.checked) for o in answers] == [(incident.key, "unknown", False), (incident.key, "done", True)]
    assert incident.key not in console.keys()


async def test_a_request_in_flight_when_the_action_is_cancelled_is_reported_as_interrupted(console):
    loaded, _ = await everything(console.backend)
    incident = deletable(console.backend, loaded.values())[0]
    console.fail_next("timeout")  # no answer before the cancel
    reported: list[Outcome] = []

    async def report(outcome: Outcome) -> None:
        reported.append(outcome)

    task = asyncio.create_task(console.backend.delete((incident,), report))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [(o.key, o.result, o.interrupted) for o in reported] == [(incident.key, "unknown", True)]


async def test_a_report_that_stops_the_action_leaves_nothing_done_unreported(console):
    loaded, _ = await everything(console.backend)
    chosen = deletable(console.backend, loaded.values())
    done: set[str] = set()

    async def report(outcome: Outcome) -> None:
        if outcome.result == "done":
            done.add(outcome.key)
        raise StopSending("the audit log cannot be written")

    await console.backend.delete(chosen, report)
    deleted = {incident.key for incident in chosen} - console.keys()
    assert deleted == done and 0 < len(deleted) < len(chosen)


async def test_a_console_search_for_one_status_finds_exactly_those(console):
    if Capability.SEARCH not in console.backend.capabilities:
        pytest.skip("no console search")
    status = closed_status(console.backend)
    query = console.backend.search_query({}, status)
    page = await console.backend.search(query, limit=25)
    found = {incident.key for incident in page.incidents}
    while page.next is not None:
        page = await console.backend.search(query, page.next, limit=25)
        found |= {incident.key for incident in page.incidents}
    assert found == {key for key in console.keys() if console.status_of(key) == status}


async def test_a_bulk_action_by_filter_touches_exactly_what_it_counted(console):
    if Capability.BULK_BY_FILTER not in console.backend.capabilities:
        pytest.skip("no bulk action by filter")
    status = closed_status(console.backend)
    request = console.backend.bulk_request(status, console.match_everything, frozenset())
    preview = await console.backend.count_matching(request, now=datetime.now(timezone.utc))
    expected = {key for key in console.keys() if console.status_of(key) != status}
    assert set(preview.keys) == expected
    assert set(await console.backend.act_on_matching(preview)) == expected
    assert {console.status_of(key) for key in console.keys()} == {status}


# --- What a backend declares: the UI draws it without knowing the console ----------------


async def test_every_column_renders_plain_text_and_sorts_every_incident(console):
    loaded, _ = await everything(console.backend)
    columns = console.backend.columns
    assert columns and len({column.id for column in columns}) == len(columns)
    for column in columns:
        for wide in (False, True):
            assert all(isinstance(column.render(incident, wide), str) for incident in loaded.values())
        if column.sort_key is not None:
            sorted(loaded.values(), key=column.sort_key)  # every key comparable with every other


async def test_every_filter_field_filters_the_loaded_incidents(console):
    """Each declared token takes a value of its kind and gives a test that answers every loaded
    incident yes or no (never raises); bare words find every incident's title; what the parser
    folded for bare words is what the backend says they search."""
    loaded, _ = await everything(console.backend)
    tokens = console.backend.filter_fields
    assert tokens and len({token.name for token in tokens}) == len(tokens)
    for token in tokens:
        normal, test = token.make(FILTER_VALUES.get(token.name, "x"))
        assert isinstance(normal, str) and all(isinstance(test(incident), bool) for incident in loaded.values())
    for incident in loaded.values():
        assert parse_filter(f'"{incident.title}"', console.backend).matches(incident)
        assert incident.document.words == fold_words((*neutral_text(incident), *console.backend.searchable_text(incident)))


async def test_details_are_sections_of_plain_text_for_every_incident(console):
    loaded, _ = await everything(console.backend)
    for incident in loaded.values():
        sections = console.backend.details(incident)
        assert sections
        for section in sections:
            for fact in section.facts:
                parts = [part for group in fact.parts for part in ((group,) if isinstance(group, str) else group)]
                assert isinstance(fact.label, str) and all(isinstance(part, str) for part in parts)


# --- Triage over any backend: archive first, audit each outcome, undo each previous status --


async def test_triage_archives_before_it_deletes_and_audits_each_outcome(console, tmp_path):
    loaded, _ = await everything(console.backend)
    store = IncidentStore(console.backend.statuses, console.backend.columns)
    store.apply(loaded.values())
    audit = AuditLog(tmp_path / "audit.log", console="contract")
    triage = Triage(console.backend, store, tmp_path / "archives", audit=audit)
    chosen = tuple(sorted(loaded)[:4])

    result = await triage.delete(chosen)

    assert result.ok and set(result.succeeded) == set(chosen)
    assert not set(chosen) & console.keys()
    archived = json.loads(result.archive.read_text(encoding="ascii"))
    assert archived["incidents"] == [loaded[key].raw for key in chosen]
    entries = audit.tail(100)
    deleted = {key for entry in entries if entry["action"] == "delete" and entry["result"] == "deleted" for key in entry["keys"]}
    assert deleted == set(chosen)
    assert entries[0]["action"] == "delete" and entries[0]["result"] == "requested"


async def test_triage_undo_puts_back_each_incidents_own_status(console, tmp_path):
    loaded, _ = await everything(console.backend)
    store = IncidentStore(console.backend.statuses, console.backend.columns)
    store.apply(loaded.values())
    triage = Triage(console.backend, store, tmp_path / "archives")
    by_status: dict[str, list[str]] = {}
    for key in sorted(loaded):
        by_status.setdefault(console.status_of(key), []).append(key)
    chosen = tuple(key for keys in by_status.values() for key in keys[:3])  # a mix of statuses
    before = {key: console.status_of(key) for key in chosen}
    target = closed_status(console.backend)

    changed = await triage.set_status(chosen, target)
    assert {key: console.status_of(key) for key in chosen} == dict.fromkeys(chosen, target)
    for status in {status for _, status in changed.previous}:
        await triage.set_status(tuple(key for key, was in changed.previous if was == status), status)

    assert {key: console.status_of(key) for key in chosen} == before
    assert {key: store.get(key).status for key in chosen} == before


# --- Edits (assign, severity, due date, notes, name and description), where a backend has them --

#: The capability each field of a Change needs.
EDIT_CAPABILITIES = {
    "severity": Capability.SEVERITY, "assignee": Capability.ASSIGN, "due": Capability.DUE_DATE,
    "note": Capability.NOTES, "title": Capability.EDIT, "description": Capability.EDIT,
}


def editable(console: Console) -> None:
    if console.edit_fields is None or not set(EDIT_CAPABILITIES.values()) & console.backend.capabilities:
        pytest.skip("no edits")


async def a_change(console: Console, incident, tag: str) -> Change:
    """A change of every field the backend can edit, each to a value ``incident`` does not have."""
    backend = console.backend
    can = {name for name, needed in EDIT_CAPABILITIES.items() if needed in backend.capabilities}
    values: dict[str, Any] = {}
    if "severity" in can:
        values["severity"] = next(spec.id for spec in backend.severities if spec.id != incident.severity)
    if "assignee" in can:
        now = console.edit_fields(incident.key)["assignee"]
        values["assignee"] = next(user.id for user in await backend.users() if user.id != now)
    if "due" in can:
        values["due"] = datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc) + timedelta(hours=len(tag))
    if "note" in can:
        values["note"] = f"note {tag}: $(rm -rf /) \x1b[31m\nline two"
    if "title" in can:
        values["title"] = f"{incident.title} [{tag}]"
        values["description"] = f"described by {tag}"
    return Change(**values)


async def test_an_edit_lands_on_the_console_for_each_field_the_backend_can_change(console):
    editable(console)
    loaded, _ = await everything(console.backend)
    chosen = tuple(sorted(loaded.values(), key=lambda incident: incident.key)[:3])
    changes = {incident.key: await a_change(console, incident, f"edit {n}") for n, incident in enumerate(chosen)}
    for incident in chosen:
        [outcome] = await outcomes(functools.partial(console.backend.edit, (incident,), changes[incident.key]))
        assert (outcome.key, outcome.result) == (incident.key, "done")
    for incident in chosen:
        change, there = changes[incident.key], console.edit_fields(incident.key)
        assert {name: there[name] for name in change.fields()} == {name: getattr(change, name) for name in change.fields()}
        assert there["status"] == incident.status  # what the change left alone stays


async def test_an_edit_of_an_incident_changed_elsewhere_is_a_conflict_and_sends_nothing(console):
    editable(console)
    loaded, _ = await everything(console.backend)
    incident = sorted(loaded.values(), key=lambda incident: incident.key)[0]
    console.change_elsewhere(incident.key)
    before = console.edit_fields(incident.key)
    [outcome] = await outcomes(functools.partial(console.backend.edit, (incident,),
                                                 await a_change(console, incident, "conflict")))
    assert (outcome.result, outcome.conflict) == ("failed", True) and outcome.reason
    assert console.edit_fields(incident.key) == before


async def test_triage_undo_puts_back_each_incidents_own_assignee_and_severity(console, tmp_path):
    editable(console)
    backend = console.backend
    if not {Capability.ASSIGN, Capability.SEVERITY} <= backend.capabilities:
        pytest.skip("no assignee or no severity")
    loaded, _ = await everything(backend)
    store = IncidentStore(backend.statuses, backend.columns)
    store.apply(loaded.values())
    audit = AuditLog(tmp_path / "audit.log", console="contract")
    triage = Triage(backend, store, tmp_path / "archives", audit=audit)
    users = await backend.users()
    chosen = tuple(sorted(loaded)[:6])  # a mix of severities and assignees
    before = {key: {name: console.edit_fields(key)[name] for name in ("severity", "assignee")} for key in chosen}
    change = Change(severity=backend.severities[0].id, assignee=users[-1].id)

    edited = await triage.edit(chosen, change)
    assert set(edited.succeeded) | set(edited.skipped) == set(chosen) and not edited.failed
    assert {console.edit_fields(key)["assignee"] for key in chosen} == {users[-1].id}
    assert {store.get(key).severity for key in chosen} == {backend.severities[0].id}
    assert [entry["action"] for entry in audit.tail(10)] == ["edit"]
    by_change: dict[Change, list[str]] = {}
    for key, restore in edited.restores:
        by_change.setdefault(restore, []).append(key)
    for restore, keys in by_change.items():
        undone = await triage.edit(tuple(keys), restore)
        assert not undone.failed, undone.failed

    assert {key: {name: console.edit_fields(key)[name] for name in ("severity", "assignee")} for key in chosen} == before
    assert {key: store.get(key).severity for key in chosen} == {key: value["severity"] for key, value in before.items()}
