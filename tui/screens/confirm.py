"""The delete confirmation: exactly what will be deleted, frozen when d was pressed.

Deleting cannot be undone through the API.  The dialog lists the incidents
(count and the first few), defaults to No, and when any of them is still
unacknowledged asks once more, explicitly, before confirming.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

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


class ConfirmDeleteScreen(ModalScreen[bool]):
    """Returns True only after an explicit yes (and a second one for unacknowledged incidents)."""

    BINDINGS = [
        Binding("y", "yes", "Yes, delete", id="confirm-yes"),
        Binding("D", "yes_unacknowledged", "Delete unacknowledged too", show=False, id="confirm-unacked"),
        Binding("n,escape", "no", "No", id="confirm-no"),
    ]

    def __init__(self, incidents: list[Incident], *, archive_dir: str) -> None:
        super().__init__()
        self.incidents = incidents
        self.unacknowledged = sum(1 for incident in incidents if not incident.acknowledged)
        self.archive_dir = archive_dir
        self._stage = "first"

    def compose(self) -> ComposeResult:
        count = len(self.incidents)
        noun = "incident" if count == 1 else "incidents"
        with Vertical(id="confirm-dialog"):
            yield Static(Text(f"Delete {count} {noun}?", style="bold"), id="confirm-title")
            listing = Text(no_wrap=True, overflow="ellipsis", end="")
            for incident in self.incidents[:LISTED]:
                if listing:
                    listing.append("\n")
                listing.append_text(describe(incident))
            if count > LISTED:
                listing.append(f"\n… and {count - LISTED} more")
            yield Static(listing, id="confirm-list")
            yield Static(
                Text(f"They are archived to {self.archive_dir} first. Deleting cannot be undone.", style="dim"),
                id="confirm-note",
            )
            yield Static(self._prompt(), id="confirm-prompt")

    def _prompt(self) -> Text:
        if self._stage == "unacknowledged":
            return Text(
                f"{self.unacknowledged} of these {'is' if self.unacknowledged == 1 else 'are'} NOT acknowledged. "
                "Press D (shift+d) to delete anyway, n or esc to cancel.",
                style="bold red",
            )
        return Text("y delete · n / esc cancel", style="bold")

    def action_yes(self) -> None:
        if self.unacknowledged and self._stage == "first":
            self._stage = "unacknowledged"
            self.query_one("#confirm-prompt", Static).update(self._prompt())
            return
        if not self.unacknowledged:
            self.dismiss(True)

    def action_yes_unacknowledged(self) -> None:
        if self._stage == "unacknowledged":
            self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)
