"""The deferral reasons screen: normalised reason clusters with counts, sizes, destinations and
the oldest message, sorted by count, each explained by the hint table when a known pattern.

The clusters are computed off the UI thread from the queue screen's current view (its index
and the rows its filter selects), so a filter like ``domain:gmail.com`` shows gmail's reasons.
Enter dismisses the screen with a query (the current filter plus ``cluster:"…"``) for the queue
screen to apply: the messages of that cluster, ready for a bulk action. A DataTable is fine
here: even a wild queue has a few hundred clusters, not 100k rows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar, Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from mailq_tui.formatting import count, plural, short_age, short_size
from mailq_tui.glyphs import current as glyphs
from mailq_tui.model.grouping import Group, group_messages
from mailq_tui.model.query import cluster_term
from mailq_tui.model.reasons import Hint, explain
from mailq_tui.safe_text import visible
from mailq_tui.ui.columns import fit, short_reason
from mailq_tui.ui.view import ViewState
from mailq_tui.ui.widgets.footer import Footer

#: Columns: (key, label, width); the reason takes what is left.
COLUMNS = (
    ("msgs", "msgs", 7),
    ("rcpts", "rcpts", 7),
    ("size", "size", 7),
    ("oldest", "oldest", 7),
    ("kind", "kind", 12),
)
#: Below this width the reason keeps its room: recipients and size go (the detail below the
#: table has them) and the rest narrows.
NARROW_WIDTH = 80
NARROW_COLUMNS = (
    ("msgs", "msgs", 6),
    ("oldest", "age", 5),
    ("kind", "kind", 13),
)


def columns_for(width: int) -> tuple[tuple[str, str, int], ...]:
    """The count columns for a screen ``width`` cells wide."""
    return NARROW_COLUMNS if width < NARROW_WIDTH else COLUMNS


@dataclass(frozen=True)
class Cluster:
    """One row of the screen: a reason cluster and its hint."""

    group: Group
    hint: Optional[Hint]

    @property
    def key(self) -> str:
        """The normalised reason."""
        return self.group.key


@dataclass(frozen=True)
class ReasonsSummary:
    """Every cluster of a view, and how many messages had no reason at all."""

    clusters: list[Cluster]
    without_reason: int
    messages: int


def summarise(state: ViewState) -> ReasonsSummary:
    """Clusters of the view's rows, biggest first (slow at 500k: call from a thread)."""
    groups = group_messages(state.index, state.rows, "reason")
    clusters = [Cluster(g, explain(g.key)) for g in groups if g.key]
    in_clusters: set[int] = set()
    for g in groups:
        if g.key:
            in_clusters.update(g.rows)
    without = sum(1 for r in state.rows if r not in in_clusters)
    return ReasonsSummary(clusters, without, len(state.rows))


def detail_text(cluster: Cluster, now: float) -> Text:
    """The highlighted cluster in full: reason, hint, destinations, oldest message."""
    group, hint = cluster.group, cluster.hint
    text = Text()
    text.append(visible(group.key, 2000) + "\n", style="bold")
    if hint is not None:
        text.append(f"{hint.title}: ", style="bold")
        text.append(hint.explanation + "\n")
        text.append("Setting: ", style="bold")
        text.append(visible(hint.setting_for(group.top_destinations), 300) + "\n")
    else:
        text.append("No known pattern: read the reason and the message (Enter, then Enter).\n")
    destinations = ", ".join(f"{visible(d, 60)} {n}" for d, n in group.top_destinations)
    text.append("Destinations: ", style="bold")
    text.append(f"{destinations}\n")
    text.append(
        f"{plural(group.count, 'message')}, {plural(group.recipients, 'recipient')}, "
        f"{short_size(group.bytes)}; "
        f"oldest {short_age(now - group.oldest)}, newest {short_age(now - group.newest)}"
    )
    return text


