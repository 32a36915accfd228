"""The table builds each row's segments itself (issue 12: a page of new rows is 100 of them), and
must draw exactly what Rich's Text draws for the same cells: the same characters in the same
cells, in the same styles, split into the same segments, for hostile text, at every width and in
every state a row can be in (cursor, focus, marked, new, open or closed)."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest
from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.strip import Strip

from canary_builders import canary_incident
from tests.hardening.hostile import CORPUS
from tui.backends.canary import CanaryBackend
from tui.paths import stylesheet_paths
from tui.sanitize import clean
from tui.widgets.incident_table import FLAG_MARKED, FLAG_NEW, WIDE_TABLE, IncidentTable, layout_columns, own_columns

VALUES = [*CORPUS.values(), "", "ssh", "10.0.0.1", "web-01.corp.example", "x" * 90]


def hostile_incidents(count: int, rng: random.Random):
    def value() -> str:
        return rng.choice(VALUES)[: rng.choice([8, 40, 400])]

    return [
        canary_incident(
            key=f"incident{index}", summary=value(), acknowledged=rng.random() < 0.4, src_host=value(),
            created=datetime.fromtimestamp(1_700_000_000 + index * 977, timezone.utc),
            node_name=value(), memo=value(), dst_port=rng.choice([None, 22, 65535]), logtype=rng.choice([None, 4002, 17000]),
        )
        for index in range(count)
    ]


def drawn_by_rich(table: IncidentTable, incident, width: int, *, cursor: bool, marked: bool, new: bool) -> Strip:
    """The row as a Rich Text of its cells, each fitted by Rich (``truncate``, ``pad_left``), renders it."""
    def style(name: str):
        return table.get_component_rich_style(f"incident-table--{name}")

    text = Text(no_wrap=True, overflow="ellipsis", end="")
    columns = layout_columns(own_columns(CanaryBackend.statuses), CanaryBackend.columns, width)
    for index, (column, cell_width) in enumerate(columns):
        if index:
            text.append(" ")
        if column.id == "flag":
            value = FLAG_MARKED if marked else (FLAG_NEW if new else " ")
        else:
            value = column.render(incident, width >= WIDE_TABLE)
        cell = Text(clean(value, limit=max(cell_width * 2, 8)))
        cell.truncate(cell_width, overflow="ellipsis")
        if column.justify == "right":
            cell.pad_left(cell_width - cell.cell_len)
        else:
            cell.pad_right(cell_width - cell.cell_len)
        if column.id == "state":
            cell.stylize(style("open" if incident.status == "unacknowledged" else "closed"))
        elif column.id == "flag" and (marked or new):
            cell.stylize(style("marked" if marked else "new"))
        text.append_text(cell)
    base = table.rich_style
    for name, applies in (("new", new), ("marked", marked), ("cursor" if table.has_focus else "cursor-blurred", cursor)):
        if applies:
            base += style(name)
    segments = [Segment(piece.text, base + piece.style if piece.style else base) for piece in text.render(table.app.console)]
    return Strip(segments).crop_extend(0, width, base)


class TableApp(App):
    CSS_PATH = stylesheet_paths()  # Roost's own styles: the rows' colours are its

    def __init__(self, marked: set[str], new: set[str]) -> None:
        super().__init__()
        self.marked, self.new = marked, new

    def compose(self) -> ComposeResult:
        yield IncidentTable(columns=CanaryBackend.columns, statuses=CanaryBackend.statuses,
                            is_marked=self.marked.__contains__, is_new=self.new.__contains__)


@pytest.mark.parametrize("width", [44, 80, 129, 130, 200])
async def test_every_row_is_drawn_as_richs_text_draws_it(width):
    rng = random.Random(width)
    incidents = hostile_incidents(60, rng)
    marked = {incident.key for incident in incidents if rng.random() < 0.3}
    new = {incident.key for incident in incidents if rng.random() < 0.3}
    app = TableApp(marked, new)
    async with app.run_test(size=(width, 64)) as pilot:
        table = app.query_one(IncidentTable)
        table.set_rows(incidents, cursor_index=7)
        await pilot.pause()
        for focused in (True, False):
            if focused:
                table.focus()
            else:
                table.blur()
            await pilot.pause()
            assert table.has_focus is focused
            for y, incident in enumerate(incidents, start=1):
                drawn = table.render_line(y)
                expected = drawn_by_rich(table, incident, width, cursor=y - 1 == 7,
                                         marked=incident.key in marked, new=incident.key in new)
                assert list(drawn) == list(expected), (y, incident.title[:40])
                assert drawn.cell_length == width
