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
out on the UI's thread each time the incident is highlighted; and of that, only
the lines on screen are built and drawn (its height is counted without wrapping).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import OrderedDict
from typing import Hashable, Iterable, Mapping

from rich._wrap import divide_line
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

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
    room = max(width - indent, _MIN_VALUE_WIDTH)
    if value.cell_len <= room and "\n" not in value.plain and "\t" not in value.plain:
        wrapped = [value]  # as Rich's wrap makes it (that a copy, this only read), for a tenth of the work
    else:
        wrapped = list(value.wrap(console, room, overflow="fold")) or [Text()]
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


def _hanging_count(width: int, value: Text, *, indent: int, label: Text | None = None) -> int:
    """How many lines ``_hanging`` makes, without building them."""
    return _wrapped_count(value.plain, max(width - indent, _MIN_VALUE_WIDTH)) + (label is not None and label.cell_len >= indent)


def _wrapped_count(plain: str, width: int) -> int:
    """How many lines ``Text.wrap(..., overflow="fold")`` makes of a cleaned single-line ``plain``
    ``width`` cells wide, without building them."""
    if cell_len(plain) <= width:
        return 1
    if plain.isascii():  # a character a cell: Rich's way of dividing, counted, at a third of the cost
        return _ascii_breaks(plain, width) + 1
    return len(divide_line(plain, width, fold=True)) + 1


_WORD = re.compile(r"\s*\S+\s*")  # Rich's word (``rich._wrap``): a word and the spaces after it


