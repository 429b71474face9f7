"""The queue screen: the list, the filter bar, marks, sort, grouping, live refresh, status,
what can be done on the selection, and the keys that open the insight screens.

All I/O runs in workers (listing, index building, filtering, health, actions); the UI thread
only swaps in finished :class:`~mailq_tui.ui.view.ViewState` objects. What the user asked to
see is one immutable :class:`~mailq_tui.ui.view.ViewSpec`, replaced as a whole. Operations on
mail are asked, run and reported by the screen's
:class:`~mailq_tui.ui.action_runner.ActionRunner`; whether each is available is
:func:`~mailq_tui.operations.why_unavailable`.

While no whole listing is on screen (the first one), the rows read so far are shown as
``postqueue -j`` writes them (:mod:`mailq_tui.ui.preview`); such a partial view is never
filtered, marked or acted on: those wait for the whole listing, and say so.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Callable, ClassVar, Optional

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Input, Log, ProgressBar, Static
from textual.worker import Worker, WorkerState

from mailq_tui.engine import Health, PostfixError, PostfixSettings
from mailq_tui.formatting import count, plural
from mailq_tui.glyphs import current as glyphs
from mailq_tui.model.message import Message
from mailq_tui.model.query import QuerySyntaxError, parse_query
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.model.trend import Trend
from mailq_tui.operations import NO_SELECTION, Op, why_unavailable
from mailq_tui.reports import ActionReport, Privileges
from mailq_tui.safe_text import visible
from mailq_tui.ui import plans
from mailq_tui.ui.action_runner import ActionRunner
from mailq_tui.ui.availability import ExplainingScreen
from mailq_tui.ui.backend import QueueBackend
from mailq_tui.ui.columns import OPTIONAL_COLUMNS, SORT_CYCLE, header_cells
from mailq_tui.ui.commands import (
    OPERATION_KEYS,
    QUEUE_COMMANDS,
    QUEUE_FOOTER_RANK,
    Command,
    queue_bindings,
)
from mailq_tui.ui.keys import WorkGate
from mailq_tui.ui.memory import settle_after_listing
from mailq_tui.ui.plans import ActionRequest
from mailq_tui.ui.preview import StreamedListing, preview_state, streamed_state
from mailq_tui.ui.view import (
    GROUP_BY_CHOICES,
    GROUP_BY_LABELS,
    Marks,
    ViewSpec,
    ViewState,
    build_state_reusing,
    compute_view,
    totals,
)
from mailq_tui.ui.widgets.footer import Footer
from mailq_tui.ui.widgets.health import HealthPanel, health_warnings
from mailq_tui.ui.widgets.queue_list import QueueList
from mailq_tui.ui.widgets.safe_input import SafeInput
from mailq_tui.ui.widgets.status import (
    WHOLE_PARTS_BELOW,
    PrivilegesBar,
    StatusBar,
    privileges_text,
    status_text,
)

#: The share of a core live refreshes may cost this process with the queue unchanged: the
#: interval stretches to the last reused listing's reading CPU divided by this.
CPU_SHARE = 0.05
#: Filters that search at most this many rows run on the UI thread (~10 ms at most at 500k).
INLINE_ROWS = 30_000

#: Actions (besides operations) that need a message or group under the cursor, or marks.
_NEED_SELECTION = ("mark_all", "toggle_mark", "open_message")
#: Actions that need a listing.
_NEED_LISTING = ("reasons", "shape", "cycle_group")
#: Actions that wait for the whole listing (besides operations): nothing marks or groups a
#: listing still being read.
_NEED_WHOLE_LISTING = ("mark_all", "toggle_mark", *_NEED_LISTING)
#: Seconds between status bar updates of the count read (the first is shown at once).
_COUNT_EVERY = 0.1


#: The modules of the insight screens that follow a refresh.
_REASONS_MODULE = "mailq_tui.ui.screens.reasons"
_SHAPE_MODULE = "mailq_tui.ui.screens.shape"


def _filters_on_age(query_text: str, saved: Mapping[str, str]) -> bool:
    """True when ``query_text`` has an ``age:`` term (its rows change as time passes)."""
    try:
        return any(term.field == "age" for term in parse_query(query_text, saved).terms)
    except QuerySyntaxError:
        return False


class QueueScreen(ExplainingScreen[None]):
    """Every queued message, filtered, sorted, marked and acted on.

    ``backend``: where listings come from and actions go. ``clock``: epoch seconds for ages.
    ``refresh_interval``: seconds between live refreshes (0: none); a slow listing stretches
    it to 5× its duration, so a huge queue is not listed back to back, and the app's own CPU
    for reading a listing stretches it so that refreshing costs at most :data:`CPU_SHARE`
    of a core (a mail server in an incident needs its CPU for Postfix). ``columns``: which of
    the list's optional columns show. ``saved_filters``: name -> query text, for ``@name`` in
    the filter bar and the palette's "Filter:" entries.
    """

    BINDINGS: ClassVar[list[BindingType]] = list(queue_bindings())

    paused: reactive[bool] = reactive(False, bindings=True)
    #: What this user may do (None while it is being checked): decides the footer's keys.
    privileges: reactive[Optional[Privileges]] = reactive(None, bindings=True)

    def __init__(
        self,
        backend: QueueBackend,
        *,
        clock: Callable[[], float] = time.time,
        refresh_interval: float = 0.0,
        columns: Sequence[str] = OPTIONAL_COLUMNS,
        saved_filters: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.clock = clock
        self.refresh_interval = refresh_interval
        self.saved_filters: Mapping[str, str] = dict(saved_filters or {})
        #: What the user asked to see (replaced as a whole; see :meth:`change_view`).
        self.spec = ViewSpec()
        #: What is shown: a listing, its index and the rows ``spec`` selects.
        self.state: Optional[ViewState] = None
        self.marks = Marks()
        #: The list (composed here, kept at hand: a DOM query per key adds up).
        self.queue_list = QueueList(self.marks, columns=columns, id="queue-list")
        self.settings: Optional[PostfixSettings] = None
        self.health: Optional[Health] = None
        self.trend = Trend()
        self.runner = ActionRunner(
            backend,
            confirm=lambda dialog: self.app.push_screen(dialog, wait_for_dismiss=True),
            log=self.log_line,
            progress=lambda: self.query_one("#progress", ProgressBar),
            notify=lambda text, title, severity: self.notify(
                text, title=title, severity=severity, markup=False, timeout=8
            ),
            changed=self.update_bindings,
        )
        self.last_duration = 0.0
        #: CPU seconds this process spent reading the last listing that reused the one
        #: before (0 until one did): what an unchanged queue costs per refresh.
        self.last_read_cpu = 0.0
        #: This process's CPU seconds (a test steps it).
        self.cpu_clock: Callable[[], float] = time.process_time
        self.last_refresh_end = 0.0
        self.refreshing = False
        self.refresh_error: Optional[str] = None
        #: The listing being read (None when none is): its count, its preview schedule.
        self.streamed: Optional[StreamedListing] = None
        self._count_shown_at = 0.0
        self._gate = WorkGate(
            self,
            filtering_possible=self._filtering_possible,
            question=lambda: self.runner.question_shown,
        )
        self._header_line = ""
        self._availability: Optional[tuple[str, ...]] = None

    def compose(self) -> ComposeResult:
        """Header line, list, filter bar, log, progress, status lines, footer."""
        yield Static(id="list-header")
        yield self.queue_list
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
        yield Footer(rank=QUEUE_FOOTER_RANK)

    def on_mount(self) -> None:
        """Load privileges and settings, take the first listing, start the refresh clock."""
        self.query_one("#filter-error").display = False
        self.query_one("#action-log").display = False
        self.query_one("#health").display = False
        self.query_one("#progress").display = False
        self.queue_list.focus()
        # A watcher runs as the value changes; Input.Changed would reach this screen a few
        # milliseconds later, after bubbling through the bar and a frame drawn for the echo.
        self.watch(self.query_one("#filter", Input), "value", self.filter_typed, init=False)
        self._update_status()
        self.load_context()
        self.refresh_queue()
        self.set_interval(0.5, self._tick, name="refresh-clock")

    def log_line(self, line: str) -> None:
        """Append to the action log panel: one line, control and bidi characters as escapes."""
        stamp = time.strftime("%H:%M:%S")
        self.query_one("#action-log", Log).write_line(f"{stamp} {visible(line)}")

    # ------------------------------------------------------------------ workers

    @work(group="context", exit_on_error=False, description="context")
    async def load_context(self) -> None:
        """Privileges and settings (once; the status line shows them)."""
        try:
            self.privileges = await self.backend.privileges()
        except PostfixError as exc:
            self.notify(visible(exc.message), title="Privileges", severity="warning", markup=False)
        try:
            self.settings = await self.backend.settings()
        except PostfixError:
            self.settings = PostfixSettings()
        self.query_one(PrivilegesBar).update(privileges_text(self.privileges))

    def due(self, now: float) -> bool:
        """True when a live refresh should start: not paused, none running, interval passed.
        The interval backs off to 5× the last listing's duration when listings are slow, and
        to its reading CPU over :data:`CPU_SHARE` when reading it costs this process more."""
        if self.paused or self.refreshing or self.runner.busy or self.refresh_interval <= 0:
            return False
        wait = max(self.refresh_interval, 5 * self.last_duration, self.last_read_cpu / CPU_SHARE)
        return now - self.last_refresh_end >= wait

    def _tick(self) -> None:
        if self.due(time.monotonic()):
            self.refresh_queue()

    @work(exclusive=True, group="health", exit_on_error=False, description="health")
    async def check_health(self) -> None:
        """Is the master of this instance running, with which processes (psutil)."""
        self.health = await self.backend.health()
        self._show_health()

    def _show_health(self) -> None:
        self.query_one(HealthPanel).show(self.health, self.trend, self.clock())
        self._update_status()
        self.update_bindings()

    @work(exclusive=True, group="refresh", exit_on_error=False, description="listing")
    async def refresh_queue(self) -> None:
        """Take a listing and index it off the UI thread, then swap it in."""
        self.check_health()
        self.refreshing = True
        self._update_status()
        started = time.monotonic()
        shown = self.state
        complete = shown is not None and not shown.partial
        # The first listing (nothing whole on screen) is indexed batch by batch as it is read.
        streamed = self.streamed = StreamedListing(time.time(), index_parts=not complete)
        try:
            previous = shown.snapshot if complete and shown is not None else None
            on_batch = partial(self._batch_read, streamed)
            cpu = self.cpu_clock()
            snapshot = await self.backend.snapshot(previous, reusable=True, on_batch=on_batch)
            if previous is not None:  # reused: the cost of the next unchanged listing
                self.last_read_cpu = self.cpu_clock() - cpu
            streamed.done = True  # no more previews; the count shows until the view does
            self.workers.cancel_group(self, "preview")
            now = self.clock()
            if self._still_holds(shown, snapshot):
                assert shown is not None
                self._unchanged_listing(shown, snapshot, now)
                return
            if shown is not None and shown.snapshot.memo is not None:
                # Decoded with reuse: unchanged messages are the objects shown's index has.
                build = partial(build_state_reusing, shown)
                state = await asyncio.to_thread(build, snapshot, now, self.spec)
            else:
                build = partial(streamed_state, streamed)
                state = await asyncio.to_thread(build, snapshot, now, self.spec)
        except PostfixError as exc:
            self._refresh_failed(exc.message)
            return
        finally:
            self._stop_streaming(streamed)
            self.refreshing = False
            self.last_duration = time.monotonic() - started
            self.last_refresh_end = time.monotonic()
        self.refresh_error = None
        self.trend.add(snapshot.taken_at, len(snapshot.messages))
        self._show_health()
        dropped = self.marks.prune(state.messages)
        if dropped:
            self.log_line(f"{plural(dropped, 'marked message')} left the queue; unmarked")
        for warning in snapshot.warnings:
            self.log_line(f"postqueue: {visible(warning, 300)}")
        self._show(state)
        self._update_insight_screens(state)
        if state.spec != self.spec:
            self.apply_view()
        if not state.index.has_char_masks:
            # After the list is on screen: the build competes with the UI thread for the GIL.
            self.call_after_refresh(self.warm_index)
        # Free the state shown before (a preview, or the one this was built from) off the UI
        # thread, after a filter asked for meanwhile (freeing holds the GIL it needs).
        garbage = [shown, streamed.spent[:]]
        del shown
        streamed.spent.clear()
        await self._filters_done()
        await asyncio.to_thread(garbage.clear)

    def _batch_read(self, streamed: StreamedListing, batch: list[Message]) -> None:
        """A batch of the listing being read (on the event loop, as it is decoded): the
        status bar counts it; when no whole listing is on screen, the rows read so far are
        shown, re-sorted on a growing schedule (:mod:`mailq_tui.ui.preview`)."""
        if streamed is not self.streamed:
            return
        streamed.add(batch)
        now = time.monotonic()
        first = streamed.count == len(batch)
        if first or now - self._count_shown_at >= _COUNT_EVERY:
            self._count_shown_at = now
            self._update_status()
        if (self.state is None or self.state.partial) and streamed.preview_due(now):
            self._show_preview(streamed)

    @work(exclusive=True, group="preview", exit_on_error=False, description="preview")
    async def _show_preview(self, streamed: StreamedListing) -> None:
        """Show the rows read so far (sorted off the UI thread), unless the listing ended
        or a whole listing is on screen meanwhile."""
        batches, counts = streamed.start(), streamed.totals()
        started = time.monotonic()
        build = partial(
            preview_state,
            batches,
            streamed.taken_at,
            started - streamed.started,
            self.clock(),
            self.spec,
            counts,
        )
        try:
            state = await asyncio.to_thread(build)
        finally:
            streamed.built(time.monotonic() - started, time.monotonic())
        del batches
        whole_shown = self.state is not None and not self.state.partial
        if streamed is not self.streamed or streamed.done or whole_shown:
            return
        self._show(state)

    def _stop_streaming(self, streamed: StreamedListing) -> None:
        """The listing ``streamed`` ended (complete or failed): no more previews of it, no
        more index parts."""
        streamed.close()
        if self.streamed is streamed:
            self.streamed = None
            self.workers.cancel_group(self, "preview")
            if streamed.count and self.is_mounted:
                self._update_status()  # the count read is no longer shown

    def _partial_reason(self) -> str:
        """Why nothing can be marked or acted on now: the listing shown is incomplete
        ("" when it is whole, or none is shown)."""
        state = self.state
        if state is None or not state.partial:
            return ""
        streamed = self.streamed
        if streamed is not None:
            return f"reading the queue ({count(streamed.count)} so far){glyphs().dots}"
        return f"the listing is incomplete ({count(len(state.messages))} read before it ended)"

    def _still_holds(self, shown: Optional[ViewState], snapshot: Snapshot) -> bool:
        """True when ``snapshot`` lists byte for byte what ``shown`` (still on screen) was
        built from: its index, view, marks and cursor all still hold."""
        return (
            snapshot.same_as_previous
            and shown is not None
            and shown is self.state
            and snapshot.messages is shown.snapshot.messages
        )

    def _unchanged_listing(self, state: ViewState, snapshot: Snapshot, now: float) -> None:
        """The queue did not change: keep the index and the view (no decoding, no index,
        no filter), and only move on what a new listing moves on: its time (the status bar,
        the trend), its warnings, the ages shown, and a filter on age (whose answer depends
        on the clock)."""
        self.refresh_error = None
        state.snapshot = snapshot  # the same messages; its time and memo for the next one
        state.index.move_clock(now)
        self.trend.add(snapshot.taken_at, len(snapshot.messages))
        self._show_health()
        for warning in snapshot.warnings:
            self.log_line(f"postqueue: {visible(warning, 300)}")
        self._show(state)
        self._update_insight_screens(state)
        if _filters_on_age(state.spec.query_text, self.saved_filters):
            self.apply_view()

    @work(exclusive=True, group="index", exit_on_error=False, description="indexing")
    async def warm_index(self) -> None:
        """Build the search columns of the listing on screen (filters wait for them); the
        index is laid out oldest first already (:func:`build_state`), where filtering the
        default view reads memory in order (a joined index's haystacks are copied into
        that order first: :meth:`QueueIndex.lay_out_haystacks`). Then the first key of a
        filter gets its answers ready (:meth:`QueueIndex.build_char_masks`), and memory is
        settled
        (:func:`settle_after_listing`)."""
        if self.state is None:
            return
        held = [self.state]  # not a worker argument: the worker would keep it alive
        index = held[0].index
        await asyncio.to_thread(index.build_search_columns)
        self._update_status()
        del index
        # A filter already asked for (search columns joined as the listing streamed) runs
        # first: the masks would take the GIL from it.
        await self._filters_done()
        await asyncio.to_thread(held[0].index.map_every_id)
        await asyncio.to_thread(held[0].index.lay_out_haystacks)
        await asyncio.to_thread(held[0].index.build_char_masks)
        await asyncio.to_thread(settle_after_listing, held)

    async def _filters_done(self) -> None:
        """Wait until no filter is pending or running."""
        while any(w.group == "filter" and not w.is_finished for w in list(self.workers)):
            await asyncio.sleep(0.02)

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
        """Show the current index as :attr:`spec` asks (filtered off the UI thread unless
        it is cheap)."""
        state = self.state
        if state is None:
            return
        while not state.index.searchable:
            # Wait here, not in a thread: the next keystroke cancels this wait, so only the
            # last query is computed once the index is ready.
            await asyncio.sleep(0.02)
            if self.state is not state:
                return
        spec = self.spec
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
            what = event.worker.name or event.worker.description
            self.notify(
                visible(f"{type(error).__name__}: {error}", 300),
                title=f"{what} failed",
                severity="error",
                markup=False,
            )
            self.log_line(f"{what} failed: {visible(str(error), 300)}")

    # ------------------------------------------------------------------ view

    def change_view(self, spec: ViewSpec) -> None:
        """Show the listing as ``spec`` asks (filter, sort, grouping, expanded groups).

        A cheap view (at most :data:`INLINE_ROWS` rows to search, no grouping) is computed
        and shown right here, in the same turn of the event loop as the keystroke: starting
        a worker for it cost a loop turn or two before the filter even began."""
        self.spec = spec
        state = self.state
        if (
            state is not None
            and not state.partial
            and state.index.searchable
            and spec.group_by is None
            and state.index.select_cost(spec.query_text, spec.sort_key, spec.reverse) <= INLINE_ROWS
        ):
            self.workers.cancel_group(self, "filter")  # an older filter must not land later
            try:
                view = compute_view(state.index, spec)
            except Exception:  # reported as any filter failure is, by the worker
                self.apply_view()
                return
            self._show(state.with_view(view))
            return
        self.apply_view()

    def _show(self, state: ViewState) -> None:
        qlist = self.queue_list
        keep = qlist.current.queue_id if qlist.current else None
        group = qlist.current_group
        self.state = state
        qlist.set_state(state, state.index.now, keep=keep, keep_group=group.key if group else None)
        self._update_header()
        self._update_status()
        self.update_bindings()

    def _update_header(self) -> None:
        qlist = self.queue_list
        line = " ".join(header_cells(qlist.columns_layout, self.spec.sort_key, self.spec.reverse))
        if line == self._header_line:
            return  # unchanged (most keystrokes): nothing to repaint
        self._header_line = line
        # One line, fixed in the stylesheet: no layout pass (a keystroke pays for each one).
        self.query_one("#list-header", Static).update(Text(line, no_wrap=True), layout=False)

    def on_resize(self) -> None:
        """The header follows the list's columns; the status bar fits its new width."""
        self.call_after_refresh(self._update_header)
        self.call_after_refresh(self._update_status)

    def _status_width(self) -> int:
        """The room the status bar fits whole parts into on a narrow terminal (0: wide)."""
        if self.app.size.width >= WHOLE_PARTS_BELOW:
            return 0
        return self.query_one("#status", StatusBar).content_region.width

    def _update_status(self) -> None:
        state = self.state
        view = f"sort {self.spec.sort_key} {'desc' if self.spec.reverse else 'asc'}"
        progress = []
        streamed = self.streamed
        if streamed is not None and streamed.count:
            progress.append(f"reading {count(streamed.count)}{glyphs().dots}")
        elif state is not None and not state.index.searchable and not state.partial:
            progress.append(f"indexing{glyphs().dots}")
        if state is not None and state.groups is not None and state.spec.group_by:
            label = GROUP_BY_LABELS.get(state.spec.group_by, state.spec.group_by)
            view = f"{plural(len(state.groups), 'group')} by {label} {glyphs().bar} {view}"
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
            width=self._status_width(),
            progress=progress,
        )
        self.query_one(StatusBar).update(text, layout=False)  # one fixed line

    # ------------------------------------------------------------------ filter

    def filter_typed(self, value: str) -> None:
        """Apply the query as it is typed; a malformed one is explained under the bar, and
        so is a value holding control or bidi characters (drawn as markers in the bar).

        The view gets the query's text with each ``@name`` replaced by its saved filter's
        text (:attr:`Query.text`): everything downstream (the filter, the confirm dialog's
        "Query:" line, a drill-down) reads plain query text, as the CLI's selection does."""
        error = self.query_one("#filter-error", Static)
        try:
            query = parse_query(value, self.saved_filters)
        except QuerySyntaxError as exc:
            pos = getattr(exc, "position", None)
            where = f" at column {pos + 1}" if isinstance(pos, int) else ""
            pointer = (" " * (pos + 2) + "^") if isinstance(pos, int) else ""
            error.update(Text(f"{pointer}\n{visible(str(exc), 200)}{where}", no_wrap=True))
            error.display = True
            return
        note = self.query_one("#filter", SafeInput).hidden_note()
        if note:
            error.update(Text(note, no_wrap=True, overflow=glyphs().overflow))
        error.display = bool(note)
        self.change_view(replace(self.spec, query_text=query.text))

    def apply_saved_filter(self, name: str) -> None:
        """Show the saved filter ``name``: the filter bar reads ``@name`` (and applies it as
        typed text would), then the list has the focus."""
        self.query_one("#filter", Input).value = f"@{name}"
        self.queue_list.focus()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        """Enter returns to the list."""
        self.queue_list.focus()

    def on_key(self, event: events.Key) -> None:
        """Esc in the filter bar returns to the list (the query stays)."""
        if event.key == "escape" and self.focused is self.query_one("#filter"):
            event.stop()
            self.queue_list.focus()

    async def ready_for_keys(self) -> bool:
        """Keys for the list wait until it shows what the keys before them asked for (see
        :class:`~mailq_tui.ui.keys.WorkGate`). Keys typed into the filter do not wait: each
        one replaces the filter running. True when it waited."""
        if isinstance(self.focused, Input):
            return False
        return await self._gate.ready()

    def _filtering_possible(self) -> bool:
        """A filter can finish: the index is ready, or being built."""
        index_ready = self.state is not None and self.state.index.searchable
        return index_ready or bool(self._gate.active_workers("index"))

    def action_focus_filter(self) -> None:
        """Jump to the filter bar."""
        self.query_one("#filter", Input).focus()

    # ------------------------------------------------------------------ marks, sort, groups

    def _marks_changed(self) -> None:
        """The marks changed: the list redraws them, the status bar counts them, the footer
        follows what is now selected."""
        self.queue_list.invalidate()
        self._update_status()
        self.update_bindings()

    def action_toggle_mark(self) -> None:
        """Mark or unmark the message under the cursor (on a group header: every message of
        the group, or none when all were marked), then move down."""
        if self.state is not None and self.state.partial:
            return
        qlist = self.queue_list
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
        qlist.action_cursor_down()
        self._marks_changed()

    def action_mark_all(self) -> None:
        """Mark every message the filter matches (never a listing still being read)."""
        if self.state is None or self.state.partial:
            return
        self.marks.add_all(self.state.visible_messages())
        self._marks_changed()

    def action_clear_marks(self) -> None:
        """Unmark everything."""
        self.marks.clear()
        self._marks_changed()

    def action_cycle_sort(self) -> None:
        """Sort by the next column."""
        key = self.spec.sort_key
        idx = SORT_CYCLE.index(key) if key in SORT_CYCLE else -1
        self.change_view(replace(self.spec, sort_key=SORT_CYCLE[(idx + 1) % len(SORT_CYCLE)]))

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.change_view(replace(self.spec, reverse=not self.spec.reverse))

    def action_cycle_group(self) -> None:
        """Group by the next choice (recipient domain, sender domain, sender, reason, none)."""
        choices: list[Optional[str]] = [*GROUP_BY_CHOICES, None]
        now = choices.index(self.spec.group_by) if self.spec.group_by in choices else -1
        group_by = choices[(now + 1) % len(choices)]
        self.change_view(replace(self.spec, group_by=group_by, expanded=frozenset()))

    @on(QueueList.GroupSelected)
    def _group_selected(self, event: QueueList.GroupSelected) -> None:
        """Enter on a group header shows or hides its messages."""
        expanded = self.spec.expanded.symmetric_difference({event.group.key})
        self.change_view(replace(self.spec, expanded=expanded))

    # ------------------------------------------------------------------ insight screens

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
        self.spec = replace(self.spec, group_by=None, expanded=frozenset())
        bar = self.query_one("#filter", Input)
        if bar.value == query:  # the value does not change: apply the ungrouped view here
            self.apply_view()
        bar.value = query
        self.queue_list.focus()

    def _update_insight_screens(self, state: ViewState) -> None:
        """Open insight screens follow the live refresh."""
        if not {_REASONS_MODULE, _SHAPE_MODULE} & sys.modules.keys():
            # None was ever opened: their modules need not be imported yet (~0.2 s, which
            # the first listing's first filter would wait for).
            return
        from mailq_tui.ui.screens.reasons import ReasonsScreen
        from mailq_tui.ui.screens.shape import ShapeScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, ReasonsScreen):
                screen.update_state(state)
            elif isinstance(screen, ShapeScreen):
                screen.update_snapshot(state.messages, state.index.now)

    # ------------------------------------------------------------------ panels and refresh

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

    # ------------------------------------------------------------------ what can be done

    def targets(self) -> list[Message]:
        """The marked messages, or the group or message under the cursor."""
        if self.state is None:
            return []
        if len(self.marks):
            return self.marks.resolve(self.state.messages)
        qlist = self.queue_list
        if qlist.current_group is not None:
            msgs = self.state.messages
            return [msgs[r] for r in qlist.current_group.rows]
        return [qlist.current] if qlist.current is not None else []

    def _has_selection(self) -> bool:
        qlist = self.queue_list
        return bool(len(self.marks)) or qlist.current is not None or qlist.current_group is not None

    def why(self, op: Op, has_target: Optional[bool] = None) -> str:
        """Why ``op`` cannot run now ("" when it can). ``has_target``: whether it has
        something to act on (default: the list's marks, group or cursor message)."""
        partial_listing = self._partial_reason()
        if partial_listing:
            return partial_listing
        if has_target is None:
            has_target = self._has_selection()
        return why_unavailable(op, self.privileges, self.health, self.runner.busy, has_target)

    def unavailable_reason(self, action: str, parameters: tuple[object, ...] = ()) -> str:
        """Why the Textual ``action`` (a key, the palette) cannot run now ("" when it can)."""
        return self._unavailable(action, parameters, self._has_selection())

    def _unavailable(self, action: str, parameters: tuple[object, ...], selection: bool) -> str:
        op = Op.from_action(action, parameters)
        if op is not None:
            return self.why(op, selection)
        if action in _NEED_WHOLE_LISTING:
            partial_listing = self._partial_reason()
            if partial_listing:
                return partial_listing
        if action in _NEED_SELECTION and not selection:
            return NO_SELECTION
        if action in _NEED_LISTING and self.state is None:
            return "reading the queue"
        return ""

    def command_unavailable(self, cmd: Command, selection: Optional[bool] = None) -> str:
        """Why ``cmd`` (a palette entry) cannot run now ("" when it can); ``selection``:
        whether the list has marks, a group or a message under the cursor (looked up when
        not given)."""
        if selection is None:
            selection = self._has_selection()
        if cmd.op is not None:
            return self.why(cmd.op, selection)
        return self._unavailable(cmd.action, (), selection)

    def spare_binding_ids(self) -> frozenset[str]:
        """Flush site and flush all take the footer room of forbidden keys."""
        return frozenset(cmd.id for cmd in QUEUE_COMMANDS if cmd.spare)

    def update_bindings(self) -> None:
        """Refresh the footer when what is available (or why not) changed, not otherwise.

        ``refresh_bindings`` rebuilds the footer: a few milliseconds that a filter keystroke
        or a listing would pay each time, and every rebuild leaves its old keys behind
        (Textual 8.2's footer keys stay watched by the footer until it is pruned).
        """
        if not self.is_mounted:
            return
        selection = self._has_selection()
        partial_listing = self._partial_reason()  # its count grows: not a change of keys
        availability = tuple(
            "partial" if partial_listing and why == partial_listing else why
            for why in (self.command_unavailable(cmd, selection) for cmd in QUEUE_COMMANDS)
        )
        if availability != self._availability:
            self._availability = availability
            self.refresh_bindings()

    def run_command(self, cmd: Command) -> None:
        """Run a command chosen in the palette (when unavailable, ``check_action`` says why,
        as for its key)."""
        self.call_later(self.app.run_action, cmd.action, self)

    # ------------------------------------------------------------------ operations

    def action_operate(self, name: str) -> None:
        """The key of an operation: confirm and run it on what it applies to."""
        op = Op(name)
        if op is Op.FLUSH_ALL:
            self.start(ActionRequest(op))
        elif op is Op.FLUSH_SITE:
            site = self._cursor_site()
            if site:
                self.start(ActionRequest(op, site=site))
        else:
            qlist = self.queue_list
            marked = len(self.marks)
            bulk = marked > 0 or qlist.current_group is not None
            self.start(ActionRequest(op, self.targets(), marked=marked, bulk=bulk))

    def _cursor_site(self) -> str:
        """The destination a site flush would flush: the recipient domain group under the
        cursor, or the first recipient's domain of the message there ("" when neither; a
        group of another kind says so)."""
        qlist = self.queue_list
        msg, group = qlist.current, qlist.current_group
        if group is not None and self.spec.group_by == "domain":
            return group.key
        if group is not None:
            self.notify(
                "Flush site needs a message, or a recipient-domain group (b)",
                title="Flush site",
                severity="warning",
                markup=False,
            )
            return ""
        if msg is not None and msg.recipients:
            return msg.recipients[0].address.rpartition("@")[2]
        return ""

    def start(self, request: ActionRequest) -> None:
        """Confirm and run ``request`` (a key, or the message screen for its message)."""
        why = self.why(request.op, has_target=bool(request.targets or request.site))
        if why:
            title = OPERATION_KEYS[request.op].description
            self.notify(why, title=title, severity="warning", markup=False)
            return
        self.runner.expect_question()
        self._perform(request)

    @work(group="action", exit_on_error=False, description="action")
    async def _perform(self, request: ActionRequest) -> None:
        """Plan (in a thread: describing a selection may filter the whole index), ask, run,
        report; then list the queue again."""
        held = [self.state]  # not a worker argument: the worker would keep it alive
        plan = await asyncio.to_thread(
            plans.build_plan, request, held[0], self.clock(), self.settings
        )
        del held
        report = await self.runner.run(plan)
        if report is not None:
            self._acted(report)

    def _acted(self, report: ActionReport) -> None:
        """An action changed the queue: unmark what it handled, list the queue again."""
        if report.outcomes:
            self.marks.discard(report.outcomes)
            self._marks_changed()
        self.refresh_queue()

    # ------------------------------------------------------------------ one message

    def action_open_message(self) -> None:
        """Open the message under the cursor (on a group header: expand or collapse it)."""
        self.queue_list.action_select()

    @on(QueueList.Selected)
    def _selected(self, event: QueueList.Selected) -> None:
        self._open(event.message)

    @on(QueueList.Highlighted)
    def _highlighted(self) -> None:
        self.update_bindings()

    def _open(self, msg: Message) -> None:
        from mailq_tui.ui.screens.message import MessageScreen

        def after(op: Optional[Op]) -> None:
            if op is not None:
                self.start(ActionRequest(op, [msg]))

        screen = MessageScreen(
            msg,
            self.clock(),
            backend=self.backend,
            settings=self.settings,
            privileges=self.privileges,
            why=lambda op: self.why(op, has_target=True),
        )
        self.app.push_screen(screen, callback=after)
