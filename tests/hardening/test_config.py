"""config.toml profiles, canarytools-python's file, token commands, precedence, and ``roost config``."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from app.conftest import build_app, screen_text, settle, wait_for_triage
from tui import cli
from tui.backends.errors import ConfigError
from tui.config import (
    DEFAULT_POLL_INTERVAL,
    config_path,
    resolve_settings,
    run_token_command,
)
from tui.screenshots import seeded_console
from tui.store import Keep
from tui.widgets.incident_table import IncidentTable

TOKEN = "profile-token-0123456789abcdef"
OTHER_TOKEN = "environment-token-fedcba9876543210"
FILE_TOKEN = "canarytools-file-token-5a5a5a5a"


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def config(private_home) -> Path:
    """config.toml where platformdirs looks for it, with a token file beside it."""
    directory = private_home / "config" / "roost"
    write(directory / "prod.token", TOKEN + "\n")
    return directory / "config.toml"


def settings(**options):
    return resolve_settings(console=options.pop("console", None), token_file=options.pop("token_file", None), **options)


def printing(text: str) -> str:
    """A token_command (TOML string) that prints ``text``: this Python, no shell."""
    return f'["{sys.executable}", "-c", "print({text!r})"]'


# -- profiles ------------------------------------------------------------------------


def test_the_default_profile_gives_every_setting(config):
    write(config, f"""
default_profile = "prod"

[defaults]
poll_interval = 30
theme = "nord"

[profile.prod]
backend = "canary"
console = "1234abcd"
token_file = "prod.token"        # beside config.toml
read_only = true
page_size = 50
columns = ["created", "type", "src"]
keymap = {{ acknowledge = "x", delete = "X" }}
""")
    chosen = settings()
    assert (chosen.console, chosen.token.reveal(), chosen.profile, chosen.label) == ("1234abcd", TOKEN, "prod", "prod")
    assert (chosen.read_only, chosen.poll_interval, chosen.page_size) == (True, 30.0, 50)
    assert chosen.columns == ("created", "type", "src") and chosen.theme == "nord"
    assert chosen.keymap == {"acknowledge": "x", "delete": "X"}
    assert chosen.warnings == ()
    assert config_path() == config


def test_profile_picks_another_and_its_token_source_replaces_the_defaults_one(config):
    write(config, f"""
