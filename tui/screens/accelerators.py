"""One letter per choice of a dialog (the bulk form, the sort menu), shown in the choice's label.

Plain letters, typed while no text field has the focus: they arrive the same way over
SSH, in tmux and in every terminal, where alt+letter depends on the terminal's "meta"
setting and on tmux's escape-time.  A letter is taken from the start of a word of the
label when it can be, so most read as the label's initial.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from rich.text import Text


def accelerators(labels: Sequence[str], reserved: Iterable[str] = ()) -> list[str]:
    """A distinct lower-case letter for each label ("" when none is left), none of ``reserved``."""
    taken = set(reserved)
    chosen = []
    for label in labels:
        words = label.lower().split()
        initials = [word[0] for word in words if word]
        letter = next((char for char in [*initials, *label.lower()] if char.isascii() and char.isalpha() and char not in taken), "")
        taken.add(letter)
        chosen.append(letter)
    return chosen


def with_accelerator(label: str, letter: str, style: str = "") -> Text:
    """``label`` with ``letter`` (its first occurrence, preferring a word's initial) underlined in bold."""
    text = Text(label, style=style, no_wrap=True, overflow="ellipsis", end="")
    position = _position(label, letter)
    if position is not None:
        text.stylize("bold underline", position, position + 1)
    return text


def _position(label: str, letter: str) -> int | None:
    if not letter:
        return None
    lowered = label.lower()
    initials = [index for index, char in enumerate(lowered) if char == letter and (index == 0 or not lowered[index - 1].isalpha())]
    if initials:
        return initials[0]
    index = lowered.find(letter)
    return index if index >= 0 else None
