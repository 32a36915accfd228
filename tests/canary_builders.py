"""Incidents built from Canary's field names, for tests that need one without a JSON body."""

from __future__ import annotations

from typing import Any

from tui.backends.canary.parse import ACKNOWLEDGED, UNACKNOWLEDGED, CanaryDocument, CanaryFields, sensor_label
from tui.model import Incident


def canary_incident(
    key: str,
    summary: str = "",
    *,
    acknowledged: bool = False,
    updated_id: int = 0,
    src_host: str = "",
    events_count: int | None = None,
    **fields: Any,
) -> Incident:
    """An Incident as Canary's parser would build it; ``fields`` are Incident's own
    (created, events, raw ...) or CanaryFields' (logtype, node_name, dst_port ...)."""
    neutral = {name: fields.pop(name) for name in ("created", "updated") if name in fields}
    raw = fields.pop("raw", {})
    events = fields.pop("events", ())
    extras = CanaryFields(**fields)
    return Incident(
        key=key,
        title=summary,
        status=ACKNOWLEDGED if acknowledged else UNACKNOWLEDGED,
        version=updated_id,
        source=src_host,
        target=sensor_label(extras.node_name, extras.memo, extras.node_id),
        events_count=len(events) if events_count is None else events_count,
        extras=extras,
        document=CanaryDocument.pack(raw, events=tuple(events)),
        **neutral,
    )
