"""The delete dialogs say up front what happens to unacknowledged incidents, and need an explicit D for them."""

from __future__ import annotations

from types import SimpleNamespace

from textual.app import App
from textual.widgets import Static

from canary_builders import canary_incident
from tui.backends.canary import CanaryBackend
from tui.backends.canary.bulk import bulk_preview
from tui.model import Incident
from tui.screens.confirm import ConfirmBulkScreen, ConfirmDeleteScreen


def incident(number: int, acknowledged: bool) -> Incident:
    return canary_incident(key=f"incident:ssh:{number}", summary="SSH Login Attempt", logtype=4002,
                    updated_id=number, acknowledged=acknowledged)


BACKEND = CanaryBackend(None)  # declarations only: nothing is sent


def preview(status, incidents, method, options=frozenset(), **values):
    """What the Canary backend would show for ``incidents`` counted for setting ``status`` (None: deleting)."""
    return bulk_preview(BACKEND.bulk_request(status, values, frozenset(options)), incidents, method)


class Host(App):
    """Shows one dialog and keeps its answer."""

    def __init__(self, dialog) -> None:
        super().__init__()
        self.session = SimpleNamespace(backend=BACKEND, name="test")
        self.tabbed = False
        self.dialog = dialog
        self.answers: list[bool | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.answers.append)


def shown(dialog, widget_id: str) -> str:
    found = dialog.query(f"#{widget_id}").results(Static)
    return " ".join(str(widget.content) for widget in found)


async def test_deleting_unacknowledged_incidents_says_they_are_acknowledged_first():
    dialog = ConfirmDeleteScreen([incident(1, False), incident(2, True), incident(3, False)], archive_dir="/archives")
    app = Host(dialog)
    async with app.run_test() as pilot:
        assert ("2 of these 3 are unacknowledged: they need D. The console deletes only acknowledged incidents; "
                "D acknowledges them first, then deletes.") in shown(dialog, "confirm-caution")
        await pilot.press("y")
        prompt = shown(dialog, "confirm-prompt")
        assert "NOT acknowledged" in prompt and "D (shift+d) to acknowledge them first, then delete" in prompt
        assert app.answers == []  # y alone does not delete them
        await pilot.press("D")
    assert app.answers == [True]


async def test_deleting_only_acknowledged_incidents_needs_no_second_step():
    dialog = ConfirmDeleteScreen([incident(1, True)], archive_dir="/archives")
    app = Host(dialog)
    async with app.run_test() as pilot:
        assert shown(dialog, "confirm-caution") == ""
        await pilot.press("D")  # means nothing here
        assert app.answers == []
        await pilot.press("y")
    assert app.answers == [True]


async def test_a_bulk_delete_including_unacknowledged_says_the_console_deletes_them_as_they_are():
    counted = preview(None, (incident(1, False), incident(2, True)), "Counted on the console just now.",
                      {"include-unacknowledged"}, src_host="203.0.113.5")
    dialog = ConfirmBulkScreen(counted, archive_dir="/archives")
    app = Host(dialog)
    async with app.run_test() as pilot:
        assert "1 unacknowledged: the console deletes it as it is, without acknowledging." in shown(
            dialog, "confirm-caution"
        )
        assert "Every incident from 203.0.113.5." in shown(dialog, "confirm-note")
        await pilot.press("y")
        assert "NOT acknowledged" in shown(dialog, "confirm-prompt") and app.answers == []
        await pilot.press("D")
    assert app.answers == [True]


async def test_a_bulk_delete_of_acknowledged_incidents_says_so():
    counted = preview(None, (incident(1, True),), "Counted.", older_than="1d")
    dialog = ConfirmBulkScreen(counted, archive_dir="/archives")
    app = Host(dialog)
    async with app.run_test() as pilot:
        assert shown(dialog, "confirm-caution") == ""
        assert "Every acknowledged incident older than 1d." in shown(dialog, "confirm-note")
        await pilot.press("y")
    assert app.answers == [True]
