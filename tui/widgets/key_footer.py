"""The footer: the keys the screen shows, on one line, drawn as Textual's compact ``Footer`` draws them.

Textual's Footer is a container of one widget per key, recomposed whenever the keys change: marks
appearing or going (a, u and d then say they act on them) built new widgets, styled them and laid
the screen out again, 25-40 ms a key.  This footer is one line of text: a change of keys redraws
that line and nothing else.  It reads the same bindings the same way (``Screen.active_bindings``,
the keys that ``show``, one per action, a binding group drawn as its keys and its one label, the
palette's key on the right), so what it shows is what Textual's footer showed.  The mouse is off in
Roost, so the keys are not buttons.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

# The palette's key: a bar on its left, the key, its description, a cell of padding on its right.
_PALETTE_BAR = "▏"


class KeyFooter(Widget):
    """The screen's shown keys: ``a Ack u Unack …``, with marks ``a u d ack/unack/delete 3 marked``."""

    ALLOW_SELECT = False

    # The colours are Textual's footer's own ($footer-…), so themes colour both alike.
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description", "key-footer--item", "key-footer--bar"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--item { background: $footer-item-background; }
        & > .key-footer--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--bar { color: $foreground 20%; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        #: The line as last drawn, by (width, base style): the compositor asks again on every repaint.
        self._drawn: tuple[tuple[int, Style], Strip] | None = None
        self._key_styles: tuple[Style, Style, Style, Style] | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._key_styles = self._drawn = None  # a theme changed the colours

    def _bindings_changed(self, screen: Screen) -> None:
        # A screen hidden (another tab shown over it) says so too; its keys are worked out again
        # when it is shown again, which says so as well, so a hidden footer keeps its line.
        if screen is self.screen and screen.is_current:
            self._drawn = None
            self.refresh()  # one line: drawn again, the screen not laid out again

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style  # worked out from every ancestor's styles each time: asked once
        drawn_as = (width, base)
        if self._drawn is not None and self._drawn[0] == drawn_as:
            return self._drawn[1]
        bare = Style(bgcolor=base.bgcolor)  # between keys: the background only, as Textual's margins are drawn
        keys, palette = self._lines(bare)
        strip = Strip(keys)
        palette_cells = Strip(palette).cell_length
        if palette_cells and width > palette_cells:
            # Docked on the right: the keys that do not fit go beneath it.
            strip = Strip.join((strip.crop_extend(0, width - palette_cells, bare), Strip(palette)))
        strip = strip.crop_extend(0, width, bare)
        self._drawn = (drawn_as, strip)
        return strip

    def _styles(self) -> tuple[Style, Style, Style, Style]:
        """(key, description, item, the palette's bar) as Textual's footer keys draw them."""
        if self._key_styles is None:
            item = self.get_component_rich_style("key-footer--item")
            self._key_styles = (
                item + self.get_component_rich_style("key-footer--key"),
                item + self.get_component_rich_style("key-footer--description"),
                item,
                item + self.get_component_rich_style("key-footer--bar"),
            )
        return self._key_styles

    def _lines(self, bare: Style) -> tuple[list[Segment], list[Segment]]:
        """(the keys from the left, the palette's key on the right), as segments: one for each piece
        of text, as a Rich ``Text`` of them renders, without building one (a mark redraws the line)."""
        key_style, description_style, item_style, bar_style = self._styles()
        gap = Segment(" ", bare)
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool]]] = defaultdict(list)
        for _, binding, enabled, _ in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled))
        line: list[Segment] = []
        append = line.append
        get_display = self.app.get_key_display
        for group, runs in groupby(by_action.values(), lambda bindings: bindings[0][0].group):
            runs = list(runs)
            if group is not None and len(runs) > 1:
                # A group: its keys with a cell between them, then its label (Roost's style: a cell after).
                append(gap)
                for index, ((binding, enabled), *_) in enumerate(runs):
                    if index:
                        append(gap)
                    append(Segment(get_display(binding), _dim(key_style, enabled)))
                append(gap)
                append(Segment(group.description, description_style))
                append(gap)
                continue
            for (binding, enabled), *_ in runs:
                append(Segment(get_display(binding), _dim(key_style, enabled)))
                if binding.description:
                    append(Segment(f" {binding.description}", _dim(description_style, enabled)))
                append(gap)
        palette: list[Segment] = []
        app = self.app
        found = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
        if found is not None:
            _, binding, enabled, _ = found
            palette += (
                Segment(_PALETTE_BAR, bar_style),
                Segment(get_display(binding), _dim(key_style, enabled)),
                Segment(f" {binding.description}", _dim(description_style, enabled)),
                Segment(" ", Style(bgcolor=item_style.bgcolor)),  # padding: the key's background only
            )
        return [segment for segment in line if segment.text], [segment for segment in palette if segment.text]


def _dim(style: Style, enabled: bool) -> Style:
    """A key whose action is not available now is shown dim (Textual's footer's ``-disabled``)."""
    return style if enabled else style + Style(dim=True)
