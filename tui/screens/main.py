"""The main screen: top bar, incident table, detail pane, filter line, info line, footer.

It shows one page of a live store view (feed x / filter x sort), keeps the
analyst's marks by incident key, and opens the bulk, export and search
dialogs.  Marks are what a, u, d and e act on when there are any.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from textual.actions import parse as parse_action
from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.widgets import Label

from ..filtering import Filter, searchable_text
from ..keys import MAIN_BINDINGS, MARK_AWARE_ACTIONS, VIEW_FEEDS
from ..marks import Marks
from ..store import ChangeSet, Feed, View, ViewSpec, feed_statuses
from ..sync import SyncStatus
from ..triage import REASON_NOT_FOUND, ActionResult
from ..widgets.filter_bar import FilterBar
from ..widgets.incident_table import IncidentTable
from ..widgets.status_bar import InfoLine, TopBar, TopBarState, view_title
from .incident_list import IncidentListScreen

# Folding searchable text costs about 4 ms per 1,000 incidents: this many per turn of the event loop.
WARM_CHUNK = 2000


def marks_label(count: int, verbs: tuple[str, ...]) -> str:
    """What the footer says its triage keys act on when there are marks: "ack/unack/delete 3 marked"."""
    return f"{'/'.join(verbs)} {count:,} marked" if verbs else f"{count:,} marked"


class MainScreen(IncidentListScreen):
    BINDINGS = MAIN_BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self.feed: Feed = "open"
        self.sort = "created"
        self.descending = True
        self.page = 0
        self.note = ""
        self.activity = ""
        #: What the footer says the marks are for ("ack", "unack", "delete"), as last drawn.
        self._marks_verbs: tuple[str, ...] = ()
        #: The info line said the backend was holding back at the last tick (so it is cleared after).
        self._held_back = False
        self.marks = Marks()
        self.filter = Filter()
        self._view_size = (1, 0)
        # Mark sets sent as one action: what failed in them is marked again.
        self._sent_marks: list[tuple[str, ...]] = []
        #: One-key actions in flight: where the cursor was, to return to if the console refuses them.
        self._rollback_anchors: dict[tuple[str, ...], tuple[str, str | None]] = {}
        self._footer_for_marks = False

    # ---------------------------------------------------------------- compose

    def compose_header(self) -> ComposeResult:
        yield TopBar(id="top-bar")

    def compose_below_panes(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")

    def on_mount(self) -> None:
        self._ready = True
        self.table.focus()
        self.refresh_view()
        self.set_interval(1.0, self._tick)

    def is_new(self, key: str) -> bool:
        return key in self.app.new_keys

    def is_marked(self, key: str) -> bool:
        return key in self.marks

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The view keys are named after the backend's statuses.  With marks, the footer says
        a, u and d act on them and offers esc to unmark.

        To fit 80 columns it then drops the keys that have nothing to do with the marks.
        """
        bindings = super().active_bindings
        statuses = self.app.backend.statuses
        for key, active in bindings.items():
            feed = VIEW_FEEDS.get(active.binding.id)
            if feed is not None:
                described = replace(active.binding, description=view_title(feed, statuses, long=True))
                bindings[key] = active._replace(binding=described)
        count = len(self.marks)
        if not count:
            return bindings
        self._marks_verbs = tuple(
            active.binding.description.lower()
            for active in bindings.values()
            if active.binding.show and self._acts_on_marks(active.binding)
        )
        on_marks = Binding.Group(marks_label(count, self._marks_verbs))
        for key, active in bindings.items():
            binding = active.binding
            if self._acts_on_marks(binding):
                description = f"{binding.description} {count:,} marked"
                binding = replace(binding, description=description, group=on_marks if binding.show else None)
            elif binding.id == "back":
                binding = replace(binding, description="Unmark", show=True)
            elif binding.id in ("bulk", "toggle-mark", "filter"):
                binding = replace(binding, show=False)
            else:
                continue
            bindings[key] = active._replace(binding=binding)
        return bindings

    # -------------------------------------------------------------- the view

    def view_spec(self) -> ViewSpec:
        if not self.filter:
            return ViewSpec(feed=self.feed, sort=self.sort, descending=self.descending)
        return ViewSpec(self.feed, self.sort, self.descending, filter=self.filter.matches, filter_id=self.filter.filter_id)

    def current_view(self) -> View:
        return self.app.store.view(self.view_spec())

    def refresh_view(self, *, follow_cursor: bool = True, cursor_key: str | None = None) -> None:
        """Show the current page of the current view; the highlighted incident (or ``cursor_key``) stays put."""
        if not self._ready:
            return  # on_mount draws the first view
        view = self.current_view()
        size = self.app.settings.page_size
        pages = max(1, view.page_count(size))
        wanted = cursor_key or (self.table.cursor_key if follow_cursor else None)
        if wanted is not None:
            position = view.index_of(wanted)
            if position is not None:
                self.page = position // size
        self.page = max(0, min(self.page, pages - 1))
        rows = view.page(self.page, size)
        if cursor_key is not None or follow_cursor:
            self.table.set_rows(rows, cursor_key=cursor_key)
        else:
            self.table.set_rows(rows, cursor_key="", cursor_index=0)
        self.table.sort_column = self.sort
        self.table.sort_descending = self.descending
        self.app.complete_rows(self.table.shown_needing_details())
        self._view_size = (pages, len(view))
        self.refresh_bars()
        bar = self.query_one(FilterBar)
        if bar.display:
            bar.show_status(len(view), self._unfiltered_count(), self.filter.errors)

    def _unfiltered_count(self) -> int:
        return len(self.app.store.view(ViewSpec(feed=self.feed, sort=self.sort)))

    def refresh_bars(self) -> None:
        """The info line (page, sort, filter, work in progress) and the top bar (counts, marks, live state)."""
        pages, count = self._view_size
        self.query_one(InfoLine).show(
            page=self.page,
            pages=pages,
            count=count,
            sort=self.table.sort_titles[self.sort],
            descending=self.descending,
            new_above=self.table.count_above(self.app.new_keys),
            note=self.note,
            activity=self.activity,
            filter_text=self.filter.describe() if self.filter else "",
            holding_back=self.app.backend.holding_back,
        )
        self.refresh_top_bar()

    def refresh_top_bar(self) -> None:
        open_count, total = self.app.store.counts()
        statuses = self.app.backend.statuses
        self.query_one(TopBar).show(
            TopBarState(
                console=self.app.settings.label,
                view=view_title(self.feed, statuses),
                open=open_count,
                open_word=view_title("open", statuses).lower(),
                total=total,
                new=len(self.app.new_keys),
                status=self.app.sync_status,
                read_only=self.app.read_only,
                unencrypted=not self.app.backend.encrypted,
                marked=len(self.marks),
                matches=self._view_size[1] if self.filter else None,
            )
        )

    def _tick(self) -> None:
        # Only the retry countdown and a request budget's wait change by themselves.
        if self.app.sync_status.state == "retrying":
            self.refresh_top_bar()
        holding_back = self.app.backend.holding_back
        if holding_back or self._held_back:
            self._held_back = bool(holding_back)
            self.refresh_bars()

    def apply_changes(self, changes: ChangeSet) -> None:
        if not self._ready:
            return
        if self.marks.remove(changes.removed):
            self._marks_changed()  # an incident deleted elsewhere takes its mark along
        self.refresh_view()
        key = self.table.cursor_key
        if key is not None and key in changes.changed:
            self.show_detail(key, load=False)

    def show_status(self, status: SyncStatus) -> None:
        self.note = status.detail if status.state in ("retrying", "offline", "stalled") else ""
        self.refresh_view()

    def show_activity(self, text: str) -> None:
        self.activity = text
        if self._ready:
            self.refresh_bars()

    def show_incident(self, key: str) -> None:
        """Put the cursor on ``key``: in this view if it shows it, else in All, without the filter if need be."""
        if key not in self.app.store:
            self.app.toast("That incident is not loaded (deleted, or not in the feeds).", severity="warning")
            return
        if self.current_view().index_of(key) is None:
            self.feed = "all"
        if self.current_view().index_of(key) is None:
            self._clear_filter()
        self.refresh_view(cursor_key=key)
        self.table.focus()

    def cursor_moved(self, key: str | None) -> None:
        if key is not None and key in self.app.new_keys:
            self.app.new_keys.discard(key)
            self.table.refresh_keys([key])
        self.app.complete_rows(self.table.shown_needing_details())  # the table may have scrolled
        self.refresh_bars()

    # ----------------------------------------------------------------- marks

    def targets(self) -> tuple[str, ...]:
        return self.marks.keys() if self.marks else super().targets()

    def action_toggle_mark(self) -> None:
        key = self.table.cursor_key
        if key is None:
            return
        self.marks.toggle(key)
        self.table.refresh_keys([key])
        # Down one row, like marking in a file manager, but never onto the next page.
        self.table.move_cursor_to(self.table.cursor_index + 1)
        self._marks_changed()

    def action_mark_range(self) -> None:
        """Mark from the anchor (the last row marked by hand) to the cursor, across pages."""
        key = self.table.cursor_key
        if key is None:
            return
        view = self.current_view()
        anchor = self.marks.anchor
        start = view.index_of(anchor) if anchor else None
        end = view.index_of(key)
        if start is None or end is None:
            self.marks.toggle(key)
            self.app.toast("Range starts here: move, then V again marks everything in between.")
        else:
            low, high = sorted((start, end))
            added = self.marks.add(view.keys(low, high + 1))
            self.marks.anchor = key
            self.app.toast(f"Marked {len(added)} more ({len(self.marks)} marked).")
        self.table.refresh()
        self._marks_changed()

    def action_mark_all(self) -> None:
        """Mark every incident in this view (filtered, all pages); again unmarks them."""
        keys = self.current_view().keys()
        if keys and all(key in self.marks for key in keys):
            self.marks.remove(keys)
            self.app.toast(f"Unmarked the {len(keys):,} incidents in this view.")
        else:
            added = self.marks.add(keys)
            self.app.toast(f"Marked {len(added):,} more: every incident in this view (* again unmarks).")
        self.table.refresh()
        self._marks_changed()

    def action_back(self) -> None:
        """esc: back to the table; there, clear the marks, then the filter."""
        if not self.table.has_focus:
            self.table.focus()
        elif self.marks:
            count = len(self.marks.clear())
            self.table.refresh()
            self._marks_changed()
            self.app.toast(f"Cleared {count:,} mark{'s' if count != 1 else ''}.")
        elif self.filter or self.filter.errors:
            self._clear_filter()
            self.refresh_view()

    def _acts_on_marks(self, binding: Binding) -> bool:
        """A key that acts on the marks and that this session offers (its backend can, not read-only)."""
        _, action, parameters = parse_action(binding.action)
        return action in MARK_AWARE_ACTIONS and bool(self.check_action(action, parameters))

    def _marks_changed(self) -> None:
        # Recomposing the footer costs ~40 ms: only when marks appear or go; else the count is updated in place.
        if bool(self.marks) != self._footer_for_marks:
            self._footer_for_marks = bool(self.marks)
            self.refresh_bindings()
        else:
            text = marks_label(len(self.marks), self._marks_verbs)
            for label in self.query("Footer FooterLabel").results(Label):
                # A new layout only when the label's width changes (9 → 10 marks).
                label.update(text, layout=len(text) != len(str(label.content)))
        self.refresh_top_bar()

    def triage_sent(self, action: str, targets: tuple[str, ...]) -> None:
        anchor = self._anchor_for(targets)
        if anchor is not None:
            self._rollback_anchors[targets] = anchor
        if self.marks and targets == self.marks.keys():
            self._sent_marks.append(targets)
            self.marks.clear()
            self.table.refresh()
            self._marks_changed()

    def _anchor_for(self, targets: tuple[str, ...]) -> tuple[str, str | None] | None:
        """(the highlighted target, the row the cursor falls to when it leaves the view) for one-key actions."""
        if len(targets) != 1 or targets[0] != self.table.cursor_key:
            return None
        rows, index = self.table.row_keys, self.table.cursor_index
        neighbour = index + 1 if index + 1 < len(rows) else index - 1
        return targets[0], rows[neighbour] if 0 <= neighbour < len(rows) else None

    def triage_finished(self, result: ActionResult) -> None:
        anchor = self._rollback_anchors.pop(result.targets, None)
        if anchor is not None:
            self._return_to_rolled_back(result, *anchor)
        if result.targets not in self._sent_marks:
            return
        self._sent_marks.remove(result.targets)
        retry = [key for key, reason in result.failed if reason != REASON_NOT_FOUND and key in self.app.store]
        if retry:
            self.marks.add(retry)
            self.table.refresh()
            self._marks_changed()
            self.app.toast(f"{len(retry)} that failed stay marked: press the key again to retry.", severity="warning")

    def _return_to_rolled_back(self, result: ActionResult, key: str, neighbour: str | None) -> None:
        """A refused action puts the incident back in the view: the cursor goes back to it, unless the
        analyst has moved on since (the cursor is no longer where the optimistic update left it)."""
        rolled_back = key in dict(result.failed) and key in self.app.store
        if rolled_back and self.table.cursor_key in (neighbour, key) and self.current_view().index_of(key) is not None:
            self.refresh_view(cursor_key=key)

    # ---------------------------------------------------------------- filter

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In the filter line "/" and "q" are text: the (priority) bindings step aside and the line gets the key.
        if action in ("filter", "quit") and self.focused is self.query_one(FilterBar).input:
            return False
        return super().check_action(action, parameters)

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()
        self.refresh_view()  # the line's count
        self.warm_filter_text()

    @work(exclusive=True, group="filter-warm", exit_on_error=False)
    async def warm_filter_text(self) -> None:
        """Fold every incident's searchable text before the first keystroke needs it, a slice at a time."""
        incidents = self.app.store.snapshot()
        for start in range(0, len(incidents), WARM_CHUNK):
            for incident in incidents[start : start + WARM_CHUNK]:
                searchable_text(incident, self.app.backend)
            await asyncio.sleep(0)

    @on(FilterBar.Changed)
    def _filter_changed(self, message: FilterBar.Changed) -> None:
        self.filter = message.filter
        self.page = 0
        self.refresh_view()

    @on(FilterBar.Closed)
    def _filter_closed(self, message: FilterBar.Closed) -> None:
        if not message.keep:
            self._clear_filter()
            self.refresh_view()
        self.table.focus()

    def _clear_filter(self) -> None:
        self.filter = Filter()
        bar = self.query_one(FilterBar)
        bar.display = False
        with bar.input.prevent(bar.input.Changed):
            bar.input.value = ""

    # --------------------------------------------------------------- dialogs

    def action_bulk(self) -> None:
        from .bulk import BulkScreen

        key = self.table.cursor_key
        self.app.push_screen(BulkScreen(self.app.store.get(key) if key else None), self._bulk_counted)

    def _bulk_counted(self, preview) -> None:
        from .confirm import ConfirmBulkScreen

        if preview is None:
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.app.run_bulk(preview)
            else:
                self.app.toast("Bulk action cancelled: nothing was sent.")

        self.app.push_screen(ConfirmBulkScreen(preview, archive_dir=str(self.app.archive_dir)), confirmed)

    def action_export(self) -> None:
        from .export import ExportScreen

        if self.marks:
            keys, what, label = self.marks.keys(), f"the {len(self.marks):,} marked incidents", "marks"
        else:
            keys = tuple(self.current_view().keys())
            what = f"this view ({len(keys):,} incidents)"
            label = f"{self._feed_name()}-filtered" if self.filter else self._feed_name()
        if not keys:
            self.app.toast("Nothing to export: this view is empty.", severity="warning")
            return
        self.app.push_screen(ExportScreen(what, label), lambda chosen: chosen and self.app.export(keys, *chosen))

    def action_search(self) -> None:
        self.app.open_search()

    def action_undo(self) -> None:
        self.app.undo()

    # ------------------------------------------------------------ views, live

    def _feed_name(self) -> str:
        """The view in a file name: its status when it shows one ("unacknowledged"), else the feed."""
        shown = feed_statuses(self.feed, self.app.backend.statuses)
        return shown[0].id if self.feed != "all" and len(shown) == 1 else self.feed

    def action_view(self, feed: Feed) -> None:
        if feed != self.feed:
            self.feed = feed
            self.page = 0
            self.refresh_view()

    def action_sort_next(self) -> None:
        """The next sortable column to the right, round to the first."""
        cycle = list(self.table.sort_titles)
        self.sort = cycle[(cycle.index(self.sort) + 1) % len(cycle)]
        self.refresh_view()

    def action_sort_reverse(self) -> None:
        self.descending = not self.descending
        self.refresh_view()

    def action_page(self, step: int) -> None:
        pages = max(1, self.current_view().page_count(self.app.settings.page_size))
        target = max(0, min(self.page + step, pages - 1))
        if target != self.page:
            self.page = target
            self.refresh_view(follow_cursor=False)

    @on(IncidentTable.EdgeReached)
    def _edge(self, message: IncidentTable.EdgeReached) -> None:
        before = self.page
        self.action_page(message.direction)
        if self.page != before and message.direction < 0:
            self.table.action_last()

    def action_refresh(self) -> None:
        self.app.refresh_now()

    def action_toggle_pause(self) -> None:
        self.app.toggle_pause()
