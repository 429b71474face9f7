"""The qshape table drawn as a heat map: a ``DataTable`` with a cell cursor.

Why a ``DataTable`` and not a Line-API ``ScrollView``: the grid is small (the top N domains, a
few hundred rows at most, 11 narrow columns) and every column width is given, so nothing is
measured; the table brings the cell cursor, its keys, paging and mouse support for free. The
domains are a fixed first column (visible when the grid is wider than the terminal) that the
cursor never enters (:meth:`HeatTable.validate_cursor_coordinate`), so table column k + 1 is
qshape bucket k (0 = the T column). Not row labels: ``DataTable`` caches a row's label as absent
when the row is drawn before its first idle after ``clear()``, and the domains then vanish.

Heat: a cell's level (0-4) is its count on a log scale relative to the largest age cell of the
table (the T column and the TOTAL row are left out: they would flatten the scale). Levels are
component classes styled in ``styles/shape.tcss`` with theme variables; without colour
(``NO_COLOR``) zero is dim and the two hottest levels are bold (the hottest also reversed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar, Optional

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from mailq_tui.glyphs import current as glyphs
from mailq_tui.model.shape import TOTAL, Shape
from mailq_tui.safe_text import visible

#: The narrowest domain column: below it the grid scrolls sideways instead.
MIN_DOMAIN_WIDTH = 12
#: Heat levels above zero.
HEAT_LEVELS = 4


def column_widths(shape: Shape) -> list[int]:
    """qshape's rule: ``max(len(total), len(heading)) + 1``, at least 3 (the +1 is the gap)."""
    total = shape.counts().get(TOTAL, [0] * len(shape.headings))
    widths = []
    for count, head in zip(total, shape.headings):
        width = max(len(str(count)), len(head))
        widths.append(width + 1 if width > 2 else 3)
    return widths


def peak_of(shape: Shape) -> int:
    """The largest count of an age cell, the T column and the TOTAL row left out."""
    return max((max(c[1:], default=0) for d, c in shape.rows if d != TOTAL), default=0)


def heat_level(count: int, peak: int) -> int:
    """0 for an empty cell, else 1..HEAT_LEVELS on a log scale where ``peak`` is the top."""
    if count <= 0:
        return 0
    if peak <= 1 or count >= peak:
        return HEAT_LEVELS
    return 1 + min(HEAT_LEVELS - 1, int(HEAT_LEVELS * math.log(count) / math.log(peak)))


