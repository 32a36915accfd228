"""The detail pane: everything about the highlighted incident.

Built only from Rich ``Text`` made of cleaned strings (never markup), so an
attacker's username of ``[bold red]x[/]`` or an escape sequence appears as
typed.  What the pane shows comes from the backend (``DetailContext``): a title
line, what the attacker did (source, target, and the values the events carry,
counted: one line each, as many as fit, the most frequent first), the events,
then the rest of the facts.  What takes a request (a device, a source's
history) arrives later from a worker; until then the pane says it is loading.

Focused, j/k/g/G (and the arrow and page keys) scroll it; zoomed (Z), it takes
the whole screen until Z or esc.

Rows are label and value; a value too long for one line continues *under the
value*, never at the label column, so no value can wrap into a line that
poses as one of Roost's rows.  What the pane draws is bounded whatever the
incident holds (events, fields per event, lines of events), because it is laid
out on the UI's thread each time the incident is highlighted.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from ..backends.base import Fact, Section, Tally
from ..details import Counted, DetailContext
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
#: A counted value is cut to this many cells, so a few share a tally's line (user agents are long).
TALLY_VALUE_CELLS = 32


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
    """A section's facts as label/value lines, each value wrapped under itself (a hanging indent),
    then its tallies that were counted, a line each.

    Wrapped here, line by line, rather than by a Rich Table: far cheaper to
    measure, which matters because the pane is re-laid out on every cursor rest.
    """

    def __init__(self, section: Section, counts: Mapping[Tally, Counted] | None = None) -> None:
        super().__init__()
        self.rows = [(Text(fact.label, style="bold"), _value(fact), fact.one_line) for fact in section.facts]
        self.label_width = section.label_width
        counts = counts or {}
        self.tallies = [(Text(tally.label, style="bold"), counts[tally]) for tally in section.tallies if tally in counts]

    def lines(self, console: Console, width: int) -> Iterable[Text]:
        for label, value, one_line in self.rows:
            if one_line:
                yield _labelled(label, _cut_in_middle(value, width - self.label_width), self.label_width)
            else:
                yield from _hanging(console, width, value, indent=self.label_width, label=label)
        for label, counted in self.tallies:
            yield _labelled(label, _tally_line(counted, width - self.label_width), self.label_width)


def _labelled(label: Text, value: Text, indent: int) -> Text:
    line = label.copy()
    line.append(" " * max(indent - label.cell_len, 1))
    line.append_text(value)
    return line


def _cut_in_middle(value: Text, room: int) -> Text:
    """``value`` whole if it fits in ``room`` cells, else its head, a visible "…" and its tail."""
    room = max(room, _MIN_VALUE_WIDTH)
    if value.cell_len <= room:
        return value
    plain = value.plain
    tail_cells = (room - 1) // 2
    tail_start = len(plain)
    while tail_start > 0 and cell_len(plain[tail_start - 1:]) <= tail_cells:
        tail_start -= 1
    head = value[:tail_start]
    head.truncate(room - 1 - cell_len(plain[tail_start:]))
    return Text.assemble(head, Text("…", style="dim"), value[tail_start:], end="")


def _tally_line(counted: Counted, room: int) -> Text:
    """As many of the counted values as fit in ``room`` cells ("root ×12 · admin ×9"), each cut
    visibly, then how many more there are."""
    room = max(room, _MIN_VALUE_WIDTH)
    line = Text(end="")
    values = counted.values
    for index, (value, times) in enumerate(values):
        piece = _text(value)
        piece.truncate(TALLY_VALUE_CELLS, overflow="ellipsis")
        count = Text(f" ×{times:,}", style="dim")
        left = len(values) - index - 1
        more = f" · +{left:,} more" if left else ""
        separator = " · " if line else ""
        if line.cell_len + len(separator) + piece.cell_len + count.cell_len + len(more) > room:
            if line:  # room was kept for saying how many did not fit
                line.append(f" · +{len(values) - index:,} more", style="dim")
                break
            piece.truncate(max(room - count.cell_len - len(more), 1), overflow="ellipsis")
        if separator:
            line.append(separator, style="dim")
        line.append_text(piece)
        line.append_text(count)
    return line


def _value(fact: Fact) -> Text:
    """The fact's parts joined by a quiet " · ", empty ones skipped; each text cleaned on its own."""
    style = "dim" if fact.quiet else ""
    if len(fact.parts) == 1 and isinstance(fact.parts[0], str):
        return _text(fact.parts[0], style)
    text = Text(end="")
    for part in fact.parts:
        if not part:
            continue
        if text:
            text.append(" · ", style="dim")
        for piece in (part,) if isinstance(part, str) else part:
            text.append_text(_text(piece, style))
    return text


def render_detail(context: DetailContext) -> RenderableType:
    incident = context.incident
    if incident is None:
        return Text("No incident selected.", style="dim")
    title = Text(end="")
    title.append_text(_text(context.title, "bold"))
    if context.status is not None:
        title.append(f"  [{context.status.label.lower()}]", style="bold" if context.status.is_open else "dim")
    parts: list[RenderableType] = [_Hanging(title)]
    parts.extend(_Rows(section, context.counts) for section in context.lead)
    parts.append(_events_table(context))
    parts.extend(_Rows(section) for section in context.sections)
    return Group(*parts)


def _events_table(context: DetailContext) -> RenderableType:
    global _last_events
    incident = context.events_of or context.incident
    heading = Text(f"{context.events_heading} ({incident.events_count})", style="bold")
    if context.counts and context.events_counted < incident.events_count:
        heading.append(f" · counted above: the first {context.events_counted:,}", style="dim")
    if not incident.events:
        return Group(heading, Text(context.no_events_note, style="dim"))
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

    # The table's movement keys and ids (one remap moves both): focused, the pane scrolls.
    BINDINGS = [
        Binding("down,j", "scroll_down", "Scroll down", show=False, id="cursor-down"),
        Binding("up,k", "scroll_up", "Scroll up", show=False, id="cursor-up"),
        Binding("home,g", "scroll_home", "Scroll to the top", show=False, id="first"),
        Binding("end,G", "scroll_end", "Scroll to the end", show=False, id="last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="page-up"),
        # Only while zoomed (check_action): otherwise esc goes on to the screen's own.
        Binding("escape", "unzoom", "Back from the zoomed detail", show=False, id="unzoom"),
    ]

    class Unzoom(Message):
        """esc on the zoomed pane: the screen puts the table back."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._body = Static(Text("No incident selected.", style="dim"), id="detail-body")
        self.context = DetailContext(None)
        self.zoomed = False

    def zoom(self, zoomed: bool) -> None:
        """Take all the height the screen gives (the screen hides the table), or go back to the stylesheet's."""
        self.zoomed = zoomed
        # Inline: the app's stylesheet gives the pane a fixed height at 80 columns.
        self.styles.height = "1fr" if zoomed else None
        self.set_class(zoomed, "-zoomed")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unzoom":
            return self.zoomed
        return True

    def action_unzoom(self) -> None:
        self.post_message(self.Unzoom())

    def compose(self):
        yield self._body

    def show(self, context: DetailContext) -> None:
        if context.incident is None or self.context.incident is None or context.incident.key != self.context.incident.key:
            self.scroll_home(animate=False)
        self.context = context
        self._body.update(render_detail(context))
