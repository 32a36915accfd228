"""The main screen: top bar, incident table, detail pane, filter line, info line, footer.

It shows one page of a live store view (feed x / filter x sort), keeps the
analyst's marks by incident key, and opens the bulk, export and search
dialogs.  Marks are what a, u, d and e act on when there are any.

Where the cursor lands: at the top of the view while the initial load fills it
(unless the analyst moves first), at the top of the result after a new filter,
view or sort (unless the highlighted incident shows on that first screen), and
on the same incident through live updates.  What the analyst looks at is seen:
the sync engine's ``NewIncidents`` is the one "new" number every bar shows.
"""

from __future__ import annotations

from dataclasses import replace

from textual.actions import parse as parse_action
from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding

from ..filtering import Filter
from ..keys import MAIN_BINDINGS, MARK_AWARE_ACTIONS, VIEW_FEEDS
from ..marks import Marks
from ..model import Incident
from ..paths import display_path
from ..store import ChangeSet, Feed, View, ViewSpec, feed_statuses
from ..sync import NewIncidents, SyncStatus
from ..triage import REASON_NOT_FOUND, ActionResult
from ..widgets.filter_bar import FilterBar
from ..widgets.incident_table import IncidentTable
from ..widgets.status_bar import InfoLine, TopBar, TopBarState, view_title
from ..widgets.tab_bar import TabBar, TabState
from .incident_list import IncidentListScreen
from .view_menus import TableMenuKeys


def marks_label(count: int, verbs: tuple[str, ...]) -> str:
    """What the footer says its triage keys act on when there are marks: "ack/unack/delete 3 marked"."""
    return f"{'/'.join(verbs)} {count:,} marked" if verbs else f"{count:,} marked"


def _acts_on_marks(binding: Binding) -> bool:
    """A key that acts on the marks when there are any (a, u, d, e…)."""
    return parse_action(binding.action)[1] in MARK_AWARE_ACTIONS


def _newest_first(incident: Incident) -> tuple[float, int]:
    return (incident.created.timestamp() if incident.created else float("-inf"), incident.version)


