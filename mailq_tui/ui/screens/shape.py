"""Queue shape: qshape's domains × age buckets table as a heat map, with drill-down.

The numbers are :func:`mailq_tui.model.shape.compute_shape`'s: they equal ``qshape`` run with
the same queue names (``qshape deferred`` for the initial set; qshape's own default, the
second set, is ``incoming active``). The shape is computed
in a thread (half a million messages take about a second) by an exclusive worker: a newer
request cancels the wait for an older one, whose result is then never shown. During a live
update (:meth:`ShapeScreen.update_snapshot`) the table shown stays usable ("updating…"); after
a change of mode or queue set it says "computing…" and Enter waits for the new table.

Enter dismisses the screen with a query selecting the messages of the cell under the cursor
(:func:`drill_query`); Esc dismisses it with None.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Optional

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from mailq_tui.glyphs import current as glyphs
from mailq_tui.model.message import Message
from mailq_tui.model.shape import TOTAL, Shape, cell_query, compute_shape
from mailq_tui.safe_text import visible
from mailq_tui.ui.widgets.footer import Footer
from mailq_tui.ui.widgets.heatmap import HeatTable

#: The queue sets ``q`` cycles through; None is every queue. The first is where stuck mail
#: waits; the second is qshape's default (is the queue manager keeping up?).
QUEUE_SETS: tuple[Optional[tuple[str, ...]], ...] = (
    ("deferred",),
    ("incoming", "active"),
    ("active",),
    ("incoming",),
    ("hold",),
    None,
)
#: Domains shown at first, and how many more each ``m`` adds.
TOP_N = 100


def drill_query(
    shape: Shape, domain: str, bucket: int, queues: Optional[Sequence[str]] = None
) -> str:
    """The queue-screen query for one cell: :func:`cell_query` and, unless ``queues`` is None
    (every queue), a ``queue:a,b`` term. ``""`` (TOTAL, T, every queue) selects everything."""
    parts = [cell_query(shape, domain, bucket)]
    if queues:
        parts.append("queue:" + ",".join(queues))
    return " ".join(part for part in parts if part)


def top_rows(shape: Shape, limit: int) -> list[tuple[str, list[int]]]:
    """TOTAL first (even when a single domain ties with it), then the ``limit`` biggest."""
    counts = shape.counts()
    total = counts.get(TOTAL, [0] * len(shape.headings))
    domains = [row for row in shape.rows if row[0] != TOTAL]
    return [(TOTAL, total), *domains[:limit]]


class ShapeScreen(Screen[Optional[str]]):
    """Domains by age, per queue set; dismissed with a drill-down query or None."""

    BINDINGS = [
        Binding(
            "s",
            "toggle_sender",
            "Rcpt/Sender",
            tooltip="Switch between recipient and sender domains",
            id="shape.sender",
        ),
        Binding(
            "q",
            "cycle_queues",
            "Queues",
            tooltip="Next queue set: deferred, incoming+active, active, incoming, hold, all",
            id="shape.queue",
        ),
        Binding("m", "more", "More", tooltip=f"Show {TOP_N} more domains", id="shape.more"),
        Binding(
            "enter",
            "open",
            "Show mail",
            tooltip="Back to the queue, filtered to the messages of this cell",
            id="shape.open",
            priority=True,
        ),
        Binding("escape", "close", "Back", tooltip="Back to the queue", id="shape.close"),
    ]

    def __init__(self, messages: Sequence[Message], now: float, *, page: int = TOP_N) -> None:
        super().__init__()
        self.messages = messages
        self.now = now
        #: "rcpt" or "sender".
        self.by = "rcpt"
        #: Index into :data:`QUEUE_SETS`.
        self.queue_set = 0
        self.page = max(1, page)
        self.limit = self.page
        #: The shape shown (None until the first computation ends).
        self.shape: Optional[Shape] = None
        #: The (by, queues) the shown shape was computed for.
        self._shape_of: Optional[tuple[str, Optional[tuple[str, ...]]]] = None
        self.computing = False
        self.error = ""
        self._top = False
        self._ready = False

    @property
    def queues(self) -> Optional[tuple[str, ...]]:
        """The queues counted (None: all)."""
        return QUEUE_SETS[self.queue_set]

    @property
    def current(self) -> bool:
        """True when the table shows the mode and queue set asked for (maybe from an older
        listing while a live update is computed: what is shown is what Enter drills into)."""
        return self.shape is not None and self._shape_of == (self.by, self.queues)

    def compose(self) -> ComposeResult:
        """Header line, heat table, footer."""
        yield Static(id="shape-header")
        yield HeatTable(id="shape-table")
        yield Footer()

    def on_mount(self) -> None:
        """First computation."""
        self.query_one(HeatTable).focus()
        self._ready = True
        self._recompute()

    def update_snapshot(self, messages: Sequence[Message], now: float) -> None:
        """New listing: recompute; the cursor stays on its domain and column if still shown."""
        self.messages = messages
        self.now = now
        self._recompute()

    def _recompute(self, top: bool = False) -> None:
        if not self._ready:
            return  # on_mount computes
        self._top = self._top or top
        self.computing = True
        self._show_header()
        self.refresh_bindings()
        self._compute(self.messages, self.now, self.by, self.queues)

    @work(exclusive=True, group="shape", exit_on_error=False, description="shape")
    async def _compute(
        self,
        messages: Sequence[Message],
        now: float,
        by: str,
        queues: Optional[tuple[str, ...]],
    ) -> None:
        """compute_shape in a thread; a newer call cancels this one before it shows anything."""
        shape = await asyncio.to_thread(compute_shape, messages, now, by, queues)
        self.shape, self._shape_of = shape, (by, queues)
        self.computing, self.error = False, ""
        self._show_table()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed computation is said in the header (the last table stays)."""
        if event.worker.group == "shape" and event.state == WorkerState.ERROR:
            self.computing = False
            self.error = f"{type(event.worker.error).__name__}: {event.worker.error}"
            self._show_header()

    def _show_table(self) -> None:
        if self.shape is None:
            return
        self.query_one(HeatTable).show(self.shape, top_rows(self.shape, self.limit), top=self._top)
        self._top = False
        self._show_header()
        self.refresh_bindings()

    def _show_header(self) -> None:
        """``Recipient domains · deferred · 9 of 9 shown``."""
        g = glyphs()
        text = Text(no_wrap=True, overflow=glyphs().overflow)
        text.append("Sender domains" if self.by == "sender" else "Recipient domains", "bold")
        text.append(f" {g.dot} ")
        text.append(" ".join(self.queues) if self.queues else "all queues", "bold")
        text.append(f" {g.dot} ")
        if self.error:
            text.append(f"failed: {visible(self.error, 200)}", "bold")
        elif self.shape is None or not self.current:
            text.append(f"computing{g.dots}", "italic")
        else:
            domains = len(self.shape.rows) - 1
            shown = min(self.limit, domains)
            text.append(f"{shown} of {domains} shown" if domains else "no mail in these queues")
            if self.computing:
                text.append(f" {g.dot} updating{g.dots}", "dim")
        self.query_one("#shape-header", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> Optional[bool]:
        """``m`` is offered only when domains are hidden, Enter only on a :attr:`current` table."""
        if action == "more":
            return (self.shape is not None and self.limit < len(self.shape.rows) - 1) or None
        if action == "open":
            return self.current or None
        return True

    def action_toggle_sender(self) -> None:
        """Recipient domains <-> sender domains."""
        self.by = "sender" if self.by == "rcpt" else "rcpt"
        self._recompute(top=True)

    def action_cycle_queues(self) -> None:
        """The next queue set."""
        self.queue_set = (self.queue_set + 1) % len(QUEUE_SETS)
        self._recompute()

    def action_more(self) -> None:
        """Show ``page`` more domains."""
        self.limit += self.page
        self._show_table()

    def action_open(self) -> None:
        """Dismiss with the query of the cell under the cursor."""
        cell = self.query_one(HeatTable).cursor_cell()
        if self.shape is None or not self.current or cell is None:
            return
        self.dismiss(drill_query(self.shape, cell[0], cell[1], self.queues))

    def action_close(self) -> None:
        """Back to the queue, no filter change."""
        self.dismiss(None)
