"""Writing a choice made in the app (columns, theme) back into the user's config.toml.

One key of one table changes; every other line, comment and blank line stays as
it was, in its order.  The file is rewritten atomically (a crash leaves the old
file or the new one) with its permissions kept, 0600 when it is created, and a
symlinked config.toml (a dotfiles checkout) is written through the link.  The
edit is checked by reading the new text back: it must mean exactly the old
document with that one key set, or nothing is written.  Only the keys in
``WRITABLE_KEYS`` are ever written, so no token reaches the file from here.

No Textual here: the app runs ``save_setting`` in a worker thread and shows its
answer (or its ``ProfileWriteError``) as one toast line.
"""

from __future__ import annotations

import copy
import os
import re
import stat
import threading
import tomllib
from pathlib import Path
from typing import Any, Mapping, Sequence

from .archive import write_atomically
from .backends.errors import ConfigError
from .config import CONFIG_FILE_LIMIT, config_path, read_regular_file, shown

#: What the app may write: never a token, nor where one is found.
WRITABLE_KEYS = frozenset({"columns", "theme"})
Value = str | Sequence[str]
Table = tuple[str, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
# Two saves at once (a theme, then columns) must not both start from the old file.
_WRITING = threading.Lock()


class ProfileWriteError(Exception):
    """Why nothing was written, and what to do, in one line."""


def save_setting(profile: str, key: str, value: Value, *, shared: bool = False,
                 environ: Mapping[str, str] | None = None) -> tuple[str, Path] | None:
    """Set ``key`` in ``[profile.<profile>]`` of the config file (``ROOST_CONFIG`` or the
    default place); returns (the table, as written in the file, and the file's path).

    A session whose profile is not in the file (none given, or a demo) writes a
    ``shared`` setting, one that suits every console (a theme), to ``[defaults]``,
    and any other (columns, which are the backend's) nowhere: None.
    """
    if key not in WRITABLE_KEYS:
        raise ValueError(f"{key} is not a setting the app writes")
    path = config_path(environ)
    with _WRITING:
        text, mode = _read(path, key, value)
        profiles = _parsed(text, path).get("profile", {})
        if profile and isinstance(profiles, dict) and profile in profiles:
            table: Table = ("profile", profile)
        elif shared:
            table = ("defaults",)
        else:
            return None
        new_text = updated_text(text, table, key, value, path=path)
        target = path.resolve()
        try:
            write_atomically(target, new_text.encode("utf-8"))
            if mode is not None:
                os.chmod(target, stat.S_IMODE(mode))
        except OSError as error:
            raise ProfileWriteError(
                f"cannot write {shown(path)} ({error.strerror or type(error).__name__}): make it writable, or put "
                f"{_line(key, value)} under [{_dotted(table)}] yourself"
            ) from None
    return f"[{_dotted(table)}]", path


def updated_text(text: str, table: Table, key: str, value: Value, *, path: Path | None = None) -> str:
    """``text`` (a TOML document) with ``key = value`` set in ``[table]``, each other line as it was."""
    where = shown(path) if path is not None else "the config file"
    document = _parsed(text, path)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    header = _header_index(lines, table)
    if header is None:
        separator = ["\n"] if any(line.strip() for line in lines) else []
        lines += [*separator, f"[{_dotted(table)}]\n", f"{_line(key, value)}\n"]
    else:
        end = next((index for index in range(header + 1, len(lines)) if _header_path(lines[index]) is not None), len(lines))
        found = _value_lines(lines, header + 1, end, key)
        if found is None:
            last = max((index for index in range(header + 1, end) if _is_content(lines[index])), default=header)
            lines.insert(last + 1, f"{_line(key, value)}\n")
        else:
            first, last = found
            indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
            comment = _trailing_comment(lines[first]) if first == last else ""
            lines[first : last + 1] = [f"{indent}{_line(key, value)}{comment}\n"]
    new_text = "".join(lines)
    expected = copy.deepcopy(document)
    body = expected
    for part in table:
        body = body.setdefault(part, {})
    body[key] = value if isinstance(value, str) else list(value)
    try:
        same = tomllib.loads(new_text) == expected
    except tomllib.TOMLDecodeError:
        same = False
    if not same:  # a table written in a form this editor does not follow (dotted keys, inline tables)
        raise ProfileWriteError(
            f"could not change {where} safely: put {_line(key, value)} under [{_dotted(table)}] yourself"
        )
    return new_text


def toml_value(value: Value) -> str:
    """A string or a list of strings as TOML."""
    if isinstance(value, str):
        return _string(value)
    return "[" + ", ".join(_string(item) for item in value) + "]"


# -- reading ------------------------------------------------------------------------


def _read(path: Path, key: str, value: Value) -> tuple[str, int | None]:
    """The file's text and mode; ("", None) when there is none yet."""
    try:
        return read_regular_file(path, CONFIG_FILE_LIMIT, f"The config file {shown(path)}",
                                 f"put {_line(key, value)} in your profile yourself")
    except FileNotFoundError:
        return "", None
    except ConfigError as error:
        raise ProfileWriteError(str(error)) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise ProfileWriteError(f"cannot read {shown(path)} ({reason}): check its permissions") from None


def _parsed(text: str, path: Path | None) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = shown(path) if path is not None else "the config file"
        raise ProfileWriteError(f"{where} has an error ({shown(error)}): fix it (roost config check), then choose again") from None


# -- finding lines ------------------------------------------------------------------


def _header_path(line: str) -> Table | None:
    """The table a ``[table]`` or ``[[array]]`` header line opens; None for any other line."""
    stripped = line.strip()
    if not stripped.startswith("["):
        return None
    try:
        parsed = tomllib.loads(stripped)
    except tomllib.TOMLDecodeError:
        return None  # a line of a multi-line array
    path: list[str] = []
    node: Any = parsed
    while isinstance(node, dict) and len(node) == 1:
        name, node = next(iter(node.items()))
        path.append(name)
        if isinstance(node, list):  # [[array]]: a table of its own, never ours
            return (*path, "[]")
    return tuple(path)


def _header_index(lines: list[str], table: Table) -> int | None:
    return next((index for index, line in enumerate(lines) if _header_path(line) == table), None)


def _value_lines(lines: list[str], start: int, end: int, key: str) -> tuple[int, int] | None:
    """The first and last line of ``key = ...`` among ``lines[start:end]`` (a value may span lines)."""
    first = start
    while first < end:
        if not _is_content(lines[first]):
            first += 1
            continue
        # The key's value ends at the first line where the lines so far read as TOML.
        last = next((last for last in range(first, end) if _reads(lines[first : last + 1])), None)
        if last is None:
            return None
        if key in tomllib.loads("".join(lines[first : last + 1])):
            return first, last
        first = last + 1
    return None


def _reads(lines: list[str]) -> bool:
    try:
        tomllib.loads("".join(lines))
    except tomllib.TOMLDecodeError:
        return False
    return True


def _trailing_comment(line: str) -> str:
    """`` # a note`` after a one-line value, kept when the value changes."""
    whole = tomllib.loads(line)
    for position in (index for index, char in enumerate(line) if char == "#"):
        before = line[:position]
        try:
            if tomllib.loads(before) == whole:
                spacing = before[len(before.rstrip()):]
                return (spacing or "  ") + line[position:].rstrip("\r\n")
        except tomllib.TOMLDecodeError:
            continue  # that # is inside a string
    return ""


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


# -- writing ------------------------------------------------------------------------


def _line(key: str, value: Value) -> str:
    return f"{key} = {toml_value(value)}"


def _dotted(table: Table) -> str:
    return ".".join(part if _BARE_KEY.fullmatch(part) else _string(part) for part in table)


def _string(text: str) -> str:
    escaped = "".join(
        _ESCAPES.get(char) or (f"\\u{ord(char):04x}" if ord(char) < 0x20 or ord(char) == 0x7F else char) for char in text
    )
    return f'"{escaped}"'