def fit_left(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` cells, cut from the left with ``…`` when too long
    (the end of a domain is the part that tells domains apart)."""
    if cell_len(text) <= width:
        return " " * (width - cell_len(text)) + text
    kept = text
    while kept and cell_len(kept) > width - 1:
        kept = kept[1:]
    return " " * (width - 1 - cell_len(kept)) + glyphs().cut + kept


def cut_middle(text: str, width: int, head: int) -> str:
    """``text`` in at most ``width`` cells: its first ``head`` cells, the cut mark, then as
    much of its end as fits (``text`` itself when it fits)."""
    if cell_len(text) <= width:
        return text
    mark = glyphs().cut
    start = ""
    for char in text:
        if cell_len(start + char) > head:
            break
        start += char
    room = width - cell_len(mark) - cell_len(start)
    end = ""
    for char in reversed(text[len(start) :]):
        if cell_len(char + end) > room:
            break
        end = char + end
    return start + mark + end


def _heads(width: int) -> list[int]:
    """How many leading cells to keep, best first: half (a domain's start, e.g. ``mx1``, and
    its end both tell it apart), then ever further from half, down to a cut from the left."""
    middle = max(0, (width - 1) // 2)
    heads = sorted(range(width), key=lambda h: (abs(h - middle), -h))
    return heads


def domain_labels(names: Sequence[str], width: int) -> list[str]:
    """``names`` each shortened to ``width`` cells by cutting the middle, distinct wherever the
    names are: names that would read the same (``mx1.mail.example.org`` and
    ``mx2.mail.example.org`` both as ``mx…ple.org``) are cut elsewhere, at the first place
    that tells each of them apart from every other label. Unfitting names stay as they are."""
    if width < 3:
        return [cut_middle(name, width, 0) for name in names]
    heads = _heads(width)
    labels = [cut_middle(name, width, heads[0]) for name in names]
    seen: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        seen.setdefault(label, []).append(index)
    for same in (group for group in seen.values() if len(group) > 1):
        others = {label for i, label in enumerate(labels) if i not in same}
        for head in heads[1:]:
            tried = [cut_middle(names[i], width, head) for i in same]
            if len(set(tried)) == len(tried) and others.isdisjoint(tried):
                for i, label in zip(same, tried):
                    labels[i] = label
                break
    return labels


class HeatTable(DataTable[Text]):
    """Domains (row labels) by age buckets; :meth:`show` lays a :class:`Shape` out."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "cursor_left", "Left", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("l", "cursor_right", "Right", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *DataTable.COMPONENT_CLASSES,
        "heatmap--domain",
        "heatmap--zero",
        "heatmap--total",
        *(f"heatmap--heat-{n}" for n in range(1, HEAT_LEVELS + 1)),
    }

    def __init__(self, *, id: Optional[str] = None) -> None:
        super().__init__(
            id=id,
            cursor_type="cell",
            cell_padding=0,
            fixed_columns=1,
            # The cursor's colours win over a heat cell's own (else it is invisible there).
            cursor_foreground_priority="css",
            cursor_background_priority="css",
        )
        self.shape: Optional[Shape] = None
        #: The rows shown: TOTAL first, then the top domains.
        self.shown: list[tuple[str, list[int]]] = []
        self._laid_out_width = -1

    def on_mount(self) -> None:
        """Styles come from the theme: lay out again when it changes."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._relay_out())

    def _relay_out(self) -> None:
        """Lay the same rows out again (new width or theme), the cursor staying put."""
        keep = self.cursor_cell()
        self._lay_out(keep, self.cursor_coordinate.row, keep[1] if keep else 0)

    def show(
        self, shape: Shape, rows: Sequence[tuple[str, list[int]]], *, top: bool = False
    ) -> None:
        """Show ``rows`` of ``shape`` (TOTAL first), keeping the cursor's domain and column
        when they are still there, else its row position (the first row with ``top``)."""
        keep = self.cursor_cell()
        row_index = 0 if top else self.cursor_coordinate.row
        self.shape = shape
        self.shown = list(rows)
        self._lay_out(None if top else keep, row_index, keep[1] if keep else 0)

    def cursor_cell(self) -> Optional[tuple[str, int]]:
        """``(domain, bucket)`` under the cursor (bucket 0 = T), None when the table is empty."""
        row, column = self.cursor_coordinate
        if not self.shown or self.shape is None:
            return None
        row = min(row, len(self.shown) - 1)
        return self.shown[row][0], max(0, min(column - 1, len(self.shape.headings) - 1))

    def validate_cursor_coordinate(self, value: Coordinate) -> Coordinate:
        """The cursor stays on the counts: left of the T column is the T column."""
        value = super().validate_cursor_coordinate(value)
        return value if value.column >= 1 or not self.columns else Coordinate(value.row, 1)

    def move_to(self, domain: str, bucket: int) -> bool:
        """Put the cursor on ``domain``/``bucket``; False when that domain is not shown."""
        for index, (name, _counts) in enumerate(self.shown):
            if name == domain:
                self.move_cursor(row=index, column=bucket + 1, animate=False)
                return True
        return False

    def domain_width(self) -> int:
        """What the count columns leave of the width for the domains."""
        numbers = sum(column_widths(self.shape)) if self.shape else 0
        return max(MIN_DOMAIN_WIDTH, self.scrollable_content_region.width - numbers)

    def on_resize(self, event: events.Resize) -> None:
        """A new width gives the domain column a new width."""
        if self.shape is not None and self.domain_width() != self._laid_out_width:
            self._relay_out()

    def _lay_out(self, keep: Optional[tuple[str, int]], row_index: int, column: int) -> None:
        """Rebuild columns and rows (cheap at this size), then put the cursor on ``keep``
        (domain, bucket) or, when that domain is gone, on ``row_index``/``column``."""
        shape = self.shape
        if shape is None:
            return
        self._laid_out_width = width = self.domain_width()
        styles = self._styles()
        peak = peak_of(shape)
        self.clear(columns=True)
        widths = column_widths(shape)
        self.add_column(Text(fit_left("age in minutes", width)), width=width, key="domain")
        for index, (head, cells) in enumerate(zip(shape.headings, widths)):
            self.add_column(Text(head.rjust(cells)), width=cells, key=str(index))
        labels = domain_labels([visible(domain) for domain, _ in self.shown], width)
        for (domain, counts), name in zip(self.shown, labels):
            total_row = domain == TOTAL
            cells_text = []
            for index, (count, cells) in enumerate(zip(counts, widths)):
                if count == 0:
                    style = styles["zero"]
                elif total_row or index == 0:
                    style = styles["total"]
                else:
                    style = styles[f"heat-{heat_level(count, peak)}"]
                cells_text.append(Text(str(count).rjust(cells), style=style))
            padded = " " * max(0, width - cell_len(name)) + name
            label = Text(padded, styles["total" if total_row else "domain"])
            self.add_row(label, *cells_text, key=domain)
        if keep is None or not self.move_to(*keep):
            last = max(0, len(self.shown) - 1)
            self.move_cursor(row=min(row_index, last), column=column + 1, animate=False)

    def _styles(self) -> dict[str, Style]:
        """The rich style of each heat component class, for the current theme."""
        names = ["domain", "zero", "total", *(f"heat-{n}" for n in range(1, HEAT_LEVELS + 1))]
        return {name: self.get_component_rich_style(f"heatmap--{name}") for name in names}
