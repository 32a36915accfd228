"""The bytes of every JSON answer, as the console sends them."""

from __future__ import annotations

import math
from itertools import chain
from json.encoder import c_make_encoder, encode_basestring_ascii
from typing import Any

from starlette.responses import JSONResponse

_INDENT = "  "
# Values the C encoder writes exactly as ``_scalar`` does (exact types: subclasses take the slow path).
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


class ConsoleJSON(JSONResponse):
    """Pretty-printed JSON ending with a newline, every non-ASCII character escaped.

    The console indents its JSON and ends the body with a newline, which
    Thinkst's ``canary_api2csv.sh`` relies on (it splits curl's status code
    off the last line).  Escaping everything outside ASCII, as Python consoles
    do, lets whatever an incident holds be sent, an attacker's lone surrogate too.
    """

    def render(self, content: Any) -> bytes:
        return (pretty_json(content) + "\n").encode("ascii")


def console_error(message: str, status_code: int, headers: dict[str, str] | None = None) -> ConsoleJSON:
    """The console's error body: ``{"message": ..., "result": "error"}``."""
    return ConsoleJSON({"message": message, "result": "error"}, status_code=status_code, headers=headers)


def pretty_json(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False)``, in a third less time.

    The standard library's indenting encoder is pure Python and yields every
    token through a chain of generators; a 10,000-incident feed took three
    times as long to indent as to encode compactly.  This builds each
    container with one join.  Raises ValueError for NaN and the infinities and
    TypeError for what JSON cannot hold, as ``json.dumps`` does.
    """
    return _encode(value, "\n")


def written(value: Any, newline: str = "\n") -> str:
    """``value`` as ``pretty_json`` writes it inside a container whose lines start with ``newline``
    (a newline and the container's indentation)."""
    return _encode(value, newline)


def written_with_list(value: dict[str, Any], name: str, newline: str) -> str:
    """``written(value, newline)`` for a dict of scalars but for the list ``value[name]``: a Canary
    incident's description and its events, which a feed page writes a thousand of.  The scalars
    are written with one call of the C encoder, the list put in the place kept for it."""
    if not _C_ENCODER:
        return _encode(value, newline)
    slotted = value.copy()
    slotted[name] = _SLOT
    if not _SCALAR_TYPES.issuperset(map(type, slotted.values())):
        return _encode(value, newline)
    inner = newline + _INDENT
    head, _, tail = _flat(slotted, inner).partition(_WRITTEN_SLOT)
    if _WRITTEN_SLOT in tail:  # a value written like the slot: which is the list's place?
        return _encode(value, newline)
    return f"{{{inner}{head}{_encode(value[name], inner)}{tail}{newline}}}"


class EncodedJSON:
    """``text``, a value already written at ``newline`` (``written``), to be pasted into answers.

    Pasted at another depth, its lines are re-indented (JSON strings hold no raw newline).
    """

    __slots__ = ("text", "newline")

    def __init__(self, text: str, newline: str) -> None:
        self.text = text
        self.newline = newline

    @classmethod
    def of(cls, value: Any, newline: str) -> EncodedJSON:
        return cls(_encode(value, newline), newline)

    def at(self, newline: str) -> str:
        return self.text if newline == self.newline else self.text.replace(self.newline, newline)


def _encode(value: Any, newline: str) -> str:
    """``value`` indented as at ``newline`` (a newline and the enclosing container's indentation).

    Containers are put together with f-strings, which copy their parts once: a page of a
    thousand incidents is megabytes, and each ``+`` copied all of it again.
    """
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + _INDENT
        if _C_ENCODER:
            nested = [name for name, item in value.items() if type(item) not in _SCALAR_TYPES]
            if not nested:
                return f"{{{inner}{_flat(value, inner)}{newline}}}"
            if len(nested) < len(value):
                slotted = value.copy()
                for name in nested:
                    slotted[name] = _SLOT
                written = _filled(_flat(slotted, inner), [value[name] for name in nested], inner)
                if written is not None:
                    return f"{{{inner}{written}{newline}}}"
        items = [_key(name) + ": " + _encode(item, inner) for name, item in value.items()]
        return f"{{{inner}{(',' + inner).join(items)}{newline}}}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = newline + _INDENT
        if _C_ENCODER:
            if _SCALAR_TYPES.issuperset(map(type, value)):
                return f"[{inner}{_flat(value, inner)}{newline}]"
            written = _flat_objects(value, inner)
            if written is not None:
                return f"[{inner}{written}{newline}]"
        return f"[{inner}{(',' + inner).join([_encode(item, inner) for item in value])}{newline}]"
    if kind is EncodedJSON:
        return value.at(newline)
    return _scalar(value, newline)


def _flat_encoder(inner: str):
    """The C encoder writing one level of scalars with ``inner`` between items: most of an
    incident (its events' fields) is written at C speed instead of a call per value."""
    encode = c_make_encoder(None, _unserialisable, encode_basestring_ascii, None, ": ", "," + inner,
                            False, False, False)
    return lambda value: "".join(encode(value, 0))


_C_ENCODER = c_make_encoder is not None  # no C accelerator (not CPython): every value takes the slow path
_FLAT_ENCODERS: dict[str, Any] = {}  # by indentation: one per depth


def _flat(value: dict | list | tuple, inner: str) -> str:
    """A container of scalars written at ``inner``, without its brackets."""
    encode = _FLAT_ENCODERS.get(inner)
    if encode is None:
        encode = _FLAT_ENCODERS[inner] = _flat_encoder(inner)
    return encode(value)[1:-1]


def _flat_objects(value: list | tuple, inner: str) -> str | None:
    """A list of non-empty objects of scalars (an incident's events) written at ``inner`` with one
    call of the C encoder, without its brackets; None for any other list.

    The encoder puts the fields' separator between objects too; it holds a raw newline, which no
    JSON string does, and only between two objects does it follow a ``}``, so those are found
    and re-indented.
    """
    try:
        if not all(value) or not _SCALAR_TYPES.issuperset(map(type, chain.from_iterable(map(dict.values, value)))):
            return None
    except TypeError:  # an item is not an object
        return None
    fields = inner + _INDENT
    written = _flat(value, fields)  # "{...}<separator>{...}"
    between = "}," + fields + "{"
    return f"{{{fields}{written[1:-1].replace(between, inner + '},' + inner + '{' + fields)}{inner}}}"


# A dict mixing scalars and containers is written at C speed with this in each container's place,
# then the containers are written into the slots: a private-use character that no console sends.
_SLOT = "\ue000roost:slot"
_WRITTEN_SLOT = encode_basestring_ascii(_SLOT)


def _filled(flat: str, nested: list[Any], inner: str) -> str | None:
    """``flat`` with its slots replaced by ``nested`` written at ``inner``; None when a value
    of the dict itself was written like a slot (then the slots cannot be told apart)."""
    parts = flat.split(_WRITTEN_SLOT)
    if len(parts) != len(nested) + 1:
        return None
    pieces = [parts[0]]
    for item, after in zip(nested, parts[1:]):
        pieces.append(_encode(item, inner))
        pieces.append(after)
    return "".join(pieces)


def _unserialisable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _scalar(value: Any, newline: str) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
        return float.__repr__(value)
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if isinstance(value, dict):  # subclasses
        return _encode(dict(value), newline)
    if isinstance(value, (list, tuple)):
        return _encode(list(value), newline)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _key(name: Any) -> str:
    """A key as json writes it: text as is; numbers, booleans and null as their JSON text."""
    if isinstance(name, str):
        return encode_basestring_ascii(name)
    if name is None or isinstance(name, (bool, int, float)):
        return '"' + _scalar(name, "") + '"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(name).__name__}")
