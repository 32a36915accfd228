"""Screens that belong to one console."""

from __future__ import annotations

from typing import Any

from textual import events, on


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

    @on(events.Mount)
    def _name_the_console(self) -> None:
        # With several consoles open, a dialog's frame names the one it acts on.
        if len(self.app.sessions) > 1 and self.children:
            self.children[0].border_title = self.session.name
