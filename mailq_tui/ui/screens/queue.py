"""The queue screen: the list, the filter bar, marks, sort, grouping, live refresh, status,
and the keys that open the insight screens.

All I/O runs in workers (listing, index building, filtering, health); the UI thread only swaps
in finished :class:`~mailq_tui.ui.view.ViewState` objects. What can be done and doing it
(targets, availability from the user's privileges, confirm and run, reporting) lives in the
base class, :class:`~mailq_tui.ui.screens.queue_actions.QueueActionsScreen`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, ClassVar, Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Input, Log, ProgressBar, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from mailq_tui.model.message import Message
from mailq_tui.model.query import QuerySyntaxError, parse_query
from mailq_tui.model.trend import Trend
from mailq_tui.postfix.commands import PostfixError
from mailq_tui.postfix.settings import PostfixSettings
from mailq_tui.safe_text import visible
from mailq_tui.ui import plans
from mailq_tui.ui.columns import SORT_CYCLE, header_cells
from mailq_tui.ui.commands import queue_bindings
from mailq_tui.ui.memory import settle_after_listing
from mailq_tui.ui.screens.queue_actions import QueueActionsScreen
from mailq_tui.ui.view import (
    GROUP_BY_CHOICES,
    GROUP_BY_LABELS,
    ViewSpec,
    ViewState,
    arrival_ordered_state,
    build_state,
    compute_view,
    totals,
)
from mailq_tui.ui.widgets.footer import Footer
from mailq_tui.ui.widgets.health import HealthPanel, health_warnings
from mailq_tui.ui.widgets.queue_list import QueueList
from mailq_tui.ui.widgets.safe_input import SafeInput
from mailq_tui.ui.widgets.status import PrivilegesBar, StatusBar, privileges_text, status_text

#: Filters that search at most this many rows run on the UI thread (~10 ms at most at 500k).
INLINE_ROWS = 30_000


class QueueScreen(QueueActionsScreen):
    """Every queued message, filtered, sorted, marked and acted on."""

    BINDINGS: ClassVar[list[BindingType]] = list(queue_bindings())

    paused: reactive[bool] = reactive(False, bindings=True)

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self._header_line = ""
        self.sort_key = "age"
        self.reverse = True
        self.expanded: set[str] = set()
        self.last_duration = 0.0
        self.last_refresh_end = 0.0
        self.refreshing = False
        self.refresh_error: Optional[str] = None
        self.trend = Trend()

    def view_spec(self) -> ViewSpec:
        """What the user asked to see now."""
        return ViewSpec(
            self.query_text, self.sort_key, self.reverse, self.group_by, frozenset(self.expanded)
        )

    def compose(self) -> ComposeResult:
        """Header line, list, filter bar, log, progress, status lines, footer."""
        yield Static(id="list-header")
        yield QueueList(self.marks, id="queue-list")
        with Horizontal(id="filter-bar"):
            yield Static("/", id="filter-label")
            yield SafeInput(
                placeholder="filter: words from: to: domain: queue: age:>2h size:>1M reason: id:",
                id="filter",
            )
        yield Static(id="filter-error")
        yield Log(id="action-log", highlight=False, max_lines=2000)
        yield HealthPanel(id="health")
        yield ProgressBar(id="progress", show_eta=False)
        yield StatusBar(id="status")
        yield PrivilegesBar(id="privileges")
        yield Footer()

    def on_mount(self) -> None:
        """Load privileges and settings, take the first listing, start the refresh clock."""
        self.query_one("#filter-error").display = False
        self.query_one("#action-log").display = False
        self.query_one("#health").display = False
        self.query_one("#progress").display = False
        self.query_one(QueueList).focus()
        # A watcher runs as the value changes; Input.Changed would reach this screen a few
        # milliseconds later, after bubbling through the bar and a frame drawn for the echo.
        self.watch(self.query_one("#filter", Input), "value", self.filter_typed, init=False)
        self._update_status()
        self.load_context()
        self.refresh_queue()
        self.set_interval(0.5, self._tick, name="refresh-clock")

    # ------------------------------------------------------------------ workers

    @work(group="context", exit_on_error=False, description="context")
    async def load_context(self) -> None:
        """Privileges and settings (once; the status line shows them)."""
        backend = self.mailq.backend
        try:
            self.privileges = await backend.privileges()
        except PostfixError as exc:
            self.notify(visible(exc.message), title="Privileges", severity="warning", markup=False)
        try:
            self.settings = await backend.settings()
        except PostfixError:
            self.settings = PostfixSettings()
        self.query_one(PrivilegesBar).update(privileges_text(self.privileges))

    def due(self, now: float) -> bool:
        """True when a live refresh should start: not paused, none running, interval passed.
        The interval backs off to 5× the last listing's duration when listings are slow."""
        if self.paused or self.refreshing or self.busy or self.mailq.refresh_interval <= 0:
            return False
        wait = max(self.mailq.refresh_interval, 5 * self.last_duration)
        return now - self.last_refresh_end >= wait

    def _tick(self) -> None:
        if self.due(time.monotonic()):
            self.refresh_queue()

    @work(exclusive=True, group="health", exit_on_error=False, description="health")
    async def check_health(self) -> None:
        """Is the master of this instance running, with which processes (psutil)."""
        self.health = await self.mailq.backend.health()
        self._show_health()

    def _show_health(self) -> None:
        self.query_one(HealthPanel).show(self.health, self.trend, self.mailq.clock())
        self._update_status()
        self.update_bindings()

    @work(exclusive=True, group="refresh", exit_on_error=False, description="listing")
    async def refresh_queue(self) -> None:
        """Take a listing and index it off the UI thread, then swap it in."""
        self.check_health()
        self.refreshing = True
        self._update_status()
        started = time.monotonic()
        try:
            snapshot = await self.mailq.backend.snapshot()
            now = self.mailq.clock()
            state = await asyncio.to_thread(build_state, snapshot, now, self.view_spec())
        except PostfixError as exc:
            self._refresh_failed(exc.message)
            return
        finally:
            self.refreshing = False
            self.last_duration = time.monotonic() - started
            self.last_refresh_end = time.monotonic()
        self.refresh_error = None
        self.trend.add(snapshot.taken_at, len(snapshot.messages))
        self._show_health()
        dropped = self.marks.prune(state.messages)
        if dropped:
            self.log_line(f"{plans.plural(dropped, 'marked message')} left the queue; unmarked")
        for warning in snapshot.warnings:
            self.log_line(f"postqueue: {visible(warning, 300)}")
        self._show(state)
        self._update_insight_screens(state)
        if state.spec != self.view_spec():
            self.apply_view()
        if not state.index.searchable:
            # After the list is on screen: the build competes with the UI thread for the GIL.
            self.call_after_refresh(self.warm_index)

    @work(exclusive=True, group="index", exit_on_error=False, description="indexing")
    async def warm_index(self) -> None:
        """Build the search columns of the listing on screen (filters wait for them), then
        swap in its index laid out oldest first, where filtering the default view is 2-4x
        faster (:meth:`QueueIndex.in_arrival_order`). Cursor, marks and groups follow queue
        ids and group keys, so the swap does not show. Then the first key of a filter gets
        its answers ready (:meth:`QueueIndex.build_char_masks`), and memory is settled
        (:func:`settle_after_listing`), the replaced index freed in that thread."""
        if self.state is None:
            return
        held = [self.state]  # not a worker argument: the worker would keep it alive
        index = held[0].index
        await asyncio.to_thread(index.build_search_columns)
        self._update_status()
        final = index
        if not index.arrival_ordered:
            ordered = await asyncio.to_thread(arrival_ordered_state, held[0], self.view_spec())
            if self.state is None or self.state.index is not index:
                return  # a refresh replaced the listing meanwhile
            self._show(ordered)
            if ordered.spec != self.view_spec():
                self.apply_view()
            final = ordered.index
        del index
        await asyncio.to_thread(final.build_char_masks)
        await asyncio.to_thread(settle_after_listing, held)

    def _refresh_failed(self, message: str) -> None:
        first = self.refresh_error != message
        self.refresh_error = message
        if first:
            self.notify(
                visible(message, 300), title="Listing failed", severity="error", markup=False
            )
            self.log_line(f"listing failed: {visible(message, 300)}")
        self._update_status()

    @work(exclusive=True, group="filter", exit_on_error=False, description="filter")
    async def apply_view(self) -> None:
        """Filter and sort the current index with the current query (off the UI thread)."""
        state = self.state
        if state is None:
            return
        while not state.index.searchable:
            # Wait here, not in a thread: the next keystroke cancels this wait, so only the
            # last query is computed once the index is ready.
            await asyncio.sleep(0.02)
            if self.state is not state:
                return
        spec = self.view_spec()
        cost = state.index.select_cost(spec.query_text, spec.sort_key, spec.reverse)
        if cost <= INLINE_ROWS and spec.group_by is None:
            # A few milliseconds: a thread hop and the GIL handover would cost more.
            view = compute_view(state.index, spec)
        else:
            view = await asyncio.to_thread(compute_view, state.index, spec)
        if self.state is not state:  # a refresh replaced the index meanwhile; it re-filters
            return
        self._show(state.with_view(view))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for unexpected worker failures: a notification, never a traceback."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.busy = False
            self.query_one("#progress").display = False
            self.notify(
                visible(f"{type(error).__name__}: {error}", 300),
                title=f"{event.worker.name or event.worker.description} failed",
                severity="error",
                markup=False,
            )
            what = event.worker.name or event.worker.description
            self.log_line(f"{what} failed: {visible(str(error), 300)}")

    # ------------------------------------------------------------------ view

    def _show(self, state: ViewState) -> None:
        qlist = self.query_one(QueueList)
        keep = qlist.current.queue_id if qlist.current else None
        group = qlist.current_group
        self.state = state
        qlist.set_state(state, state.index.now, keep=keep, keep_group=group.key if group else None)
        self._update_header()
        self._update_status()
        self.update_bindings()

    def _update_header(self) -> None:
        qlist = self.query_one(QueueList)
        line = " ".join(header_cells(qlist.columns_layout, self.sort_key, self.reverse))
        if line == self._header_line:
            return  # unchanged (most keystrokes): nothing to repaint
        self._header_line = line
        # One line, fixed in the stylesheet: no layout pass (a keystroke pays for each one).
        self.query_one("#list-header", Static).update(Text(line, no_wrap=True), layout=False)

    def on_resize(self) -> None:
        """The header follows the list's columns."""
        self.call_after_refresh(self._update_header)

    def _update_status(self) -> None:
        state = self.state
        direction = "desc" if self.reverse else "asc"
        view = f"sort {self.sort_key} {direction}"
        if state is not None and not state.index.searchable:
            view = f"indexing… │ {view}"
        if state is not None and state.groups is not None and state.spec.group_by:
            label = GROUP_BY_LABELS.get(state.spec.group_by, state.spec.group_by)
            view = f"{plans.plural(len(state.groups), 'group')} by {label} │ {view}"
        text = status_text(
            (state.counts or totals(state.messages)) if state else None,
            len(state.rows) if state else 0,
            len(self.marks),
            state.snapshot.taken_at if state else None,
            state.snapshot.duration if state else None,
            self.paused,
            self.refreshing,
            view,
            health_warnings(self.health, self.trend),
            error=self.refresh_error or "",
        )
        self.query_one(StatusBar).update(text, layout=False)  # one fixed line

    def queue_changed(self) -> None:
        """An action changed the queue: list it again now."""
        self.refresh_queue()

    # ------------------------------------------------------------------ filter

    def filter_typed(self, value: str) -> None:
        """Apply the query as it is typed; a malformed one is explained under the bar, and
        so is a value holding control or bidi characters (drawn as markers in the bar)."""
        error = self.query_one("#filter-error", Static)
        try:
            parse_query(value)
        except QuerySyntaxError as exc:
            pos = getattr(exc, "position", None)
            where = f" at column {pos + 1}" if isinstance(pos, int) else ""
            pointer = (" " * (pos + 2) + "^") if isinstance(pos, int) else ""
            error.update(Text(f"{pointer}\n{visible(str(exc), 200)}{where}", no_wrap=True))
            error.display = True
            return
        note = self.query_one("#filter", SafeInput).hidden_note()
        if note:
            error.update(Text(note, no_wrap=True, overflow="ellipsis"))
        error.display = bool(note)
        self.query_text = value
        self.apply_view()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        """Enter returns to the list."""
        self.query_one(QueueList).focus()

    def on_key(self, event: Any) -> None:
        """Esc in the filter bar returns to the list (the query stays)."""
        if event.key == "escape" and self.focused is self.query_one("#filter"):
            event.stop()
            self.query_one(QueueList).focus()

    async def ready_for_keys(self) -> bool:
        """Keys for the list wait until it shows the query typed before them (``/yahoo``,
        Enter, ``*`` marks the yahoo messages, not those listed before the filter ran).
        Keys typed into the filter do not wait: each one replaces the filter running. Keys
        after one that starts a confirmed action wait for its dialog (which drops them).
        True when it waited."""
        if isinstance(self.focused, Input):
            return False
        waited = await self._wait_for_question()
        while True:
            running = self._active_workers("filter")
            if not running or not (self._index_ready() or self._active_workers("index")):
                return waited  # a filter waiting for an index that failed would never end
            waited = True
            if running[0].state == WorkerState.PENDING:
                await asyncio.sleep(0)  # its task starts on the next turn of the loop
                continue
            # Cancelled (a newer filter replaced it) or failed (on_worker_state_changed
            # reports it): look again.
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await running[0].wait()

    async def _wait_for_question(self) -> bool:
        """Wait while an action started by a key prepares its confirm dialog (until it is
        shown, or the action ended without asking); True when it waited."""
        shown = self.question_shown
        if shown is None or shown.is_set():
            return False
        while not shown.is_set() and self._active_workers("action"):
            # Look again now and then: the action may end without asking.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(shown.wait(), 0.05)
        return True

    def _active_workers(self, group: str) -> list[Worker[Any]]:
        """This screen's workers of ``group`` that have not finished."""
        active = (WorkerState.PENDING, WorkerState.RUNNING)
        return [
            w for w in self.app.workers if w.node is self and w.group == group and w.state in active
        ]

    def _index_ready(self) -> bool:
        return self.state is not None and self.state.index.searchable

    def action_focus_filter(self) -> None:
        """Jump to the filter bar."""
        self.query_one("#filter", Input).focus()

    # ------------------------------------------------------------------ marks and sort

    def action_toggle_mark(self) -> None:
        """Mark or unmark the message under the cursor (on a group header: every message of
        the group, or none when all were marked), then move down."""
        qlist = self.query_one(QueueList)
        msg, group = qlist.current, qlist.current_group
        if msg is not None:
            self.marks.toggle(msg)
        elif group is not None and self.state is not None:
            members = [self.state.messages[r] for r in group.rows]
            if all(m.queue_id in self.marks for m in members):
                self.marks.discard(m.queue_id for m in members)
            else:
                self.marks.add_all(members)
        else:
            return
        qlist.invalidate()
        qlist.action_cursor_down()
        self._update_status()
        self.update_bindings()

    def action_mark_all(self) -> None:
        """Mark every message the filter matches."""
        if self.state is None:
            return
        self.marks.add_all(self.state.visible_messages())
        self.query_one(QueueList).invalidate()
        self._update_status()
        self.update_bindings()

    def action_clear_marks(self) -> None:
        """Unmark everything."""
        self.marks.clear()
        self.query_one(QueueList).invalidate()
        self._update_status()
        self.update_bindings()

    def action_cycle_sort(self) -> None:
        """Sort by the next column."""
        idx = SORT_CYCLE.index(self.sort_key) if self.sort_key in SORT_CYCLE else -1
        self.sort_key = SORT_CYCLE[(idx + 1) % len(SORT_CYCLE)]
        self.apply_view()

    def action_cycle_group(self) -> None:
        """Group by the next choice (recipient domain, sender domain, sender, reason, none)."""
        choices: list[Optional[str]] = [*GROUP_BY_CHOICES, None]
        now = choices.index(self.group_by) if self.group_by in choices else -1
        self.group_by = choices[(now + 1) % len(choices)]
        self.expanded.clear()
        self.apply_view()

    @on(QueueList.GroupSelected)
    def _group_selected(self, event: QueueList.GroupSelected) -> None:
        """Enter on a group header shows or hides its messages."""
        key = event.group.key
        if key in self.expanded:
            self.expanded.discard(key)
        else:
            self.expanded.add(key)
        self.apply_view()

    def action_reasons(self) -> None:
        """The deferral reasons screen for the current filter."""
        from mailq_tui.ui.screens.reasons import ReasonsScreen

        if self.state is not None:
            self.app.push_screen(ReasonsScreen(self.state), callback=self._drill_down)

    def action_shape(self) -> None:
        """The queue shape heat map (qshape) of the whole queue."""
        from mailq_tui.ui.screens.shape import ShapeScreen

        if self.state is not None:
            screen = ShapeScreen(self.state.messages, self.state.index.now)
            self.app.push_screen(screen, callback=self._drill_down)

    def _drill_down(self, query: Optional[str]) -> None:
        """Apply a query chosen in an insight screen (the filter bar shows it)."""
        if query is None:
            return
        self.group_by = None
        self.expanded.clear()
        bar = self.query_one("#filter", Input)
        if bar.value == query:  # the value does not change: apply the ungrouped view here
            self.apply_view()
        bar.value = query
        self.query_one(QueueList).focus()

    def _update_insight_screens(self, state: ViewState) -> None:
        """Open insight screens follow the live refresh."""
        from mailq_tui.ui.screens.reasons import ReasonsScreen
        from mailq_tui.ui.screens.shape import ShapeScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, ReasonsScreen):
                screen.update_state(state)
            elif isinstance(screen, ShapeScreen):
                screen.update_snapshot(state.messages, state.index.now)

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.reverse = not self.reverse
        self.apply_view()

    def action_refresh_now(self) -> None:
        """Take a listing now."""
        self.refresh_queue()

    def action_toggle_pause(self) -> None:
        """Pause or resume the live refresh."""
        self.paused = not self.paused
        self._update_status()

    def action_toggle_health(self) -> None:
        """Show or hide the Postfix health panel."""
        panel = self.query_one(HealthPanel)
        panel.display = not panel.display

    def action_toggle_log(self) -> None:
        """Show or hide the action log."""
        log = self.query_one("#action-log")
        log.display = not log.display

    def action_help(self) -> None:
        """The help screen."""
        from mailq_tui.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    # ------------------------------------------------------------------ actions

    def action_open_message(self) -> None:
        """Open the message under the cursor (on a group header: expand or collapse it)."""
        self.query_one(QueueList).action_select()

    @on(QueueList.Selected)
    def _selected(self, event: QueueList.Selected) -> None:
        self._open(event.message)

    @on(QueueList.Highlighted)
    def _highlighted(self) -> None:
        self.update_bindings()

    def _open(self, msg: Message) -> None:
        from mailq_tui.ui.screens.message import MessageScreen

        def after(action: Optional[str]) -> None:
            if action:
                self.start_action(action, [msg])

        screen = MessageScreen(msg, self.mailq.clock(), self.settings, self.privileges)
        self.app.push_screen(screen, callback=after)
