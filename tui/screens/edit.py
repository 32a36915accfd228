"""Prompts and forms for an edit: due date (D), note (n, and c's closing note), a new incident (N),
name and description (E).

Each returns what the analyst asked for and sends nothing: the main screen sends it
(``app.run_edit`` / ``app.run_create``).  Text from the console (a name, a description)
is shown cleaned; a field left as it was shown is not sent, so an incident's exact text
is never replaced by its cleaned copy.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioSet, Static, TextArea

from ..backends.base import NO_DUE_DATE, UNCHANGED, Change, User
from ..duedate import FORMS, DueDateError, describe_due, parse_due
from ..sanitize import clean
from ..widgets.toggles import GlyphRadioButton
from .pickers import UNASSIGNED, AssignScreen, user_label
from .on_console import OnConsole
from .typed_ahead import TakesTypedAhead

#: Controls an editor may leave in a file (not newline or tab): dropped from the note.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TEXT_LIMIT = 2000


def shown_text(raw: str) -> str:
    """Console text for an editable field: each line cleaned (newlines kept, escapes visible)."""
    return "\n".join(clean(line, limit=TEXT_LIMIT) for line in raw.split("\n"))


def _red(line: str) -> Text:
    return Text(clean(line, limit=300), style="bold red")


class DueDateScreen(TakesTypedAhead, OnConsole, ModalScreen[datetime | None]):
    """One line read by ``tui.duedate`` as it is typed; enter sets it, empty clears it
    (``NO_DUE_DATE``), esc returns None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="due-cancel")]
    TEXT_FIELD = "#due-input"

    def __init__(self, heading: str) -> None:
        super().__init__()
        self.heading = heading

    def compose(self) -> ComposeResult:
        with Vertical(id="due-dialog", classes="edit-dialog"):
            yield Static(Text(self.heading, style="bold"), classes="edit-heading")
            yield Input(placeholder="+4h", id="due-input", compact=True)
            yield Static(id="due-preview")
            yield Static(Text(FORMS, style="dim"))
            yield Static(Text("enter sets it · empty clears it · esc cancel", style="bold"), classes="edit-keys")

    def on_mount(self) -> None:
        self._preview("")
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._preview(event.value)

    def _preview(self, typed: str) -> None:
        preview = self.query_one("#due-preview", Static)
        now = self.app.now()
        try:
            due = parse_due(typed, now)
        except DueDateError as error:
            preview.update(_red(str(error)))
            return
        preview.update(Text("No due date: enter clears it." if due is None else f"→ {describe_due(due, now)}"))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            due = parse_due(event.value, self.app.now())
        except DueDateError as error:
            self.query_one("#due-preview", Static).update(_red(str(error)))
            return
        self.dismiss(NO_DUE_DATE if due is None else due)

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteScreen(TakesTypedAhead, OnConsole, ModalScreen[str | None]):
    """A note, one line or many; ctrl+s sends, ctrl+e writes it in ``$EDITOR``, esc returns None.

    ``optional``: an empty note is an answer too (closing without a note); else it is refused.
    """

    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="note-send", priority=True),
        # Priority: the text area has ctrl+e (end of line) itself.
        Binding("ctrl+e", "editor", "$EDITOR", id="note-editor", priority=True),
        Binding("escape", "cancel", "Cancel", id="note-cancel"),
    ]
    TEXT_FIELD = "#note-text"

    def __init__(self, heading: str, *, send_label: str = "adds it", optional: str = "") -> None:
        """``optional``: what sending an empty note does ("closes them without a note"); "" refuses one."""
        super().__init__()
        self.heading = heading
        self.send_label = send_label
        self.optional = optional

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="edit-dialog"):
            yield Static(Text(self.heading, style="bold"), classes="edit-heading")
            yield TextArea(id="note-text", soft_wrap=True, show_line_numbers=False, compact=True)
            yield Static(id="note-status")
            keys = f"ctrl+s {self.send_label}"
            if self.optional:
                keys += f" (empty: {self.optional})"
            yield Static(Text(f"{keys} · ctrl+e $EDITOR · esc cancel", style="bold"), classes="edit-keys")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text.strip()

    def action_send(self) -> None:
        if not self.text and not self.optional:
            self.query_one("#note-status", Static).update(_red("A note needs some text (esc cancels)."))
            return
        self.dismiss(self.text)

    def action_editor(self) -> None:
        """The note in ``$VISUAL``/``$EDITOR`` (vi): a private temp file (0600), removed after."""
        area = self.query_one(TextArea)
        editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
        descriptor, name = tempfile.mkstemp(prefix="roost-note-", suffix=".txt")
        path = Path(name)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(area.text)
            try:
                with self.app.suspend():
                    subprocess.run([*editor, str(path)], check=False)
            except SuspendNotSupported:
                self.query_one("#note-status", Static).update(_red("No editor here: this terminal cannot be handed over."))
                return
            except OSError as error:
                self.query_one("#note-status", Static).update(_red(f"Could not start {editor[0]}: {error.strerror or error}"))
                return
            written = path.read_text(encoding="utf-8", errors="replace")
        finally:
            path.unlink(missing_ok=True)
        area.load_text(_CONTROLS.sub("", written).rstrip("\n"))
        area.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


