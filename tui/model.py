"""Roost's neutral model: what every backend hands the rest of Roost.

One ``Incident`` whatever the console: the fields every backend fills, a
``version`` for staleness, the backend's own fields in ``extras`` (a frozen record
only that backend reads), and its ``document``: the console's own JSON for lossless
exports, archives and the cache, with the incident's events.  Values are normalised
once, at the edge, by the backend's parser.  No Textual, no wire format here.

A console holds 100,000 incidents of about ten events each, and a tree of Python
objects per incident would cost ~20 KB and a long garbage collection; so the document
is kept as compressed JSON bytes and its events are read from it when someone looks
(a few recent ones are kept decoded), and the text that bare-word filtering searches
is folded once, at parse time (``Document.words``, ``with_words``).
"""

from __future__ import annotations

import json
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Callable, ClassVar, Iterable, TypeVar

JSON = dict[str, Any]
_Frozen = TypeVar("_Frozen")


@dataclass(frozen=True, slots=True)
class Event:
    """One event or piece of evidence inside an incident: its time and its fields, in order."""

    timestamp: datetime | None
    fields: tuple[tuple[str, str], ...]
    raw: JSON = field(default_factory=dict, compare=False, repr=False)


# zlib level 1: a 2.8 KB Canary document becomes ~0.8 KB in ~10 µs; higher levels save
# little more on documents this small and cost several times the time.
_COMPRESSION_LEVEL = 1
# Documents whose events were decoded lately, by id(); the entry keeps its document
# alive, so an id is never reused while it is here.  The detail pane, the tallies and
# the conflict check read the same few incidents' events again and again.
_DECODED_LIMIT = 64
_decoded: OrderedDict[int, tuple[Document, tuple[Event, ...]]] = OrderedDict()
# Parsers run in worker threads too.
_decoded_lock = threading.Lock()


def fold_words(parts: Iterable[str]) -> str:
    """What bare-word filtering searches: ``parts`` case-folded, each once, separated by NUL
    (so a needle never matches across two of them)."""
    return "\0".join(dict.fromkeys(part.casefold() for part in parts if part))


def neutral_text(incident: Incident) -> tuple[str, ...]:
    """The neutral fields bare words search, whatever the backend."""
    return (incident.title, incident.source, incident.target, incident.severity, incident.assignee)


def with_words(incident: Incident, backend_parts: Iterable[str], *, keep_events: bool = False) -> Incident:
    """``incident`` with the text bare words search folded once into its document: its neutral
    fields and what its backend searches beyond them (``backend_parts``).  A parser calls this
    last, and so does whatever changes a neutral field after parsing.  The events the document
    was given are dropped (read again when asked) unless ``keep_events``."""
    document = incident.document
    words = fold_words((*neutral_text(incident), *backend_parts))
    events = document._events if keep_events else None
    return replace(incident, document=type(document)(document.packed, words=words, events=events))


