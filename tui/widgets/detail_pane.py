"""The detail pane: everything about the highlighted incident.

Built only from Rich ``Text`` made of cleaned strings (never markup), so an
attacker's username of ``[bold red]x[/]`` or an escape sequence appears as
typed.  Device info and the source IP's history arrive later from a worker;
until then the pane says they are loading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from rich.console import Group, RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..model import HistoryEntry, Host, Incident
from ..sanitize import clean
from .incident_table import format_time

MAX_EVENTS_SHOWN = 200
VALUE_LIMIT = 512


@dataclass(frozen=True)
class DetailContext:
    incident: Incident | None
    host: Host | None = None
    host_note: str = ""
    history: tuple[HistoryEntry, ...] | None = None
    history_note: str = ""


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 0:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def _text(value: object, style: str = "") -> Text:
    return Text(clean(value, limit=VALUE_LIMIT), style=style, end="")


class _Rows:
    """Label/value lines as one Text: far cheaper to measure and wrap than a Rich Table,
    which matters because the pane is re-laid out on every cursor rest."""

    def __init__(self, label_width: int = 8, label_style: str = "bold") -> None:
        self.text = Text()
        self.label_width = label_width
        self.label_style = label_style

    def add_row(self, label: str, value: Text) -> None:
        if self.text:
            self.text.append("\n")
        self.text.append(label.ljust(self.label_width), style=self.label_style)
        self.text.append_text(value)

    def __rich__(self) -> Text:
        return self.text


def _join(*parts: object, sep: str = " · ") -> Text:
    text = Text(end="")
    for part in parts:
        if part in (None, ""):
            continue
        if text:
            text.append(sep, style="dim")
        text.append_text(part if isinstance(part, Text) else _text(part))
    return text


def history_summary(entries: tuple[HistoryEntry, ...], current_key: str) -> Text:
    others = [entry for entry in entries if entry.key != current_key]
    if not others:
        return Text("first time seen", end="")
    deleted = sum(1 for entry in others if entry.deleted)
    times = [entry.created for entry in entries if entry.created is not None]
    text = Text(f"{len(others)} other incident{'s' if len(others) != 1 else ''}", end="")
    if deleted:
        text.append(f" ({deleted} deleted)")
    if times:
        text.append(f" · first {format_time(min(times), wide=True)} · last {format_time(max(times), wide=True)}")
    return text


def render_detail(context: DetailContext, *, now: datetime | None = None) -> RenderableType:
    incident = context.incident
    if incident is None:
        return Text("No incident selected.", style="dim")
    now = now or datetime.now(timezone.utc)
    title = Text()
    title.append_text(_text(incident.summary or incident.logtype_name, "bold"))
    state = "acknowledged" if incident.acknowledged else "unacknowledged"
    title.append(f"  [{state}]", style="dim" if incident.acknowledged else "bold")

    facts = _Rows()
    logtype = "?" if incident.logtype is None else str(incident.logtype)
    facts.add_row("Type", _join(f"logtype {logtype}", incident.logtype_name))
    facts.add_row("Created", _join(format_time(incident.created, wide=True), incident.local_time and f"bird time {incident.local_time}"))
    if incident.updated:
        facts.add_row("Updated", _text(format_time(incident.updated, wide=True)))
    source = _text(incident.src_host or "-")
    if incident.src_port:
        source.append(f" port {incident.src_port}")
    facts.add_row("Source", _join(source, incident.src_host_reverse))
    destination = _text(incident.dst_host or "-")
    if incident.dst_port is not None:
        destination.append(f" port {incident.dst_port}")
    facts.add_row("Target", destination)
    if incident.is_token:
        facts.add_row("Token", _join(incident.memo or incident.node_name or "-", incident.node_id))
    else:
        facts.add_row("Bird", _join(incident.node_name or "-", incident.node_id))
    if incident.flock_id or incident.flock_name:
        facts.add_row("Flock", _join(incident.flock_name, incident.flock_id))
    if incident.memo and not incident.is_token:
        facts.add_row("Memo", _text(incident.memo))
    facts.add_row("Key", _text(incident.key, "dim"))

    if context.history is not None:
        facts.add_row("History", history_summary(context.history, incident.key))
    elif context.history_note:
        facts.add_row("History", _text(context.history_note, "dim"))
    parts: list[RenderableType] = [title, facts]

    host = context.host
    if host is not None:
        host_grid = _Rows()
        liveness = "live" if host.live else ("offline" if host.live is not None else "")
        host_grid.add_row("Host", _join(host.name, host.description or host.location))
        host_grid.add_row("", _join(host.ip_address, host.mac_address, host.version and f"v{host.version}", host.personality))
        host_grid.add_row("", _join(liveness, f"last seen {_ago(host.last_seen, now)}"))
        parts.append(host_grid)
    elif context.host_note:
        host_line = _join(Text("Host", style="bold", end=""), _text(context.host_note, "dim"), sep=" ")
        host_line.end = "\n"
        parts.append(host_line)

    parts.append(_events_table(incident))
    return Group(*parts)


def _events_table(incident: Incident) -> RenderableType:
    shown = incident.events[:MAX_EVENTS_SHOWN]
    heading = Text(f"Events ({incident.events_count})", style="bold")
    if not shown:
        return Group(heading, Text("no events in this page of the feed", style="dim"))
    table = _Rows(label_width=9, label_style="dim")
    for event in shown:
        when = event.timestamp.astimezone().strftime("%H:%M:%S") if event.timestamp else "-"
        line = Text(end="")
        for name, value in event.fields:
            if line:
                line.append("  ")
            line.append_text(_text(name, "bold"))
            line.append("=")
            line.append_text(_text(value))
        table.add_row(when, line)
    parts: list[RenderableType] = [heading, table]
    hidden = max(incident.events_count, len(incident.events)) - len(shown)
    if hidden > 0:
        parts.append(Text(f"… {hidden:,} more events not shown", style="dim"))
    return Group(*parts)


class DetailPane(VerticalScroll, can_focus=True):
    """Scrollable details of one incident."""

    DEFAULT_CSS = """
    DetailPane { height: 1fr; }
    DetailPane > #detail-body { width: 1fr; height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._body = Static(Text("No incident selected.", style="dim"), id="detail-body")
        self.context = DetailContext(None)

    def compose(self):
        yield self._body

    def show(self, context: DetailContext, *, now: datetime | None = None) -> None:
        if context.incident is None or self.context.incident is None or context.incident.key != self.context.incident.key:
            self.scroll_home(animate=False)
        self.context = context
        self._body.update(render_detail(context, now=now))
