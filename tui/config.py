"""Where Roost finds its console, its token, its preferences and its directories.

Each setting is taken from the first of these that gives it:

1. the command line (``--console``, ``--token-file``, ``--read-only``, ...);
2. the environment variables of the console's own tools (the backend names them;
   Canary: ``CANARY_API_DOMAIN``, ``CANARY_API_TOKEN``), unless ``--profile`` named
   a profile on the command line, which then beats them too;
3. the profile in ``config.toml`` (``--profile NAME`` or ``default_profile``),
   over the ``[defaults]`` table;
4. when nothing else is configured, the config file of the console's own tool
   (the backend reads it; Canary: canarytools-python's ``~/.canarytools.config``).

Except that a token goes only to the console it was configured with (see
``resolve_settings``): a console that wins by the order above without a token of
its own is refused, never given another console's token.

The token is never taken from the command line itself (process arguments are
visible to every user on a shared jump host) nor from config.toml: it comes
from a file (``token_file``) or from a command such as a password manager
(``token_command``), run without a shell.  Files and command output are read
with a bound, and only from regular files.
"""

from __future__ import annotations

import math
import os
import re
import selectors
import shlex
import stat
import subprocess
import time
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import platformdirs

from .backends import registry
from .backends.base import ConfigSources, ToolConfig
from .backends.errors import ConfigError
from .sanitize import clean
from .notify import KINDS as NOTIFY_KINDS
from .store import Keep
from .secret import Secret, redact

APP_NAME = "roost"
CONFIG_ENV = "ROOST_CONFIG"
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_PAGE_SIZE = 100
PAGE_SIZE_RANGE = (10, 1000)
BACKENDS = registry.names()
TOKEN_COMMAND_TIMEOUT = 30.0
# Every file and command read is bounded: /dev/zero named as a token file, or a token
# command that never stops printing, must end in one line, not in gigabytes of memory.
TOKEN_FILE_LIMIT = 64 * 1024
TOKEN_COMMAND_OUTPUT_LIMIT = 64 * 1024
CONFIG_FILE_LIMIT = 1024 * 1024
_READ_CHUNK = 64 * 1024
# Text from config files and paths is shown cleaned (it may hold escape sequences) and cut to this.
_SHOWN_LIMIT = 200

PROFILE_KEYS = frozenset(
    {"backend", "console", "token_file", "token_command", "read_only", "poll_interval", "page_size",
     "bell", "columns", "theme", "keymap", "mouse", "keep", "notify"}
)
TOP_LEVEL_KEYS = frozenset({"default_profile", "defaults", "profile", "open"})
_TOKEN_SOURCES = frozenset({"token_file", "token_command"})
# A token written into config.toml itself would sit in a file people share and back up.
_INLINE_TOKEN_KEYS = frozenset({"token", "api_key", "auth_token"})


@dataclass(frozen=True)
class Settings:
    """Everything a session needs to reach one console."""

    console: str
    token: Secret = field(repr=False)
    backend: str = registry.DEFAULT_BACKEND
    #: The profile whose console this is; "" when the console was named elsewhere
    #: (the profile's other settings, read_only included, still apply).
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
    #: Mouse reporting on: off, the terminal selects text (copying an address over SSH) as usual.
    mouse: bool = False
    #: How much of the console is held in memory (the rest stays a console search away).
    keep: Keep = Keep()
    #: A desktop notification on new incidents, through the terminal ("osc9", "osc777"); "" is none.
    notify: str = ""
    #: The profile's settings of the backend's own (``ConfigSources.profile_keys``), checked.
    backend_options: Mapping[str, Any] = field(default_factory=dict)
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


def shown(value: object, limit: int = _SHOWN_LIMIT) -> str:
    """Text from a config file or a path, safe to print: escape sequences visible, length bounded."""
    return clean(value, limit=limit)


def quoted(value: object) -> str:
    """``shown`` in quotes, for a name or value inside a message."""
    return f"'{shown(value, limit=80)}'"


# -- reading files without hanging or filling memory --------------------------------

