"""The edit keys of a screen that lists incidents: t A ! D n N E, and c's closing note.

Each asks what to change (a picker, a prompt, a form), then sends it with
``app.run_edit`` on the targets frozen when the key was pressed: the marks when there
are any, else the highlighted incident (E always edits the highlighted one: names are
one incident's own).  The keys exist only where the backend has the capability
(``keys.ACTION_CAPABILITIES``).

In a read-only session the keys that change the console are off the footer and
help, and pressing one says why in one line rather than doing nothing unexplained.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from textual import events, work
from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.keys import key_to_character

from ..backends.base import Change
from ..backends.errors import ApiError
from ..actions import MUTATING_ACTIONS
from ..keys import keymap_in_effect
from ..sanitize import clean

if TYPE_CHECKING:
    from ..backends.base import SeveritySpec, User
    from ..model import Incident
    from ..triage import ActionResult

# The dialogs (.edit, .pickers: Textual's TextArea and its document model among them) are imported
# when a key first asks for one: the first frame draws none of them.


class EditKeys:
    """Mixed into ``IncidentListScreen`` (which gives ``targets``, ``incident``, ``send`` ...)."""

    def _edit_targets(self) -> tuple[tuple[str, ...], list[Incident]] | None:
        """The targets, frozen now, and those of them this screen knows; None (and a toast) for none."""
        targets = self.targets()
        if not targets:
            self.toast("No incident is highlighted.", severity="warning")
            return None
        return targets, [incident for key in targets if (incident := self.incident(key))]

    def _what(self, targets: tuple[str, ...], incidents: list[Incident]) -> str:
        """How a prompt names its targets: the incident's name, or how many."""
        if len(targets) == 1 and incidents:
            return f"“{clean(self.session.backend.display_title(incidents[0]), limit=48)}”"
        return f"{len(targets):,} incidents"

    def send_edit(self, action: str, change: Change, targets: tuple[str, ...]) -> None:
        self.app.run_edit(self.session, change, targets, known=self.known_incidents(), on_done=self.triage_finished)
        self.triage_sent(action, targets)

    # ------------------------------------------------------------ read-only

    def on_key(self, event: events.Key) -> None:
        """A key refused because the session is read-only says so (its binding, refused by
        ``check_action``, lets the key through to here; a text field keeps its keys)."""
        if not self.session.read_only or event.key in self.active_bindings:
            return
        refused = self._refused_binding(event.key)
        if refused is None:
            return
        event.stop()
        if self.session.settings.read_only:
            why = "started read-only: --read-only or read_only in the profile"
        else:
            why = "the console refused a change: this token may not change incidents"
        pressed = key_to_character(event.key) or event.key
        self.toast(f"Read-only session ({why}): {pressed} ({refused.description}) does nothing.", severity="warning")

    def _refused_binding(self, key: str) -> Binding | None:
        """This screen's binding of ``key`` (as the keymap has it) to an action that changes the
        console; a status key only when the backend has that status."""
        pressed = key_to_character(key) or key
        keymap = keymap_in_effect(self.app.settings.keymap)  # checked when the app started
        for binding in self.BINDINGS:
            names = (name.strip() for name in keymap.get(binding.id, binding.key).split(","))
            if pressed not in {key_to_character(name) or name for name in names}:
                continue
            _, action, parameters = parse_action(binding.action)
            if action in MUTATING_ACTIONS and (action != "set_status" or self.session.can(action, parameters)):
                return binding
        return None

    # ------------------------------------------------------------- assignee

    def action_take(self) -> None:
        chosen = self._edit_targets()
        if chosen is not None:
            self._take(*chosen)

    @work(group="edit-take", exit_on_error=False)
    async def _take(self, targets: tuple[str, ...], incidents: list[Incident]) -> None:
        try:
            users = await self.session.backend.users()
        except ApiError:
            users = ()
        me = next((user for user in users if user.me), None)
        if me is None:
            self.toast("The console does not say which user this token is: pick yourself.")
            self._pick_assignee(targets, incidents)
            return
        self.send_edit("take", Change(assignee=me.id), targets)

    def action_assign(self) -> None:
        chosen = self._edit_targets()
        if chosen is not None:
            self._pick_assignee(*chosen)

    def _pick_assignee(self, targets: tuple[str, ...], incidents: list[Incident]) -> None:
        def picked(user: User | None) -> None:
            if user is not None:
                self.send_edit("assign", Change(assignee=user.id), targets)

        from .pickers import AssignScreen

        current = {incident.assignee for incident in incidents}
        heading = f"Assign {self._what(targets, incidents)} to"
        self.app.push_screen(AssignScreen(heading, current=current.pop() if len(current) == 1 else None), picked)

    # ------------------------------------------------------------- severity

    def action_severity(self) -> None:
        chosen = self._edit_targets()
        if chosen is None:
            return
        targets, incidents = chosen

        def picked(spec: SeveritySpec | None) -> None:
            if spec is not None:
                self.send_edit("severity", Change(severity=spec.id), targets)

        from .pickers import SeverityScreen

        current = {incident.severity for incident in incidents}
        heading = f"Severity of {self._what(targets, incidents)}"
        self.app.push_screen(SeverityScreen(heading, self.session.backend.severities,
                                            current=current.pop() if len(current) == 1 else None), picked)

    # ----------------------------------------------------------- due, notes

    def action_due_date(self) -> None:
        chosen = self._edit_targets()
        if chosen is None:
            return
        targets, incidents = chosen

        def answered(due) -> None:
            if due is not None:
                self.send_edit("due_date", Change(due=due), targets)

        from .edit import DueDateScreen

        self.app.push_screen(DueDateScreen(f"Due date of {self._what(targets, incidents)}"), answered)

    def action_add_note(self) -> None:
        chosen = self._edit_targets()
        if chosen is None:
            return
        targets, incidents = chosen

        def written(note: str | None) -> None:
            if note:
                self.send_edit("add_note", Change(note=note), targets)

        from .edit import NoteScreen

        self.app.push_screen(NoteScreen(f"A note on {self._what(targets, incidents)}"), written)

    def action_set_status(self, verb: str) -> None:
        """A status key; one that closes asks for a closing note where the console keeps notes."""
        if not self.session.takes_closing_note(verb):
            self.send(verb, self.targets())
            return
        named = next(named for named in self.session.backend.status_actions if named.verb == verb)
        chosen = self._edit_targets()
        if chosen is None:
            return
        targets, incidents = chosen

        def written(note: str) -> None:
            if note:
                self.send_edit(verb, Change(status=named.status, note=note), targets)
            else:
                self.send(verb, targets)

        self.ask_closing_note(verb, f"{verb.capitalize()} {self._what(targets, incidents)}: a closing note",
                              targets, written)

    def ask_closing_note(self, verb: str, heading: str, targets: tuple[str, ...],
                         written: Callable[[str], None]) -> None:
        """The closing note dialog for ``verb`` on ``targets``: ``written`` hears the note ("" to
        close without one); esc sends nothing, and says so."""
        from .edit import NoteScreen

        past = next(named.past for named in self.session.backend.status_actions if named.verb == verb)
        them = "it" if len(targets) == 1 else "them"

        def answered(note: str | None) -> None:
            if note is None:
                self.toast(f"Not {past.lower()}: nothing was sent.")
            else:
                written(note)

        self.app.push_screen(NoteScreen(heading, send_label=f"{verb}s {them}", optional=f"{verb}s {them} without a note"),
                             answered)

    # ---------------------------------------------------- create, name, text

    def action_create(self) -> None:
        def created(result: ActionResult) -> None:
            main = self.app.main_screen_of(self.session)
            if result.succeeded and main is not None:
                main.show_incident(result.succeeded[0])

        def drafted(draft: Change | None) -> None:
            if draft is not None:
                self.app.run_create(self.session, draft, on_done=created)

        from .edit import CreateScreen

        self.app.push_screen(CreateScreen(), drafted)

    def action_edit(self) -> None:
        key = self.table.cursor_key
        incident = self.incident(key) if key else None
        if incident is None:
            self.toast("No incident is highlighted.", severity="warning")
            return

        def edited(change: Change | None) -> None:
            if change is not None and not change.fields():
                self.toast("Nothing changed: nothing was sent.")
            elif change is not None:
                self.send_edit("edit", change, (incident.key,))

        # The description is the backend's own field; a backend without one offers an empty text.
        description = getattr(incident.extras, "description", "") or ""
        from .edit import EditScreen

        self.app.push_screen(EditScreen(incident.title, description), edited)
