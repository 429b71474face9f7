"""Columns of the queue list: which ones fit a width, and the plain-text cells of one message.

Pure functions over :class:`~mailq_tui.model.message.Message`; no Textual here, so the layout
rules are unit-tested directly. Every cell is passed through
:func:`mailq_tui.safe_text.visible`: mail text is untrusted and is never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailq_tui.formatting import short_age, short_size
from mailq_tui.model.grouping import Group
from mailq_tui.model.message import Message
from mailq_tui.safe_text import visible

#: Short queue names for narrow terminals (five columns, still readable).
SHORT_QUEUE = {
    "maildrop": "mdrop",
    "incoming": "incom",
    "active": "activ",
    "deferred": "defer",
    "hold": "hold",
}

#: The order in which ``o`` cycles the list's sort (each one of the model's
#: :data:`~mailq_tui.model.index.SORT_KEYS`).
SORT_CYCLE = ("age", "size", "queue", "id", "sender", "recipient", "reason")


@dataclass(frozen=True)
class Column:
    """One column: its key, header label and width in cells."""

    key: str
    label: str
    width: int


@dataclass(frozen=True)
class Layout:
    """The columns for one terminal width, and whether queue names are abbreviated."""

    columns: tuple[Column, ...]
    short_queue: bool

    @property
    def width(self) -> int:
        """Total width including one space between columns."""
        return sum(c.width for c in self.columns) + max(0, len(self.columns) - 1)


#: The list's columns a config may hide (the mark and the queue id always show: an operator
#: must see which messages are marked and which message a line is), in the list's order.
OPTIONAL_COLUMNS = ("queue", "age", "size", "sender", "recipient", "reason")
#: The columns that share the width left by the fixed ones, in the order they are given up
#: when it is short (the reason first, the recipient last).
_FLEX_DROP_ORDER = ("reason", "sender", "recipient")


def layout_for(width: int, id_width: int = 11, shown: Sequence[str] = OPTIONAL_COLUMNS) -> Layout:
    """Columns that fit ``width`` cells: fixed columns first, the rest shared by sender,
    recipient and reason (reason gets most). Below ~60 cells the reason is dropped, below ~45
    the sender too, so 80×24 keeps every column and very narrow terminals stay readable.

    ``shown``: which of :data:`OPTIONAL_COLUMNS` to show (the config's ``columns``); the
    width of a hidden one goes to the others."""
    id_width = max(10, min(id_width, 17))
    short_queue = width < 100
    fixed = [Column("mark", "", 1), Column("id", "Queue ID", id_width)]
    if "queue" in shown:
        fixed.append(
            Column("queue", "Queue" if short_queue else "Queue   ", 5 if short_queue else 8)
        )
    if "age" in shown:
        fixed.append(Column("age", " Age", 4))
    if "size" in shown:
        fixed.append(Column("size", " Size", 6))
    used = sum(c.width for c in fixed) + len(fixed)
    rest = max(0, width - used)
    flex = [key for key in ("sender", "recipient", "reason") if key in shown]
    while flex and not _flex_fits(flex, rest):
        flex.remove(next(key for key in _FLEX_DROP_ORDER if key in flex))
    return Layout(tuple(fixed + _flex_columns(flex, rest)), short_queue)


#: Cells the flexible columns need, by how many of them there are.
_FLEX_NEEDS = {1: 8, 2: 26, 3: 42}
_LABELS = {"sender": "Sender", "recipient": "Recipient", "reason": "Reason"}


def _flex_fits(keys: Sequence[str], rest: int) -> bool:
    return rest >= _FLEX_NEEDS[len(keys)]


def _flex_columns(keys: Sequence[str], rest: int) -> list[Column]:
    """``keys`` sharing ``rest`` cells (which :func:`_flex_fits`)."""
    if len(keys) == 3:
        sender = max(12, rest * 24 // 100)
        rcpt = max(14, rest * 30 // 100)
        widths = [sender, rcpt, rest - sender - rcpt - 2]
    elif len(keys) == 2:
        first = rest * 45 // 100
        widths = [first, rest - first - 1]
    else:
        widths = [rest] if keys else []
    return [Column(key, _LABELS[key], w) for key, w in zip(keys, widths)]


def recipient_cell(msg: Message) -> str:
    """First recipient, with ``+N`` for the others."""
    if not msg.recipients:
        return "-"
    first = msg.recipients[0].address
    more = len(msg.recipients) - 1
    return f"{first} +{more}" if more else first


def sender_cell(msg: Message) -> str:
    """The envelope sender; ``<>`` for the null sender."""
    return "<>" if msg.is_null_sender else msg.sender


def short_reason(reason: str) -> str:
    """The informative tail of a delay reason: drops Postfix's ``delivery temporarily
    suspended:`` prefix and the ``host X[ip] said:`` preamble."""
    text = reason
    prefix = "delivery temporarily suspended: "
    if text.startswith(prefix):
        text = text[len(prefix) :]
    if text.startswith("host ") and " said: " in text:
        text = text.split(" said: ", 1)[1]
    return text.replace(" (in reply to RCPT TO command)", "")


def cells(msg: Message, layout: Layout, now: float, marked: bool) -> list[str]:
    """Plain, sanitised, fitted text of each column of ``layout`` for ``msg``."""
    out: list[str] = []
    for col in layout.columns:
        key = col.key
        if key == "mark":
            text = "●" if marked else " "
        elif key == "id":
            text = msg.queue_id + ("#" if msg.forced_expire else "")
        elif key == "queue":
            text = (
                SHORT_QUEUE.get(msg.queue_name, msg.queue_name)
                if layout.short_queue
                else (msg.queue_name)
            )
        elif key == "age":
            text = short_age(now - msg.arrival_time).rjust(col.width)
        elif key == "size":
            text = short_size(msg.message_size).rjust(col.width)
        elif key == "sender":
            text = sender_cell(msg)
        elif key == "recipient":
            text = recipient_cell(msg)
        else:
            text = short_reason(msg.first_reason)
        out.append(fit(visible(text, limit=col.width + 1), col.width))
    return out


def fit(text: str, width: int) -> str:
    """``text`` cut with an ellipsis or padded to exactly ``width`` cells (cell-aware)."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) > width:
        return set_cell_size(text, max(0, width - 1)) + "…" if width else ""
    return set_cell_size(text, width)


def header_cells(layout: Layout, sort_key: str, reverse: bool) -> list[str]:
    """Header labels, the sort column marked with ▲/▼."""
    out = []
    for col in layout.columns:
        label = col.label.strip()
        if col.key == sort_key:
            label = f"{label}{'▼' if reverse else '▲'}"
        out.append(fit(label, col.width))
    return out


def group_cells(group: Group, now: float, marked: bool, expanded: bool, width: int) -> str:
    """A group header line: mark, ▸/▾, key, messages, recipients, size, oldest age and the
    top destinations (when they say more than the key), fitted to ``width`` cells."""
    counts = (
        f"{group.count:>6} msg {group.recipients:>6} rcpt "
        f"{short_size(group.bytes):>6} {short_age(now - group.oldest):>4}"
    )
    key_width = max(12, min(48, width - len(counts) - 6))
    key = "<no reason>" if group.key == "" else group.key
    head = f"{'●' if marked else ' '} {'▾' if expanded else '▸'} "
    line = head + fit(visible(key, limit=key_width + 1), key_width) + " " + counts
    if group.top_destinations and [d for d, _ in group.top_destinations] != [group.key]:
        line += "  " + ", ".join(f"{d} {n}" for d, n in group.top_destinations)
    return fit(visible(line, limit=width + 1), width)
