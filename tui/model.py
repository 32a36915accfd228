"""Roost's neutral model: what every backend hands the rest of Roost.

One ``Incident`` whatever the console: the fields every backend fills, a
``version`` for staleness, the backend's own fields in ``extras`` (a frozen record
only that backend reads), and ``raw``, the console's own document, for lossless
exports, archives and the cache.  Values are normalised once, at the edge, by the
backend's parser.  No Textual, no wire format here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Event:
    """One event or piece of evidence inside an incident: its time and its fields, in order."""

    timestamp: datetime | None
    fields: tuple[tuple[str, str], ...]
    raw: JSON = field(default_factory=dict, compare=False, repr=False)


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
    events: tuple[Event, ...] = ()
    events_count: int = 0
    #: The backend's own fields, in its own frozen record; only that backend reads them.
    extras: Any = None
    raw: JSON = field(default_factory=dict, compare=False, repr=False)