_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a message ("a FIFO (named pipe)", "a directory", ...)."""
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "not a regular file")


def _size_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def read_regular_file(path: Path, limit: int, name: str, fix: str) -> tuple[str, int]:
    """The UTF-8 text of the regular file at ``path`` and its mode, or ConfigError.

    A FIFO, device, socket or directory is refused with one line, and so is a file of
    more than ``limit`` bytes: ``name`` says which file it is ("Token file /x"), ``fix``
    what to do.  It is checked before it is opened (opening some devices does
    something), opened non-blocking (a FIFO that appears in between cannot make the
    open wait for a writer) and checked again.  FileNotFoundError and other OSErrors
    from the open, and UnicodeDecodeError, are the caller's to word.
    """
    if not stat.S_ISREG(mode := os.stat(path).st_mode):
        raise ConfigError(f"{name} is {file_kind(mode)}, not a regular file: {fix}")
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(mode := os.fstat(descriptor).st_mode):
            raise ConfigError(f"{name} is {file_kind(mode)}, not a regular file: {fix}")
        data = bytearray()
        while len(data) <= limit and (chunk := os.read(descriptor, _READ_CHUNK)):
            data += chunk
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise ConfigError(f"{name} is larger than {_size_text(limit)}: {fix}")
    return data.decode("utf-8"), mode


def same_console(first: str, second: str, backend: str = registry.DEFAULT_BACKEND) -> bool:
    """Whether two spellings name one console of ``backend`` (Canary's ``1234abcd`` is
    ``https://1234abcd.canary.tools/``)."""
    identity = registry.config_sources(backend).console_identity
    return _console_identity(first, identity) == _console_identity(second, identity)


def _console_identity(console: str, identity: Callable[[str], str]) -> str:
    try:
        return identity(console)
    except ConfigError:
        return console.strip()  # refused when a client is made for it; until then compared as written


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
    #: The profiles opened together (a tab each) when the command line names none.
    open: tuple[str, ...] = ()

    def line_of(self, table: str, key: str) -> int | None:
        """The line where ``key`` is set in ``[table]``, or where its own table ``[table.key]`` starts
        (best effort: plain ``key = value`` lines)."""
        in_table = table == ""
        own_table = f"{table}.{key}" if table else key
        for number, line in enumerate(self.text.splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith("["):
                name = re.sub(r"[\s\"'\[\]]", "", stripped.split("#")[0])
                if name == own_table:
                    return number
                in_table = name == table
            elif in_table and re.match(rf"{re.escape(key)}\s*=", stripped):
                return number
        return None

    def error(self, table: str, key: str, problem: str) -> ConfigError:
        line = self.line_of(table, key)
        where = f"{shown(self.path)}, line {line}" if line else shown(self.path)
        return ConfigError(f"{where}: {_table_label(table)}{shown(key)} {problem}")


def _table_label(table: str) -> str:
    return f"[{shown(table)}] " if table else ""


def load_config(environ: Mapping[str, str] | None = None) -> ConfigFile | None:
    """The config file, or None when there is none at the default place.

    Raises ConfigError (with the line, for TOML syntax) when it cannot be used.
    """
    env = os.environ if environ is None else environ
    path = config_path(env)
    named_by = f"{CONFIG_ENV} names" if env.get(CONFIG_ENV) else "The config file is"
    try:
        text, mode = read_regular_file(
            path, CONFIG_FILE_LIMIT, f"{named_by} {shown(path)}, which",
            "Roost reads its settings only from a regular TOML file (roost config path says where).",
        )
    except FileNotFoundError:
        if env.get(CONFIG_ENV):
            raise ConfigError(f"{CONFIG_ENV} names {shown(path)}, which does not exist.") from None
        return None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise ConfigError(f"Cannot read {shown(path)} ({reason}).") from None
    import tomllib  # only once there is a file to parse: a first run without one never needs it

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{shown(path)}: {shown(error)}") from None
    config = _shaped(path, text, document)
    tables = [config.defaults, *config.profiles.values()]
    if any(table.keys() & _TOKEN_SOURCES for table in tables) and _open_to_others(mode):
        # Readable, it tells others where the token is; writable, it lets them send it elsewhere.
        warning = f"{shown(path)} names your token and others can read or change it: run chmod 600 {shown(path)}."
        config = replace(config, warnings=(warning, *config.warnings))
    return config


def _shaped(path: Path, text: str, document: dict[str, Any]) -> ConfigFile:
    config = ConfigFile(path, text, {}, {})
    warnings = [
        f"{shown(path)}: unknown setting {shown(key)} (ignored)" for key in sorted(document.keys() - TOP_LEVEL_KEYS)
    ]
    default_profile = document.get("default_profile", "")
    if not isinstance(default_profile, str):
        raise config.error("", "default_profile", "must be a profile name in quotes")
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        raise config.error("", "defaults", "must be a table ([defaults])")
    profiles = document.get("profile", {})
    if not isinstance(profiles, dict) or not all(isinstance(body, dict) for body in profiles.values()):
        raise ConfigError(f"{shown(path)}: profiles must be tables, e.g. [profile.work]")
    tables = [("defaults", defaults), *((f"profile.{name}", body) for name, body in profiles.items())]
    backend_keys = _profile_keys_of(body.get("backend") for _, body in tables)
    for table, body in tables:
        for key in body.keys() & _INLINE_TOKEN_KEYS:
            raise config.error(table, key, "is not read: put the token in a file (token_file) or use token_command")
        warnings += [
            f"{shown(path)}: unknown setting {_table_label(table)}{shown(key)} (ignored)"
            for key in sorted(body.keys() - PROFILE_KEYS - backend_keys)
        ]
    if default_profile and default_profile not in profiles:
        raise config.error(
            "", "default_profile", f"names {quoted(default_profile)}, but there is no [profile.{shown(default_profile)}]"
        )
    opened = document.get("open", [])
    if not isinstance(opened, list) or not all(isinstance(name, str) for name in opened):
        raise config.error("", "open", 'must be a list of profile names, e.g. open = ["prod", "lab"]')
    for name in opened:
        if name not in profiles:
            raise config.error("", "open", f"names {quoted(name)}, but there is no [profile.{shown(name)}]")
    return ConfigFile(path, text, defaults, profiles, default_profile, tuple(warnings), tuple(dict.fromkeys(opened)))


def profiles_to_open(named: Sequence[str], *, every: bool, environ: Mapping[str, str] | None = None) -> list[str]:
    """The profiles a session opens, a tab each: those named on the command line, else every profile
    (``--all``), else the config file's ``open`` list; one or none means a single console as before."""
    if named and every:
        raise ConfigError("--all opens every profile: leave out --profile, or leave out --all.")
    if named:
        return list(dict.fromkeys(named))
    config = load_config(environ)
    if every:
        if config is None or not config.profiles:
            raise ConfigError(f"--all opens every profile, but {shown(config_path(environ))} has none "
                              "(add [profile.NAME] tables).")
        return list(config.profiles)
    return list(config.open) if config is not None else []


def profile_list(config: ConfigFile) -> str:
    """The profiles' names, shown safely, for a message."""
    return ", ".join(shown(name, limit=60) for name in sorted(config.profiles)) or "none"


def _open_to_others(mode: int) -> bool:
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


@dataclass(frozen=True)
class ProfileOptions:
    """One profile's settings (over ``[defaults]``), checked; None where it says nothing."""

    name: str = ""
    #: Where config.toml is: relative token_file paths and token_command run from there.
    directory: Path | None = None
    backend: str = registry.DEFAULT_BACKEND
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
    mouse: bool | None = None
    keep: Keep = Keep()
    notify: str = ""
    backend_options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def names_a_token(self) -> bool:
        return self.token_file is not None or self.token_command is not None


def profile_options(config: ConfigFile, name: str) -> ProfileOptions:
    """The checked settings of profile ``name`` ("" for ``[defaults]`` alone)."""
    if name and name not in config.profiles:
        raise ConfigError(f"No profile {quoted(name)} in {shown(config.path)} (profiles: {profile_list(config)}).")
    values: dict[str, Any] = {}
    backend_options: dict[str, Any] = {}
    tables = [("defaults", config.defaults)] + ([(f"profile.{name}", config.profiles[name])] if name else [])
    backend = _backend_named(tables)
    own_keys = {key.name: key for key in registry.config_sources(backend).profile_keys} if backend in BACKENDS else {}
    for table, body in tables:
        if body.keys() & _TOKEN_SOURCES:
            if _TOKEN_SOURCES <= body.keys():
                raise config.error(table, "token_command", "and token_file are both set: keep one")
            for key in _TOKEN_SOURCES:  # the profile's token source replaces the one in [defaults]
                values.pop(key, None)
        for key, value in body.items():
            if key in PROFILE_KEYS:
                values[key] = _checked(config, table, key, value)
            if key == "columns":
                _check_columns(config, table, values[key], backend)
            if key in own_keys:
                try:
                    backend_options[key] = own_keys[key].check(value)
                except ValueError as problem:
                    raise config.error(table, key, str(problem)) from None
    return ProfileOptions(name=name, directory=config.path.parent, backend_options=backend_options, **values)


def _profile_keys_of(named: Iterable[Any]) -> frozenset[str]:
    """The own profile settings of the backends a config file names (and the default one): a
    profile for one may sit beside another's.  Only those backends' code is loaded."""
    backends = {registry.DEFAULT_BACKEND, *(name.strip() for name in named if isinstance(name, str))}
    return frozenset(
        key.name for backend in backends & set(BACKENDS) for key in registry.config_sources(backend).profile_keys
    )


def _backend_named(tables: list[tuple[str, dict[str, Any]]]) -> str:
    """The backend the profile ends up with, as written (its own check comes with its key)."""
    named = [body["backend"] for _, body in tables if "backend" in body]
    value = named[-1] if named else registry.DEFAULT_BACKEND
    return value.strip() if isinstance(value, str) else ""


def _check_columns(config: ConfigFile, table: str, columns: tuple[str, ...], backend: str) -> None:
    """Columns are the backend's to declare (the mark flag and status glyph always show)."""
    if backend not in BACKENDS:
        return  # the backend's own line is the error
    known = [column.id for column in registry.backend_class(backend).columns]
    unknown = [item for item in columns if item not in known]
    if unknown:
        raise config.error(table, "columns", f"has unknown column {quoted(unknown[0])}; choose from {', '.join(known)}")


_KEEP_AGE = re.compile(r"(\d{1,5})\s*([hdw])")
_KEEP_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def _checked_keep(value: Any, fail: Callable[[str], ConfigError]) -> Keep:
    """``keep = 20000`` (the newest incidents by count) or ``keep = "30d"`` (by age: h, d or w)."""
    problem = 'must be a number of incidents (e.g. 20000) or an age in quotes (e.g. "30d", "12h", "2w")'
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise fail(problem)
        return Keep(count=value)
    match = _KEEP_AGE.fullmatch(value.strip().lower()) if isinstance(value, str) else None
    if match is None or int(match[1]) == 0:
        raise fail(problem)
    return Keep(age=int(match[1]) * _KEEP_UNITS[match[2]])


def _checked(config: ConfigFile, table: str, key: str, value: Any) -> Any:
    """``value`` of ``key`` converted, or ConfigError naming the line."""
    def fail(problem: str) -> ConfigError:
        return config.error(table, key, problem)

    if key in ("read_only", "bell", "mouse"):
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
        return tuple(value)
    if key == "keymap":
        return _checked_keymap(value, fail)
    if key == "keep":
        return _checked_keep(value, fail)
    if key == "notify":
        if value not in (*NOTIFY_KINDS, "off"):
            raise fail(f'must be one of {", ".join(repr(kind) for kind in NOTIFY_KINDS)} or "off"')
        return "" if value == "off" else value
    if key == "token_command":
        return _checked_command(value, fail)
    if not isinstance(value, str) or not value.strip():
        raise fail("must be a non-empty string in quotes")
    value = value.strip()
    if key == "backend" and value not in BACKENDS:
        raise fail(f"is {quoted(value)}; choose one of {', '.join(BACKENDS)}")
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
        raise fail('must be a table of binding ids to keys, e.g. { acknowledge = "x", delete = "X" }')
    keymap = {binding_id: keys.strip() for binding_id, keys in value.items()}
    from .keys import KeymapError, keymap_in_effect  # the bindings, only when a keymap is given

    try:
        keymap_in_effect(keymap)
    except KeymapError as problem:
        raise fail(shown(problem)) from None
    return keymap


# -- tokens -------------------------------------------------------------------------


def read_token_file(path: Path) -> tuple[Secret, list[str]]:
    """The token in ``path`` (first non-empty line), and any warnings about the file."""
    name = f"Token file {shown(path)}"
    try:
        text, mode = read_regular_file(
            path, TOKEN_FILE_LIMIT, name, "point --token-file (or token_file) at a file holding just the API token."
        )
    except FileNotFoundError:
        raise ConfigError(f"{name} does not exist: create it or fix --token-file.") from None
    except PermissionError:
        raise ConfigError(f"{name} cannot be read: check its permissions.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{name} cannot be read ({type(error).__name__}).") from None
    warnings: list[str] = []
    if _open_to_others(mode):
        warnings.append(f"{name} is readable by others: run chmod 600 {shown(path)}.")
    token = _first_line(text)
    if not token:
        raise ConfigError(f"{name} is empty: put the API token on its first line.")
    return Secret(token), warnings


class _TooMuchOutput(Exception):
    pass


def run_token_command(
    argv: tuple[str, ...],
    *,
    cwd: Path | None = None,
    timeout: float = TOKEN_COMMAND_TIMEOUT,
    output_limit: int = TOKEN_COMMAND_OUTPUT_LIMIT,
) -> Secret:
    """The first line a token command prints (a password manager, say); run without a shell, in ``cwd``.

    Its output is read as it comes, up to ``output_limit`` bytes: a command that
    prints more is killed, and so is one still running after ``timeout`` seconds.
    Its stderr is captured: a failure quotes one line of it, with anything the
    command printed on stdout (perhaps the token) blanked out.
    """
    name = shown(argv[0], limit=80)
    try:
        process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise ConfigError(f"token_command: {name} not found; give its full path or fix the command.") from None
    except PermissionError:
        raise ConfigError(f"token_command: {name} cannot be run (permission denied).") from None
    except OSError as error:
        raise ConfigError(f"token_command: {name} cannot be run ({error.strerror or type(error).__name__}).") from None
    with process:
        try:
            out, err = _bounded_output(process, time.monotonic() + timeout, output_limit)
        except subprocess.TimeoutExpired:
            raise ConfigError(f"token_command: {name} did not finish within {timeout:g} s.") from None
        except _TooMuchOutput:
            raise ConfigError(
                f"token_command: {name} printed more than {_size_text(output_limit)}; "
                "it should print just the API token."
            ) from None
        finally:
            if process.returncode is None:  # stopped early: it must not outlive the answer
                process.kill()
                process.wait()
    stdout = out.decode("utf-8", errors="replace")
    token = _first_line(stdout)
    if process.returncode != 0:
        stderr = err.decode("utf-8", errors="replace")
        said = _first_line(redact(stderr, *(line.strip() for line in stdout.splitlines())))
        detail = f": {clean(said, limit=160)}" if said else ""
        raise ConfigError(f"token_command: {name} failed (exit status {process.returncode}){detail}")
    if not token:
        raise ConfigError(f"token_command: {name} printed nothing; it should print the API token.")
    return Secret(token)


def _bounded_output(process: subprocess.Popen, deadline: float, limit: int) -> tuple[bytes, bytes]:
    """stdout and stderr of ``process`` until both end and it exits.

    Raises _TooMuchOutput when stdout passes ``limit``, TimeoutExpired at ``deadline``;
    stderr past ``limit`` is read and dropped, so the command never blocks on it.
    """
    out, err = bytearray(), bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, out)
        selector.register(process.stderr, selectors.EVENT_READ, err)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired(process.args, 0)
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, _READ_CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data is out:
                    out += chunk
                    if len(out) > limit:
                        raise _TooMuchOutput
                else:
                    err += chunk[: max(limit - len(err), 0)]
    process.wait(max(deadline - time.monotonic(), 0))
    return bytes(out), bytes(err)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


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
    mouse: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The settings for one session, from the command line's values and everything else (see the module).

    A token goes only to the console it was configured with: ``--token-file`` to the
    console in use, whatever it is; the environment's token (Canary: ``CANARY_API_TOKEN``)
    to the environment's console (``CANARY_API_DOMAIN``) when that is set, else to a
    console that has no token of its own; a profile's token to the profile's console; the
    console's own tool's token (canarytools.config's key) to its console.  A console left
    without a token of its own is refused with one line saying why.
    """
    env = os.environ if environ is None else environ
    if poll_interval is not None and poll_interval < 0:
        raise ConfigError("--poll-interval must be 0 (manual) or a number of seconds.")
    low, high = PAGE_SIZE_RANGE
    if page_size is not None and not low <= page_size <= high:
        raise ConfigError(f"--page-size must be between {low} and {high}.")
    config = load_config(env)
    if profile and config is None:
        raise ConfigError(f"No profile {quoted(profile)}: there is no config file at {shown(config_path(env))}.")
    chosen = profile or (config.default_profile if config else "")
    options = profile_options(config, chosen) if config else ProfileOptions()
    warnings = list(config.warnings) if config else []
    backend_sources = registry.config_sources(options.backend)
    # A profile named on the command line beats the environment, as the command line does.
    environment = {} if profile else env
    sources = _TokenSources(
        backend=options.backend,
        names=backend_sources,
        flag_console=(console or "").strip(),
        env_console=_variable(environment, backend_sources.console_variable),
        env_token=_variable(environment, backend_sources.token_variable),
        options=options,
        environment_ignored=bool(profile),
    )
    console_in_use = sources.flag_console or sources.env_console or options.console or ""
    configured_for_roost = bool(chosen or options.console or options.names_a_token)
    tool_config = None
    if not configured_for_roost and not (console_in_use and (token_file or sources.env_token_goes_to(console_in_use))):
        # Nothing configured for Roost: the console's own tool's file, as that tool would read it.
        tool_config = backend_sources.read_tool_config(env)
        if tool_config is not None:
            sources = replace(sources, tool_config=tool_config)
            console_in_use = console_in_use or tool_config.console
    if not console_in_use:
        variable = backend_sources.console_variable
        set_variable = f", set {variable}" if variable else ""
        raise ConfigError(
            f"No console given: pass --console HASH_OR_URL{set_variable}, or add a profile to "
            f"{shown(config_path(env))} (or try roost --demo)."
        )
    if token_file:  # named on the command line, with or without --console: for the console in use
        token, file_warnings = read_token_file(Path(token_file).expanduser())
        warnings += file_warnings
    elif sources.env_token_goes_to(console_in_use):
        token = Secret(sources.env_token)
    elif sources.profile_token_goes_to(console_in_use):
        if options.token_file is not None:
            token, file_warnings = read_token_file(options.token_file)
            warnings += file_warnings
        else:
            token = run_token_command(options.token_command, cwd=options.directory)
    elif tool_config is not None and sources.same(console_in_use, tool_config.console):
        token = tool_config.token
        warnings += _loose_file_warning(tool_config)
    else:
        raise sources.no_token_for(console_in_use)
    profile_console = bool(options.console) and sources.same(console_in_use, options.console)
    return Settings(
        console=console_in_use,
        token=token,
        backend=options.backend,
        # The top bar names the profile only when its console is the one in use.
        profile=chosen if profile_console else "",
        read_only=read_only or bool(options.read_only),
        poll_interval=_first_given(poll_interval, options.poll_interval, DEFAULT_POLL_INTERVAL),
        page_size=_first_given(page_size, options.page_size, DEFAULT_PAGE_SIZE),
        bell=bell or bool(options.bell),
        columns=options.columns,
        theme=options.theme,
        keymap=options.keymap,
        mouse=mouse or bool(options.mouse),
        keep=options.keep,
        notify=options.notify,
        backend_options=options.backend_options,
        warnings=tuple(warnings),
    )


def _variable(environment: Mapping[str, str], name: str) -> str:
    return environment.get(name, "").strip() if name else ""


@dataclass(frozen=True)
class _TokenSources:
    """The consoles and tokens on offer, and which token may go to which console."""

    backend: str
    #: The backend's own sources: what its environment variables are called.
    names: ConfigSources
    flag_console: str
    env_console: str
    env_token: str
    options: ProfileOptions
    #: --profile on the command line: the environment is not read at all.
    environment_ignored: bool
    tool_config: ToolConfig | None = None

    def same(self, first: str, second: str) -> bool:
        return same_console(first, second, self.backend)

    def env_token_goes_to(self, console: str) -> bool:
        """The environment's token goes with its console; without one, to a console with no token of its own."""
        if not self.env_token:
            return False
        if self.env_console:
            return self.same(console, self.env_console)
        return not self.profile_token_goes_to(console) and not (
            self.tool_config is not None and self.same(console, self.tool_config.console)
        )

    def profile_token_goes_to(self, console: str) -> bool:
        """A profile's token goes only to the console the profile names (a token with no console, nowhere)."""
        options = self.options
        return options.names_a_token and bool(options.console) and self.same(console, options.console)

    def no_token_for(self, console: str) -> ConfigError:
        """Why ``console`` has no token, and what to do, in one line."""
        console_variable, token_variable = self.names.console_variable, self.names.token_variable
        reasons = []
        if self.env_token and self.env_console:
            reasons.append(f"{token_variable} goes only to {console_variable} ({shown(self.env_console)})")
        if self.options.names_a_token:
            owner = f"profile {quoted(self.options.name)}" if self.options.name else "[defaults]"
            where = f"its console ({shown(self.options.console)})" if self.options.console else "a console set with it"
            reasons.append(f"the token of {owner} goes only to {where}")
        if (found := self.tool_config) is not None:
            reasons.append(
                f"the {found.token_label} in {shown(found.path)} goes only to its {found.console_label} "
                f"({shown(found.console)})"
            )
        set_variable = f"set {token_variable}, " if token_variable else ""
        if not reasons:
            return ConfigError(
                f"No API token: {set_variable}pass --token-file PATH, or give the profile a token_file "
                "or token_command."
            )
        named_by = "--console" if self.flag_console else console_variable if self.env_console else "The console"
        if self.environment_ignored or not token_variable:
            advice = "Pass --token-file PATH."
        elif self.env_token:
            advice = "Pass --token-file PATH for it."
        else:
            advice = f"Pass --token-file PATH, or set {token_variable}."
        return ConfigError(f"{named_by} {shown(console)} needs its own token: {'; '.join(reasons)}. {advice}")


def _first_given(*values):
    return next(value for value in values if value is not None)


def _loose_file_warning(found: ToolConfig) -> list[str]:
    if _open_to_others(found.mode):
        path = shown(found.path)
        return [f"{path} holds your API token and others can read it: run chmod 600 {path}."]
    return []


def check_config(profile: str | None = None, environ: Mapping[str, str] | None = None) -> tuple[list[str], bool]:
    """What ``roost config check`` says, and whether all is well.

    The file's syntax (with the line), every profile's values, unknown settings,
    and whether the chosen profile's console and token resolve; the token is
    never printed, and no text from the file reaches the terminal uncleaned.
    """
    env = os.environ if environ is None else environ
    try:
        config = load_config(env)
    except ConfigError as error:
        return [_check_line(f"error: {error}")], False
    problems: list[str] = []
    if config is None:
        lines = [f"{shown(config_path(env))}: no config file (optional)"]
    else:
        default = f", default {shown(config.default_profile, limit=60)}" if config.default_profile else ""
        profiles = profile_list(config) if config.profiles else "(none)"
        lines = [f"{shown(config.path)}: profiles {profiles}{default}"]
        lines += [f"warning: {warning}" for warning in config.warnings]
        for name in ["", *sorted(config.profiles)]:
            try:
                profile_options(config, name)
            except ConfigError as error:
                problems.append(f"error: {error}")
    try:
        settings = resolve_settings(console=None, token_file=None, profile=profile, environ=env)
        base_url = registry.config_sources(settings.backend).api_url(settings.console)
    except ConfigError as error:
        if f"error: {error}" not in problems:  # the chosen profile's own error is listed once
            problems.append(f"error: {error}")
    else:
        seen = set(config.warnings) if config else set()
        lines += [f"warning: {warning}" for warning in settings.warnings if warning not in seen]
        lines.append(f"{shown(settings.label)}: console {shown(base_url)}; the token resolves (not shown)")
    return [_check_line(line) for line in lines + problems], not problems


def _check_line(line: str) -> str:
    # Every piece from the file was cleaned where it was quoted; this is the guarantee for what was missed.
    return clean(line, limit=2000)
