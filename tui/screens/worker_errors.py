"""Screens' background work fails as loudly as the app's own."""

from __future__ import annotations

from textual.worker import Worker


class ReportsWorkerErrors:
    """Mixed into a screen that starts workers: their unexpected errors go to the app's handler
    (a crash log and one line), since Textual does not bubble ``Worker.StateChanged`` from a screen."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.on_worker_state_changed(event)
