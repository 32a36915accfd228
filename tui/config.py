"""Where Roost finds its console, its token, its preferences and its directories.

Each setting is taken from the first of these that gives it:

1. the command line (``--console``, ``--token-file``, ``--read-only``, ...);
2. the environment variables of Thinkst's own Python library
   (``CANARY_API_DOMAIN``, ``CANARY_API_TOKEN``), unless ``--profile`` named a
   profile on the command line, which then beats them too; and an exported token
   never goes to a profile's console when the profile names its own token;
3. the profile in ``config.toml`` (``--profile NAME`` or ``default_profile``),
   over the ``[defaults]`` table;
4. when nothing else is configured, canarytools-python's INI file
   (``~/.canarytools.config``, ``~/canarytools.config``, ``/etc/canarytools.config``).

The token is never taken from the command line itself (process arguments are
visible to every user on a shared jump host) nor from config.toml: it comes
from a file (``token_file``) or from a command such as a password manager
(``token_command``), run without a shell.
"""

from __future__ import annotations

import configparser
import math
import os
import re
import shlex
import stat
import subprocess
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import platformdirs

from .api.errors import ConfigError
from .sanitize import clean
from .secret import Secret, redact

APP_NAME = "roost"
CONFIG_ENV = "ROOST_CONFIG"
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_PAGE_SIZE = 100
PAGE_SIZE_RANGE = (10, 1000)
BACKENDS = ("canary",)
# Table columns a profile may choose (the flag and state columns always show).
TABLE_COLUMNS = ("created", "type", "src", "rdns", "node", "port", "events")
TOKEN_COMMAND_TIMEOUT = 30.0
CANARYTOOLS_SECTION = "CanaryTools"

PROFILE_KEYS = frozenset(
    {"backend", "console", "token_file", "token_command", "read_only", "poll_interval", "page_size",
     "bell", "columns", "theme", "keymap"}
)
TOP_LEVEL_KEYS = frozenset({"default_profile", "defaults", "profile"})
_TOKEN_SOURCES = frozenset({"token_file", "token_command"})
# A token written into config.toml itself would sit in a file people share and back up.
_INLINE_TOKEN_KEYS = frozenset({"token", "api_key", "auth_token"})
# Ctrl+C always quits; these must keep a key whatever the keymap says.
_ALWAYS_QUITS = "ctrl+c"
_MUST_STAY_REACHABLE = ("quit", "help")


@dataclass(frozen=True)
class Settings:
    """Everything a session needs to reach one console."""

    console: str
    token: Secret = field(repr=False)
    backend: str = "canary"
    profile: str = ""
    read_only: bool = False
    poll_interval: float = DEFAULT_POLL_INTERVAL
    page_size: int = DEFAULT_PAGE_SIZE
    bell: bool = False
    #: Visible table columns by key, in order; empty means the table's own choice.
    columns: tuple[str, ...] = ()
    #: A Textual theme name; empty keeps Textual's default (or TEXTUAL_THEME).
    theme: str = ""
    #: Binding ids to keys, as for ``App.set_keymap``.
    keymap: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """What the header shows so nobody acts on the wrong console."""
        return self.profile or self.console


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def state_dir() -> Path:
    return Path(platformdirs.user_state_dir(APP_NAME))


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``ROOST_CONFIG``, else ``config.toml`` in the user's config directory."""
    env = os.environ if environ is None else environ
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


