"""Every file and command Roost reads for its settings is bounded (issue 8, item 5).

A FIFO named as a token file or config hung Roost silently; ``--token-file
/dev/zero`` read 13 GB; a token command that never stops printing ended in
MemoryError.  Each now ends in one line: non-regular files are refused before
anything is read (and a FIFO cannot even hang the open), files and command output
past a small bound are refused.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from tui import cli
from tui.backends.errors import ConfigError
from tui.config import (
    CONFIG_FILE_LIMIT,
    TOKEN_COMMAND_OUTPUT_LIMIT,
    TOKEN_FILE_LIMIT,
    check_config,
    resolve_settings,
    run_token_command,
)

TOKEN = "bounded-token-0123456789abcdef"
# Long enough for any of these to answer, short enough that a hang fails the test instead of the run.
PATIENCE_SECONDS = 10


def within(seconds: float, work):
    """``work()``'s result or exception, or a test failure if it has not finished in ``seconds``."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still running after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    yield path
    try:  # a reader still blocked in open() (the old code) is let go by a writer
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def token_file_settings(path: Path):
    return resolve_settings(console="abc", token_file=str(path), environ={"HOME": "/nonexistent"})


# -- token files ---------------------------------------------------------------------


def test_a_fifo_as_token_file_is_refused_at_once(fifo):
    with pytest.raises(ConfigError, match=rf"^Token file {fifo} is a FIFO \(named pipe\), not a regular file: point"):
        within(PATIENCE_SECONDS, lambda: token_file_settings(fifo))


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_as_token_file_is_refused_before_it_is_read(device):
    started = time.monotonic()
    with pytest.raises(ConfigError, match=rf"^Token file {device} is a device, not a regular file"):
        within(PATIENCE_SECONDS, lambda: token_file_settings(Path(device)))
    assert time.monotonic() - started < 1


def test_a_directory_as_token_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"is a directory, not a regular file"):
        token_file_settings(tmp_path)


def test_a_token_file_larger_than_the_bound_is_refused(tmp_path):
    big = tmp_path / "big.token"
    big.write_text(TOKEN + "\n" + "x" * TOKEN_FILE_LIMIT)
    with pytest.raises(ConfigError, match=rf"^Token file {big} is larger than 64 KiB: point --token-file"):
        token_file_settings(big)
    fits = tmp_path / "fits.token"
    fits.write_text(TOKEN + "\n" + "#" * (TOKEN_FILE_LIMIT - len(TOKEN) - 1))
    assert token_file_settings(fits).token.reveal() == TOKEN


def test_a_symlink_to_a_token_file_is_still_read(tmp_path):
    real = tmp_path / "real.token"
    real.write_text(TOKEN + "\n")
    real.chmod(0o600)
    (tmp_path / "link.token").symlink_to(real)
    assert token_file_settings(tmp_path / "link.token").token.reveal() == TOKEN


def test_a_profile_token_file_that_is_a_fifo_is_refused(private_home, fifo):
    config = private_home / "config.toml"
    config.write_text(f'[profile.lab]\nconsole = "abc"\ntoken_file = "{fifo}"\n')
    with pytest.raises(ConfigError, match="is a FIFO"):
        within(PATIENCE_SECONDS, lambda: resolve_settings(
            console=None, token_file=None, profile="lab", environ={"ROOST_CONFIG": str(config), "HOME": str(private_home)}
        ))


# -- token commands ------------------------------------------------------------------


def python(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def test_a_token_command_that_prints_forever_is_stopped_at_the_bound():
    forever = python("import sys\nwhile True: sys.stdout.write('x' * 65536)")
    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"^token_command: .*python.* printed more than 64 KiB; it should print just"):
        within(PATIENCE_SECONDS, lambda: run_token_command(forever, timeout=60))
    assert time.monotonic() - started < PATIENCE_SECONDS


def test_a_token_command_printing_more_than_the_bound_is_refused_even_when_it_stops():
    printed = python(f"print({TOKEN!r}); print('x' * {TOKEN_COMMAND_OUTPUT_LIMIT})")
    with pytest.raises(ConfigError, match="printed more than 64 KiB"):
        run_token_command(printed)
    assert run_token_command(python(f"print({TOKEN!r}); print('x' * 1000)")).reveal() == TOKEN


def test_a_token_command_flooding_stderr_cannot_block_or_fill_memory():
    flood = python(f"import sys\nsys.stderr.write('e' * 10_000_000); print({TOKEN!r})")
    assert within(PATIENCE_SECONDS, lambda: run_token_command(flood)).reveal() == TOKEN


def test_a_token_command_that_hangs_is_killed_at_the_timeout(tmp_path):
    marker = tmp_path / "still-running"
    hangs = python(f"import time, pathlib\ntime.sleep(1)\npathlib.Path({str(marker)!r}).touch()")
    with pytest.raises(ConfigError, match=r"did not finish within 0\.3 s"):
        run_token_command(hangs, timeout=0.3)
    time.sleep(1.5)
    assert not marker.exists(), "the command outlived its timeout"


# -- config files --------------------------------------------------------------------


def test_a_fifo_as_config_file_is_refused_at_once(fifo, monkeypatch):
    monkeypatch.setenv("ROOST_CONFIG", str(fifo))
    with pytest.raises(ConfigError, match=rf"^ROOST_CONFIG names {fifo}, which is a FIFO \(named pipe\), not a regular file"):
        within(PATIENCE_SECONDS, lambda: resolve_settings(console=None, token_file=None))
    lines, ok = within(PATIENCE_SECONDS, check_config)
    assert not ok and lines == [lines[0]] and "is a FIFO" in lines[0]


def test_a_device_or_directory_as_config_file_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROOST_CONFIG", "/dev/zero")
    assert within(PATIENCE_SECONDS, lambda: cli.main(["config", "check"])) == 1
    assert capsys.readouterr().out.startswith("error: ROOST_CONFIG names /dev/zero, which is a device, not a regular file")
    monkeypatch.setenv("ROOST_CONFIG", str(tmp_path))
    assert cli.main(["export"]) == 2
    assert capsys.readouterr().err.startswith(f"roost: ROOST_CONFIG names {tmp_path}, which is a directory")


def test_a_config_file_larger_than_the_bound_is_refused(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[profile.lab]\nconsole = "abc"\n' + "#" * CONFIG_FILE_LIMIT + "\n")
    monkeypatch.setenv("ROOST_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"which is larger than 1 MiB: Roost reads its settings only from"):
        resolve_settings(console=None, token_file=None)


def test_a_fifo_as_canarytools_config_is_refused_at_once(private_home):
    os.mkfifo(private_home / ".canarytools.config")
    try:
        with pytest.raises(ConfigError, match=r"\.canarytools\.config is a FIFO \(named pipe\), not a regular file"):
            within(PATIENCE_SECONDS, lambda: resolve_settings(console=None, token_file=None))
    finally:
        try:
            os.close(os.open(private_home / ".canarytools.config", os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass


def test_a_canarytools_config_larger_than_the_bound_is_refused(private_home):
    (private_home / ".canarytools.config").write_text(
        "[CanaryTools]\napi_key = k\ndomain = d\n" + "#" * CONFIG_FILE_LIMIT + "\n"
    )
    with pytest.raises(ConfigError, match=r"\.canarytools\.config is larger than 1 MiB"):
        resolve_settings(console=None, token_file=None)
