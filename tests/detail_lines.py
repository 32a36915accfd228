"""Every line the detail pane draws, as a test reads a long incident: a screen at a time.

The pane draws only the lines in view, so reading the whole incident scrolls it
down a screen at a time, then back to where it was.
"""

from __future__ import annotations

from tui.widgets.detail_pane import DetailPane


def detail_lines(app) -> list[str]:
    """The pane's lines from the first to the last, each as drawn (trailing spaces kept)."""
    pane = app.screen.query_one(DetailPane)
    content = pane.scrollable_content_region
    inside = content.translate(-pane.region.offset)  # render_lines takes the pane's own coordinates
    total = pane.virtual_size.height
    was = pane.scroll_y
    lines: list[str] = []
    while len(lines) < total:
        pane.scroll_to(y=len(lines), animate=False)
        top = round(pane.scroll_y)  # the last screen stops at the end: it may overlap the one before
        drawn = [strip.text for strip in pane.render_lines(inside)]
        lines += drawn[len(lines) - top : total - top]
    pane.scroll_to(y=was, animate=False)
    return lines