# -- config.toml ------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigFile:
    """A parsed config.toml: its tables, checked for shape but not yet for values."""

    path: Path
    text: str
    defaults: Mapping[str, Any]
    profiles: Mapping[str, Mapping[str, Any]]
    default_profile: str = ""
    warnings: tuple[str, ...] = ()

    def line_of(self, table: str, key: str) -> int | None:
        """The line where ``key`` is set in ``[table]`` (best effort: plain ``key = value`` lines)."""
        in_table = table == ""
        for number, line in enumerate(self.text.splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith("["):
                in_table = re.sub(r"[\s\"'\[\]]", "", stripped.split("#")[0]) == table
            elif in_table and re.match(rf"{re.escape(key)}\s*=", stripped):
                return number
        return None

    def error(self, table: str, key: str, problem: str) -> ConfigError:
        line = self.line_of(table, key)
        where = f"{self.path}, line {line}" if line else str(self.path)
        return ConfigError(f"{where}: {_table_label(table)}{key} {problem}")


def _table_label(table: str) -> str:
    return f"[{table}] " if table else ""


def load_config(environ: Mapping[str, str] | None = None) -> ConfigFile | None:
    """The config file, or None when there is none at the default place.

    Raises ConfigError (with the line, for TOML syntax) when it cannot be used.
    """
    env = os.environ if environ is None else environ
    path = config_path(env)
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if env.get(CONFIG_ENV):
            raise ConfigError(f"{CONFIG_ENV} names {path}, which does not exist.") from None
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"Cannot read {path} ({getattr(error, 'strerror', None) or type(error).__name__}).") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    config = _shaped(path, text, document)
    tables = [config.defaults, *config.profiles.values()]
    if any(table.keys() & _TOKEN_SOURCES for table in tables) and _open_to_others(info.st_mode):
        # Readable, it tells others where the token is; writable, it lets them send it elsewhere.
        warning = f"{path} names your token and others can read or change it: run chmod 600 {path}."
        config = replace(config, warnings=(warning, *config.warnings))
    return config


def _shaped(path: Path, text: str, document: dict[str, Any]) -> ConfigFile:
    config = ConfigFile(path, text, {}, {})
    warnings = [f"{path}: unknown setting {key} (ignored)" for key in sorted(document.keys() - TOP_LEVEL_KEYS)]
    default_profile = document.get("default_profile", "")
    if not isinstance(default_profile, str):
        raise config.error("", "default_profile", "must be a profile name in quotes")
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        raise config.error("", "defaults", "must be a table ([defaults])")
    profiles = document.get("profile", {})
    if not isinstance(profiles, dict) or not all(isinstance(body, dict) for body in profiles.values()):
        raise ConfigError(f"{path}: profiles must be tables, e.g. [profile.work]")
    for table, body in [("defaults", defaults), *((f"profile.{name}", body) for name, body in profiles.items())]:
        for key in body.keys() & _INLINE_TOKEN_KEYS:
            raise config.error(table, key, "is not read: put the token in a file (token_file) or use token_command")
        warnings += [
            f"{path}: unknown setting {_table_label(table)}{key} (ignored)" for key in sorted(body.keys() - PROFILE_KEYS)
        ]
    if default_profile and default_profile not in profiles:
        raise config.error("", "default_profile", f"names {default_profile!r}, but there is no [profile.{default_profile}]")
    return ConfigFile(path, text, defaults, profiles, default_profile, tuple(warnings))


def _open_to_others(mode: int) -> bool:
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


@dataclass(frozen=True)
class ProfileOptions:
    """One profile's settings (over ``[defaults]``), checked; None where it says nothing."""

    name: str = ""
    #: Where config.toml is: relative token_file paths and token_command run from there.
    directory: Path | None = None
    backend: str = "canary"
    console: str | None = None
    token_file: Path | None = None
    token_command: tuple[str, ...] | None = None
    read_only: bool | None = None
    poll_interval: float | None = None
    page_size: int | None = None
    bell: bool | None = None
    columns: tuple[str, ...] = ()
    theme: str = ""
    keymap: Mapping[str, str] = field(default_factory=dict)

    @property
    def names_a_token(self) -> bool:
        return self.token_file is not None or self.token_command is not None


