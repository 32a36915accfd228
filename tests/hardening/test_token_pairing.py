"""A token goes only to the console it was configured with (issue 8, item 1).

Pairs: a profile's console with the profile's token; CANARY_API_DOMAIN with
CANARY_API_TOKEN; canarytools.config's domain with its api_key.  ``--token-file``
goes to the console in use, and a CANARY_API_TOKEN exported without a domain to a
console that has no token of its own.  Anything else is refused with one line.  The
top bar, ``roost export`` and ``roost config check`` follow the same rule.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.conftest import screen_text, settle
from tui import cli
from tui.backends.errors import ConfigError
from tui.config import resolve_settings, same_console
from tui.emulator.canary.app import create_app
from tui.backends.registry import open_backend
from tui.launch import connect, opening, session_app
from tui.screenshots import IN_PROCESS_URL, seeded_console

from .conftest import DeadlineTransport

MORNING = "morninghash"  # the profile's console, as a domain hash
MORNING_URL = "https://MorningHash.canary.tools/"  # the same console, written out
BARE = "https://bare.example"  # a profile console with no token of its own
OTHER = "https://other.example"
ENV_DOMAIN = "envhash"
TOOLS = "toolshash"  # canarytools.config's domain
TOOLS_URL = "https://toolshash.canary.tools/api/v1"

TOKENS = {
    "morning": "morning-profile-token-0123456789",
    "env": "exported-environment-token-abcdef",
    "flag": "command-line-file-token-fedcba98",
    "tools": "canarytools-config-token-5a5a5a5a",
}

CONFIGS = {
    "morning": f'default_profile = "morning"\n[profile.morning]\nconsole = "{MORNING}"\ntoken_file = "morning.token"\n',
    "bare": f'default_profile = "bare"\n[profile.bare]\nconsole = "{BARE}"\n',
    # A token with no console named beside it: it belongs to no console, so it goes to none.
    "defaults-token": '[defaults]\ntoken_file = "morning.token"\n',
    "keyonly": 'default_profile = "keyonly"\n[profile.keyonly]\ntoken_file = "morning.token"\n',
}


@dataclass(frozen=True)
class Setup:
    """Everything that can name a console or a token, for one run of ``roost``."""

    config: str | None = None  # a key of CONFIGS
    cli_profile: str | None = None  # --profile on the command line
    env: dict[str, str] = field(default_factory=dict)  # CANARY_API_DOMAIN / CANARY_API_TOKEN
    console: str | None = None  # --console
    token_file: bool = False  # --token-file
    canarytools: bool = False  # ~/.canarytools.config

    def arguments(self, home: Path) -> dict:
        return {
            "console": self.console,
            "token_file": str(home / "flag.token") if self.token_file else None,
            "profile": self.cli_profile,
            "environ": self.environ(home),
        }

    def environ(self, home: Path) -> dict[str, str]:
        environ = {"HOME": str(home / ("with-canarytools" if self.canarytools else "without-canarytools"))}
        if self.config:
            environ["ROOST_CONFIG"] = str(home / "config" / f"{self.config}.toml")
        return {**environ, **self.env}


@dataclass(frozen=True)
class Uses:
    console: str
    token: str  # a key of TOKENS
    label: str


@dataclass(frozen=True)
class Refused:
    message: str  # a regular expression


@pytest.fixture
def home(private_home) -> Path:
    for name in ("with-canarytools", "without-canarytools"):
        (private_home / name).mkdir()
    tools = private_home / "with-canarytools" / ".canarytools.config"
    tools.write_text(f"[CanaryTools]\napi_key = {TOKENS['tools']}\ndomain = {TOOLS}\n")
    tools.chmod(0o600)
    directory = private_home / "config"
    directory.mkdir()
    for name, text in CONFIGS.items():
        (directory / f"{name}.toml").write_text(text)
        (directory / f"{name}.toml").chmod(0o600)
    for name, path in (("morning", directory / "morning.token"), ("flag", private_home / "flag.token")):
        path.write_text(TOKENS[name] + "\n")
        path.chmod(0o600)
    return private_home


def resolve(setup: Setup, home: Path) -> Uses:
    settings = resolve_settings(**setup.arguments(home))
    [token] = [name for name, value in TOKENS.items() if value == settings.token.reveal()]
    return Uses(settings.console, token, settings.label)


ENV_PAIR = {"CANARY_API_DOMAIN": ENV_DOMAIN, "CANARY_API_TOKEN": TOKENS["env"]}
ENV_TOKEN = {"CANARY_API_TOKEN": TOKENS["env"]}
NO_TOKEN = r"^No API token: set CANARY_API_TOKEN, pass --token-file PATH"
MORNING_ONLY = r"the token of profile 'morning' goes only to its console \(morninghash\)"
TOOLS_ONLY = r"the api_key in .*/\.canarytools\.config goes only to its domain \(toolshash\)"
ENV_ONLY = r"CANARY_API_TOKEN goes only to CANARY_API_DOMAIN \(envhash\)"

CASES = [
    # -- no config file, no canarytools.config
    ("nothing", Setup(), Refused(r"^No console given")),
    ("--console alone", Setup(console=OTHER), Refused(NO_TOKEN)),
    ("--console --token-file", Setup(console=OTHER, token_file=True), Uses(OTHER, "flag", OTHER)),
    ("--console, exported token", Setup(console=OTHER, env=ENV_TOKEN), Uses(OTHER, "env", OTHER)),
    ("environment pair", Setup(env=ENV_PAIR), Uses(ENV_DOMAIN, "env", ENV_DOMAIN)),
    ("environment domain alone", Setup(env={"CANARY_API_DOMAIN": ENV_DOMAIN}), Refused(NO_TOKEN)),
    ("--console other than CANARY_API_DOMAIN", Setup(console=OTHER, env=ENV_PAIR),
     Refused(rf"^--console https://other.example needs its own token: {ENV_ONLY}\. Pass --token-file PATH for it\.$")),
    ("--console is CANARY_API_DOMAIN written out", Setup(console="https://envhash.canary.tools", env=ENV_PAIR),
     Uses("https://envhash.canary.tools", "env", "https://envhash.canary.tools")),
    ("--token-file beats the environment pair", Setup(token_file=True, env=ENV_PAIR), Uses(ENV_DOMAIN, "flag", ENV_DOMAIN)),
    # -- canarytools.config
    ("canarytools.config alone", Setup(canarytools=True), Uses(TOOLS, "tools", TOOLS)),
    ("--console other than canarytools' domain", Setup(console=OTHER, canarytools=True),
     Refused(rf"^--console https://other.example needs its own token: {TOOLS_ONLY}\. "
             r"Pass --token-file PATH, or set CANARY_API_TOKEN\.$")),
    ("--console is canarytools' domain", Setup(console=TOOLS_URL, canarytools=True), Uses(TOOLS_URL, "tools", TOOLS_URL)),
    ("--console with --token-file, canarytools.config", Setup(console=OTHER, token_file=True, canarytools=True),
     Uses(OTHER, "flag", OTHER)),
    ("--token-file for canarytools' domain", Setup(token_file=True, canarytools=True), Uses(TOOLS, "flag", TOOLS)),
    ("a lone exported token does not go to canarytools' domain", Setup(env=ENV_TOKEN, canarytools=True),
     Uses(TOOLS, "tools", TOOLS)),
    ("environment pair beats canarytools.config", Setup(env=ENV_PAIR, canarytools=True), Uses(ENV_DOMAIN, "env", ENV_DOMAIN)),
    ("CANARY_API_DOMAIN alone, canarytools.config", Setup(env={"CANARY_API_DOMAIN": ENV_DOMAIN}, canarytools=True),
     Refused(rf"^CANARY_API_DOMAIN envhash needs its own token: {TOOLS_ONLY}\. "
             r"Pass --token-file PATH, or set CANARY_API_TOKEN\.$")),
    ("CANARY_API_DOMAIN is canarytools' domain", Setup(env={"CANARY_API_DOMAIN": TOOLS_URL}, canarytools=True),
     Uses(TOOLS_URL, "tools", TOOLS_URL)),
    ("--console, exported token, canarytools.config", Setup(console=OTHER, env=ENV_TOKEN, canarytools=True),
     Uses(OTHER, "env", OTHER)),
    # -- default_profile "morning", with its own console and token
    ("default profile", Setup("morning"), Uses(MORNING, "morning", "morning")),
    ("default profile, --console elsewhere (the issue)", Setup("morning", console=OTHER),
     Refused(rf"^--console https://other.example needs its own token: {MORNING_ONLY}\. "
             r"Pass --token-file PATH, or set CANARY_API_TOKEN\.$")),
    ("default profile, --console elsewhere, --token-file", Setup("morning", console=OTHER, token_file=True),
     Uses(OTHER, "flag", OTHER)),
    ("default profile, --console elsewhere, exported token", Setup("morning", console=OTHER, env=ENV_TOKEN),
     Uses(OTHER, "env", OTHER)),
    ("default profile, --console is the profile's", Setup("morning", console=MORNING_URL),
     Uses(MORNING_URL, "morning", "morning")),
    ("default profile, exported token stays home", Setup("morning", env=ENV_TOKEN), Uses(MORNING, "morning", "morning")),
    ("default profile, CANARY_API_DOMAIN elsewhere", Setup("morning", env={"CANARY_API_DOMAIN": ENV_DOMAIN}),
     Refused(rf"^CANARY_API_DOMAIN envhash needs its own token: {MORNING_ONLY}\. "
             r"Pass --token-file PATH, or set CANARY_API_TOKEN\.$")),
    ("default profile, environment pair", Setup("morning", env=ENV_PAIR), Uses(ENV_DOMAIN, "env", ENV_DOMAIN)),
    ("default profile, CANARY_API_DOMAIN is the profile's", Setup("morning", env={"CANARY_API_DOMAIN": MORNING_URL}),
     Uses(MORNING_URL, "morning", "morning")),
    ("default profile, --token-file", Setup("morning", token_file=True), Uses(MORNING, "flag", "morning")),
    ("default profile beats canarytools.config", Setup("morning", canarytools=True), Uses(MORNING, "morning", "morning")),
    ("default profile, --console is canarytools' domain", Setup("morning", console=TOOLS, canarytools=True),
     Refused(rf"^--console toolshash needs its own token: {MORNING_ONLY}\. ")),
    ("default profile, --console elsewhere, environment pair", Setup("morning", console=OTHER, env=ENV_PAIR),
     Refused(rf"^--console https://other.example needs its own token: {ENV_ONLY}; {MORNING_ONLY}\. "
             r"Pass --token-file PATH for it\.$")),
    # -- --profile morning on the command line: the environment is not read
    ("--profile beats the environment pair", Setup("morning", cli_profile="morning", env=ENV_PAIR),
     Uses(MORNING, "morning", "morning")),
    ("--profile, --console elsewhere, exported token", Setup("morning", cli_profile="morning", console=OTHER, env=ENV_TOKEN),
     Refused(rf"^--console https://other.example needs its own token: {MORNING_ONLY}\. Pass --token-file PATH\.$")),
    ("--profile, --console elsewhere, --token-file", Setup("morning", cli_profile="morning", console=OTHER, token_file=True),
     Uses(OTHER, "flag", OTHER)),
    # -- a profile with a console and no token
    ("bare profile, exported token", Setup("bare", env=ENV_TOKEN), Uses(BARE, "env", "bare")),
    ("bare profile, no token", Setup("bare"), Refused(NO_TOKEN)),
    ("bare profile is never mixed with canarytools.config", Setup("bare", canarytools=True), Refused(NO_TOKEN)),
    ("bare profile, --console elsewhere, exported token", Setup("bare", console=OTHER, env=ENV_TOKEN),
     Uses(OTHER, "env", OTHER)),
    # -- a token configured with no console
    ("[defaults] token, --console", Setup("defaults-token", console=OTHER),
     Refused(r"^--console https://other.example needs its own token: the token of \[defaults\] goes only to "
             r"a console set with it\. ")),
    ("[defaults] token, environment pair", Setup("defaults-token", env=ENV_PAIR), Uses(ENV_DOMAIN, "env", ENV_DOMAIN)),
    ("profile token without a console, --console", Setup("keyonly", console=OTHER),
     Refused(r"the token of profile 'keyonly' goes only to a console set with it\. ")),
]


@pytest.mark.parametrize(("setup", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_which_console_gets_which_token(home, setup, expected):
    if isinstance(expected, Refused):
        with pytest.raises(ConfigError, match=expected.message):
            resolve(setup, home)
    else:
        assert resolve(setup, home) == expected


def test_no_combination_sends_a_token_to_a_console_it_was_not_configured_with(home):
    """Every combination of flag, environment, profile and canarytools.config: either refused,
    or a (console, token) pair that was configured together, named truthfully in the top bar."""
    configs = (None, "morning", "bare", "defaults-token")
    environments = ({}, ENV_TOKEN, {"CANARY_API_DOMAIN": ENV_DOMAIN}, {"CANARY_API_DOMAIN": MORNING_URL}, ENV_PAIR)
    consoles = (None, OTHER, MORNING_URL, TOOLS, ENV_DOMAIN)
    outcomes = {"used": 0, "refused": 0}
    for config, named, environment, console, token_file, canarytools in itertools.product(
        configs, (False, True), environments, consoles, (False, True), (False, True)
    ):
        if named and config not in ("morning", "bare"):
            continue
        setup = Setup(config, config if named else None, environment, console, token_file, canarytools)
        try:
            uses = resolve(setup, home)
        except ConfigError:
            outcomes["refused"] += 1
            continue
        outcomes["used"] += 1
        environment_read = not named
        if uses.token == "morning":
            assert same_console(uses.console, MORNING), setup
        elif uses.token == "tools":
            assert same_console(uses.console, TOOLS), setup
        elif uses.token == "env":
            assert environment_read, setup
            if "CANARY_API_DOMAIN" in environment:
                assert same_console(uses.console, environment["CANARY_API_DOMAIN"]), setup
            else:  # exported without a domain: to a console typed on the command line, or one with no token
                assert console == TOOLS or not (canarytools and same_console(uses.console, TOOLS)), setup
                assert config != "morning" or not same_console(uses.console, MORNING), setup
        else:
            assert uses.token == "flag" and token_file, setup
        if uses.label in ("morning", "bare"):
            assert same_console(uses.console, MORNING if uses.label == "morning" else BARE), setup
        else:
            assert uses.label == uses.console, setup
    assert outcomes["used"] > 100 and outcomes["refused"] > 100, outcomes


# -- the same rule where Roost starts, exports and checks ---------------------------------


@pytest.fixture
def morning(home, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(home / "without-canarytools"))
    monkeypatch.setenv("ROOST_CONFIG", str(home / "config" / "morning.toml"))
    return home


def test_roost_with_another_console_stops_before_sending_the_profiles_token(morning):
    with pytest.raises(ConfigError, match=rf"^--console https://other.example needs its own token: {MORNING_ONLY}"):
        connect(cli.build_parser().parse_args(["--console", OTHER]))


def test_roost_export_with_another_console_stops_in_one_line(morning, capsys, monkeypatch):
    def no_client(*arguments, **options):
        raise AssertionError("a client was made for a console without its own token")

    monkeypatch.setattr("tui.export_cli.export_backend", no_client)
    assert cli.main(["export", "--console", OTHER, "--output", str(morning / "x.json")]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(rf"roost: --console https://other.example needs its own token: {MORNING_ONLY}\. .*\n", err)
    assert TOKENS["morning"] not in err and not (morning / "x.json").exists()


def test_roost_config_check_applies_the_rule(morning, capsys, monkeypatch):
    monkeypatch.setenv("CANARY_API_DOMAIN", ENV_DOMAIN)
    assert cli.main(["config", "check"]) == 1
    out = capsys.readouterr().out
    assert re.search(rf"^error: CANARY_API_DOMAIN envhash needs its own token: {MORNING_ONLY}\.", out, re.MULTILINE)
    monkeypatch.setenv("CANARY_API_DOMAIN", MORNING_URL)  # the profile's console, written out
    assert cli.main(["config", "check"]) == 0
    assert "morning: console https://morninghash.canary.tools/api/v1; the token resolves" in capsys.readouterr().out


async def test_the_top_bar_names_the_console_in_use_not_the_profile(morning):
    settings = resolve_settings(console=IN_PROCESS_URL, token_file=str(morning / "flag.token"))
    assert (settings.console, settings.label) == (IN_PROCESS_URL, IN_PROCESS_URL)
    emulator = create_app(seeded_console(), TOKENS["flag"])
    app = session_app([opening(settings, open_backend(settings, transport=DeadlineTransport(app=emulator)), None)])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        top = screen_text(app).splitlines()[0]
        assert "console.test" in top and "morning" not in top
