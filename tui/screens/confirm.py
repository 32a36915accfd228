"""Confirmations: exactly what an action will touch, frozen when its key was pressed.

Deleting cannot be undone through the API.  A dialog lists the incidents
(count and the first few), defaults to No, and when any to be deleted is still
unacknowledged says up front what happens to them and asks once more,
explicitly, before confirming: the console deletes only acknowledged incidents,
so Roost acknowledges them first, then deletes them (a bulk delete by filter
asks the console to include them instead).  Bulk actions by filter say how many
incidents the console will touch and how that was counted.
"""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..bulk import BulkPreview
from ..model import Incident
from ..sanitize import clean
from ..widgets.incident_table import format_time

LISTED = 6


def describe(incident: Incident) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append("✓ " if incident.acknowledged else "● ")
    text.append(format_time(incident.created))
    text.append("  ")
    text.append(clean(incident.summary, limit=40), style="bold")
    text.append("  ")
    text.append(clean(incident.src_host or "-", limit=40))
    if incident.node_name:
        text.append(" → ")
        text.append(clean(incident.node_name, limit=40))
    return text


class ConfirmScreen(ModalScreen[bool]):
    """Returns True only after an explicit y, and a second, explicit D when ``risky`` says why.

    Lists ``count`` incidents by the first few of ``incidents``; ``caution``
    (bold, before the notes) says what is out of the ordinary about them;
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
            listing = Text(no_wrap=True, overflow="ellipsis", end="")
            for incident in self.incidents[:LISTED]:
                if listing:
                    listing.append("\n")
                listing.append_text(describe(incident))
            if count > LISTED:
                listing.append(f"\n… and {count - LISTED:,} more")
            yield Static(listing, id="confirm-list")
            if self.caution:
                yield Static(Text(self.caution, style="bold"), id="confirm-caution")
            # Notes quote filters taken from incidents (a source IP an attacker chose): cleaned.
            yield Static(Text(clean(" ".join(self.notes), limit=1000), style="dim"), id="confirm-note")
            yield Static(self._prompt(), id="confirm-prompt")

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
    """Delete what was highlighted or marked; unacknowledged ones need a second, explicit D and are acknowledged first."""

    def __init__(self, incidents: list[Incident], *, archive_dir: str) -> None:
        count = len(incidents)
        unacknowledged = sum(1 for incident in incidents if not incident.acknowledged)
        super().__init__(
            f"Delete {count:,} {'incident' if count == 1 else 'incidents'}?",
            incidents,
            notes=[f"They are archived to {archive_dir} first. Deleting cannot be undone."],
            caution=(
                f"{unacknowledged:,} unacknowledged: D acknowledges {_them(unacknowledged)} first, then deletes."
                if unacknowledged
                else ""
            ),
            risky=(
                f"{unacknowledged:,} of these {'is' if unacknowledged == 1 else 'are'} NOT acknowledged. "
                f"Press D (shift+d) to acknowledge {_them(unacknowledged)} first, then delete; n or esc to cancel."
                if unacknowledged
                else ""
            ),
            prompt="y delete · n / esc cancel",
        )


class ConfirmBulkScreen(ConfirmScreen):
    """A bulk action by filter: how many the console will touch, counted just before, and the first few."""

    def __init__(self, preview: BulkPreview, *, archive_dir: str) -> None:
        request = preview.request
        count = len(preview.incidents)
        verb = request.action.capitalize()
        notes = [f"Every {_STATE_WORDS[request.state]}incident {request.describe()}.", preview.method]
        if request.action == "delete":
            notes.append(f"They are archived to {archive_dir} first. Deleting cannot be undone.")
        else:
            notes.append("z undoes it afterwards.")
        # Counted with the state the bulk call acts on: unacknowledged ones are here only when included.
        unacknowledged = sum(1 for incident in preview.incidents if not incident.acknowledged)
        deletes_unacknowledged = request.action == "delete" and unacknowledged > 0
        super().__init__(
            f"{verb} {count:,} {'incident' if count == 1 else 'incidents'} on the console?",
            preview.incidents,
            notes=notes,
            # The console's bulk delete takes them as they are (include_unacknowledged): no acknowledge first.
            caution=(
                f"{unacknowledged:,} unacknowledged: the console deletes {_them(unacknowledged)} as "
                f"{'it is' if unacknowledged == 1 else 'they are'}, without acknowledging."
                if deletes_unacknowledged
                else ""
            ),
            risky=(
                f"{unacknowledged:,} of these {'is' if unacknowledged == 1 else 'are'} NOT acknowledged. "
                "Press D (shift+d) to delete anyway, n or esc to cancel."
                if deletes_unacknowledged
                else ""
            ),
            prompt=f"y {request.action} · n / esc cancel",
            destructive=request.action == "delete",
        )


_STATE_WORDS = {"unacknowledged": "unacknowledged ", "acknowledged": "acknowledged ", "all": ""}