def profile_options(config: ConfigFile, name: str) -> ProfileOptions:
    """The checked settings of profile ``name`` ("" for ``[defaults]`` alone)."""
    if name and name not in config.profiles:
        known = ", ".join(sorted(config.profiles)) or "none"
        raise ConfigError(f"No profile {name!r} in {config.path} (profiles: {known}).")
    values: dict[str, Any] = {}
    tables = [("defaults", config.defaults)] + ([(f"profile.{name}", config.profiles[name])] if name else [])
    for table, body in tables:
        if body.keys() & _TOKEN_SOURCES:
            if _TOKEN_SOURCES <= body.keys():
                raise config.error(table, "token_command", "and token_file are both set: keep one")
            for key in _TOKEN_SOURCES:  # the profile's token source replaces the one in [defaults]
                values.pop(key, None)
        for key, value in body.items():
            if key in PROFILE_KEYS:
                values[key] = _checked(config, table, key, value)
    return ProfileOptions(name=name, directory=config.path.parent, **values)


def _checked(config: ConfigFile, table: str, key: str, value: Any) -> Any:
    """``value`` of ``key`` converted, or ConfigError naming the line."""
    def fail(problem: str) -> ConfigError:
        return config.error(table, key, problem)

    if key in ("read_only", "bell"):
        if not isinstance(value, bool):
            raise fail("must be true or false")
        return value
    if key == "poll_interval":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
            raise fail("must be 0 (manual) or a number of seconds")
        return float(value)
    if key == "page_size":
        low, high = PAGE_SIZE_RANGE
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise fail(f"must be a whole number from {low} to {high}")
        return value
    if key == "columns":
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise fail('must be a list of column names, e.g. ["created", "type", "src"]')
        unknown = [item for item in value if item not in TABLE_COLUMNS]
        if unknown:
            raise fail(f"has unknown column {unknown[0]!r}; choose from {', '.join(TABLE_COLUMNS)}")
        return tuple(value)
    if key == "keymap":
        return _checked_keymap(value, fail)
    if key == "token_command":
        return _checked_command(value, fail)
    if not isinstance(value, str) or not value.strip():
        raise fail("must be a non-empty string in quotes")
    value = value.strip()
    if key == "backend" and value not in BACKENDS:
        raise fail(f"is {value!r}; only {', '.join(BACKENDS)} is supported for now")
    if key == "theme":
        from textual.theme import BUILTIN_THEMES  # only when a theme is asked for

        if value not in BUILTIN_THEMES:
            raise fail(f"names no Textual theme; try one of {', '.join(sorted(BUILTIN_THEMES))}")
    if key == "token_file":
        return config.path.parent / Path(value).expanduser()  # an absolute path stays as it is
    return value


def _checked_command(value: Any, fail: Callable[[str], ConfigError]) -> tuple[str, ...]:
    """A token command as argv: a list of strings, or one string split as a shell would (no shell runs it)."""
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return tuple(value)
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as error:
            raise fail(f"cannot be split into words ({error})") from None
        if argv:
            return tuple(argv)
    raise fail('must be a command, e.g. "pass show canary/token" or ["op", "read", "op://vault/canary/token"]')


def _checked_keymap(value: Any, fail: Callable[[str], ConfigError]) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()):
        raise fail('must be a table of binding ids to keys, e.g. { acknowledge = "A", delete = "x" }')
    keymap = {binding_id: keys.strip() for binding_id, keys in value.items()}
    for binding_id, keys in keymap.items():
        if binding_id == "interrupt" or _ALWAYS_QUITS in _key_names(keys):
            raise fail(f"may not move or take {_ALWAYS_QUITS}: it always quits")
    from .keys import MAIN_BINDINGS  # the default keys, only when a keymap is given

    defaults = {binding.id: binding.key for binding in MAIN_BINDINGS}
    for binding_id in _MUST_STAY_REACHABLE:
        own = _key_names(keymap.get(binding_id, defaults[binding_id]))
        taken = set().union(*(_key_names(keys) for other, keys in keymap.items() if other != binding_id))
        if own <= taken:
            raise fail(f"leaves {binding_id} without a key: give it one of its own")
    return keymap


def _key_names(keys: str) -> set[str]:
    """A binding's keys, each as its character where it has one ("question_mark" and "?" are one key)."""
    from textual.keys import key_to_character

    names = (name.strip() for name in keys.split(","))
    return {key_to_character(name) or name for name in names if name}