class MainScreen(TableMenuKeys, IncidentListScreen):
    BINDINGS = MAIN_BINDINGS

    def __init__(self, session) -> None:
        super().__init__(session)
        self.feed: Feed = "open"
        self.sort = "created"
        self.descending = True
        self.page = 0
        self.note = ""
        self.activity = ""
        #: The info line said the backend was holding back at the last tick (so it is cleared after).
        self._held_back = False
        self.marks = Marks()
        self.filter = Filter()
        #: The filter before the last keystroke (typing on narrows it).
        self._previous_filter = Filter()
        self._view_size = (1, 0)
        #: A page is being put in the table (``_show_page``), which draws the bars once it is.
        self._showing_page = False
        # Mark sets sent as one action: what failed in them is marked again.
        self._sent_marks: list[tuple[str, ...]] = []
        #: One-key actions in flight: where the cursor was, to return to if the console refuses them.
        self._rollback_anchors: dict[tuple[str, ...], tuple[str, str | None]] = {}
        #: Until the initial load is done the cursor stays at the top of the view as batches land
        #: (the console sends the oldest first), unless the analyst moves it.
        self._landing = True

    # ---------------------------------------------------------------- compose

    def compose_header(self) -> ComposeResult:
        if self.app.tabbed:
            yield TabBar(id="tab-bar")
        yield TopBar(id="top-bar")

    def compose_below_panes(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")

    def on_mount(self) -> None:
        if not self.app.is_running:
            return  # the app is closing its screens: a tab built out of sight has none to show
        self._ready = True
        self.table.focus()
        self.refresh_view()
        self.set_interval(1.0, self._tick)
        if self.app.tabbed:
            self.show_tabs(self.app.tab_states())

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # A tab shown again: nothing about its styles changed while another tab was on screen (a
        # theme change restyles every screen at once), so Textual's own restyle of every widget,
        # half the cost of a switch, is left out.  (Runs before Screen's own resume handler.)
        if self.app.tabbed:
            event.refresh_styles = False

    def show_tabs(self, tabs: tuple[TabState, ...]) -> None:
        self.query_one(TabBar).show(tabs)

    @property
    def new_incidents(self) -> NewIncidents:
        return self.session.engine.new_incidents

    def is_new(self, key: str) -> bool:
        return key in self.new_incidents

    def is_marked(self, key: str) -> bool:
        return key in self.marks

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The view keys are named after the backend's statuses.  With marks, the footer says
        a, u and d act on them and offers esc to unmark.

        To fit 80 columns it then drops the keys that have nothing to do with the marks.
        """
        bindings = super().active_bindings
        statuses = self.session.backend.statuses
        for key, active in bindings.items():
            feed = VIEW_FEEDS.get(active.binding.id)
            if feed is not None:
                described = replace(active.binding, description=view_title(feed, statuses, long=True))
                bindings[key] = active._replace(binding=described)
        count = len(self.marks)
        if not count:
            return bindings
        # Textual has just asked check_action of each (``enabled``): asked again, a key costs twice.
        acting = [key for key, active in bindings.items() if active.enabled and _acts_on_marks(active.binding)]
        verbs = tuple(bindings[key].binding.description.lower() for key in acting if bindings[key].binding.show)
        on_marks = Binding.Group(marks_label(count, verbs))
        for key, active in bindings.items():
            binding = active.binding
            if key in acting:
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

    def view_spec(self, feed: Feed | None = None, filter: Filter | None = None) -> ViewSpec:
        """The spec of the current view, or of this one with another ``feed`` or ``filter``."""
        feed = self.feed if feed is None else feed
        filter = self.filter if filter is None else filter
        if not filter:
            return ViewSpec(feed=feed, sort=self.sort, descending=self.descending)
        return ViewSpec(feed, self.sort, self.descending, filter=filter.matches, filter_id=filter.filter_id,
                        within=self._previous_filter.filter_id if filter.narrows(self._previous_filter) else "")

    def current_view(self) -> View:
        return self.session.store.view(self.view_spec())

    def refresh_view(self, *, follow_cursor: bool = True, cursor_key: str | None = None, land: bool = False) -> None:
        """Show the current view: by default the highlighted incident (or ``cursor_key``) stays put;
        ``follow_cursor=False`` shows the first row of ``self.page``; ``land`` (a new filter, view
        or sort) shows the top of the view, the highlighted incident staying highlighted if it is
        on that first screen."""
        if not self._ready:
            return  # on_mount draws the first view
        view = self.current_view()
        size = self.session.settings.page_size
        if self._landing and (self.page or self.table.cursor_index):
            self._landing = False  # the analyst has moved: the cursor follows the incident from now on
        if land or (self._landing and cursor_key is None):
            self.page = 0
            kept = self.table.cursor_key if land else None
            position = view.index_of(kept) if kept is not None else None
            on_first_screen = position is not None and position < min(self.table.visible_rows, size)
            # "" is no key: the cursor goes to the first row.
            self._show_page(view, cursor_key=kept if on_first_screen else "", cursor_index=0, top=0)
            return
        wanted = cursor_key or (self.table.cursor_key if follow_cursor else None)
        if wanted is not None:
            position = view.index_of(wanted)
            if position is not None:
                self.page = position // size
        if cursor_key is not None or follow_cursor:
            self._show_page(view, cursor_key=cursor_key)
        else:
            self._show_page(view, cursor_key="", cursor_index=0)

    def _show_page(self, view: View, **placement) -> None:
        """Page ``self.page`` of ``view``, the cursor placed as ``IncidentTable.set_rows`` is told, and the bars."""
        size = self.session.settings.page_size
        pages = view.page_count(size)
        self.page = max(0, min(self.page, pages - 1))
        self._showing_page = True
        try:
            self.table.set_rows(view.page(self.page, size), **placement)
        finally:
            self._showing_page = False
        self.table.sort_column = self.sort
        self.table.sort_descending = self.descending
        self.app.complete_rows(self.session, self.table.shown_needing_details())
        self._view_size = (pages, len(view))
        self.refresh_bars()
        bar = self.query_one(FilterBar)
        if bar.display:
            bar.show_status(len(view), self._unfiltered_count(), self.filter.errors)

    def _unfiltered_count(self) -> int:
        return len(self.session.store.view(ViewSpec(feed=self.feed, sort=self.sort)))

    def refresh_bars(self) -> None:
        """The info line (page, sort, filter, work in progress) and the top bar (counts, marks, live state)."""
        pages, count = self._view_size
        new = self.new_incidents.count
        self.query_one(InfoLine).show(
            page=self.page,
            pages=pages,
            count=count,
            sort=self.table.sort_titles[self.sort],
            descending=self.descending,
            new_above=new,
            note=self.note,
            activity=self.activity,
            filter_text=self.filter.describe() if self.filter else "",
            holding_back=self.session.backend.holding_back,
        )
        self.refresh_top_bar(new)

    def refresh_top_bar(self, new: int | None = None) -> None:
        """``new``: the "new" number, if the caller has just counted it."""
        open_count, total = self.session.store.counts()
        new = self.new_incidents.count if new is None else new
        statuses = self.session.backend.statuses
        self.query_one(TopBar).show(
            TopBarState(
                console=self.session.settings.label,
                view=view_title(self.feed, statuses),
                open=open_count,
                open_word=view_title("open", statuses).lower(),
                total=total,
                new=new,
                # The status carries the number as it was when reported; every bar shows it as it is now.
                status=replace(self.session.sync_status, pending_new=new),
                read_only=self.session.read_only,
                unencrypted=not self.session.backend.encrypted,
                marked=len(self.marks),
                matches=self._view_size[1] if self.filter else None,
            )
        )

    def _tick(self) -> None:
        # Only the retry countdowns and a request budget's wait change by themselves.
        if self.session.sync_status.state == "retrying":
            self.refresh_top_bar()
        if self.is_current and self.app.tabbed:
            self.show_tabs(self.app.tab_states())  # another console's countdown (unchanged: not redrawn)
        holding_back = self.session.backend.holding_back
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
        if status.state in ("live", "manual", "paused"):
            self._landing = False  # loaded: from now on the cursor stays on its incident

    def show_activity(self, text: str) -> None:
        self.activity = text
        if self._ready:
            self.refresh_bars()

    def show_incident(self, key: str) -> bool:
        """Put the cursor on ``key``: in this view if it shows it, else in this view without the
        filter, else in All (with the filter if it lets the incident through); whether the view changed."""
        if key not in self.session.store:
            self.toast("That incident is not loaded (deleted, or not in the feeds).", severity="warning")
            return False
        no_filter = Filter()
        for feed, filter in ((self.feed, self.filter), (self.feed, no_filter), ("all", self.filter), ("all", no_filter)):
            if self.session.store.view(self.view_spec(feed, filter)).index_of(key) is not None:
                break
        changed = (feed, filter) != (self.feed, self.filter)
        self.feed = feed
        if filter is no_filter and self.filter:
            self._clear_filter()
        self.refresh_view(cursor_key=key)
        self.table.focus()
        return changed

    def _describe_view(self) -> str:
        """The view as a toast names it: "Unacknowledged", "All incidents filtered by /ssh"."""
        title = view_title(self.feed, self.session.backend.statuses, long=True)
        return f"{title} filtered by / {self.filter.describe()}" if self.filter else title

    def cursor_moved(self, key: str | None) -> None:
        self._look()
        if self._showing_page:
            return  # the page being shown reads the rows and draws the bars once it is in, with its counts
        self.app.complete_rows(self.session, self.table.shown_needing_details())  # the table may have scrolled
        self.refresh_bars()

    def _look(self) -> None:
        """The analyst sees the highlighted incident, and at the top of the view every new one the view holds."""
        key = self.table.cursor_key
        if key is None:
            return
        new = self.new_incidents
        if self.page == 0 and self.table.cursor_index == 0:
            view = self.current_view()
            seen = new.seen([unseen for unseen in new.unseen() if view.index_of(unseen) is not None])
        else:
            seen = new.seen([key])
        if seen:
            self.table.refresh_keys(seen)
            self.refresh_bars()

    def action_newest_unseen(self) -> None:
        """w: the newest incident not looked at yet, in this view or the nearest one that holds it."""
        new = self.new_incidents
        unseen = self.session.store.incidents(new.unseen())
        if not unseen:
            if new.count:
                self.toast(f"{new.count:,} new held while live updates are paused: p shows them.")
            else:
                self.toast("Nothing unseen: every incident that arrived has been looked at.")
            return
        newest = max(unseen, key=_newest_first)
        was = self._describe_view()
        if self.show_incident(newest.key):
            self.toast(f"The newest unseen incident is not in {was}: showing {self._describe_view()}.")
        self._look()  # already highlighted (no cursor move) still counts as looking

    def action_mark_seen(self) -> None:
        """W: every incident counts as seen, those held while paused too."""
        count = self.new_incidents.count
        if not count:
            self.toast("Nothing new to mark seen.")
            return
        self.table.refresh_keys(self.new_incidents.seen_all())
        self.refresh_bars()
        self.toast(f"Marked {count:,} new incident{'s' if count != 1 else ''} seen.")

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
            self.toast("Range starts here: move, then V again marks everything in between.")
        else:
            low, high = sorted((start, end))
            added = self.marks.add(view.keys(low, high + 1))
            self.marks.anchor = key
            self.toast(f"Marked {added} more ({len(self.marks)} marked).")
        self.table.refresh()
        self._marks_changed()

    def action_mark_all(self) -> None:
        """Mark every incident in this view (filtered, all pages); again unmarks them."""
        whole = self.current_view().whole()
        before = len(self.marks)
        if self.marks.mark_or_unmark_all(whole):
            self.toast(f"Marked {len(self.marks) - before:,} more: every incident in this view (* again unmarks).")
        else:
            self.toast(f"Unmarked the {len(whole):,} incidents in this view.")
        self.table.refresh()
        self._marks_changed()

    def action_back(self) -> None:
        """esc: back to the table; there, clear the marks, then the filter."""
        if not self.table.has_focus:
            self.table.focus()
        elif self.marks:
            count = self.marks.clear()
            self.table.refresh()
            self._marks_changed()
            self.toast(f"Cleared {count:,} mark{'s' if count != 1 else ''}.")
        elif self.filter or self.filter.errors:
            self._clear_filter()
            self.refresh_view(land=True)

    def _marks_changed(self) -> None:
        # The footer says what a, u and d act on ("ack/unack/delete 3 marked"): one line, redrawn.
        self.refresh_bindings()
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
        retry = [key for key, reason in result.failed if reason != REASON_NOT_FOUND and key in self.session.store]
        if retry:
            self.marks.add(retry)
            self.table.refresh()
            self._marks_changed()
            self.toast(f"{len(retry)} that failed stay marked: press the key again to retry.", severity="warning")

    def _return_to_rolled_back(self, result: ActionResult, key: str, neighbour: str | None) -> None:
        """A refused action puts the incident back in the view: the cursor goes back to it, unless the
        analyst has moved on since (the cursor is no longer where the optimistic update left it)."""
        rolled_back = key in dict(result.failed) and key in self.session.store
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

    def filter_typed(self, filter: Filter) -> None:
        """The ``/`` line's query changed: show ``filter``'s view (called directly: a message took two
        more hops, on to the app too, and often a frame of its own)."""
        changed = filter.filter_id != self.filter.filter_id
        # Typing on narrows the last query: its view is cut down instead of the whole store filtered.
        self._previous_filter = self.filter
        self.filter = filter
        self.refresh_view(land=changed)

    @on(FilterBar.Closed)
    def _filter_closed(self, message: FilterBar.Closed) -> None:
        if not message.keep:
            had_filter = bool(self.filter)
            self._clear_filter()
            self.refresh_view(land=had_filter)
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
        self.app.push_screen(BulkScreen(self.session.store.get(key) if key else None), self._bulk_counted)

    def _bulk_counted(self, preview) -> None:
        from .confirm import ConfirmBulkScreen

        if preview is None:
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.app.run_bulk(self.session, preview)
            else:
                self.toast("Bulk action cancelled: nothing was sent.")

        self.app.push_screen(ConfirmBulkScreen(preview, archive_dir=display_path(self.session.archive_dir)), confirmed)

    def action_export(self) -> None:
        from .export import ExportScreen

        if self.marks:
            keys, what, label = self.marks.keys(), f"the {len(self.marks):,} marked incidents", "marks"
        else:
            keys = tuple(self.current_view().keys())
            what = f"this view ({len(keys):,} incidents)"
            label = f"{self._feed_name()}-filtered" if self.filter else self._feed_name()
        if not keys:
            self.toast("Nothing to export: this view is empty.", severity="warning")
            return
        self.app.push_screen(ExportScreen(what, label), lambda chosen: chosen and self.app.export(self.session, keys, *chosen))

    def action_search(self) -> None:
        self.app.open_search(self.session)

    def action_undo(self) -> None:
        self.app.undo(self.session)

    # ------------------------------------------------------------ views, live

    def _feed_name(self) -> str:
        """The view in a file name: its status when it shows one ("unacknowledged"), else the feed."""
        shown = feed_statuses(self.feed, self.session.backend.statuses)
        return shown[0].id if self.feed != "all" and len(shown) == 1 else self.feed

    def action_view(self, feed: Feed) -> None:
        if feed != self.feed:
            self.feed = feed
            self.refresh_view(land=True)

    def sort_by(self, column_id: str, descending: bool) -> None:
        """Sort the view by ``column_id`` (a key of ``table.sort_titles``) and land at its top.
        ValueError for a column that does not sort."""
        if column_id not in self.table.sort_titles:
            raise ValueError(f"no sort {column_id!r}; the columns sort by {', '.join(self.table.sort_titles)}")
        if (column_id, descending) != (self.sort, self.descending):
            self.sort, self.descending = column_id, descending
            self.refresh_view(land=True)

    def action_sort_next(self) -> None:
        """The next sortable column to the right, round to the first."""
        cycle = list(self.table.sort_titles)
        self.sort_by(cycle[(cycle.index(self.sort) + 1) % len(cycle)], self.descending)

    def action_sort_reverse(self) -> None:
        self.sort_by(self.sort, not self.descending)

    def action_page(self, step: int) -> None:
        pages = max(1, self.current_view().page_count(self.session.settings.page_size))
        target = max(0, min(self.page + step, pages - 1))
        if target != self.page:
            self.page = target
            self.refresh_view(follow_cursor=False)

    @on(IncidentTable.EdgeReached)
    def _edge(self, message: IncidentTable.EdgeReached) -> None:
        """Past a page's edge (j k PgUp PgDn) to the next or previous page; g and G to the first or
        last incident of the whole view."""
        view = self.current_view()
        last_page = view.page_count(self.session.settings.page_size) - 1
        if message.to_end:
            target = 0 if message.direction < 0 else last_page
        else:
            target = max(0, min(self.page + message.direction, last_page))
        if target != self.page:
            self.page = target
            # Up to the previous page, or G: its last row; down to the next, or g: its first.
            at_last_row = message.direction > 0 if message.to_end else message.direction < 0
            self._show_page(view, cursor_key="", cursor_index=self.session.settings.page_size - 1 if at_last_row else 0)
        if message.to_end:
            self._look()  # g at the top already: looking, though the cursor did not move

    def action_refresh(self) -> None:
        self.app.refresh_now(self.session)

    def action_toggle_pause(self) -> None:
        self.app.toggle_pause(self.session)


class InboxScreen(MainScreen):
    """The inbox's tab: the main screen over every console's open incidents (``Inbox``).  What it
    sends goes to each incident's own console; a delete is confirmed console by console."""

    def action_delete(self) -> None:
        from .confirm import ConfirmInboxDeleteScreen

        targets = self.targets()
        if not targets:
            self.toast("Nothing to delete: no incident is highlighted.", severity="warning")
            return
        groups, left_out = [], []
        for session, keys in self.session.by_console(targets).items():
            if session.read_only:
                count = len(keys)
                left_out.append(f"{session.name} is read-only: {'its incident is' if count == 1 else f'its {count:,} are'} "
                                f"left as {'it is' if count == 1 else 'they are'}.")
            else:
                groups.append((session, session.store.incidents(keys)))
        if not groups:
            self.toast("Nothing to delete: every console of these is read-only.", severity="warning")
            return

        self.confirm_delete(ConfirmInboxDeleteScreen(groups, left_out=left_out,
                                                     archive_dir=display_path(self.session.archive_dir)), targets)

    def action_set_status(self, verb: str) -> None:
        """A status key; where it closes on consoles that keep notes, one closing note is asked for
        and goes to those consoles' incidents (the others are closed without)."""
        targets = self.targets()
        noting = [session.name for session, keys in self.session.by_console(targets).items()
                  if not session.read_only and session.takes_closing_note(verb)]
        if not noting:
            self.send(verb, targets)
            return

        def written(note: str) -> None:
            self.app.run_triage(self.session, verb, targets, known=self.known_incidents(),
                                on_done=self.triage_finished, closing_note=note)
            self.triage_sent(verb, targets)

        count = f"{len(targets):,} incident{'s' if len(targets) != 1 else ''}"
        self.ask_closing_note(verb, f"{verb.capitalize()} {count}: a closing note on {', '.join(noting)}",
                              targets, written)

    def triage_finished(self, result: ActionResult) -> None:
        was_marked = result.targets in self._sent_marks
        super().triage_finished(result)
        left_out = [key for key in result.skipped if key in self.session.store]
        if was_marked and left_out:
            # A mixed set of marks: what this action cannot do on some console waits for its own key.
            self.marks.add(left_out)
            self.table.refresh()
            self._marks_changed()
            self.toast(f"{len(left_out):,} left out stay marked.")
