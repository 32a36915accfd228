"""The bulk dialog (b): set a status on, or delete, every incident a filter matches, on the console.

The backend declares the filters (``Backend.bulk_fields``); they start filled in
from the highlighted incident (Canary: its source IP ticked), so "everything from
this scanner" is b then enter.  Enter counts the matching incidents on the console
(``Backend.count_matching``) and returns the count for the confirmation; nothing
is sent from here.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, RadioSet, Static

from ..backends.base import BulkPreview, BulkRequest, Capability, FormValueError
from ..backends.errors import ApiError
from ..model import Incident
from ..sanitize import clean
from ..widgets.toggles import GlyphCheckbox, GlyphRadioButton
from .worker_errors import ReportsWorkerErrors

DELETE = "delete"


class BulkScreen(ReportsWorkerErrors, ModalScreen[BulkPreview | None]):
    BINDINGS = [
        Binding("enter", "count", "Count", id="bulk-count"),
        Binding("escape", "cancel", "Cancel", id="bulk-cancel"),
    ]

    def __init__(self, highlighted: Incident | None) -> None:
        super().__init__()
        self.highlighted = highlighted
        # The highlighted incident's values as the console knows them; the form shows them cleaned.
        self._raw: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        backend = self.app.backend
        incident = self.highlighted
        self._raw = {
            field.name: field.value_of(incident) if incident is not None and field.value_of else ""
            for field in backend.bulk_fields
        }
        values = {name: clean(raw, limit=200) for name, raw in self._raw.items()}
        actions = [(named.verb, named.verb.capitalize()) for named in backend.status_actions]
        if Capability.DELETE in backend.capabilities:
            actions.append((DELETE, "Delete"))
        with Vertical(id="bulk-dialog"):
            yield Static(Text("Bulk action on the console, by filter", style="bold"))
            with RadioSet(id="bulk-action", compact=True):
                for index, (action, label) in enumerate(actions):
                    yield GlyphRadioButton(label, value=index == 0, id=f"bulk-{action}", compact=True)
            for field in backend.bulk_fields:
                name = field.name
                hint = (field.named(incident) if incident is not None and field.named else "") or field.hint
                with Horizontal(classes="bulk-row"):
                    yield GlyphCheckbox(field.label, value=field.chosen and bool(values[name]), id=f"use-{name}", compact=True)
                    yield Input(values[name], id=f"value-{name}", compact=True)
                    yield Static(Text(clean(hint, limit=40), style="dim"), classes="bulk-hint")
            for option in backend.bulk_options:
                yield GlyphCheckbox(option.label, id=option.name, compact=True)
            yield Static(id="bulk-status")
            yield Static(
                Text("enter counts them on the console · tab next · space ticks · esc cancel", style="bold"),
                id="bulk-keys",
            )

    def on_mount(self) -> None:
        self._show_options()
        self.query_one(Input).focus()

    @property
    def action(self) -> str:
        """The chosen action: a ``StatusAction.verb``, or "delete"."""
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.id.removeprefix("bulk-") if pressed and pressed.id else self.app.backend.status_actions[0].verb

    @on(RadioSet.Changed)
    def _action_changed(self) -> None:
        self._show_options()

    def _show_options(self) -> None:
        """Only the options of the chosen action are offered."""
        for option in self.app.backend.bulk_options:
            self.query_one(f"#{option.name}").display = option.verb == self.action

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
        try:
            request = self.request()
        except FormValueError as problem:
            self._status(str(problem), error=True)
            return
        self._status("Counting the matching incidents on the console…")
        self.count(request)

    def request(self) -> BulkRequest:
        """The request the form describes; FormValueError for what is wrong with it."""
        backend = self.app.backend
        action = self.action
        values = {
            field.name: self._typed_or_raw(field.name, self.query_one(f"#value-{field.name}", Input).value.strip())
            for field in backend.bulk_fields
            if self.query_one(f"#use-{field.name}", Checkbox).value
        }
        options = frozenset(
            option.name
            for option in backend.bulk_options
            if option.verb == action and self.query_one(f"#{option.name}", Checkbox).value
        )
        status = None if action == DELETE else next(named.status for named in backend.status_actions if named.verb == action)
        return backend.bulk_request(status, values, options)

    def _typed_or_raw(self, name: str, shown: str) -> str:
        """The exact value behind a filled-in field the analyst left as it was shown."""
        raw = self._raw.get(name, "")
        return raw if raw and shown == clean(raw, limit=200) else shown

    @work(exclusive=True, group="bulk-count", exit_on_error=False)
    async def count(self, request: BulkRequest) -> None:
        try:
            preview = await self.app.backend.count_matching(request, now=self.app.now())
        except ApiError as error:
            self._status(f"Could not count on the console: {error}", error=True)
            return
        if not preview.incidents:
            self._status(f"Nothing on the console matches {request.describe} right now.", error=True)
            return
        self.dismiss(preview)

    def _status(self, line: str, *, error: bool = False) -> None:
        self.query_one("#bulk-status", Static).update(Text(clean(line, limit=300), style="bold red" if error else "bold"))

    def action_cancel(self) -> None:
        self.dismiss(None)