# -- tokens -------------------------------------------------------------------------


def read_token_file(path: Path) -> tuple[Secret, list[str]]:
    """The token in ``path`` (first non-empty line), and any warnings about the file."""
    warnings: list[str] = []
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Token file {path} does not exist: create it or fix --token-file.") from None
    except PermissionError:
        raise ConfigError(f"Token file {path} cannot be read: check its permissions.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"Token file {path} cannot be read ({type(error).__name__}).") from None
    if _open_to_others(info.st_mode):
        warnings.append(f"Token file {path} is readable by others: run chmod 600 {path}.")
    token = _first_line(text)
    if not token:
        raise ConfigError(f"Token file {path} is empty: put the API token on its first line.")
    return Secret(token), warnings


def run_token_command(
    argv: tuple[str, ...], *, cwd: Path | None = None, timeout: float = TOKEN_COMMAND_TIMEOUT
) -> Secret:
    """The first line a token command prints (a password manager, say); run without a shell, in ``cwd``.

    Its stderr is captured: a failure quotes one line of it, with anything the
    command printed on stdout (perhaps the token) blanked out.
    """
    name = argv[0]
    try:
        done = subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise ConfigError(f"token_command: {name} not found; give its full path or fix the command.") from None
    except PermissionError:
        raise ConfigError(f"token_command: {name} cannot be run (permission denied).") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"token_command: {name} did not finish within {timeout:g} s.") from None
    except OSError as error:
        raise ConfigError(f"token_command: {name} cannot be run ({error.strerror or type(error).__name__}).") from None
    token = _first_line(done.stdout)
    if done.returncode != 0:
        said = _first_line(redact(done.stderr, *(line.strip() for line in done.stdout.splitlines())))
        detail = f": {clean(said, limit=160)}" if said else ""
        raise ConfigError(f"token_command: {name} failed (exit status {done.returncode}){detail}")
    if not token:
        raise ConfigError(f"token_command: {name} printed nothing; it should print the API token.")
    return Secret(token)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


# -- canarytools-python's file -------------------------------------------------------


def canarytools_config_paths(environ: Mapping[str, str]) -> list[Path]:
    """Where canarytools-python looks, in its order."""
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    return [home / ".canarytools.config", home / "canarytools.config", Path("/etc/canarytools.config")]


def read_canarytools_config(environ: Mapping[str, str]) -> tuple[str, Secret, Path] | None:
    """(domain, token, file) from the first canarytools.config with both, as canarytools-python reads it."""
    for path in canarytools_config_paths(environ):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            if not parser.read(path, encoding="utf-8"):
                continue
        except (configparser.Error, UnicodeDecodeError) as error:
            raise ConfigError(f"{path} is not a valid canarytools.config ({type(error).__name__}).") from None
        section = parser[CANARYTOOLS_SECTION] if parser.has_section(CANARYTOOLS_SECTION) else {}
        domain, api_key = section.get("domain", "").strip(), section.get("api_key", "").strip()
        if domain and api_key:
            return domain, Secret(api_key), path
    return None


# -- putting it together ------------------------------------------------------------


