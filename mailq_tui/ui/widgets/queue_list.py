"""The queue list: a virtual list on Textual's Line API.

Only the visible lines are rendered (``render_line``), from plain Python data held in a
:class:`~mailq_tui.ui.view.ViewState`; ``virtual_size`` is the row count, so 500k rows cost
nothing until they scroll into view. Rendered strips are kept in a small LRU keyed by
(message row, marked, cursor and focus, width), cleared whenever a row could render
differently: a new index or clock, marks, width, grouping. Another filter over the same
index (a keystroke) keeps it.
Cells are plain text made safe by :func:`mailq_tui.safe_text.visible`; never markup.

When the view is grouped, some lines are group headers (see
:attr:`~mailq_tui.ui.view.ViewState.lines`): key, counts, size, oldest age and top
destinations; Enter on one expands or collapses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mailq_tui.model.grouping import Group
from mailq_tui.model.message import Message
from mailq_tui.ui.columns import OPTIONAL_COLUMNS, Layout, cells, group_cells, layout_for
from mailq_tui.ui.view import Marks, ViewState


class QueueList(ScrollView, can_focus=True):
    """Scrollable list of queued messages with a cursor and marks."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("home", "first", "First", show=False, id="list.first"),
        Binding("end", "last", "Last", show=False, id="list.last"),
    ]

    COMPONENT_CLASSES = {
        "queue-list--cursor",
        "queue-list--marked",
        "queue-list--hold",
        "queue-list--empty",
        "queue-list--group",
    }

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class Highlighted(TextualMessage):
        """The cursor moved to another message (None: the list is empty)."""

        message: Optional[Message]

        def can_replace(self, message: TextualMessage) -> bool:
            """Only the latest cursor position matters."""
            return isinstance(message, QueueList.Highlighted)

    @dataclass
    class Selected(TextualMessage):
        """Enter (or a double click) on a message."""

        message: Message

    @dataclass
    class GroupSelected(TextualMessage):
        """Enter (or a double click) on a group header."""

        group: Group

    def __init__(
        self,
        marks: Marks,
        *,
        columns: Sequence[str] = OPTIONAL_COLUMNS,
        name: Optional[str] = None,
        id: Optional[str] = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.marks = marks
        #: Which of the optional columns show (the config's ``columns``).
        self.shown_columns = tuple(columns)
        self.state: Optional[ViewState] = None
        self.now = 0.0
        self._cache: LRUCache[tuple[int, bool, int, int], Strip] = LRUCache(512)
        self._group_marks: dict[int, bool] = {}
        self._layout: Layout = layout_for(80, shown=self.shown_columns)
        self._id_width = 11

    # ------------------------------------------------------------------ data

    def set_state(
        self,
        state: ViewState,
        now: float,
        keep: Optional[str] = None,
        keep_group: Optional[str] = None,
    ) -> None:
        """Show ``state``. The cursor stays on queue id ``keep`` (or the header of group
        ``keep_group``) when it is still listed and at the same screen line; otherwise it stays
        at the same position (clamped), so messages that left the queue disappear without the
        view jumping."""
        old_line = self.cursor - int(self.scroll_offset.y)
        old, old_id_width = self.state, self._id_width
        self.state = state
        if state.rows:
            sample = state.messages[state.rows[0]].queue_id
            self._id_width = max(11, len(sample) + 1)
        if not (
            # Same index, clock and columns, no group headers: a row still renders the same,
            # so another filter over it (a keystroke) keeps the rendered rows.
            old is not None
            and old.index is state.index
            and now == self.now
            and old_id_width == self._id_width
            and old.groups is None
            and state.groups is None
        ):
            self._cache.clear()
        self.now = now
        self._group_marks.clear()
        pos = state.position_of(keep) if keep else None
        if keep_group is not None:
            pos = state.position_of_group(keep_group)
        count = len(state.lines)
        new_cursor = pos if pos is not None else min(self.cursor, max(0, count - 1))
        self._relayout()
        self.set_reactive(QueueList.cursor, new_cursor)
        target = max(0, new_cursor - max(0, old_line))
        self.scroll_to(y=target, animate=False, immediate=True)
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def invalidate(self) -> None:
        """Redraw everything (marks changed)."""
        self._cache.clear()
        self._group_marks.clear()
        self.refresh()

    @property
    def current(self) -> Optional[Message]:
        """The message under the cursor (None on a group header)."""
        return self.state.message_at(self.cursor) if self.state else None

    @property
    def current_group(self) -> Optional[Group]:
        """The group whose header is under the cursor."""
        return self.state.group_at(self.cursor) if self.state else None

    @property
    def row_count(self) -> int:
        """How many lines the list shows."""
        return len(self.state.lines) if self.state else 0

    @property
    def columns_layout(self) -> Layout:
        """The columns currently shown."""
        return self._layout

    # ------------------------------------------------------------------ geometry

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 80
        layout = layout_for(width, self._id_width, self.shown_columns)
        if layout != self._layout:  # the cached rows have the old columns
            self._cache.clear()
            self._layout = layout
        self._set_virtual_size(Size(self._layout.width, self.row_count))

    def _set_virtual_size(self, size: Size) -> None:
        """Set ``virtual_size``, without a layout pass when only the row count changed and
        the vertical scrollbar stays as it is (shown, or not needed, before and after).

        Setting ``virtual_size`` asks for a layout of the whole screen, which roughly
        doubles the time to draw a keystroke's new rows (3 ms -> 6-7 ms at 120x40); a
        layout is only needed when the scrollbar appears or goes, changing the list's width.
        Assigning ``virtual_size`` every time, as Textual's ``Log`` does, makes the TUI
        benchmark's filter keystroke about 3 ms slower at 100k. What this relies on in Textual
        (no layout asked for, the scrollbar drawn from its window sizes) is pinned by
        ``test_a_filter_that_only_changes_the_row_count_draws_as_a_layout_would``.
        """
        old = self.virtual_size
        visible = self.scrollable_content_region.height
        same_bar = (size.height > visible) == (old.height > visible)
        if size == old or size.width != old.width or not same_bar or not visible:
            self.virtual_size = size
            return
        self.set_reactive(QueueList.virtual_size, size)
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            bar.window_virtual_size = size.height
            bar.window_size = visible
            bar.refresh()
        self.scroll_y = self.validate_scroll_y(self.scroll_y)
        self.refresh()

    def watch_show_vertical_scrollbar(self) -> None:
        """The scrollbar came or went (the first listing fills the list): the columns fit
        the new width now, so the next filter keeps the layout (see
        :meth:`_set_virtual_size`)."""
        self.call_after_refresh(self._relayout)

    def on_resize(self, event: events.Resize) -> None:
        """Columns follow the width; the cursor stays visible."""
        self._cache.clear()
        self._relayout()
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        if self.row_count:
            self.scroll_to_region(
                Region(0, self.cursor, 1, 1), animate=False, immediate=True, force=True
            )

    def watch_cursor(self, old: int, new: int) -> None:
        """Redraw the two affected lines and keep the cursor visible."""
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def _move(self, pos: int) -> None:
        if self.row_count:
            self.cursor = max(0, min(pos, self.row_count - 1))

    # ------------------------------------------------------------------ actions

    def action_cursor_up(self) -> None:
        """Previous message."""
        self._move(self.cursor - 1)

    def action_cursor_down(self) -> None:
        """Next message."""
        self._move(self.cursor + 1)

    def action_page_up(self) -> None:
        """One screen up."""
        self._move(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        """One screen down."""
        self._move(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        """First message."""
        self._move(0)

    def action_last(self) -> None:
        """Last message."""
        self._move(self.row_count - 1)

    def action_select(self) -> None:
        """Open the message under the cursor, or expand/collapse the group."""
        msg = self.current
        if msg is not None:
            self.post_message(self.Selected(msg))
            return
        group = self.current_group
        if group is not None:
            self.post_message(self.GroupSelected(group))

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor; a double click opens the message."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        pos = int(self.scroll_offset.y) + offset.y
        if 0 <= pos < self.row_count:
            self.cursor = pos
            if event.chain >= 2:
                self.action_select()

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        """One visible line: the message at scroll offset + ``y``."""
        scroll_x, scroll_y = self.scroll_offset
        pos = scroll_y + y
        width = self.scrollable_content_region.width
        state = self.state
        base = self.rich_style
        lines = state.lines if state is not None else []
        if state is None or pos >= len(lines):
            if state is not None and not lines and y == 0:
                text = (
                    " No message matches the filter (/ changes it)."
                    if state.query_text
                    else " The queue is empty."
                )
                style = base + self.get_component_rich_style("queue-list--empty")
                return Strip([Segment(text, style)]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        row = lines[pos]
        is_cursor = pos == self.cursor
        full_width = max(width, self._layout.width)
        # The cursor's style depends on focus (``:blur`` in the stylesheet).
        cursor = (1 + self.has_focus) if is_cursor else 0
        strip: Optional[Strip]
        if row < 0:
            group = state.groups[-row - 1] if state.groups else None
            if group is None:
                return Strip.blank(width, base)
            marked = self._group_marked(row, group)
            strip = self._cache.get((row, marked, cursor, full_width))
            if strip is None:
                strip = self._render_group(group, marked, is_cursor, full_width, base)
        else:
            msg = state.messages[row]
            marked = msg.queue_id in self.marks
            strip = self._cache.get((row, marked, cursor, full_width))
            if strip is None:
                strip = self._render_row(msg, marked, is_cursor, full_width, base)
        self._cache[(row, marked, cursor, full_width)] = strip
        return strip.crop(scroll_x, scroll_x + width)

    def _group_marked(self, line: int, group: Group) -> bool:
        """Whether every message of ``group`` is marked (memoised until marks change)."""
        known = self._group_marks.get(line)
        if known is None and self.state is not None:
            msgs = self.state.messages
            marks = self.marks
            known = bool(len(marks)) and all(msgs[r].queue_id in marks for r in group.rows)
            self._group_marks[line] = known
        return bool(known)

    def _render_group(
        self, group: Group, marked: bool, is_cursor: bool, width: int, base: Style
    ) -> Strip:
        style = base + self.get_component_rich_style("queue-list--group")
        if marked:
            style += self.get_component_rich_style("queue-list--marked")
        if is_cursor:
            style += self.get_component_rich_style("queue-list--cursor")
        assert self.state is not None
        expanded = group.key in self.state.spec.expanded
        text = group_cells(group, self.now, marked, expanded, width)
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    def _render_row(
        self, msg: Message, marked: bool, is_cursor: bool, width: int, base: Style
    ) -> Strip:
        style = base
        if msg.queue_name == "hold":
            style += self.get_component_rich_style("queue-list--hold")
        if marked:
            style += self.get_component_rich_style("queue-list--marked")
        if is_cursor:
            style += self.get_component_rich_style("queue-list--cursor")
        text = " ".join(cells(msg, self._layout, self.now, marked))
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)