class ReasonsTable(DataTable[Text]):
    """The cluster table; Enter (shown in the footer) selects the row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Show messages",
            tooltip="Back to the queue, filtered to this cluster",
            id="reasons.open",
        ),
    ]


class ReasonsScreen(Screen[Optional[str]]):
    """Why mail is stuck: reason clusters; Enter shows a cluster's messages."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,R", "close", "Back", tooltip="Back to the queue", id="reasons.close"),
    ]

    def __init__(self, state: ViewState) -> None:
        super().__init__()
        self.state = state
        self.summary: Optional[ReasonsSummary] = None
        self._columns: tuple[tuple[str, str, int], ...] = COLUMNS

    def compose(self) -> ComposeResult:
        """Title, the cluster table, the detail of the highlighted cluster, footer."""
        yield Static(id="reasons-title")
        yield ReasonsTable(id="reasons-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="reasons-detail")
        yield Footer()

    def on_mount(self) -> None:
        """Columns, then the clusters (computed in a worker)."""
        self._add_columns()
        self._title(f"computing reason clusters{glyphs().dots}")
        self.compute()

    def _add_columns(self) -> None:
        """The columns for the screen's width (:func:`columns_for`), the reason last."""
        table = self.query_one(DataTable)
        self._columns = columns_for(self.app.size.width)
        table.clear(columns=True)
        for key, label, width in self._columns:
            shown = label.rjust(width - 1) if key != "kind" else label
            table.add_column(Text(shown), width=width, key=key)
        table.add_column("reason", key="reason")

    def on_resize(self) -> None:
        """Across :data:`NARROW_WIDTH` the columns change: lay the table out again."""
        if columns_for(self.app.size.width) is not self._columns:
            self._add_columns()
            if self.summary is not None:
                self._fill(self.summary)

    def update_state(self, state: ViewState) -> None:
        """A refreshed queue view: recompute, keeping the cursor on the same cluster."""
        self.state = state
        self.compute()

    @work(exclusive=True, group="reasons", exit_on_error=False, description="reasons")
    async def compute(self) -> None:
        """Cluster the view's rows off the UI thread, then fill the table."""
        state = self.state
        summary = await asyncio.to_thread(summarise, state)
        if state is self.state:
            self._fill(summary)

    def _title(self, extra: str) -> None:
        query = self.state.query_text.strip()
        scope = f" (filter: {visible(query, 60)})" if query else ""
        self.query_one("#reasons-title", Static).update(
            Text(
                f"Deferral reasons{scope} {glyphs().dash} {extra}",
                no_wrap=True,
                overflow=glyphs().overflow,
            )
        )

    def _fill(self, summary: ReasonsSummary) -> None:
        table = self.query_one(DataTable)
        keep = self.current.key if self.current else None
        self.summary = summary
        table.clear()
        now = self.state.index.now
        for cluster in summary.clusters:
            g = cluster.group
            numbers = {
                "msgs": str(g.count),
                "rcpts": str(g.recipients),
                "size": short_size(g.bytes),
                "oldest": short_age(now - g.oldest),
            }
            cells = [
                Text(numbers[key].rjust(width - 1))
                if key in numbers
                else Text(fit(cluster.hint.name if cluster.hint else "-", width - 1), "italic")
                for key, _, width in self._columns
            ]
            table.add_row(
                *cells,
                Text(visible(short_reason(g.key), 300), no_wrap=True, overflow=glyphs().overflow),
                key=g.key,
            )
        keys = [c.key for c in summary.clusters]
        if keep in keys:
            table.move_cursor(row=keys.index(keep))
        no_reason = (
            f"; {count(summary.without_reason)} without a reason (not tried yet, active or hold)"
            if summary.without_reason
            else ""
        )
        clusters = plural(len(keys), "cluster")
        self._title(f"{clusters} over {plural(summary.messages, 'message')}{no_reason}")
        self._show_detail()

    @property
    def current(self) -> Optional[Cluster]:
        """The cluster under the cursor."""
        if not self.summary or not self.summary.clusters:
            return None
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.summary.clusters):
            return self.summary.clusters[row]
        return None

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        cluster = self.current
        detail = self.query_one("#reasons-detail", Static)
        if cluster is None:
            empty = "No deferral reasons here: no deferred message matches." if self.summary else ""
            detail.update(Text(empty))
        else:
            detail.update(detail_text(cluster, self.state.index.now))

    def drill_query(self, cluster: Cluster) -> str:
        """The queue screen's filter for ``cluster``: the current filter and the cluster."""
        return f"{self.state.query_text.strip()} {cluster_term(cluster.key)}".strip()

    @on(DataTable.RowSelected)
    def open_cluster(self) -> None:
        """Back to the queue, filtered to the cluster under the cursor."""
        cluster = self.current
        if cluster is not None:
            self.dismiss(self.drill_query(cluster))

    def action_close(self) -> None:
        """Back to the queue, filter unchanged."""
        self.dismiss(None)
