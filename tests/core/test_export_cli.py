"""``roost export`` against the emulator, in-process: options, environment, progress, errors."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import httpx
import pytest

from tui import cli
from tui.backends.base import Backend
from tui.backends.registry import open_backend
from tui.backends.errors import AuthError, ConfigError
from tui.emulator.canary.app import create_app
from tui.emulator.canary.generator import populate
from tui.emulator.canary.state import ConsoleState
from tui.export_cli import PLAIN_PROGRESS_EVERY, ProgressLine, export_command

TOKEN = "cli-export-token-0123456789"
CONSOLE = "http://console.test"
NOW = 1_700_000_000


@pytest.fixture(autouse=True)
def no_console_environment(monkeypatch):
    monkeypatch.delenv("CANARY_API_DOMAIN", raising=False)
    monkeypatch.delenv("CANARY_API_TOKEN", raising=False)


@pytest.fixture
def console() -> ConsoleState:
    state = ConsoleState(clock=lambda: NOW)
    populate(state, 30, seed=3)
    return state


@pytest.fixture
def token_file(tmp_path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o600)
    return path


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Run:
    """One ``roost ...`` command line through the real parser, against an in-process emulator."""

    def __init__(self, state: ConsoleState, *, stdin: io.StringIO | None = None, **app_options) -> None:
        self.app = create_app(state, TOKEN, **app_options)
        self.stderr = io.StringIO()
        self.stdin = stdin or io.StringIO()
        self.stdout = io.BytesIO()
        self.clients_made = 0

    def backend(self, settings) -> Backend:
        self.clients_made += 1
        return open_backend(settings, transport=httpx.ASGITransport(app=self.app))

    def __call__(self, *argv: str) -> int:
        args = cli.build_parser().parse_args(list(argv))
        return export_command(args, open_backend=self.backend, stderr=self.stderr, stdin=self.stdin, stdout=self.stdout)


def test_exports_a_feed_with_console_options_and_never_writes_the_token(console, token_file, tmp_path):
    run = Run(console)
    output = tmp_path / "unacked.csv"
    code = run("export", "--feed", "unacknowledged", "--console", CONSOLE, "--token-file", str(token_file),
               "--output", str(output))
    expected = len(console.keys("unacknowledged"))
    assert code == 0
    with output.open(encoding="utf-8-sig", newline="") as table:  # CSV: the format follows the suffix
        assert len(list(csv.DictReader(table))) == expected
    assert run.stderr.getvalue() == f"roost: exported {expected:,} incidents to {output}\n"
    assert TOKEN not in output.read_text(encoding="utf-8-sig")
    assert TOKEN not in run.stderr.getvalue()


def test_console_options_before_the_subcommand_and_environment_variables_work(console, tmp_path, monkeypatch):
    monkeypatch.setenv("CANARY_API_TOKEN", TOKEN)
    run = Run(console)
    output = tmp_path / "all.json"
    assert run("--console", CONSOLE, "export", "--output", str(output)) == 0
    document = json.loads(output.read_text())
    assert len(document["incidents"]) == len(console.keys("all"))
    assert TOKEN not in output.read_text()

    monkeypatch.setenv("CANARY_API_DOMAIN", CONSOLE)
    jsonl = tmp_path / "all.txt"
    assert run("export", "--format", "jsonl", "--output", str(jsonl)) == 0
    assert len(jsonl.read_text().splitlines()) == len(console.keys("all"))


def test_the_json_export_loads_back_into_an_emulator(console, token_file, tmp_path):
    output = tmp_path / "backup.json"
    Run(console)("export", "--console", CONSOLE, "--token-file", str(token_file), "--output", str(output))
    restored = ConsoleState(clock=lambda: NOW)
    restored.load_feed(json.loads(output.read_text()))
    assert restored.keys("all") == console.keys("all")
    assert [r.updated_id for r in restored.records()] == [r.updated_id for r in console.records()]


def test_default_output_is_a_new_file_in_the_data_directory(console, token_file, tmp_path, monkeypatch):
    monkeypatch.setattr("tui.export_cli.data_dir", lambda: tmp_path / "data")
    run = Run(console)
    assert run("export", "--feed", "acknowledged", "--console", CONSOLE, "--token-file", str(token_file)) == 0
    [written] = (tmp_path / "data" / "exports").iterdir()
    assert written.name.startswith("acknowledged-") and written.suffix == ".json"
    assert str(written) in run.stderr.getvalue()


def test_an_empty_feed_sent_as_null_exports_an_empty_file(token_file, tmp_path):
    run = Run(ConsoleState(clock=lambda: NOW), empty_incidents_null=True)
    output = tmp_path / "empty.json"
    assert run("export", "--console", CONSOLE, "--token-file", str(token_file), "--output", str(output)) == 0
    assert json.loads(output.read_text())["incidents"] == []
    assert "exported 0 incidents" in run.stderr.getvalue()


def test_a_wrong_token_is_an_api_error_and_leaves_no_file(console, tmp_path, monkeypatch):
    monkeypatch.setenv("CANARY_API_TOKEN", "not-the-right-token")
    run = Run(console)
    with pytest.raises(AuthError) as failure:
        run("export", "--console", CONSOLE, "--output", str(tmp_path / "x.json"))
    assert "not-the-right-token" not in str(failure.value)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_output_is_one_config_error(console, token_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="^Cannot write the export to .*/file/out.json: "):
        Run(console)("export", "--console", CONSOLE, "--token-file", str(token_file), "--output", str(blocker / "out.json"))


# -- what --output may replace (issue 8, item 10) ---------------------------------


def export_to(run: Run, token_file: Path, output: Path | str, *options: str) -> int:
    return run("export", "--console", CONSOLE, "--token-file", str(token_file), "--output", str(output), *options)


def test_a_symlink_is_never_replaced_nor_followed(console, token_file, tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    link = tmp_path / "export.json"
    link.symlink_to(precious)
    run = Run(console)
    with pytest.raises(ConfigError, match=r"^Cannot write the export to .*/export\.json: it is a symbolic link; "):
        export_to(run, token_file, link, "--force")
    assert link.is_symlink() and precious.read_text() == "keep me\n"
    assert run.clients_made == 0  # refused before the console was asked for anything


def test_a_fifo_is_refused_and_left_in_place(console, token_file, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match=r"it is a FIFO \(named pipe\), not a regular file; for a pipe or a device, "
                                          r"use --output - and redirect stdout\.$"):
        export_to(Run(console), token_file, fifo, "--force")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_device_node_is_refused_and_left_in_place(console, token_file, tmp_path):
    device = tmp_path / "null"
    try:  # /dev/null's numbers, in a directory of the test's own: as root the old code replaced such a node
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    with pytest.raises(ConfigError, match=r"it is a device, not a regular file"):
        export_to(Run(console), token_file, device, "--force")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_dev_null_itself_is_refused_before_anything_is_fetched(console, token_file):
    run = Run(console)
    with pytest.raises(ConfigError, match=r"^Cannot write the export to /dev/null: it is a device"):
        export_to(run, token_file, "/dev/null", "--force")
    assert run.clients_made == 0 and stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_a_directory_is_refused(console, token_file, tmp_path):
    (tmp_path / "exports").mkdir()
    with pytest.raises(ConfigError, match=r"it is a directory, not a regular file"):
        export_to(Run(console), token_file, tmp_path / "exports", "--force")


def test_an_existing_file_needs_force_without_a_terminal(console, token_file, tmp_path):
    existing = tmp_path / "old.json"
    existing.write_text("yesterday's export\n")
    run = Run(console)
    with pytest.raises(ConfigError, match=rf"^{existing} exists: pass --force to replace it, or choose another --output\.$"):
        export_to(run, token_file, existing)
    assert existing.read_text() == "yesterday's export\n" and run.clients_made == 0
    assert export_to(run, token_file, existing, "--force") == 0
    assert len(json.loads(existing.read_text())["incidents"]) == len(console.keys("all"))
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == ["old.json", "token"]  # no temporary file left


@pytest.mark.parametrize(("answer", "replaced"), [("y\n", True), ("yes\n", True), ("n\n", False), ("\n", False), ("", False)])
def test_at_a_terminal_an_existing_file_is_replaced_only_on_yes(console, token_file, tmp_path, answer, replaced):
    existing = tmp_path / "old.json"
    existing.write_text("yesterday's export\n")
    run = Run(console, stdin=Terminal(answer))
    if replaced:
        assert export_to(run, token_file, existing) == 0
        assert json.loads(existing.read_text())["incidents"]
    else:
        with pytest.raises(ConfigError, match=rf"^{existing} was left as it was; nothing was exported\.$"):
            export_to(run, token_file, existing)
        assert existing.read_text() == "yesterday's export\n"
    assert run.stderr.getvalue().startswith(f"roost: {existing} exists; replace it? [y/N] ")


def test_a_missing_directory_is_not_created(console, token_file, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "out.json"
    with pytest.raises(ConfigError, match=r"^Cannot write the export to .*/out\.json: .*/no/such/dir does not exist "
                                          r"\(Roost does not create it\)\.$"):
        export_to(Run(console), token_file, target)
    assert not (tmp_path / "no").exists()


def test_dash_writes_the_export_to_stdout(console, token_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = Run(console)
    assert export_to(run, token_file, "-", "--format", "jsonl") == 0
    lines = run.stdout.getvalue().decode("ascii").splitlines()
    assert len(lines) == len(console.keys("all")) and json.loads(lines[0])["id"]
    assert run.stderr.getvalue() == f"roost: exported {len(lines):,} incidents to stdout\n"
    assert list(tmp_path.iterdir()) == [token_file]  # no file called "-"
    assert TOKEN.encode() not in run.stdout.getvalue()


def test_dash_is_refused_when_stdout_is_a_terminal(console, token_file):
    class TerminalOutput(io.BytesIO):
        def isatty(self) -> bool:
            return True

    run = Run(console)
    run.stdout = TerminalOutput()
    with pytest.raises(ConfigError, match=r"^--output - is for pipes and stdout is a terminal: give a file name"):
        export_to(run, token_file, "-", "--format", "csv")
    assert run.stdout.getvalue() == b"" and run.clients_made == 0


def test_a_closed_stdout_pipe_is_one_line(console, token_file):
    class ClosedPipe(io.BytesIO):
        def write(self, data) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    run = Run(console)
    run.stdout = ClosedPipe()
    with pytest.raises(ConfigError, match=r"^stdout was closed before the export was written in full"):
        export_to(run, token_file, "-")


def test_main_reports_an_unknown_profile_and_missing_settings_in_one_line(capsys, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[profile.home]\nconsole = "abc123"\n')
    monkeypatch.setenv("ROOST_CONFIG", str(config))
    assert cli.main(["export", "--profile", "work"]) == 2
    assert capsys.readouterr().err == f"roost: No profile 'work' in {config} (profiles: home).\n"
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.canarytools.config either
    assert cli.main(["export"]) == 2
    assert capsys.readouterr().err.startswith("roost: No console given")


# -- progress -----------------------------------------------------------------


def test_progress_redraws_one_line_on_a_terminal_and_clears_it():
    stream = Terminal()
    progress = ProgressLine(stream)
    progress.update(1000)
    progress.update(1500)
    progress.close()
    assert stream.getvalue() == (
        "\r\x1b[Kexported 1,000 incidents…\r\x1b[Kexported 1,500 incidents…\r\x1b[K"
    )


def test_progress_prints_a_plain_line_now_and_then_without_a_terminal():
    stream = io.StringIO()
    progress = ProgressLine(stream)
    for count in range(0, 3 * PLAIN_PROGRESS_EVERY + 1, 250):
        progress.update(count)
    progress.close()
    assert stream.getvalue().splitlines() == [
        f"roost: exported {n * PLAIN_PROGRESS_EVERY:,} incidents…" for n in (1, 2, 3)
    ]
