"""Canary incidents in files: the cache reads each back from the console's JSON, and a CSV
export is a flat table of Canary's fields for spreadsheets."""

from __future__ import annotations

import json

from ...model import Incident
from ..base import DocumentFormat
from . import stored
from .parse import ACKNOWLEDGED, canary_fields, parse_incident

CSV_COLUMNS = (
    "key", "created", "updated_id", "acknowledged", "logtype", "type", "src_host", "src_host_reverse",
    "src_port", "dst_host", "dst_port", "node_id", "bird_or_token", "flock_id", "memo", "events_count", "events",
)


def csv_row(incident: Incident) -> tuple[object, ...]:
    fields = canary_fields(incident)
    events = [event.raw for event in incident.events]
    return (
        incident.key,
        incident.created.strftime("%Y-%m-%dT%H:%M:%SZ") if incident.created else "",
        incident.version,
        "true" if incident.status == ACKNOWLEDGED else "false",
        "" if fields.logtype is None else fields.logtype,
        incident.title or fields.logtype_name,
        incident.source,
        fields.src_host_reverse,
        "" if fields.src_port is None else fields.src_port,
        fields.dst_host,
        "" if fields.dst_port is None else fields.dst_port,
        fields.node_id,
        fields.node_name or fields.node_id,
        fields.flock_id,
        fields.memo,
        incident.events_count,
        json.dumps(events, ensure_ascii=False, separators=(",", ":")),
    )


CANARY_DOCUMENTS = DocumentFormat(
    incident=parse_incident, csv_columns=CSV_COLUMNS, csv_row=csv_row, stored=stored.stored, restored=stored.restored
)