def _ascii_breaks(plain: str, width: int) -> int:
    """How many breaks ``rich._wrap.divide_line(plain, width, fold=True)`` makes in printable ASCII."""
    breaks = offset = 0
    for word in _WORD.finditer(plain):
        start, text = word.start(), word.group()
        length = len(text.rstrip())
        if width - offset >= length:
            offset += len(text)
        elif length > width:  # folded into pieces of ``width``, each after a break (but at the start)
            pieces = -(-len(text) // width)
            breaks += pieces if start else pieces - 1
            offset = len(text) - (pieces - 1) * width
        elif offset and start:
            breaks += 1
            offset = len(text)
    return breaks


class _Lines:
    """A block of the pane: lines this object wraps itself, for one width at a time.

    The pane asks a block how many lines it has each time it shows an incident,
    and for a line only when that line scrolls into view.  This base builds all
    its lines at once: right for blocks of a few lines.  Blocks whose lines wrap
    count them without building them (``height``).

    A block keeps its lines as drawn, so a document that reuses it (the same
    incident shown again once a lookup lands) draws none of them anew.
    """

    #: What the block was built from (equal sources make equal blocks), or None: not reused.
    source: Hashable = None

    def __init__(self) -> None:
        self._width = -1
        self._built: list[Text] = []
        #: The lines as drawn, by (line, width, the pane's style: theme and focus).
        self._strips: dict[tuple[int, int, Style], Strip] = {}

    def lines(self, console: Console, width: int) -> Iterable[Text]:
        raise NotImplementedError

    def _lines_at(self, console: Console, width: int) -> list[Text]:
        if width != self._width:
            self._built = list(self.lines(console, width))
            for line in self._built:
                line.truncate(width, overflow="ellipsis")  # only when the pane is narrower than any value
            self._width = width
        return self._built

    def height(self, console: Console, width: int) -> int:
        return len(self._lines_at(console, width))

    def fewest_lines(self) -> int:
        """At least this many lines at any width, known without wrapping anything."""
        return 1

    def line(self, console: Console, width: int, index: int) -> Text:
        return self._lines_at(console, width)[index]

    def strip(self, console: Console, width: int, index: int, base: Style) -> Strip:
        """Line ``index`` drawn over the pane's ``base`` style."""
        strip = self._strips.get((index, width, base))
        if strip is None:
            line = self.line(console, width, index)
            strip = Strip([Segment(text, base + style if style else base) for text, style, _ in line.render(console)])
            self._strips[(index, width, base)] = strip
        return strip


class _Plain(_Lines):
    """Text Roost wrote (a heading, a note), wrapped as Rich wraps it."""

    def __init__(self, text: Text) -> None:
        super().__init__()
        self.text = text

    def lines(self, console: Console, width: int) -> Iterable[Text]:
        for wrapped in self.text.wrap(console, width):
            line = Text(end="")
            line.append_text(wrapped)  # its style becomes a span: Text.render draws spans only
            yield line

    def fewest_lines(self) -> int:
        return 1 if self.text.plain else 0


class _Hanging(_Lines):
    """One block of text whose continuation lines are indented (the pane's title)."""

    def __init__(self, text: Text, indent: int = 2) -> None:
        super().__init__()
        self.text = text
        self.indent = indent

    def lines(self, console: Console, width: int) -> Iterable[Text]:
        return _hanging(console, width, self.text, indent=self.indent)

    def height(self, console: Console, width: int) -> int:
        return _hanging_count(width, self.text, indent=self.indent)


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

    def height(self, console: Console, width: int) -> int:
        rows = sum(
            1 if one_line else _hanging_count(width, value, indent=self.label_width, label=label)
            for label, value, one_line in self.rows
        )
        return rows + len(self.tallies)

    def fewest_lines(self) -> int:
        return len(self.rows) + len(self.tallies)


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


class _Document:
    """The pane's blocks one after the other: how many lines they make at a width, and any one of them."""

    def __init__(self, blocks: list[_Lines], events: _Events | None = None) -> None:
        self.blocks = blocks
        #: The events block, kept so the same incident shown again reuses what it built.
        self.events = events
        self._starts: dict[int, list[int]] = {}

    def _starts_at(self, console: Console, width: int) -> list[int]:
        """Where each block starts, then where the last ends, at ``width``."""
        starts = self._starts.get(width)
        if starts is None:
            if len(self._starts) > 2:  # the pane is laid out at its width with and without a scrollbar
                self._starts.clear()
            starts = [0]
            for block in self.blocks:
                starts.append(starts[-1] + block.height(console, width))
            self._starts[width] = starts
        return starts

    def height(self, console: Console, width: int) -> int:
        return self._starts_at(console, width)[-1]

    def fewest_lines(self) -> int:
        """At least this many lines at any width, known without wrapping anything."""
        return sum(block.fewest_lines() for block in self.blocks)

    def locate(self, console: Console, width: int, y: int) -> tuple[_Lines, int] | None:
        """The block that line ``y`` belongs to and its line within it (None below the document)."""
        starts = self._starts_at(console, width)
        if not 0 <= y < starts[-1]:
            return None
        which = bisect_right(starts, y) - 1
        return self.blocks[which], y - starts[which]

    def line(self, console: Console, width: int, y: int) -> Text | None:
        found = self.locate(console, width, y)
        return None if found is None else found[0].line(console, width, found[1])

    def reusable(self) -> dict[Hashable, _Lines]:
        """The blocks another document of equal parts may take as they are, by what they were built from."""
        return {block.source: block for block in reversed(self.blocks) if block.source is not None}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Every line, for a whole-document render (the pane itself draws only what is on screen)."""
        width = options.max_width
        for y in range(self.height(console, width)):
            yield from self.line(console, width, y).render(console)
            yield Segment.line()


def render_detail(context: DetailContext, shown: _Document | None = None) -> _Document:
    """The pane's document for ``context``; ``shown`` (what the pane showed) lends the blocks that
    would be built alike, with their lines as drawn: when a device or history arrives for the
    incident shown, only its section is built and drawn anew."""
    incident = context.incident
    if incident is None:
        return _Document([_Plain(Text("No incident selected.", style="dim"))])
    kept = shown.reusable() if shown is not None else {}

    def block(source: Hashable, build) -> _Lines:
        found = kept.pop(source, None)
        if found is None:
            found = build()
            found.source = source
        return found

    def title() -> _Lines:
        text = Text(end="")
        text.append_text(_text(context.title, "bold"))
        if context.status is not None:
            text.append(f"  [{context.status.label.lower()}]", style="bold" if context.status.is_open else "dim")
        return _Hanging(text)

    blocks: list[_Lines] = [block(("title", context.title, context.status), title)]
    counts = context.counts
    for section in context.lead:
        counted = tuple((tally, counts[tally]) for tally in section.tallies if tally in counts)
        blocks.append(block(("lead", section, counted), lambda section=section: _Rows(section, counts)))
    events_of = context.events_of or incident
    counted_note = context.events_counted if counts and context.events_counted < events_of.events_count else None

    def heading() -> _Lines:
        text = Text(f"{context.events_heading} ({events_of.events_count})", style="bold")
        if counted_note is not None:
            text.append(f" · counted above: the first {counted_note:,}", style="dim")
        return _Plain(text)

    blocks.append(block(("heading", context.events_heading, events_of.events_count, counted_note), heading))
    events = None
    if not events_of.events:
        blocks.append(block(("no events", context.no_events_note), lambda: _Plain(Text(context.no_events_note, style="dim"))))
    else:
        reusable = shown.events if shown is not None else None
        events = reusable if reusable is not None and reusable.incident is events_of else _Events(events_of)
        blocks.append(events)
    blocks.extend(block(("section", section), lambda section=section: _Rows(section)) for section in context.sections)
    return _Document(blocks, events)


def _shown_fields(event: Event) -> tuple[list[tuple[str, str]], str]:
    """The event's first fields, cleaned, and the note of how many more it has ("" for none)."""
    fields = [(clean(name, limit=NAME_LIMIT), clean(value, limit=VALUE_LIMIT))
              for name, value in event.fields[:MAX_FIELDS_SHOWN]]
    more = len(event.fields) - MAX_FIELDS_SHOWN
    return fields, f"  … {more:,} more field{'s' if more != 1 else ''}" if more > 0 else ""


def _event_plain(event: Event) -> str:
    """What ``_event_line`` reads, as a string: enough to count its lines, for a third of the work."""
    fields, more = _shown_fields(event)
    return "  ".join([f"{name}={value}" for name, value in fields]) + more


def _event_line(event: Event) -> Text:
    """``name=value`` for the event's first fields, and how many more it has.

    Built as one string and its spans rather than appended piece by piece: the
    pane counts the lines of every event it shows, each time it shows one.
    """
    fields, more = _shown_fields(event)
    pieces: list[str] = []
    spans: list[Span] = []
    position = 0
    for name, value in fields:
        if pieces:
            pieces.append("  ")
            position += 2
        spans.append(Span(position, position + len(name), "bold"))
        pieces += (name, "=", value)
        position += len(name) + 1 + len(value)
    if more:
        spans.append(Span(position, position + len(more), "dim"))
        pieces.append(more)
    return Text("".join(pieces), end="", spans=spans)


class _Events(_Lines):
    """An incident's events, one row each (wrapped under itself), then what was not shown.

    Counting its lines wraps no text (``_wrapped_count``); an event's lines are
    built only when one of them scrolls into view.  At most ``MAX_EVENT_LINES``
    lines (and ``MAX_EVENTS_SHOWN`` events), so the work never grows with what
    the console sent.
    """

    def __init__(self, incident: Incident, label_width: int = 9) -> None:
        super().__init__()
        self.incident = incident
        self.label_width = label_width
        #: (time, fields) of each event that may be shown, as strings: what its lines are counted from.
        self._plain: list[tuple[str, str]] | None = None
        #: At the width last laid out: where each shown event's lines start, how many it shows, the notes.
        self._layout_width = -1
        self._starts: list[int] = []
        self._shown_lines: list[int] = []
        self._notes: list[Text] = []
        self._event_lines: dict[int, list[Text]] = {}

    def _event_plain(self) -> list[tuple[str, str]]:
        """(time, fields) of each event that may be shown, as strings, built once; each event's
        ``Text`` is built only when one of its lines is drawn."""
        if self._plain is None:
            self._plain = [
                (format_time(event.timestamp, clock=True), _event_plain(event))
                for event in self.incident.events[:MAX_EVENTS_SHOWN]
            ]
        return self._plain

    def _lay_out(self, console: Console, width: int) -> None:
        if width == self._layout_width:
            return
        rows = self._event_plain()
        indent = self.label_width
        value_width = max(width - indent, _MIN_VALUE_WIDTH)
        starts: list[int] = []
        shown_lines: list[int] = []
        budget = MAX_EVENT_LINES
        total = 0
        for label, line in rows:
            if budget <= 0:
                break
            count = _wrapped_count(line, value_width) + (cell_len(label) >= indent)
            starts.append(total)
            shown_lines.append(min(count, budget))
            total += min(count, budget)
            budget -= count
        shown = len(starts)
        hidden = max(self.incident.events_count, len(self.incident.events)) - shown
        notes = [f"{hidden:,} more events not shown"] if hidden > 0 else []
        if budget < 0 or shown < len(rows):
            notes.append(f"the pane draws at most {MAX_EVENT_LINES:,} lines of events")
        note_lines = _hanging(console, width, Text("… " + "; ".join(notes), style="dim"), indent=2) if notes else []
        for note in note_lines:
            note.truncate(width, overflow="ellipsis")
        starts.append(total)
        self._layout_width = width
        self._starts, self._shown_lines, self._notes = starts, shown_lines, note_lines
        self._event_lines.clear()

    def height(self, console: Console, width: int) -> int:
        self._lay_out(console, width)
        return self._starts[-1] + len(self._notes)

    def fewest_lines(self) -> int:
        return min(len(self.incident.events), MAX_EVENTS_SHOWN, MAX_EVENT_LINES)

    def line(self, console: Console, width: int, index: int) -> Text:
        self._lay_out(console, width)
        if index >= self._starts[-1]:
            return self._notes[index - self._starts[-1]]
        which = bisect_right(self._starts, index) - 1
        lines = self._event_lines.get(which)
        if lines is None:
            event = self.incident.events[which]
            label = Text(self._event_plain()[which][0], style="dim")
            lines = _hanging(console, width, _event_line(event), indent=self.label_width, label=label)[: self._shown_lines[which]]
            for line in lines:
                line.truncate(width, overflow="ellipsis")  # only when the pane is narrower than any value
            self._event_lines[which] = lines
        return lines[index - self._starts[which]]


def _same(shown: DetailContext, context: DetailContext) -> bool:
    """Whether ``shown`` draws as ``context`` would: equal, and the very incidents (an incident equals
    a copy at its version whatever the events its document holds)."""
    return shown.incident is context.incident and shown.events_of is context.events_of and shown == context


class DetailPane(ScrollView, can_focus=True):
    """Scrollable details of one incident.

    The pane draws its own lines (Textual's line API): a new incident changes its
    virtual size and repaints what shows, and only the lines on screen are built.
    """

    ALLOW_MAXIMIZE = False  # Z zooms it; Textual's maximize would be a second way
    #: Incidents kept drawn after the cursor leaves them, so j then k draws nothing anew.
    RECENT = 8
    DEFAULT_CSS = """
    DetailPane { height: 1fr; overflow-x: hidden; overflow-y: auto; }
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
        self.context = DetailContext(None)
        self.document = render_detail(self.context)
        self.zoomed = False
        #: The width the document is wrapped to (the content's, less the scrollbar when it shows),
        #: and the content size it was measured for.
        self._text_width = 0
        self._measured_for = Size(0, 0)
        #: The last few incidents shown before this one: what they showed and its document (its lines as drawn).
        self._recent: OrderedDict[str, tuple[DetailContext, _Document]] = OrderedDict()

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

    def show(self, context: DetailContext) -> None:
        if context == self.context:
            return  # a load that brought nothing new: nothing to draw again
        incident, shown = context.incident, self.context.incident
        drawn, drawn_width, drawn_top = self.document, self._text_width, self.scroll_offset.y
        if incident is None or shown is None or incident.key != shown.key:
            self.scroll_to(y=0, animate=False, immediate=True)  # drawn from the top in this frame, not the next
        if shown is not None:
            self._recent[shown.key] = (self.context, self.document)
            self._recent.move_to_end(shown.key)
            if len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)
        recent = self._recent.pop(incident.key, None) if incident is not None else None
        if recent is not None and _same(recent[0], context):
            # Back to an incident shown lately, unchanged: its lines are already built and drawn.
            _, self.document = recent
        else:
            self.document = render_detail(context, recent[1] if recent is not None else self.document)
        self.context = context
        self._measure()
        self._refresh_changed(drawn, drawn_width, drawn_top)

    def _refresh_changed(self, drawn: _Document, width: int, top: int) -> None:
        """Repaint the lines on screen that ``drawn`` (at ``width``, scrolled to ``top``) showed otherwise:
        a lookup landing for the incident shown repaints its own lines, none if they are out of sight."""
        if width <= 0 or width != self._text_width or top != self.scroll_offset.y:
            self.refresh()  # a new width wraps every line again; a new scroll moves every line
            return
        console = self.app.console
        for y in range(top, top + self.scrollable_content_region.height):
            if drawn.locate(console, width, y) != self.document.locate(console, width, y):
                self.refresh_line(y)

    def on_resize(self) -> None:
        self._measure()

    def _measure(self) -> None:
        """Wrap the document to the pane's width, narrower by the scrollbar when it is taller than the pane."""
        width, height = self._measured_for = self.content_region.size  # the scrollbar's column included
        if width <= 0:
            return  # not laid out yet
        console = self.app.console
        scrollbar = self.styles.scrollbar_size_vertical
        if scrollbar and self.document.fewest_lines() > height:
            # Taller than the pane at any width: wrapped once, beside the scrollbar.
            width -= scrollbar
            lines = self.document.height(console, width)
        else:
            lines = self.document.height(console, width)
            if lines > height and scrollbar:
                width -= scrollbar
                lines = self.document.height(console, width)
        self._text_width = width
        size = Size(width, lines)
        if size.width == self.virtual_size.width and (lines > height) == self.show_vertical_scrollbar:
            # Nothing on screen moves (same width, the scrollbar stays or stays away): no layout pass
            # (a reflow of the screen, then a frame of its own for the scrollbar); the scrollbar is
            # told the new height here, and draws in the same frame as the text.
            self.set_reactive(DetailPane.virtual_size, size)
            if self.show_vertical_scrollbar:
                self.vertical_scrollbar.window_virtual_size = lines
            if self.scroll_y > self.max_scroll_y:  # a shorter document: its end comes up to the pane's
                self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        else:
            self.virtual_size = size

    def render_line(self, y: int) -> Strip:
        if self.content_region.size != self._measured_for:
            self._measure()  # the first frame, or a new size: drawn before the Resize event arrives
        width = self._text_width
        base = self.visual_style.rich_style
        console = self.app.console
        found = self.document.locate(console, width, y + self.scroll_offset.y)
        if found is None:  # below the document: the pane's background only, as around its text
            return Strip.blank(width, Style(bgcolor=base.bgcolor))
        block, index = found
        return block.strip(console, width, index, base)
