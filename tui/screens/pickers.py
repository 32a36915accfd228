"""Pickers for an edit: who to assign (A, and t when the console does not say who you are) and
which severity (!).

Both return the choice and send nothing; the main screen sends it with ``app.run_edit``.
User names come from the console and may be anyone's choice: shown cleaned, as literal text.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..backends.base import SeveritySpec, User
from ..backends.errors import ApiError
from ..sanitize import clean
from .worker_errors import ReportsWorkerErrors
from .on_console import OnConsole
from .typed_ahead import TakesTypedAhead

#: The picker's first choice: nobody (``Change.assignee`` "" unassigns).
UNASSIGNED = User("", "Unassigned")
NAME_LIMIT = 60


def user_label(user: User) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    if user is UNASSIGNED:
        text.append("— Unassigned —", style="italic")
        return text
    text.append(clean(user.name, limit=NAME_LIMIT))
    if user.me:
        text.append("  (you)", style="dim")
    return text


def matches(user: User, typed: str) -> bool:
    """Whether ``typed`` (any case) is in the name as shown; every user for nothing typed."""
    wanted = typed.strip().casefold()
    shown = "unassigned" if user is UNASSIGNED else clean(user.name, limit=NAME_LIMIT)
    return not wanted or wanted in shown.casefold()


class AssignScreen(TakesTypedAhead, OnConsole, ReportsWorkerErrors, ModalScreen[User | None]):
    """Type to filter the console's users, ↑/↓ to move, enter picks; "Unassigned" comes first."""

    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False, id="assign-next"),
        Binding("up", "move(-1)", "Previous", show=False, id="assign-previous"),
        Binding("escape", "cancel", "Cancel", id="assign-cancel"),
    ]
    TEXT_FIELD = "#assign-filter"

    def __init__(self, heading: str, *, current: str | None = None) -> None:
        """``current``: the assignee's name ("" for nobody) when every target has the same one."""
        super().__init__()
        self.heading = heading
        self.current = current
        self.users: tuple[User, ...] = ()
        #: The users the list shows now, in its order (options are found by index).
        self.shown: list[User] = []
        self._loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="assign-dialog", classes="edit-dialog"):
            yield Static(Text(self.heading, style="bold"), classes="edit-heading")
            yield Input(placeholder="type to filter by name", id="assign-filter", compact=True)
            yield OptionList(id="assign-users", compact=True, markup=False)
            yield Static(Text("Loading the console's users…", style="dim"), id="assign-status")
            yield Static(Text("enter picks · ↑/↓ move · esc cancel", style="bold"), classes="edit-keys")

    def on_mount(self) -> None:
        self._show("")
        self.query_one(Input).focus()
        self.load_users()

    @work(exclusive=True, group="assign-users", exit_on_error=False)
    async def load_users(self) -> None:
        try:
            users = await self.session.backend.users()
        except ApiError as error:
            self._say(Text(clean(f"Could not read the users: {error}", limit=200), style="bold red"))
            return
        self.users = tuple(sorted(users, key=lambda user: (not user.me, clean(user.name).casefold())))
        self._loaded = True
        self._show(self.query_one(Input).value)

    def _say(self, line: Text) -> None:
        self.query_one("#assign-status", Static).update(line)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, typed: str) -> None:
        self.shown = [user for user in (UNASSIGNED, *self.users) if matches(user, typed)]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(user_label(user), id=f"user-{index}") for index, user in enumerate(self.shown))
        if self.shown:
            current = next((index for index, user in enumerate(self.shown) if self._is_current(user)), None)
            # Typing narrows to what was meant: the first match, not the current assignee.
            options.highlighted = current if current is not None and not typed.strip() else 0
        if self._loaded:
            self._say(Text(self._count_line(typed), style="dim"))

    def _count_line(self, typed: str) -> str:
        total = len(self.users)
        if not total:
            return "The console lists no users: only Unassigned."
        matching = sum(1 for user in self.users if matches(user, typed))
        return f"{total:,} users" if not typed.strip() else f"{matching:,} of {total:,} users match"

    def _is_current(self, user: User) -> bool:
        if self.current is None:
            return False
        return not self.current if user is UNASSIGNED else user.name == self.current

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if self.shown:
            options.highlighted = max(0, min(len(self.shown) - 1, (options.highlighted or 0) + step))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is None or not self.shown:
            self._say(Text("Nobody matches: change the filter, or esc.", style="bold red"))
            return
        self.dismiss(self.shown[highlighted])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


class SeverityScreen(OnConsole, ModalScreen[SeveritySpec | None]):
    """The backend's severities, most urgent first, glyph and label; enter picks."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="severity-cancel")]

    def __init__(self, heading: str, severities: tuple[SeveritySpec, ...], *, current: str | None = None) -> None:
        super().__init__()
        self.heading = heading
        self.severities = severities
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="severity-dialog", classes="edit-dialog"):
            yield Static(Text(self.heading, style="bold"), classes="edit-heading")
            yield OptionList(
                *(Option(Text(f"{spec.glyph} {spec.label}"), id=f"severity-{index}") for index, spec in enumerate(self.severities)),
                id="severity-choices",
                compact=True,
                markup=False,
            )
            yield Static(Text("enter picks · ↑/↓ move · esc cancel", style="bold"), classes="edit-keys")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        ids = [spec.id for spec in self.severities]
        choices.highlighted = ids.index(self.current) if self.current in ids else 0
        choices.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.severities[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