class _FormScreen(TakesTypedAhead, OnConsole, ModalScreen[Change | None]):
    """What the create and edit forms share: ctrl+s (or enter in a one-line field) saves, esc cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form-save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form-cancel"),
    ]
    TEXT_FIELD = "#form-name"

    def row(self, label: str, *widgets) -> Horizontal:
        return Horizontal(Static(label, classes="form-label"), *widgets, classes="form-row")

    def problem(self, line: str) -> None:
        status = self.query_one("#form-status", Static)
        status.update(_red(line))
        status.display = True

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)


class CreateScreen(_FormScreen):
    """A new incident: name (required), description, severity, status, assignee, due."""

    def __init__(self) -> None:
        super().__init__()
        self.assignee: User = UNASSIGNED

    def compose(self) -> ComposeResult:
        backend = self.session.backend
        severities = backend.severities
        with Vertical(id="create-dialog", classes="edit-dialog"):
            yield Static(Text("New incident on the console", style="bold"), classes="edit-heading")
            yield self.row("Name", Input(id="form-name", compact=True, placeholder="required"))
            yield self.row("Description", TextArea(id="form-description", soft_wrap=True, compact=True))
            if severities:
                yield self.row("Severity", RadioSet(
                    *(GlyphRadioButton(f"{spec.glyph} {spec.label}", value=spec is severities[-1], id=f"severity-{spec.id}",
                                       compact=True) for spec in severities),
                    id="form-severity", compact=True))
            yield self.row("Status", RadioSet(
                *(GlyphRadioButton(spec.label, value=index == 0, id=f"status-{spec.id}", compact=True)
                  for index, spec in enumerate(backend.statuses)),
                id="form-status-choice", compact=True))
            yield self.row("Assignee", Button(user_label(UNASSIGNED), id="form-assignee", compact=True))
            yield self.row("Due", Input(id="form-due", compact=True, placeholder="none · +2d · tomorrow 17:00"))
            yield Static(id="form-status")
            yield Static(Text("ctrl+s creates · tab next · enter on Assignee picks · esc cancel", style="bold"),
                         classes="edit-keys")

    def on_mount(self) -> None:
        self.query_one("#form-name", Input).focus()

    @on(Button.Pressed, "#form-assignee")
    def _choose_assignee(self) -> None:
        def chosen(user: User | None) -> None:
            if user is not None:
                self.assignee = user
                self.query_one("#form-assignee", Button).label = user_label(user)

        current = "" if self.assignee is UNASSIGNED else self.assignee.name
        self.app.push_screen(AssignScreen("Assign the new incident to", current=current), chosen)

    def _chosen(self, radio_id: str, prefix: str) -> str | None:
        pressed = self.query_one(radio_id, RadioSet).pressed_button
        return pressed.id.removeprefix(prefix) if pressed and pressed.id else None

    def action_save(self) -> None:
        name = self.query_one("#form-name", Input).value.strip()
        if not name:
            self.problem("A new incident needs a name.")
            self.query_one("#form-name", Input).focus()
            return
        try:
            due = parse_due(self.query_one("#form-due", Input).value, self.app.now())
        except DueDateError as error:
            self.problem(f"Due: {error}")
            return
        self.dismiss(Change(
            title=name,
            description=self.query_one("#form-description", TextArea).text.strip(),
            severity=self._chosen("#form-severity", "severity-") if self.session.backend.severities else UNCHANGED,
            status=self._chosen("#form-status-choice", "status-"),
            assignee=self.assignee.id,
            due=UNCHANGED if due is None else due,
        ))


class EditScreen(_FormScreen):
    """The name and description of one incident, as the console has them (cleaned for the screen);
    returns a Change of only what the analyst changed (none: an empty one), None for esc."""

    def __init__(self, title: str, description: str) -> None:
        super().__init__()
        self.shown_title = shown_text(title)
        self.shown_description = shown_text(description)

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-dialog", classes="edit-dialog"):
            yield Static(Text("Edit the incident's name and description", style="bold"), classes="edit-heading")
            yield self.row("Name", Input(self.shown_title, id="form-name", compact=True))
            yield self.row("Description", TextArea(self.shown_description, id="form-description", soft_wrap=True,
                                                   compact=True))
            yield Static(id="form-status")
            yield Static(Text("ctrl+s saves · tab next · esc cancel", style="bold"), classes="edit-keys")

    def on_mount(self) -> None:
        self.query_one("#form-name", Input).focus()

    def action_save(self) -> None:
        name = self.query_one("#form-name", Input).value.strip()
        description = self.query_one("#form-description", TextArea).text.strip()
        if not name:
            self.problem("An incident needs a name.")
            return
        change = Change(
            title=UNCHANGED if name == self.shown_title.strip() else name,
            description=UNCHANGED if description == self.shown_description.strip() else description,
        )
        self.dismiss(change)
