"""A delete killed part way: every incident the console deleted is already in the audit log.

A child process runs ``Triage.delete`` (through the Canary backend) on 50 incidents against an emulator on a
loopback socket.  The emulator answers the first ``ANSWERED`` deletes and then
holds every further delete before acting on it.  Once it holds as many as the
child sends at a time, every earlier incident has been answered and its slot
freed, so the child has nothing left to learn: it is killed with SIGKILL there,
and the audit log must name exactly the incidents the console deleted.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from starlette.applications import Starlette

from tui.emulator.canary.app import create_app
from tui.emulator.server import EmulatorServer
from tui.screenshots import seeded_console
from tui.backends.canary import CONCURRENCY

TOKEN = "kill-test-token-0123456789"
REPOSITORY = Path(__file__).resolve().parents[2]
BATCH = 50
ANSWERED = 20
DELETE_PATH = "/api/v1/incident/delete"

CHILD = """
import asyncio, json, os, sys
from pathlib import Path
from tui.backends.canary import CanaryBackend
from tui.backends.canary.client import CanaryClient
from tui.audit import AuditLog
from tui.secret import Secret
from tui.store import IncidentStore
from tui.triage import Triage

async def main(url, directory, keys):
    async with CanaryClient(url, Secret(os.environ["KILL_TEST_TOKEN"])) as client:
        store = IncidentStore()
        async for page in client.iter_feed("all"):
            store.apply(page.incidents)
        audit = AuditLog(Path(directory) / "audit.jsonl", console=url)
        triage = Triage(CanaryBackend(client), store, Path(directory) / "archives", audit=audit)
        await triage.delete(tuple(keys))

asyncio.run(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))
"""


class DeleteGate:
    """The emulator's outermost layer: ``answered`` deletes go through, later ones wait before the console acts."""

    def __init__(self, emulator, answered: int) -> None:
        self.answer = functools.partial(Starlette.__call__, emulator)
        self.answered = answered
        self.seen = 0
        self.held = 0
        self.changed = threading.Condition()
        self._released: asyncio.Event | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == DELETE_PATH:
            self.seen += 1  # one event loop serves every request: no lock needed for the count
            if self.seen > self.answered:
                await self._hold(send)
                return
        await self.answer(scope, receive, send)

    async def _hold(self, send) -> None:
        if self._released is None:
            self._released = asyncio.Event()
        with self.changed:
            self.held += 1
            self.changed.notify_all()
        await self._released.wait()
        # The test is over: refuse, so nothing changes after the comparison.
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def release_waiting_requests(self) -> None:
        """Called by ``EmulatorServer.stop`` in the server's loop."""
        if self._released is not None:
            self._released.set()


@pytest.mark.socket
def test_sigkill_in_the_middle_of_a_delete_leaves_every_done_delete_in_the_audit_log(tmp_path):
    console = seeded_console(backlog=80)
    emulator = create_app(console, TOKEN)
    gate = DeleteGate(emulator, ANSWERED)
    emulator.state.fault_injector = gate
    keys = console.keys("all")[:BATCH]
    deleted_before = set(console.deleted_keys)
    assert len(keys) == BATCH and any(not console.is_acknowledged(key) for key in keys)
    with EmulatorServer(emulator) as server:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, server.base_url, str(tmp_path), json.dumps(keys)],
            cwd=REPOSITORY,
            env={**os.environ, "KILL_TEST_TOKEN": TOKEN, "PYTHONPATH": str(REPOSITORY)},
        )
        try:
            with gate.changed:
                all_slots_held = gate.changed.wait_for(lambda: gate.held >= CONCURRENCY, timeout=60)
            assert child.poll() is None, "the child ended before it could be killed"
            child.send_signal(signal.SIGKILL)
            assert child.wait(timeout=10) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert all_slots_held, "the child never filled its slots with held deletes"
        deleted = set(console.deleted_keys) - deleted_before
    assert len(deleted) == ANSWERED
    log = tmp_path / "audit.jsonl"
    entries = [json.loads(line) for line in (log.read_text() if log.exists() else "").splitlines()]
    audited = {key for entry in entries if entry["action"] == "delete" and entry["result"] == "deleted"
               for key in entry["keys"]}
    assert audited == deleted
    # What was in flight when the child died is on record as requested, with no outcome.
    [requested] = [entry for entry in entries if entry["result"] == "requested"]
    assert set(requested["keys"]) == set(keys)