default_profile = "prod"
[defaults]
token_file = "prod.token"
[profile.prod]
console = "1234abcd"
[profile.lab]
console = "https://lab.example.net"
token_command = {printing("lab-token-0123456789")}
""")
    lab = settings(profile="lab")
    assert (lab.console, lab.token.reveal(), lab.label) == ("https://lab.example.net", "lab-token-0123456789", "lab")
    assert settings().token.reveal() == TOKEN


def test_precedence_command_line_then_environment_then_profile(config, tmp_path):
    write(config, 'default_profile = "prod"\n[profile.prod]\nconsole = "profileconsole"\ntoken_file = "prod.token"\n')
    command_line_token = write(tmp_path / "cli.token", "command-line-token-0123\n")
    environment = {**os.environ, "CANARY_API_DOMAIN": "envconsole", "CANARY_API_TOKEN": OTHER_TOKEN}
    from_env = settings(environ=environment)
    assert (from_env.console, from_env.token.reveal()) == ("envconsole", OTHER_TOKEN)
    from_cli = settings(console="cliconsole", token_file=str(command_line_token), environ=environment)
    assert (from_cli.console, from_cli.token.reveal()) == ("cliconsole", "command-line-token-0123")
    # Naming the profile on the command line beats the environment, as the command line does:
    # an exported token for one console must not travel to the profile's console.
    named = settings(profile="prod", environ=environment)
    assert (named.console, named.token.reveal()) == ("profileconsole", TOKEN)


def test_a_token_exported_for_another_console_never_goes_to_the_profiles(config):
    write(config, 'default_profile = "prod"\n[profile.prod]\nconsole = "profileconsole"\ntoken_file = "prod.token"\n')
    chosen = settings(environ={**os.environ, "CANARY_API_TOKEN": OTHER_TOKEN})
    assert (chosen.console, chosen.token.reveal()) == ("profileconsole", TOKEN)
    write(config, 'default_profile = "prod"\n[profile.prod]\nconsole = "profileconsole"\n')  # names no token
    assert settings(environ={**os.environ, "CANARY_API_TOKEN": OTHER_TOKEN}).token.reveal() == OTHER_TOKEN


def test_command_line_options_beat_the_profile_but_cannot_loosen_read_only(config):
    write(config, '[profile.prod]\nconsole = "c"\ntoken_file = "prod.token"\nread_only = true\npage_size = 20\n')
    chosen = settings(profile="prod", page_size=200, poll_interval=0)
    assert (chosen.page_size, chosen.poll_interval, chosen.read_only) == (200, 0, True)
    assert settings(profile="prod").poll_interval == DEFAULT_POLL_INTERVAL


def test_unknown_or_missing_profile(config):
    with pytest.raises(ConfigError, match="No profile 'prod': there is no config file at .*config.toml"):
        settings(profile="prod")
    write(config, '[profile.lab]\nconsole = "c"\n')
    with pytest.raises(ConfigError, match=r"No profile 'prod' in .*config.toml \(profiles: lab\)"):
        settings(profile="prod")


def test_roost_config_names_the_file(tmp_path, monkeypatch):
    chosen = write(tmp_path / "elsewhere.toml", '[profile.x]\nconsole = "abc"\ntoken_command = "true"\n')
    monkeypatch.setenv("ROOST_CONFIG", str(chosen))
    assert config_path() == chosen
    assert settings(console="c", token_file=None, environ={**os.environ, "CANARY_API_TOKEN": TOKEN}).console == "c"
    monkeypatch.setenv("ROOST_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(ConfigError, match="ROOST_CONFIG names .*absent.toml, which does not exist"):
        settings()


# -- what is wrong, and where --------------------------------------------------------


@pytest.mark.parametrize(("text", "complaint"), [
    ('[profile.prod]\nconsole = "c"\npage_size = = 5\n', r"config.toml: Invalid value \(at line 3, column 13\)"),
    ('[profile.prod]\nconsole = "c"\n\npage_size = "big"\n', r"config.toml, line 4: \[profile.prod\] page_size must be a whole number from 10 to 1000"),
    ('[profile.prod]\nbackend = "splunk"\n', r"line 2: \[profile.prod\] backend is 'splunk'; choose one of canary"),
    ('[profile.prod]\nread_only = "yes"\n', r"line 2: \[profile.prod\] read_only must be true or false"),
    ('[profile.prod]\npoll_interval = -1\n', r"poll_interval must be 0 \(manual\) or a number of seconds"),
    ('[profile.prod]\ncolumns = "created"\n', r"columns must be a list of column names"),
    ('[profile.prod]\ncolumns = ["src", "bogus"]\n', r"line 2: \[profile.prod\] columns has unknown column 'bogus'; choose from created"),
    ('[profile.prod]\ntheme = "hotdog"\n', r"line 2: \[profile.prod\] theme names no Textual theme; try one of ansi-dark"),
    ('[profile.prod]\ntoken = "abc"\n', r"line 2: \[profile.prod\] token is not read: put the token in a file \(token_file\) or use token_command"),
    ('[profile.prod]\ntoken_file = "a"\ntoken_command = "b"\n', r"line 3: \[profile.prod\] token_command and token_file are both set"),
    ('[profile.prod]\ntoken_command = "unclosed \'quote"\n', r"token_command cannot be split into words"),
    ('default_profile = "prod"\n[profile.lab]\n', r"line 1: default_profile names 'prod', but there is no \[profile.prod\]"),
    ('[profile.prod]\nkeymap = { quit = "ctrl+c" }\n', r"keymap may not move or take ctrl\+c: it always quits"),
    ('[profile.prod]\nkeymap = { acknowledge = "q" }\n', r"line 2: \[profile.prod\] keymap leaves quit without a key \(it gives q to acknowledge\): give quit a key of its own"),
    ('[profile.prod]\nkeymap = { help = "x", delete = "?" }\n', None),  # help moved to x: still reachable
    ('[profile.prod]\nkeymap = { delete = "?" }\n', r"keymap leaves help without a key"),
    ('[profile.prod]\nkeep = 0\n', r"line 2: \[profile.prod\] keep must be a number of incidents \(e.g. 20000\) or an age"),
    ('[profile.prod]\nkeep = "30 days"\n', r"keep must be a number of incidents"),
    ('[profile.prod]\nkeep = true\n', r"keep must be a number of incidents"),
    ('[profile.prod]\nnotify = "growl"\n', r"line 2: \[profile.prod\] notify must be one of 'osc9', 'osc777' or \"off\""),
])
def test_a_bad_setting_says_what_and_where(config, text, complaint):
    write(config, text)
    if complaint is None:
        assert settings(profile="prod", console="c", token_file=str(config.parent / "prod.token"))
        return
    with pytest.raises(ConfigError, match=complaint):
        settings(profile="prod", console="c")


@pytest.mark.parametrize(("line", "keep"), [
    ("keep = 20000", Keep(count=20_000)),
    ('keep = "30d"', Keep(age=timedelta(days=30))),
    ('keep = "12H"', Keep(age=timedelta(hours=12))),
    ('keep = " 2w "', Keep(age=timedelta(weeks=2))),
    ("", Keep()),
])
def test_keep_bounds_what_a_profile_holds_by_count_or_age(config, line, keep):
    write(config, f'[profile.prod]\nconsole = "c"\ntoken_file = "prod.token"\n{line}\n')
    assert settings(profile="prod").keep == keep


@pytest.mark.parametrize(("line", "notify"), [('notify = "osc9"', "osc9"), ('notify = "osc777"', "osc777"),
                                             ('notify = "off"', ""), ("", "")])
def test_desktop_notifications_are_off_unless_a_profile_asks(config, line, notify):
    write(config, f'[profile.prod]\nconsole = "c"\ntoken_file = "prod.token"\n{line}\n')
    assert settings(profile="prod").notify == notify


def test_unknown_settings_are_warned_not_fatal(config):
    write(config, 'colour = "blue"\n[profile.prod]\nconsole = "c"\ntoken_file = "prod.token"\npoll = 5\n')
    assert settings(profile="prod").warnings == (
        f"{config}: unknown setting colour (ignored)",
        f"{config}: unknown setting [profile.prod] poll (ignored)",
    )


async def test_a_config_naming_a_token_that_others_can_read_is_warned(config, tmp_path):
    write(config, '[profile.prod]\nconsole = "c"\ntoken_file = "prod.token"\n', mode=0o644)
    warning = f"{config} names your token and others can read or change it: run chmod 600 {config}."
    assert settings(profile="prod").warnings == (warning,)
    app = build_app(seeded_console(), tmp_path, warnings=(warning,))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert [(n.message, n.severity) for n in app.messages] == [(warning, "warning")]
    write(config, '[defaults]\nconsole = "c"\ntheme = "nord"\n', mode=0o644)  # names no token: fine
    assert settings(environ={**os.environ, "CANARY_API_TOKEN": TOKEN}).warnings == ()


# -- token commands ------------------------------------------------------------------


def test_token_command_runs_beside_the_config_file(config, tmp_path, monkeypatch):
    write(config, '[profile.prod]\nconsole = "c"\ntoken_command = "cat prod.token"\n')
    monkeypatch.chdir(tmp_path)  # wherever roost is started
    assert settings(profile="prod").token.reveal() == TOKEN


def test_token_command_runs_without_a_shell(config, tmp_path):
    marker = tmp_path / "shell-ran"
    write(config, f'[profile.prod]\nconsole = "c"\ntoken_command = "echo shell-free-token; touch {marker}"\n')
    assert settings(profile="prod").token.reveal() == f"shell-free-token; touch {marker}"
    assert not marker.exists()


def test_a_failing_token_command_quotes_its_stderr_but_never_its_stdout():
    script = "import sys; print('half-a-token-123'); sys.stderr.write('vault locked; got half-a-token-123\\n'); sys.exit(3)"
    with pytest.raises(ConfigError) as failure:
        run_token_command((sys.executable, "-c", script))
    message = str(failure.value)
    assert "failed (exit status 3): vault locked; got ********" in message
    assert "half-a-token" not in message


def test_token_command_timeout_missing_and_silent():
    with pytest.raises(ConfigError, match="did not finish within 0.2 s"):
        run_token_command((sys.executable, "-c", "import time; time.sleep(5)"), timeout=0.2)
    with pytest.raises(ConfigError, match="no-such-password-manager not found"):
        run_token_command(("no-such-password-manager", "show"))
    with pytest.raises(ConfigError, match="printed nothing"):
        run_token_command((sys.executable, "-c", "pass"))


# -- canarytools-python's file -------------------------------------------------------


def canarytools_file(home: Path, name: str = ".canarytools.config", mode: int = 0o600) -> Path:
    return write(home / name, f"[CanaryTools]\napi_key = {FILE_TOKEN}\ndomain = filedomain\n", mode)


def test_canarytools_config_when_nothing_else_is_configured(private_home):
    canarytools_file(private_home, "canarytools.config")  # the second place canarytools-python looks
    chosen = settings()
    assert (chosen.console, chosen.token.reveal(), chosen.label) == ("filedomain", FILE_TOKEN, "filedomain")
    # The environment's pair beats the file; the file's token goes only to its own console, and a
    # CANARY_API_TOKEN exported without a domain does not go to the file's (as canarytools-python reads them).
    from_env = settings(environ={**os.environ, "CANARY_API_DOMAIN": "envdomain", "CANARY_API_TOKEN": OTHER_TOKEN})
    assert (from_env.console, from_env.token.reveal()) == ("envdomain", OTHER_TOKEN)
    lone_token = settings(environ={**os.environ, "CANARY_API_TOKEN": OTHER_TOKEN})
    assert (lone_token.console, lone_token.token.reveal()) == ("filedomain", FILE_TOKEN)
    with pytest.raises(ConfigError, match="--console another-console needs its own token: the api_key in "):
        settings(console="another-console")


def test_canarytools_config_others_can_read_is_warned(private_home):
    path = canarytools_file(private_home, mode=0o644)
    assert settings().warnings == (f"{path} holds your API token and others can read it: run chmod 600 {path}.",)


def test_a_profile_is_never_mixed_with_canarytools_config(private_home, config):
    canarytools_file(private_home)
    write(config, '[profile.prod]\nconsole = "profileconsole"\n')
    with pytest.raises(ConfigError, match="No API token"):
        settings(profile="prod")


# -- roost config ----------------------------------------------------------------------


def test_roost_config_path(config, capsys):
    assert cli.main(["config", "path"]) == 0
    assert capsys.readouterr().out == f"{config}\n"


def test_roost_config_check_says_all_is_well_without_the_token(config, capsys):
    write(config, 'default_profile = "prod"\n[profile.prod]\nconsole = "1234abcd"\ntoken_file = "prod.token"\n')
    assert cli.main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"{config}: profiles prod, default prod\n"
        "prod: console https://1234abcd.canary.tools/api/v1; the token resolves (not shown)\n"
    )
    assert TOKEN not in out


def test_roost_config_check_lists_every_problem(config, capsys):
    write(config, (
        'default_profile = "prod"\nshade = 1\n'
        '[profile.prod]\nconsole = "1234abcd"\ntoken_file = "missing.token"\n'
        '[profile.lab]\nconsole = "http://lab.example.net"\ntoken_file = "prod.token"\npage_size = 5\n'
    ))
    assert cli.main(["config", "check"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{config}: profiles lab, prod, default prod",
        f"warning: {config}: unknown setting shade (ignored)",
        f"error: {config}, line 9: [profile.lab] page_size must be a whole number from 10 to 1000",
        f"error: Token file {config.parent / 'missing.token'} does not exist: create it or fix --token-file.",
    ]
    write(config, "[profile.prod\n")
    assert cli.main(["config", "check"]) == 1
    assert capsys.readouterr().out == f"error: {config}: Expected ']' at the end of a table declaration (at line 1, column 14)\n"


def test_roost_config_check_resolves_the_profile_asked_for(config, capsys):
    write(config, '[profile.lab]\nconsole = "http://lab.example.net"\ntoken_file = "prod.token"\n')
    assert cli.main(["config", "check", "--profile", "lab"]) == 1
    assert "error: Refusing plain http to lab.example.net" in capsys.readouterr().out


# -- the app ---------------------------------------------------------------------------


async def test_the_app_applies_the_theme_and_keymap_and_shows_the_profile(tmp_path):
    console = seeded_console()
    app = build_app(console, tmp_path, profile="prod", theme="nord", keymap={"acknowledge": "x", "quit": "Q"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "nord"
        assert "prod" in screen_text(app).splitlines()[0]
        key = app.screen.query_one(IncidentTable).cursor_key
        await pilot.press("a")
        await pilot.pause()
        assert not console.is_acknowledged(key)
        await pilot.press("x")
        await wait_for_triage(pilot)
        assert console.is_acknowledged(key)
        await pilot.press("Q")
        await pilot.pause()
        assert not app.is_running


# -- text from the file never reaches the terminal raw (issue 8, item 11) ----------------

HOSTILE_CONFIG = r'''
default_profile = "evil\u001b]0;owned\u0007"
"\u001b[2Jwipe" = 1

[defaults]
"\u202eshade" = 2

[profile."evil\u001b]0;owned\u0007"]
console = "abc123"
token_file = "token\u009b31m.missing"
"bell\u001b[5m" = true

[profile."lab\u001b[31m"]
backend = "\u001b[31mred"
columns = ["src", "\u001b]52;c;cGF3bmVk\u0007"]
'''


def terminal_controls(text: str) -> list[str]:
    """Characters a terminal would act on (or that reorder or hide text), other than newlines."""
    import unicodedata

    return [char for char in text if char != "\n" and unicodedata.category(char) in ("Cc", "Cf")]


def test_roost_config_check_prints_no_escape_sequence_from_the_file(tmp_path, monkeypatch, capsys):
    config = tmp_path / "conf\x1b[31m.toml"  # the path too
    write(config, HOSTILE_CONFIG)
    monkeypatch.setenv("ROOST_CONFIG", str(config))
    assert cli.main(["config", "check"]) == 1
    out = capsys.readouterr().out
    assert terminal_controls(out) == []
    lines = out.splitlines()
    shown_path = str(config).replace("\x1b", "\\x1b")
    assert lines[0] == shown_path + r": profiles evil\x1b]0;owned\x07, lab\x1b[31m, default evil\x1b]0;owned\x07"
    assert r"unknown setting \x1b[2Jwipe (ignored)" in out
    assert r"unknown setting [defaults] \u202eshade (ignored)" in out
    assert r"unknown setting [profile.evil\x1b]0;owned\x07] bell\x1b[5m (ignored)" in out
    assert r"[profile.lab\x1b[31m] backend is '\x1b[31mred'; choose one of canary" in out
    assert r"token\x9b31m.missing does not exist" in out


def test_every_config_error_line_is_printed_without_escape_sequences(tmp_path, monkeypatch, capsys):
    config = write(tmp_path / "config.toml", HOSTILE_CONFIG)
    monkeypatch.setenv("ROOST_CONFIG", str(config))
    for argv in (["export"], ["export", "--profile", "lab\x1b[31m"], ["export", "--profile", "nope"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("roost: ") and err.count("\n") == 1 and terminal_controls(err) == [], err
    write(config, '[profile.lab]\nconsole = "abc"\ncolumns = ["\\u001b]52;c;cGF3bmVk\\u0007"]\n')
    with pytest.raises(ConfigError) as failure:
        settings(profile="lab")
    assert terminal_controls(str(failure.value)) == [] and r"unknown column '\x1b]52;c;cGF3bmVk\x07'" in str(failure.value)


# -- a backend's own profile settings ------------------------------------------------


def test_a_log360_profile_reads_its_own_settings(config):
    write(config, """
