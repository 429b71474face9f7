"""An Input that never puts a control or bidi character on the terminal.

Textual's ``Input`` draws its value as it is: a U+202E (right-to-left override) put there by a
drill-down, a paste or code would reorder what the terminal shows, an ESC would start an
escape sequence. :class:`SafeInput` draws each character that
:func:`mailq_tui.safe_text.visible` would escape as one marker cell (:data:`MARKER`, reversed),
so the value keeps its meaning (a query still selects what it selected), the cursor and the
mouse stay aligned with the characters (one cell each), and :meth:`SafeInput.hidden_note`
gives the escaped form for a line next to the bar.
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text
from textual.expand_tabs import expand_tabs_inline
from textual.geometry import Size
from textual.widgets import Input

from mailq_tui.safe_text import has_unsafe, is_unsafe, visible

#: What an unsafe character looks like in the bar: one cell, the Unicode replacement character.
MARKER = "\ufffd"


def shown_value(value: str) -> str:
    """``value`` as the bar draws it: each unsafe character replaced by :data:`MARKER`
    (same length, so index ``i`` of the value is index ``i`` of what is drawn)."""
    if not has_unsafe(value):
        return value
    return "".join(MARKER if is_unsafe(char) else char for char in value)


class SafeInput(Input):
    """An ``Input`` whose value is drawn with unsafe characters as :data:`MARKER` cells."""

    @property
    def _value(self) -> Text:
        """The value as drawn: markers instead of unsafe characters, reversed."""
        value = self.value
        if self.password or not has_unsafe(value):
            return super()._value
        text = Text(shown_value(value), no_wrap=True, overflow="ignore", end="")
        for index, char in enumerate(value):
            if is_unsafe(char):
                text.stylize("reverse", index, index + 1)
        return text

    def _watch_value(self, value: str) -> None:
        """As ``Input``'s, without the layout of the whole screen that its new
        ``virtual_size`` (the value's width) asks for: a one-line bar of fixed size keeps its
        place, and the horizontal scroll reads the stored size. That layout was the biggest
        part of the UI thread's work per filter keystroke (cProfile of bench.tui_bench at
        100k, 120x40: 21 layouts of 19 ms for 18 keys typed and 3 bars emptied), work done
        while the filter runs in a thread and wants the GIL."""
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)
        self.refresh()

    def _position_to_cell(self, position: int) -> int:
        """Cell of the character at ``position``, counting a marker as one cell."""
        return cell_len(expand_tabs_inline(shown_value(self.value)[:position], 4))

    def _cell_offset_to_index(self, offset: int) -> int:
        """Index of the character drawn at cell ``offset`` (markers are one cell)."""
        cell = 0
        scroll_x, _ = self.scroll_offset
        offset += scroll_x
        shown = shown_value(self.value)
        for index, char in enumerate(shown):
            width = get_character_cell_size(char)
            if cell <= offset < cell + width:
                return index
            cell += width
        return max(0, min(offset, len(shown)))

    def hidden_note(self) -> str:
        """``""``, or a line saying the value holds characters drawn as markers, with the
        value in its escaped (:func:`visible`) form."""
        if not has_unsafe(self.value):
            return ""
        return f"{MARKER} marks a hidden character: {visible(self.value, 200)}"
