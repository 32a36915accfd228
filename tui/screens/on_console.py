"""Screens that belong to one console."""

from __future__ import annotations

from typing import Any


class OnConsole:
    """Mixed into a screen about one console: it keeps the session of the tab it was opened on (taken
    when it is first asked for, as the screen is put up), so a tab switched while it is up never
    points it, or the work it starts, at another console."""

    _session = None

    @property
    def session(self):
        if self._session is None:
            self._session = self.app.session
        return self._session

    @session.setter
    def session(self, session) -> None:
        self._session = session

    def toast(self, message: str, **options: Any) -> None:
        """The app's toast, naming this screen's console when several are open."""
        self.app.toast(message, session=self.session, **options)

    def on_mount(self) -> None:
        # With several consoles open, a dialog's frame names the one it acts on.  (Textual calls each
        # class's on_mount along the MRO; an @on handler of a class that is no widget it would not.)
        if self.app.tabbed:
            # The dialog's own frame: not the toasts and tooltip Textual puts on the screen in front.
            frame = next((child for child in self.children if not child.has_class("-textual-system")), None)
            if frame is not None:
                frame.border_title = self.session.name
