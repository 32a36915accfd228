"""Confirmations: exactly what an action will touch, frozen when its key was pressed.

Deleting cannot be undone through the API.  A dialog lists the incidents
(count and the first few), defaults to No, and when any to be deleted lacks the
status the console deletes from (``Backend.delete_needs``: Canary deletes only
acknowledged incidents) says up front that they are given it first and asks once
more, explicitly, before confirming.  Bulk actions by filter say how many
incidents the console will touch, how that was counted, and whatever the backend
says is out of the ordinary about them.
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..backends.base import Backend, BulkPreview
from ..model import Incident
from ..sanitize import clean
from ..timefmt import format_time
from .on_console import OnConsole

LISTED = 6


def describe(incident: Incident, backend: Backend) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(f"{backend.status(incident.status).glyph} ")
    text.append(format_time(incident.created))
    text.append("  ")
    text.append(clean(incident.title, limit=40), style="bold")
    text.append("  ")
    text.append(clean(incident.source or "-", limit=40))
    if incident.target:
        text.append(" → ")
        text.append(clean(incident.target, limit=40))
    return text


class ConfirmScreen(OnConsole, ModalScreen[bool]):
    """Returns True only after an explicit y, and a second, explicit D when ``risky`` says why.

    Lists ``count`` incidents by the first few of ``incidents``; ``caution``
    (bold, under the title, before the list) says what is out of the ordinary about them;
    ``notes`` say what happens around the action (archive, undo, how the count
    was made).
    """

    BINDINGS = [
        Binding("y", "yes", "Yes", id="confirm-yes"),
        Binding("D", "yes_risky", "Yes, even so", show=False, id="confirm-risky"),
        Binding("n,escape", "no", "No", id="confirm-no"),
    ]

    def __init__(
        self,
        title: str,
        incidents: Sequence[Incident],
        *,
        notes: Sequence[str] = (),
        caution: str = "",
        risky: str = "",
        prompt: str = "y yes · n / esc cancel",
        destructive: bool = True,
    ) -> None:
        super().__init__(classes="" if destructive else "-calm")
        self.title_text = title
        self.incidents = incidents
        self.notes = notes
        self.caution = caution
        self.risky = risky
        self.prompt = prompt
        self._stage = "first"

    def compose(self) -> ComposeResult:
        count = len(self.incidents)
        with Vertical(id="confirm-dialog"):
            yield Static(Text(self.title_text, style="bold"), id="confirm-title")
            if self.caution:  # up front: it changes which key to press, so it is read before the list
                yield Static(Text(self.caution, style="bold"), id="confirm-caution")
            listing = Text(no_wrap=True, overflow="ellipsis", end="")
            for incident in self.incidents[:LISTED]:
                if listing:
                    listing.append("\n")
                listing.append_text(self.describe(incident))
            if count > LISTED:
                listing.append(f"\n… and {count - LISTED:,} more")
            yield Static(listing, id="confirm-list")
            # Notes quote filters taken from incidents (a source IP an attacker chose): cleaned.
            yield Static(Text(clean(" ".join(self.notes), limit=1000), style="dim"), id="confirm-note")
            yield Static(self._prompt(), id="confirm-prompt")

    def describe(self, incident: Incident) -> Text:
        """One line of the list: what the incident is, where from, on what."""
        return describe(incident, self.session.backend)

    def _prompt(self) -> Text:
        if self._stage == "risky":
            return Text(self.risky, style="bold red")
        return Text(self.prompt, style="bold")

    def action_yes(self) -> None:
        if self.risky and self._stage == "first":
            self._stage = "risky"
            self.query_one("#confirm-prompt", Static).update(self._prompt())
            return
        if not self.risky:
            self.dismiss(True)

    def action_yes_risky(self) -> None:
        if self._stage == "risky":
            self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


def _them(count: int) -> str:
    return "it" if count == 1 else "them"


class ConfirmDeleteScreen(ConfirmScreen):
    """Delete what was highlighted or marked; those without the status the console deletes from
    need a second, explicit D and are given it first."""

    def __init__(self, incidents: list[Incident], *, archive_dir: str) -> None:
        count = len(incidents)
        super().__init__(
            f"Delete {count:,} {'incident' if count == 1 else 'incidents'}?",
            incidents,
            notes=[f"{'It is' if count == 1 else 'They are'} archived to {archive_dir} first. Deleting cannot be undone."],
            prompt="y delete · n / esc cancel",
        )

    def compose(self) -> ComposeResult:
        self.caution, self.risky = _first_step_warnings(self.incidents, self.session.backend)
        yield from super().compose()


class ConfirmInboxDeleteScreen(ConfirmScreen):
    """Delete inbox incidents of several consoles: the title says how many on each console, each
    console's first step (Canary's acknowledge) is said per console, and each line names its console."""

    def __init__(self, groups: Sequence[tuple[Any, list[Incident]]], *, left_out: Sequence[str],
                 archive_dir: str) -> None:
        self.groups = groups
        incidents = [incident for _, group in groups for incident in group]
        count = len(incidents)
        per_console = ", ".join(f"{len(group):,} on {clean(session.name, limit=24)}" for session, group in groups)
        super().__init__(
            f"Delete {count:,} {'incident' if count == 1 else 'incidents'}: {per_console}?",
            incidents,
            notes=[f"Each console's are archived to {archive_dir} first, and deleted by that console. "
                   "Deleting cannot be undone.", *left_out],
            prompt="y delete · n / esc cancel",
        )
        self._console_of = {id(incident): session for session, group in groups for incident in group}

    def describe(self, incident: Incident) -> Text:
        session = self._console_of[id(incident)]
        line = Text(f"{clean(session.name, limit=12)} · ", style="bold")
        line.append_text(describe(incident, session.backend))
        return line

    def compose(self) -> ComposeResult:
        cautions, risks = [], []
        for session, group in self.groups:
            caution, risky = _first_step_warnings(group, session.backend)
            if caution:
                cautions.append(f"{clean(session.name, limit=24)}: {caution}")
                risks.append(f"{clean(session.name, limit=24)}: {risky}")
        self.caution, self.risky = " ".join(cautions), " ".join(risks)
        yield from super().compose()


def _first_step_warnings(incidents: Sequence[Incident], backend: Backend) -> tuple[str, str]:
    """(caution, risky) when some of ``incidents`` are given a status before their delete."""
    needs = backend.delete_needs
    unready = [incident for incident in incidents if needs is not None and incident.status != needs]
    if needs is None or not unready:
        return "", ""
    count, them = len(unready), _them(len(unready))
    needed = backend.status(needs).label.lower()
    statuses = {incident.status for incident in unready}
    theirs = backend.status(statuses.pop()).label.lower() if len(statuses) == 1 else f"not {needed}"
    verb = backend.status_action(needs).verb  # a declared verb is a plain English one: "acknowledge"
    which = _which(count, len(incidents), theirs)
    return (
        f"{which}: {'it needs' if count == 1 else 'they need'} D. The console deletes only {needed} incidents; "
        f"D {verb}s {them} first, then deletes.",
        f"{count:,} of these {'is' if count == 1 else 'are'} NOT {needed}. "
        f"Press D (shift+d) to {verb} {them} first, then delete; n or esc to cancel.",
    )


def _which(count: int, total: int, status: str) -> str:
    """Which of the ``total`` incidents have ``status``: "2 of these 5 are unacknowledged"."""
    if count == total:
        return f"It is {status}" if total == 1 else f"All {total:,} are {status}"
    return f"{count:,} of these {total:,} {'is' if count == 1 else 'are'} {status}"


#: What changed on the console, lines shown per incident in a conflict.
THEIRS_SHOWN = 3


class ConflictScreen(ConfirmScreen):
    """An edit met incidents someone else changed since the analyst looked, and sent them nothing:
    what each one's change was, then y to send ours over it or n to keep theirs (and reload)."""

    def __init__(self, incidents: Sequence[Incident], theirs: dict[str, tuple[str, ...]]) -> None:
        count = len(incidents)
        super().__init__(
            f"{count:,} {'incident' if count == 1 else 'incidents'} changed on the console since you looked",
            incidents,
            notes=["Nothing was sent to {}. Sending anyway puts your change over theirs; the other fields go "
                   "as Roost last listed them.".format(_them(count))],
            prompt="y send anyway · n / esc keep theirs and reload",
        )
        self.theirs = theirs

    def compose(self) -> ComposeResult:
        # Their change is the console's text, often an attacker-named incident: cleaned, line by line.
        listing = Text(no_wrap=True, overflow="ellipsis", end="")
        for incident in self.incidents[:LISTED]:
            if listing:
                listing.append("\n")
            listing.append_text(describe(incident, self.session.backend))
            lines = self.theirs.get(incident.key, ())
            for line in lines[:THEIRS_SHOWN]:
                listing.append("\n  ")
                listing.append(clean(line, limit=200), style="italic")
            if len(lines) > THEIRS_SHOWN:
                listing.append(f"\n  … and {len(lines) - THEIRS_SHOWN} more changes")
        if len(self.incidents) > LISTED:
            listing.append(f"\n… and {len(self.incidents) - LISTED:,} more")
        with Vertical(id="confirm-dialog"):
            yield Static(Text(self.title_text, style="bold"), id="confirm-title")
            yield Static(listing, id="confirm-list")
            yield Static(Text(clean(" ".join(self.notes), limit=1000), style="dim"), id="confirm-note")
            yield Static(self._prompt(), id="confirm-prompt")


class ConfirmBulkScreen(ConfirmScreen):
    """A bulk action by filter: how many the console will touch, counted just before, and the first few."""

    def __init__(self, preview: BulkPreview, *, archive_dir: str) -> None:
        request = preview.request
        count = len(preview.incidents)
        deleting = request.status is None
        notes = [request.scope, preview.method]
        if deleting:
            notes.append(f"They are archived to {archive_dir} first. Deleting cannot be undone.")
        else:
            notes.append("z undoes it afterwards.")
        super().__init__(
            f"{request.verb.capitalize()} {count:,} {'incident' if count == 1 else 'incidents'} on the console?",
            preview.incidents,
            notes=notes,
            caution=preview.caution,
            risky=preview.risky,
            prompt=f"y {request.verb} · n / esc cancel",
            destructive=deleting,
        )
