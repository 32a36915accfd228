"""A Canary incident's own fields in the local cache, read back without parsing its document.

The cache keeps the neutral fields and the compressed document itself; this is the rest
(``CanaryFields``), as a flat list in the record's field order, the text thousands of incidents
repeat interned (the cache's ``marshal`` reads it back interned).  Reading it back costs a few
microseconds, where parsing the console's JSON again costs about a hundred.
"""

from __future__ import annotations

import sys
from dataclasses import fields
from operator import attrgetter
from typing import Any

from ...model import Document, Incident, frozen_builder
from .parse import CanaryDocument, CanaryFields, shared_logtype

_NAMES = tuple(field.name for field in fields(CanaryFields))
_values = attrgetter(*_NAMES)
# The fields thousands of incidents repeat (reverse name, target, bird, flock, memo): one copy each.
_SHARED = frozenset(("src_host_reverse", "dst_host", "node_id", "node_name", "flock_id", "flock_name", "memo"))
_SHARED_AT = tuple(index for index, name in enumerate(_NAMES) if name in _SHARED)
_LOGTYPE_AT = _NAMES.index("logtype")
_build_fields = frozen_builder(CanaryFields)


def stored(incident: Incident) -> list[Any] | None:
    """``incident``'s ``CanaryFields`` in field order (None for an incident built without them)."""
    extras = incident.extras
    if not isinstance(extras, CanaryFields):
        return None
    values = list(_values(extras))
    for index in _SHARED_AT:
        values[index] = sys.intern(values[index])
    return values


def restored(record: Any, packed: bytes, words: str | None) -> tuple[CanaryFields | None, Document]:
    document = CanaryDocument(packed, words=words)
    if record is None:
        return None, document
    if type(record) is not list or len(record) != len(_NAMES):
        raise ValueError("a cached Canary record is not a list of its fields")
    record[_LOGTYPE_AT] = shared_logtype(record[_LOGTYPE_AT])
    return _build_fields(*record), document
