import os
import traceback

import pytest

from tui.backends.errors import ConfigError
from tui.config import resolve_settings
from tui.secret import Secret, redact

TOKEN = "c0ffee-secret-token-9f8e7d"


def test_secret_never_prints_itself():
    secret = Secret(TOKEN)
    assert TOKEN not in repr(secret)
    assert TOKEN not in str(secret)
    assert TOKEN not in f"{secret}"
    assert secret.reveal() == TOKEN


def test_secret_not_in_traceback_locals():
    def fail(secret):
        raise RuntimeError(f"failed with {secret}")

    try:
        fail(Secret(TOKEN))
    except RuntimeError as error:
        text = "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
    assert TOKEN not in text


def test_redact_replaces_every_occurrence():
    assert redact(f"a {TOKEN} b {TOKEN}", Secret(TOKEN)) == "a ******** b ********"


def test_settings_from_thinkst_environment_variables():
    settings = resolve_settings(
        console=None, token_file=None, environ={"CANARY_API_DOMAIN": "abc123", "CANARY_API_TOKEN": TOKEN}
    )
    assert settings.console == "abc123"
    assert settings.token.reveal() == TOKEN
    assert TOKEN not in repr(settings)


def test_missing_console_says_what_to_do():
    with pytest.raises(ConfigError, match="--console"):
        resolve_settings(console=None, token_file=None, environ={})


def test_missing_token_says_what_to_do():
    with pytest.raises(ConfigError, match="CANARY_API_TOKEN"):
        resolve_settings(console="abc", token_file=None, environ={})


def test_token_file_read_and_loose_permissions_warned(tmp_path):
    path = tmp_path / "token"
    path.write_text(f"\n{TOKEN}\n")
    os.chmod(path, 0o644)
    settings = resolve_settings(console="abc", token_file=str(path), environ={})
    assert settings.token.reveal() == TOKEN
    assert any("chmod 600" in warning for warning in settings.warnings)
    os.chmod(path, 0o600)
    assert resolve_settings(console="abc", token_file=str(path), environ={}).warnings == ()


def test_token_file_missing_or_empty(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_settings(console="abc", token_file=str(tmp_path / "nope"), environ={})
    empty = tmp_path / "empty"
    empty.write_text("\n\n")
    with pytest.raises(ConfigError, match="empty"):
        resolve_settings(console="abc", token_file=str(empty), environ={})


@pytest.mark.parametrize(("first", "second", "same"), [
    ("1234abcd", "https://1234abcd.canary.tools", True),
    ("1234ABCD", "https://1234abcd.canary.tools/api/v1/", True),
    ("https://Lab.Example.net/", "https://lab.example.net:443", True),
    ("1234abcd", "5678efgh", False),
    ("https://lab.example.net", "http://lab.example.net", False),  # another scheme is another origin
    ("https://lab.example.net", "https://lab.example.net:8443", False),
    ("http://attacker.example/?x", "http://attacker.example/?x", True),  # refused later; compared as written
])
def test_same_console_sees_through_spellings_only(first, second, same):
    from tui.config import same_console

    assert same_console(first, second) is same
    assert same_console(second, first) is same
