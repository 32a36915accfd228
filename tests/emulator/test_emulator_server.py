"""The emulator on a real loopback socket (uvicorn), and ``roost emulator``'s options."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tui.emulator.canary.app import create_app
from tui.emulator.faults import FaultPlan
from tui.emulator.server import EmulatorOptions, EmulatorServer, add_emulator_arguments, run_emulator

from .conftest import AUTH, NOW, TOKEN, dump_feed, small_console


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="roost emulator")
    add_emulator_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.socket
def test_serves_on_a_free_port_then_stops_cleanly(caplog: pytest.LogCaptureFixture):
    server = EmulatorServer(create_app(small_console(), TOKEN)).start()
    caplog.set_level(logging.DEBUG, logger="uvicorn.access")  # uvicorn set it to warning: listen closer
    try:
        assert server.base_url.startswith("http://127.0.0.1:") and not server.base_url.endswith(":0")
        response = httpx.get(f"{server.base_url}/api/v1/incidents/all", params={"auth_token": TOKEN, "limit": 2})
        assert response.status_code == 200 and len(response.json()["incidents"]) == 2
        assert TOKEN in response.json()["cursor"]["next_link"]
    finally:
        server.stop()
    server_logs = [r.getMessage() for r in caplog.records if r.name.startswith("uvicorn")]
    assert not any(TOKEN in message for message in server_logs)  # no access log (httpx logs URLs itself)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/api/v1/ping", headers=AUTH)
    server.stop()  # stopping twice is harmless


@pytest.mark.socket
def test_live_generation_adds_incidents_while_serving():
    with EmulatorServer(EmulatorOptions(token=TOKEN, backlog=5, seed=3, rate=3000)) as server:
        watermark = server.console.max_updated_id
        deadline = time.monotonic() + 5
        delta: list = []
        while not delta and time.monotonic() < deadline:
            time.sleep(0.02)  # the generator runs in the server's thread; nothing to await here
            body = httpx.get(f"{server.base_url}/api/v1/incidents/all", headers=AUTH,
                             params={"incidents_since": watermark}).json()
            delta = body["incidents"]
        assert delta and all(item["updated_id"] > watermark for item in delta)


@pytest.mark.socket
def test_dropped_and_hung_requests_over_a_real_socket(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    for spec, failure in (("drop=1", httpx.RemoteProtocolError), ("timeout=1", httpx.ReadTimeout)):
        app = create_app(small_console(), TOKEN, faults=FaultPlan.parse(spec, hang_seconds=30))
        started = time.monotonic()
        with EmulatorServer(app) as server:
            with pytest.raises(failure):
                httpx.get(f"{server.base_url}/api/v1/ping", headers=AUTH, timeout=0.2)
        assert time.monotonic() - started < 5, spec
    assert "Exception in ASGI application" not in caplog.text
    assert "ASGI callable" not in caplog.text


def test_options_load_a_saved_feed(tmp_path: Path):
    saved = tmp_path / "incidents.json"
    saved.write_text(json.dumps(dump_feed(small_console())))
    state = EmulatorOptions(token=TOKEN, backlog=0, load=saved).build_state(clock=lambda: NOW)
    assert len(state.keys()) == 5 and len(state.devices) > 2  # the loaded birds and the generator's fleet


def test_command_line_defaults_and_refusals(capsys: pytest.CaptureFixture[str], tmp_path: Path):
    args = parse()
    assert (args.host, args.port, args.rate, args.latency, args.faults) == ("127.0.0.1", 8400, 2.0, 0, "")
    assert args.backlog is None and args.token is None and not args.allow_remote

    assert run_emulator(parse("--host", "0.0.0.0")) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert run_emulator(parse("--faults", "429=2")) == 2
    assert "--faults" in capsys.readouterr().err
    assert run_emulator(parse("--port", "0", "--load", str(tmp_path / "missing.json"))) == 1
    assert "missing.json" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse("--rate", "-1")


@pytest.mark.socket
def test_roost_emulator_runs_until_ctrl_c(tmp_path: Path):
    script = (
        "import argparse, sys\n"
        "from tui.emulator.server import add_emulator_arguments, run_emulator\n"
        "parser = argparse.ArgumentParser()\n"
        "add_emulator_arguments(parser)\n"
        "sys.exit(run_emulator(parser.parse_args(sys.argv[1:])))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, "--port", "0", "--backlog", "5", "--seed", "1", "--rate", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
    )
    try:
        banner = []
        while not banner or not banner[-1].startswith("Press Ctrl+C"):
            line = process.stdout.readline()
            assert line, process.stderr.read()
            banner.append(line.strip())
        base_url = banner[0].rsplit(" ", 1)[1]
        token = next(line.split()[-1] for line in banner if line.startswith("API token:"))
        assert len(token) == 32  # generated, since none was given
        assert any(f"X-Canary-Auth-Token: {token}" in line for line in banner)
        response = httpx.get(f"{base_url}/api/v1/incidents/all", headers={"X-Canary-Auth-Token": token})
        assert len(response.json()["incidents"]) == 5
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, err
    assert err == "" and "stopped" in out
