"""Which consoles a session opens, a tab each: --profile again and again, --all, or `open = [...]`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui import cli
from tui.backends.errors import ConfigError
from tui.launch import connect

TOKENS = {"prod": "prod-token-0123456789", "lab": "lab-token-9876543210", "siem": "siem-token-5555555555"}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.fixture
def config(private_home) -> Path:
    directory = private_home / "config" / "roost"
    for name, token in TOKENS.items():
        write(directory / f"{name}.token", token + "\n")
    return write(directory / "config.toml", """
open = ["lab", "prod"]

[profile.prod]
console = "https://prod.example.net"
token_file = "prod.token"

[profile.lab]
console = "https://lab.example.net"
token_file = "lab.token"
read_only = true

[profile.siem]
backend = "log360"
console = "https://siem.example.net:8400"
token_file = "siem.token"
""")


def opened(*words: str) -> list[tuple[str, str, str]]:
    """(profile, console, token) of each console the command line opens, in tab order."""
    return [(settings.profile, settings.console, settings.token.reveal())
            for settings in connect(cli.build_parser().parse_args(list(words))).consoles]


def test_profiles_named_again_and_again_open_a_tab_each_with_their_own_token(config):
    assert opened("--profile", "siem", "--profile", "prod") == [
        ("siem", "https://siem.example.net:8400", TOKENS["siem"]),
        ("prod", "https://prod.example.net", TOKENS["prod"]),
    ]


def test_the_config_files_open_list_is_what_plain_roost_opens(config):
    assert [profile for profile, _, _ in opened()] == ["lab", "prod"]


def test_all_opens_every_profile(config):
    assert [profile for profile, _, _ in opened("--all")] == ["prod", "lab", "siem"]


def test_one_profile_named_opens_that_one_alone(config):
    assert [profile for profile, _, _ in opened("--profile", "siem")] == ["siem"]


@pytest.mark.parametrize("words, says", [
    (("--all", "--profile", "prod"), "--all opens every profile"),
    (("--profile", "prod", "--profile", "lab", "--console", "https://other.example.net"), "each profile names its own"),
    (("--profile", "prod", "--profile", "nope"), "Profile nope: No profile 'nope'"),
])
def test_what_cannot_be_opened_together_stops_with_one_line(config, words, says):
    with pytest.raises(ConfigError, match=says):
        opened(*words)


def test_two_profiles_on_one_console_cannot_be_opened_together(config):
    text = config.read_text().replace('console = "https://lab.example.net"', 'console = "https://prod.example.net"')
    config.write_text(text)
    with pytest.raises(ConfigError, match="name the same console"):
        opened("--profile", "prod", "--profile", "lab")


def test_an_open_list_naming_no_profile_is_refused_with_its_line(config):
    config.write_text(config.read_text().replace('open = ["lab", "prod"]', 'open = ["lab", "qa"]'))
    with pytest.raises(ConfigError, match=r"line 2: open names 'qa', but there is no \[profile.qa\]"):
        opened()


def test_export_reads_one_console(config, capsys):
    assert cli.main(["--profile", "prod", "--profile", "lab", "export", "--format", "json", "--output", "-"]) == 2
    assert "roost export reads one console: name one --profile." in capsys.readouterr().err