class Document:
    """The console's own JSON for one incident, compressed, with its events read on demand.

    ``words`` is the folded text bare words search (``with_words``: the neutral fields and the
    backend's own), or None when it was not worked out (then filtering asks the backend).  A backend whose events need decoding subclasses this with its own
    ``read_events``; events given at construction are kept as given.
    """

    __slots__ = ("packed", "words", "_events")

    #: The events a decoded document holds (a backend's parser); none by default.
    read_events: ClassVar[Callable[[JSON], tuple[Event, ...]] | None] = None
    #: Text a backend's documents repeat (their field names, in the console's order), given to zlib
    #: as a preset dictionary: a document a few KB long then packs a fifth smaller, no slower.
    #: Documents packed with one dictionary can be read only with the same (the cache's schema says which).
    dictionary: ClassVar[bytes] = b""

    def __init__(self, packed: bytes = b"", *, words: str | None = None, events: tuple[Event, ...] | None = None):
        self.packed = packed
        self.words = words
        self._events = events

    @classmethod
    def pack(cls, raw: JSON, *, events: tuple[Event, ...] | None = None) -> Document:
        """``raw`` kept compactly (``events`` kept as given, or else read from ``raw`` when asked);
        its words come from ``with_words``."""
        # ASCII JSON: lossless for any string a console sent, a lone surrogate included.
        text = json.dumps(raw, separators=(",", ":")) if raw else ""
        if not text:
            return cls(b"", events=events)
        if not cls.dictionary:
            return cls(zlib.compress(text.encode("ascii"), _COMPRESSION_LEVEL), events=events)
        packer = zlib.compressobj(_COMPRESSION_LEVEL, zdict=cls.dictionary)
        return cls(packer.compress(text.encode("ascii")) + packer.flush(), events=events)

    def json(self) -> JSON:
        """The console's document, decoded afresh (the caller may change it)."""
        if not self.packed:
            return {}
        return json.loads(self._unpacked())

    def text(self) -> str:
        """The document as compact ASCII JSON text (what the cache and exports write), not decoded."""
        return self._unpacked().decode("ascii") if self.packed else "{}"

    def _unpacked(self) -> bytes:
        if not self.dictionary:
            return zlib.decompress(self.packed)
        unpacker = zlib.decompressobj(zdict=self.dictionary)
        unpacked = unpacker.decompress(self.packed) + unpacker.flush()
        if not unpacker.eof:
            raise zlib.error("a packed document ends early")
        return unpacked

    def events(self) -> tuple[Event, ...]:
        if self._events is not None:
            return self._events
        reader = type(self).read_events
        if reader is None or not self.packed:
            return ()
        with _decoded_lock:
            cached = _decoded.get(id(self))
            if cached is not None and cached[0] is self:
                _decoded.move_to_end(id(self))
                return cached[1]
        events = reader(self.json())
        with _decoded_lock:
            _decoded[id(self)] = (self, events)
            if len(_decoded) > _DECODED_LIMIT:
                _decoded.popitem(last=False)
        return events

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.packed)} bytes)"


NO_DOCUMENT = Document()


@dataclass(frozen=True, slots=True)
class Incident:
    #: The console's key, as text (Canary's incident key, Log360's 13-digit id).
    key: str
    #: What happened, in a line.
    title: str
    #: One of the backend's declared ``StatusSpec.id``.
    status: str = ""
    created: datetime | None = None
    updated: datetime | None = None
    #: Grows with every change the console makes to this incident: a state with a lower
    #: version is older than one with a higher (Canary: ``updated_id``).
    version: int = 0
    #: The address the activity came from, when the console knows one.
    source: str = ""
    #: What was touched, as the analyst names it (a bird, a token, a host).
    target: str = ""
    severity: str = ""
    assignee: str = ""
    events_count: int = 0
    #: The backend's own fields, in its own frozen record; only that backend reads them.
    extras: Any = None
    #: The console's own document and the events in it (see ``Document``).
    document: Document = field(default=NO_DOCUMENT, compare=False, repr=False)

    @property
    def events(self) -> tuple[Event, ...]:
        """The events or evidence, in the console's order (decoded from the document when needed)."""
        return self.document.events()

    @property
    def raw(self) -> JSON:
        """The console's own document, decoded afresh."""
        return self.document.json()


def frozen_builder(cls: type[_Frozen]) -> Callable[..., _Frozen]:
    """A function making a ``cls`` (a frozen dataclass with slots) from all its fields' values in
    field order, as ``cls(*values)`` does in about half the time: it fills each slot through the
    slot's own descriptor, where the frozen ``__init__`` goes through ``object.__setattr__`` by name.
    No defaults and no ``__post_init__``: for values that came from such an object (a restart
    rebuilds 100,000 from the cache).  What it makes is as frozen as any other."""
    names = [each.name for each in fields(cls)]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    namespace.update({f"_set_{name}": getattr(cls, name).__set__ for name in names})
    # Generated, as dataclasses generates ``__init__``: one call per slot, no loop.
    body = "".join(f"    _set_{name}(made, {name})\n" for name in names)
    exec(f"def build({', '.join(names)}):\n    made = _new(_cls)\n{body}    return made\n", namespace)
    return namespace["build"]
