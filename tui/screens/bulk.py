"""The bulk dialog (b): acknowledge, unacknowledge or delete every incident a filter matches, on the console.

The filters start filled in from the highlighted incident (its source IP ticked),
so "everything from this scanner" is b then enter.  Enter counts the matching
incidents on the console (``bulk.count_matching``) and returns the count for the
confirmation; nothing is sent from here.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, RadioSet, Static

from ..backends.errors import ApiError
from ..bulk import BulkPreview, BulkRequest, count_matching, parse_logtypes
from ..model import Incident
from ..sanitize import clean
from ..widgets.toggles import GlyphCheckbox, GlyphRadioButton
from .worker_errors import ReportsWorkerErrors

ACTIONS = (("acknowledge", "Acknowledge"), ("unacknowledge", "Unacknowledge"), ("delete", "Delete"))
# (field, label, hint) for each filter row.
ROWS = (
    ("src_host", "Source IP", ""),
    ("node_id", "Bird", ""),
    ("flock_id", "Flock", ""),
    ("older_than", "Older than", "1h 3d 2w · 0h = all"),
    ("filter_str", "Text", "source, bird, token, rDNS"),
    ("logtypes", "Logtypes", "4002,6001 or ssh,smb"),
)


class BulkScreen(ReportsWorkerErrors, ModalScreen[BulkPreview | None]):
    BINDINGS = [
        Binding("enter", "count", "Count", id="bulk-count"),
        Binding("escape", "cancel", "Cancel", id="bulk-cancel"),
    ]

    def __init__(self, highlighted: Incident | None) -> None:
        super().__init__()
        self.highlighted = highlighted
        # The highlighted incident's values as the console knows them; the form shows them cleaned.
        self._raw = {
            "src_host": highlighted.src_host if highlighted else "",
            "node_id": highlighted.node_id if highlighted else "",
            "flock_id": highlighted.flock_id if highlighted else "",
        }

    def compose(self) -> ComposeResult:
        incident = self.highlighted
        values = {name: clean(raw, limit=200) for name, raw in self._raw.items()}
        hints = {
            "node_id": (incident.node_name or incident.memo) if incident else "",
            "flock_id": incident.flock_name if incident else "",
        }
        with Vertical(id="bulk-dialog"):
            yield Static(Text("Bulk action on the console, by filter", style="bold"))
            with RadioSet(id="bulk-action", compact=True):
                for index, (action, label) in enumerate(ACTIONS):
                    yield GlyphRadioButton(label, value=index == 0, id=f"bulk-{action}", compact=True)
            for name, label, hint in ROWS:
                with Horizontal(classes="bulk-row"):
                    yield GlyphCheckbox(label, value=name == "src_host" and bool(values.get(name)), id=f"use-{name}", compact=True)
                    yield Input(values.get(name, ""), id=f"value-{name}", compact=True)
                    yield Static(Text(clean(hints.get(name) or hint, limit=40), style="dim"), classes="bulk-hint")
            yield GlyphCheckbox("Delete unacknowledged ones too", id="include-unacknowledged", compact=True)
            yield Static(id="bulk-status")
            yield Static(
                Text("enter counts them on the console · tab next · space ticks · esc cancel", style="bold"),
                id="bulk-keys",
            )

    def on_mount(self) -> None:
        self.query_one("#include-unacknowledged").display = False
        self.query_one("#value-src_host", Input).focus()

    @property
    def action(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.id.removeprefix("bulk-") if pressed and pressed.id else "acknowledge"

    @on(RadioSet.Changed)
    def _action_changed(self) -> None:
        self.query_one("#include-unacknowledged").display = self.action == "delete"

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        # Typing a value means using it; emptying it means not.  (Not the values filled in at first.)
        if not event.input.has_focus:
            return
        name = (event.input.id or "").removeprefix("value-")
        self.query_one(f"#use-{name}", Checkbox).value = bool(event.value.strip())

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_count()

    def action_count(self) -> None:
        request, problem = self.request()
        if problem:
            self._status(problem, error=True)
            return
        self._status("Counting the matching incidents on the console…")
        self.count(request)

    def request(self) -> tuple[BulkRequest, str]:
        """The request the form describes, and what is wrong with it (or "")."""
        chosen = {
            name: self._typed_or_raw(name, self.query_one(f"#value-{name}", Input).value.strip())
            for name, _, _ in ROWS
            if self.query_one(f"#use-{name}", Checkbox).value
        }
        logtypes, problem = parse_logtypes(chosen.pop("logtypes", ""))
        request = BulkRequest(
            self.action,  # type: ignore[arg-type]
            logtypes=logtypes,
            include_unacknowledged=self.action == "delete" and self.query_one("#include-unacknowledged", Checkbox).value,
            **chosen,
        )
        return request, problem or next(iter(request.problems()), "")

    def _typed_or_raw(self, name: str, shown: str) -> str:
        """The exact value behind a filled-in field the analyst left as it was shown."""
        raw = self._raw.get(name, "")
        return raw if raw and shown == clean(raw, limit=200) else shown

    @work(exclusive=True, group="bulk-count", exit_on_error=False)
    async def count(self, request: BulkRequest) -> None:
        try:
            preview = await count_matching(self.app.client, request, now=self.app.now())
        except ApiError as error:
            self._status(f"Could not count on the console: {error}", error=True)
            return
        if not preview.incidents:
            self._status(f"Nothing on the console matches {request.describe()} right now.", error=True)
            return
        self.dismiss(preview)

    def _status(self, line: str, *, error: bool = False) -> None:
        self.query_one("#bulk-status", Static).update(Text(clean(line, limit=300), style="bold red" if error else "bold"))

    def action_cancel(self) -> None:
        self.dismiss(None)