def resolve_settings(
    *,
    console: str | None,
    token_file: str | None,
    profile: str | None = None,
    read_only: bool = False,
    poll_interval: float | None = None,
    page_size: int | None = None,
    bell: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The settings for one session, from the command line's values and everything else (see the module)."""
    env = os.environ if environ is None else environ
    config = load_config(env)
    if profile and config is None:
        raise ConfigError(f"No profile {profile!r}: there is no config file at {config_path(env)}.")
    chosen = profile or (config.default_profile if config else "")
    options = profile_options(config, chosen) if config else ProfileOptions()
    warnings = list(config.warnings) if config else []
    # A profile named on the command line beats the environment, as the command line does.
    environment = {} if profile else env
    console_given = (console or environment.get("CANARY_API_DOMAIN", "")).strip()
    console = console_given or options.console or ""
    environment_token = environment.get("CANARY_API_TOKEN", "").strip()
    if options.names_a_token and not console_given:
        environment_token = ""  # the profile's console goes with its own token, not one exported for another
    token: Secret | None = None
    if token_file:
        token, file_warnings = read_token_file(Path(token_file).expanduser())
        warnings += file_warnings
    elif environment_token:
        token = Secret(environment_token)
    elif options.token_file is not None:
        token, file_warnings = read_token_file(options.token_file)
        warnings += file_warnings
    elif options.token_command is not None:
        token = run_token_command(options.token_command, cwd=options.directory)
    if not chosen and not options.console and not options.names_a_token and (not console or token is None):
        # Nothing configured for Roost: canarytools-python's file, as that library would read it.
        found = read_canarytools_config(env)
        if found is not None:
            domain, api_key, path = found
            if token is None and console in ("", domain):  # its token goes only to its own console
                token = api_key
                warnings += _loose_file_warning(path)
            console = console or domain
    if not console:
        raise ConfigError(
            "No console given: pass --console HASH_OR_URL, set CANARY_API_DOMAIN, or add a profile to "
            f"{config_path(env)} (or try roost --demo)."
        )
    if token is None:
        raise ConfigError(
            "No API token: set CANARY_API_TOKEN, pass --token-file PATH, or give the profile a token_file "
            "or token_command."
        )
    if poll_interval is not None and poll_interval < 0:
        raise ConfigError("--poll-interval must be 0 (manual) or a number of seconds.")
    low, high = PAGE_SIZE_RANGE
    if page_size is not None and not low <= page_size <= high:
        raise ConfigError(f"--page-size must be between {low} and {high}.")
    return Settings(
        console=console,
        token=token,
        backend=options.backend,
        profile=chosen,
        read_only=read_only or bool(options.read_only),
        poll_interval=_first_given(poll_interval, options.poll_interval, DEFAULT_POLL_INTERVAL),
        page_size=_first_given(page_size, options.page_size, DEFAULT_PAGE_SIZE),
        bell=bell or bool(options.bell),
        columns=options.columns,
        theme=options.theme,
        keymap=options.keymap,
        warnings=tuple(warnings),
    )


def _first_given(*values):
    return next(value for value in values if value is not None)


def _loose_file_warning(path: Path) -> list[str]:
    try:
        mode = path.stat().st_mode
    except OSError:
        return []
    if _open_to_others(mode):
        return [f"{path} holds your API token and others can read it: run chmod 600 {path}."]
    return []


def check_config(profile: str | None = None, environ: Mapping[str, str] | None = None) -> tuple[list[str], bool]:
    """What ``roost config check`` says, and whether all is well.

    The file's syntax (with the line), every profile's values, unknown settings,
    and whether the chosen profile's console and token resolve; the token is
    never printed.
    """
    from .api.canary import resolve_base_url

    env = os.environ if environ is None else environ
    try:
        config = load_config(env)
    except ConfigError as error:
        return [f"error: {error}"], False
    problems: list[str] = []
    if config is None:
        lines = [f"{config_path(env)}: no config file (optional)"]
    else:
        default = f", default {config.default_profile}" if config.default_profile else ""
        lines = [f"{config.path}: profiles {', '.join(sorted(config.profiles)) or '(none)'}{default}"]
        lines += [f"warning: {warning}" for warning in config.warnings]
        for name in ["", *sorted(config.profiles)]:
            try:
                profile_options(config, name)
            except ConfigError as error:
                problems.append(f"error: {error}")
    try:
        settings = resolve_settings(console=None, token_file=None, profile=profile, environ=env)
        base_url = resolve_base_url(settings.console)
    except ConfigError as error:
        if f"error: {error}" not in problems:  # the chosen profile's own error is listed once
            problems.append(f"error: {error}")
    else:
        seen = set(config.warnings) if config else set()
        lines += [f"warning: {warning}" for warning in settings.warnings if warning not in seen]
        lines.append(f"{settings.label}: console {base_url}; the token resolves (not shown)")
    return lines + problems, not problems
