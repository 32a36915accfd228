"""Writing one setting back into config.toml: every other line, comment and table stays as it was."""

from __future__ import annotations

import stat
import tomllib

import pytest

from tui.config import load_config, profile_options
from tui.profile_writer import ProfileWriteError, save_setting, toml_value, updated_text

CONFIG = """\
# Roost: two consoles
default_profile = "work"   # the usual one

[defaults]
poll_interval = 10

[profile.work]
console = "1234abcd"  # production
token_command = [
  "pass",
  "show",
  "canary/work",
]
theme = "nord"   # dark, for the night shift
# the keymap below is mine

[profile.work.keymap]
acknowledge = "x"

[profile."lab box"]
console = "5678ef90"
token_file = "lab.token"
"""


def test_a_changed_value_keeps_its_comment_and_every_other_line():
    text = updated_text(CONFIG, ("profile", "work"), "theme", "gruvbox")
    assert text == CONFIG.replace('theme = "nord"   # dark', 'theme = "gruvbox"   # dark')


def test_a_new_key_goes_after_the_tables_last_setting_before_its_comments_and_subtables():
    text = updated_text(CONFIG, ("profile", "work"), "columns", ["created", "src"])
    lines = text.splitlines()
    assert lines[lines.index('theme = "nord"   # dark, for the night shift') + 1] == 'columns = ["created", "src"]'
    assert text.replace('columns = ["created", "src"]\n', "") == CONFIG
    document = tomllib.loads(text)
    assert document["profile"]["work"]["keymap"] == {"acknowledge": "x"}
    assert document["profile"]["work"]["token_command"] == ["pass", "show", "canary/work"]


def test_a_quoted_profile_name_is_found_and_a_multi_line_value_replaced_whole():
    text = updated_text(CONFIG, ("profile", "lab box"), "columns", ["src"])
    assert tomllib.loads(text)["profile"]["lab box"]["columns"] == ["src"]
    replaced = updated_text(text, ("profile", "lab box"), "columns", ["node", "port"])
    assert tomllib.loads(replaced)["profile"]["lab box"]["columns"] == ["node", "port"]
    assert replaced.count("columns") == 1


def test_a_missing_table_is_appended_and_an_empty_file_gets_one():
    text = updated_text(CONFIG, ("profile", "night shift"), "theme", "dracula")
    assert text.startswith(CONFIG) and text.endswith('\n\n[profile."night shift"]\ntheme = "dracula"\n')
    assert updated_text("", ("defaults",), "theme", "nord") == '[defaults]\ntheme = "nord"\n'
    assert updated_text("a = 1", ("defaults",), "theme", "x") == 'a = 1\n\n[defaults]\ntheme = "x"\n'


@pytest.mark.parametrize("odd", ['quote " inside', "back\\slash", "new\nline", "tab\tand \x1b escape", "ünïcode ✓", "# not a comment"])
def test_odd_strings_are_quoted_so_they_read_back_exactly(odd):
    text = updated_text(CONFIG, ("profile", odd), "theme", odd)
    assert tomllib.loads(text)["profile"][odd]["theme"] == odd
    assert tomllib.loads(f"value = {toml_value([odd, odd])}")["value"] == [odd, odd]


def test_a_syntax_error_is_refused_with_what_to_do():
    with pytest.raises(ProfileWriteError, match=r"has an error .*line 2.*fix it"):
        updated_text("[defaults]\ntheme = \n", ("defaults",), "theme", "nord")


def test_a_table_this_editor_cannot_follow_is_left_alone():
    dotted = 'profile.work.console = "1234abcd"\n'  # the profile exists, but not as a [table]
    with pytest.raises(ProfileWriteError, match=r"put theme = \"nord\" under \[profile.work\] yourself"):
        updated_text(dotted, ("profile", "work"), "theme", "nord")


def test_saving_keeps_the_files_mode_and_the_profile_still_loads(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    path.chmod(0o640)
    environ = {"ROOST_CONFIG": str(path)}
    assert save_setting("work", "columns", ("created", "src"), environ=environ) == ("[profile.work]", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert profile_options(load_config(environ), "work").columns == ("created", "src")
    assert path.read_text().startswith("# Roost: two consoles\n")


def test_a_new_file_is_the_users_alone_and_written_through_a_symlink(tmp_path):
    created = tmp_path / "new" / "config.toml"
    assert save_setting("", "theme", "nord", shared=True, environ={"ROOST_CONFIG": str(created)}) == ("[defaults]", created)
    assert stat.S_IMODE(created.stat().st_mode) == 0o600 and created.read_text() == '[defaults]\ntheme = "nord"\n'
    dotfiles = tmp_path / "dotfiles.toml"
    dotfiles.write_text(CONFIG)
    link = tmp_path / "linked.toml"
    link.symlink_to(dotfiles)
    save_setting("work", "theme", "dracula", environ={"ROOST_CONFIG": str(link)})
    assert link.is_symlink() and 'theme = "dracula"' in dotfiles.read_text()


def test_a_session_without_its_profile_in_the_file_saves_a_theme_to_defaults_and_columns_nowhere(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    environ = {"ROOST_CONFIG": str(path)}
    assert save_setting("demo emulator", "columns", ("src",), environ=environ) is None
    assert path.read_text() == CONFIG
    assert save_setting("demo emulator", "theme", "dracula", shared=True, environ=environ) == ("[defaults]", path)
    assert tomllib.loads(path.read_text())["defaults"] == {"poll_interval": 10, "theme": "dracula"}


def test_only_the_apps_own_settings_are_written_never_a_token(tmp_path):
    with pytest.raises(ValueError):
        save_setting("work", "token_file", "/tmp/x", environ={"ROOST_CONFIG": str(tmp_path / "c.toml")})


def test_an_unwritable_file_says_what_to_do(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)

    def refused(target, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tui.profile_writer.write_atomically", refused)
    with pytest.raises(ProfileWriteError, match=r"cannot write .*config.toml \(Permission denied\): make it writable, "
                                                r"or put theme = \"dracula\" under \[profile.work\] yourself"):
        save_setting("work", "theme", "dracula", environ={"ROOST_CONFIG": str(path)})
    assert path.read_text() == CONFIG
