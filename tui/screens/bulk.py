"""The bulk dialog (b): set a status on, or delete, every incident a filter matches, on the console.

The backend declares the filters (``Backend.bulk_fields``); they start filled in
from the highlighted incident (Canary: its source IP ticked), so "everything from
this scanner" is b then enter.  Enter counts the matching incidents on the console
(``Backend.count_matching``) and returns the count for the confirmation; nothing
is sent from here.

The focus starts on the action, and every action, filter and option has a letter
(underlined in its label, listed at the bottom) that works while no text field
has the focus: an action's letter chooses it, a filter's ticks it and puts the
cursor in its value (or unticks it).  "Delete acknowledged incidents older than
3 days" is b d s o 3 d enter y: 8 keys from the table (the source IP unticked).
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, RadioButton, RadioSet, Static

from ..backends.base import BulkPreview, BulkRequest, Capability, FormValueError
from ..backends.errors import ApiError
from ..model import Incident
from ..sanitize import clean
from ..widgets.toggles import GlyphCheckbox, GlyphRadioButton
from .accelerators import accelerators, with_accelerator
from .worker_errors import ReportsWorkerErrors
from .on_console import OnConsole

DELETE = "delete"


class ActionChoice(RadioSet, inherit_bindings=False):
    """The action: ← and → choose the one beside at once; enter is the form's (it counts)."""

    BINDINGS = [
        Binding("left", "step(-1)", "Previous action", show=False),
        Binding("right", "step(1)", "Next action", show=False),
    ]

    def action_step(self, step: int) -> None:
        buttons = list(self.query(RadioButton))
        buttons[(self.pressed_index + step) % len(buttons)].value = True


class BulkScreen(OnConsole, ReportsWorkerErrors, ModalScreen[BulkPreview | None]):
    BINDINGS = [
        Binding("enter", "count", "Count", id="bulk-count"),
        Binding("escape", "cancel", "Cancel", id="bulk-cancel"),
    ]

    def __init__(self, highlighted: Incident | None) -> None:
        super().__init__()
        self.highlighted = highlighted
        # The highlighted incident's values as the console knows them; the form shows them cleaned.
        self._raw: dict[str, str] = {}
        #: Each letter and the id of what it works: an action's button, a filter's or an option's box.
        self.letters: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        backend = self.session.backend
        incident = self.highlighted
        self._raw = {
            field.name: field.value_of(incident) if incident is not None and field.value_of else ""
            for field in backend.bulk_fields
        }
        values = {name: clean(raw, limit=200) for name, raw in self._raw.items()}
        actions = [(named.verb, named.verb.capitalize()) for named in backend.status_actions]
        if Capability.DELETE in backend.capabilities:
            actions.append((DELETE, "Delete"))
        fields, options = backend.bulk_fields, backend.bulk_options
        labels = [label for _, label in actions] + [field.label for field in fields] + [option.label for option in options]
        letters = accelerators(labels)
        action_letters, field_letters = letters[: len(actions)], letters[len(actions) : len(actions) + len(fields)]
        option_letters = letters[len(actions) + len(fields) :]
        ids = [f"bulk-{action}" for action, _ in actions] + [f"use-{field.name}" for field in fields] + [option.name for option in options]
        self.letters = {letter: widget_id for letter, widget_id in zip(letters, ids) if letter}
        with Vertical(id="bulk-dialog"):
            yield Static(Text("Bulk action on the console, by filter", style="bold"))
            with ActionChoice(id="bulk-action", compact=True):
                for index, ((action, label), letter) in enumerate(zip(actions, action_letters)):
                    yield GlyphRadioButton(with_accelerator(label, letter), value=index == 0, id=f"bulk-{action}", compact=True)
            for field, letter in zip(fields, field_letters):
                name = field.name
                hint = (field.named(incident) if incident is not None and field.named else "") or field.hint
                with Horizontal(classes="bulk-row"):
                    yield GlyphCheckbox(with_accelerator(field.label, letter), value=field.chosen and bool(values[name]),
                                        id=f"use-{name}", compact=True)
                    yield Input(values[name], id=f"value-{name}", compact=True)
                    yield Static(Text(clean(hint, limit=40), style="dim"), classes="bulk-hint")
            for option, letter in zip(options, option_letters):
                yield GlyphCheckbox(with_accelerator(option.label, letter), id=option.name, compact=True)
            yield Static(id="bulk-status")
            yield Static(self._keys_line(action_letters, field_letters, option_letters), id="bulk-keys")

    @staticmethod
    def _keys_line(action_letters: list[str], field_letters: list[str], option_letters: list[str]) -> Text:
        parts = [f"{'/'.join(filter(None, action_letters))} action", f"{'/'.join(filter(None, field_letters))} filter on/off"]
        if any(option_letters):
            parts.append(f"{'/'.join(filter(None, option_letters))} option")
        return Text(" · ".join(parts) + "\nenter counts them on the console · tab next · space ticks · esc cancel", style="bold")

    def on_mount(self) -> None:
        self._show_options()
        self.query_one(ActionChoice).focus()

    def on_key(self, event: events.Key) -> None:
        """A choice's letter (text fields keep their letters: they never pass them on)."""
        widget_id = self.letters.get(event.character or "")
        if widget_id is None:
            return
        event.stop()
        widget = self.query_one(f"#{widget_id}")
        if isinstance(widget, RadioButton):
            widget.value = True
        elif widget_id.startswith("use-") and not widget.value:
            # A filter turned on wants its value: the cursor goes there (the box ticks as it is typed).
            widget.value = True
            self.query_one(f"#value-{widget_id.removeprefix('use-')}", Input).focus()
        elif widget.display:
            widget.value = not widget.value

    @property
    def action(self) -> str:
        """The chosen action: a ``StatusAction.verb``, or "delete"."""
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.id.removeprefix("bulk-") if pressed and pressed.id else self.session.backend.status_actions[0].verb

    @on(RadioSet.Changed)
    def _action_changed(self) -> None:
        self._show_options()

    def _show_options(self) -> None:
        """Only the options of the chosen action are offered."""
        for option in self.session.backend.bulk_options:
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
        backend = self.session.backend
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
            preview = await self.session.backend.count_matching(request, now=self.app.now())
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
