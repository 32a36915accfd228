"""The detail pane counts each event's lines without drawing it (issue 12: an incident of 120 events
is counted on the key that highlights it), and must count exactly the lines it then draws: one too
few and the pane's last line is cut off, one too many and it scrolls to a blank line."""

from __future__ import annotations

import io
import random
from datetime import datetime, timezone

from rich.console import Console
from rich.text import Text

from tui.model import Event
from tui.widgets.detail_pane import MAX_FIELDS_SHOWN, _event_line, _event_plain, _hanging, _wrapped_count

CONSOLE = Console(file=io.StringIO(), width=200)
WHEN = datetime(2025, 5, 1, 12, 0, tzinfo=timezone.utc)


def drawn_lines(text: str, width: int) -> int:
    return len(Text(text).wrap(CONSOLE, width, overflow="fold"))


def test_a_line_is_counted_as_rich_wraps_it_at_every_width():
    rng = random.Random(12)
    words = ["a", "root", "=", "USERNAME=admin", " ", "  ", "x" * 37, "/" * 90, "Mozilla/5.0 (X11; Linux)", "…", "名前"]
    for _ in range(3000):
        text = "".join(rng.choice(words) + rng.choice(("", " ", "  ")) for _ in range(rng.randint(1, 14)))
        text = text.strip("\n")
        for width in (1, 2, 7, 10, 31, 68, 69, 121):
            assert _wrapped_count(text, width) == drawn_lines(text, width), (text, width)


def test_an_events_lines_are_counted_from_the_text_it_draws():
    fields = tuple((f"FIELD{index}", "v" * index + " tail") for index in range(MAX_FIELDS_SHOWN + 3))
    events = [
        Event(WHEN, (("USERNAME", "admin"), ("PASSWORD", "hunter2"), ("USERAGENT", "curl/8.1 " * 12))),
        Event(WHEN, (("PATH", "/" + "a" * 150), ("NOTE", "\x1b[31mred\x1b[0m\ttab"))),
        Event(WHEN, fields),
        Event(None, (("名前", "値 " * 40),)),
    ]
    for event in events:
        line = _event_line(event)
        assert _event_plain(event) == line.plain
        for width in (20, 68, 77, 119):
            drawn = _hanging(CONSOLE, width, line, indent=9, label=Text("12:00:00"))
            assert _wrapped_count(_event_plain(event), width - 9) == len(drawn)
