"""The detail pane: everything about the highlighted incident.

Built only from Rich ``Text`` made of cleaned strings (never markup), so an
attacker's username of ``[bold red]x[/]`` or an escape sequence appears as
typed.  Device info and the source IP's history arrive later from a worker;
until then the pane says they are loading.

Rows are label and value; a value too long for one line continues *under the
value*, never at the label column, so no value can wrap into a line that
poses as one of Roost's rows.  What the pane draws is bounded whatever the
incident holds (events, fields per event, lines of events), because it is laid
out on the UI's thread each time the incident is highlighted.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..details import DetailContext
from ..backends.canary.parse import HistoryEntry
from ..model import Event, Incident
from ..sanitize import clean
from ..timefmt import format_time

MAX_EVENTS_SHOWN = 200
#: Fields shown per event; the rest are counted ("… 970 more fields").
MAX_FIELDS_SHOWN = 30
#: Lines of events drawn at most, whatever the width and the values.
MAX_EVENT_LINES = 1000
VALUE_LIMIT = 512
NAME_LIMIT = 128
#: Continuation lines start this far in; below it, wrapped values would be a few cells wide.
_MIN_VALUE_WIDTH = 10


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


def _hanging(console: Console, width: int, value: Text, *, indent: int, label: Text | None = None) -> list[Text]:
    """``value`` wrapped with every continuation line indented by ``indent``.

    After ``label`` (padded to ``indent``), or from column 0 without one.  A
    label too long for its column gets a line of its own.
    """
    wrapped = list(value.wrap(console, max(width - indent, _MIN_VALUE_WIDTH), overflow="fold")) or [Text()]
    lines: list[Text] = []
    first = Text()
    if label is not None:
        first.append_text(label)
        if label.cell_len < indent:
            first.append(" " * (indent - label.cell_len))
        else:
            lines.append(first)
            first = Text(" " * indent)
    first.append_text(wrapped[0])
    lines.append(first)
    for continuation in wrapped[1:]:
        line = Text(" " * indent)
        line.append_text(continuation)
        lines.append(line)
    return lines


class _Lines:
    """Text this object wraps itself, drawn once per width.

    Textual lays the pane out more than once for one update (its height, then
    its lines), so what was drawn is kept rather than wrapped again.
    """

    def __init__(self) -> None:
        self._drawn: dict[int, list[Segment]] = {}

    def lines(self, console: Console, width: int) -> Iterable[Text]:
        raise NotImplementedError

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        drawn = self._drawn.get(width)
        if drawn is None:
            drawn = []
            for line in self.lines(console, width):
                line.truncate(width, overflow="ellipsis")  # only when the pane is narrower than any value
                drawn.extend(line.render(console))
                drawn.append(Segment.line())
            self._drawn[width] = drawn
        yield from drawn


class _Hanging(_Lines):
    """One block of text whose continuation lines are indented (the pane's title)."""

    def __init__(self, text: Text, indent: int = 2) -> None:
        super().__init__()
        self.text = text
        self.indent = indent

    def lines(self, console: Console, width: int) -> Iterable[Text]:
        return _hanging(console, width, self.text, indent=self.indent)


class _Rows(_Lines):
    """Label/value lines, each value wrapped under itself (a hanging indent).

    Wrapped here, line by line, rather than by a Rich Table: far cheaper to
    measure, which matters because the pane is re-laid out on every cursor rest.
    """

    def __init__(self, label_width: int = 8, label_style: str = "bold") -> None:
        super().__init__()
        self.rows: list[tuple[str, Text]] = []
        self.label_width = label_width
        self.label_style = label_style

    def add_row(self, label: str, value: Text) -> None:
        self.rows.append((label, value))

    def lines(self, console: Console, width: int) -> Iterable[Text]:
        for label, value in self.rows:
            yield from _hanging(console, width, value, indent=self.label_width, label=Text(label, style=self.label_style))


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
    title = Text(end="")
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
    parts: list[RenderableType] = [_Hanging(title), facts]

    host = context.host
    if host is not None:
        host_grid = _Rows()
        liveness = "live" if host.live else ("offline" if host.live is not None else "")
        host_grid.add_row("Host", _join(host.name, host.description or host.location))
        host_grid.add_row("", _join(host.ip_address, host.mac_address, host.version and f"v{host.version}", host.personality))
        host_grid.add_row("", _join(liveness, f"last seen {_ago(host.last_seen, now)}"))
        parts.append(host_grid)
    elif context.host_note:
        host_line = _Rows(label_width=5)
        host_line.add_row("Host", _text(context.host_note, "dim"))
        parts.append(host_line)

    parts.append(_events_table(incident))
    return Group(*parts)


def _events_table(incident: Incident) -> RenderableType:
    global _last_events
    heading = Text(f"Events ({incident.events_count})", style="bold")
    if not incident.events:
        return Group(heading, Text("no events in this page of the feed", style="dim"))
    # The pane is drawn again for the same incident when its device and history
    # arrive: its events, the bulk of the work, are then drawn already.
    if _last_events is None or _last_events.incident is not incident:
        _last_events = _Events(incident)
    return Group(heading, _last_events)


def _event_line(event: Event) -> Text:
    """``name=value`` for the event's first fields, and how many more it has."""
    line = Text(end="")
    for name, value in event.fields[:MAX_FIELDS_SHOWN]:
        if line:
            line.append("  ")
        line.append_text(Text(clean(name, limit=NAME_LIMIT), style="bold", end=""))
        line.append("=")
        line.append_text(_text(value))
    more = len(event.fields) - MAX_FIELDS_SHOWN
    if more > 0:
        line.append(f"  … {more:,} more field{'s' if more != 1 else ''}", style="dim")
    return line


class _Events(_Lines):
    """An incident's events, one row each, built as they are drawn.

    Drawing stops at ``MAX_EVENT_LINES`` lines (and ``MAX_EVENTS_SHOWN``
    events), so the work never grows with what the console sent.
    """

    def __init__(self, incident: Incident, label_width: int = 9) -> None:
        super().__init__()
        self.incident = incident
        self.label_width = label_width

    def lines(self, console: Console, width: int) -> Iterable[Text]:
        candidates = self.incident.events[:MAX_EVENTS_SHOWN]
        budget = MAX_EVENT_LINES
        shown = 0
        for event in candidates:
            if budget <= 0:
                break
            label = Text(format_time(event.timestamp, clock=True), style="dim")
            lines = _hanging(console, width, _event_line(event), indent=self.label_width, label=label)
            yield from lines[:budget]
            budget -= len(lines)
            shown += 1
        hidden = max(self.incident.events_count, len(self.incident.events)) - shown
        notes = [f"{hidden:,} more events not shown"] if hidden > 0 else []
        if budget < 0 or shown < len(candidates):
            notes.append(f"the pane draws at most {MAX_EVENT_LINES:,} lines of events")
        if notes:
            yield from _hanging(console, width, Text("… " + "; ".join(notes), style="dim"), indent=2)


_last_events: _Events | None = None


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