default_profile = "soc"
[profile.soc]
backend = "log360"
console = "http://log360.lab.internal:8095"
token_file = "prod.token"
allow_http = true
product = "EventLog"
timezone = "Europe/London"
queue = ["open", "In Progress"]
users = { "301" = "alice", "-1" = "nobody" }
me = "301"
""")
    chosen = settings()
    assert chosen.backend == "log360" and chosen.token.reveal() == TOKEN
    assert dict(chosen.backend_options) == {
        "allow_http": True, "product": "eventlog", "timezone": "Europe/London",
        "queue": ("open", "in_progress"), "users": {"301": "alice", "-1": "nobody"}, "me": "301",
    }
    assert chosen.warnings == ()


@pytest.mark.parametrize(("line", "complaint"), [
    ('allow_http = "yes"', r"line 6: \[profile.soc\] allow_http must be true or false"),
    ('product = "splunk"', r"product must be one of log360, eventlog"),
    ('timezone = "Mars/Olympus"', r"timezone names no time zone; use an IANA name"),
    ('queue = ["open", "pending"]', r"queue has unknown status 'pending'; choose from open, in_progress, closed"),
    ('users = { alice = "Alice" }', r"users must have numeric user ids as its keys"),
    ('me = "alice"', r"me must be your numeric Log360 user id"),
])
def test_a_bad_log360_setting_is_one_line_naming_it(config, line, complaint):
    write(config, f"""
[profile.soc]
backend = "log360"
console = "https://log360.lab.internal"
token_file = "prod.token"
{line}
""")
    with pytest.raises(ConfigError, match=complaint):
        settings(profile="soc")


def test_a_canary_profile_has_no_backend_options(config):
    write(config, """
[profile.prod]
console = "1234abcd"
token_file = "prod.token"
""")
    assert dict(settings(profile="prod").backend_options) == {}
