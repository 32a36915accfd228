"""Keys typed before a dialog is up belong to the dialog's text field.

Textual routes a key as it arrives.  Keys typed right after the one that opens a dialog (by a
quick typist, or arriving together over a slow SSH link) have already been sent to the screen
beneath before the dialog exists; they reach the app only once the dialog is up, where no widget
takes them, and the note typed after ``c`` was lost.  The app hands such keys to the dialog
(``RoostApp.on_key``), which types them into its field, in the order they were typed.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.message import Message


class TypedAhead(Message):
    """A printable key typed before the dialog's field had focus."""

    def __init__(self, key: str, character: str | None) -> None:
        super().__init__()
        self.key = key
        self.character = character


class TakesTypedAhead:
    """Mixed into a dialog whose first keys are text, typed into ``TEXT_FIELD`` (a selector of the
    field it focuses when it opens)."""

    TEXT_FIELD: ClassVar[str]

    def waiting_for_text(self) -> bool:
        """Whether a printable key that reached the app was meant for the field: nothing has focus yet,
        or the field has (which takes every printable key it is sent, so this one never reached it)."""
        focused = self.focused
        return focused is None or focused in self.query(self.TEXT_FIELD)

    def take_typed_ahead(self, key: events.Key) -> None:
        # Through this screen's own queue: handled after the dialog is composed, so the field exists.
        self.post_message(TypedAhead(key.key, key.character))

    def on_typed_ahead(self, message: TypedAhead) -> None:
        message.stop()
        self.query_one(self.TEXT_FIELD).post_message(events.Key(message.key, message.character))
