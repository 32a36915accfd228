"""Checkboxes and radio buttons whose state is a glyph, not only a colour.

Textual draws both states with the same glyph and tells them apart by colour,
which NO_COLOR and some 16-colour themes cannot show.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Checkbox, RadioButton


class GlyphCheckbox(Checkbox, inherit_bindings=False):
    """Space ticks; enter is left to the form (it submits, as in the form's inputs)."""

    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=False)]

    @property
    def BUTTON_INNER(self) -> str:  # read by ToggleButton on every render
        return "✓" if self.value else " "


class GlyphRadioButton(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:
        return "●" if self.value else " "
