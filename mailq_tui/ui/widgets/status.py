"""The status bar and the privileges line of the queue screen (plain ``Text``, no markup)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Optional

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from mailq_tui.formatting import breakdown_text, count, short_size
from mailq_tui.glyphs import current as glyphs
from mailq_tui.reports import Privileges
from mailq_tui.safe_text import visible
from mailq_tui.ui.view import Totals

#: Terminal width below which the status bar shows only the parts that fit whole (a narrow
#: terminal would otherwise end on a cut-off "55 def"); from it on everything is drawn and the
#: end cut, so the grouping stays in the text. Progress ("indexing…") is drawn before any of
#: these parts, so it is never among the ones left out or cut.
WHOLE_PARTS_BELOW = 80


def status_text(
    totals: Optional[Totals],
    shown: int,
    marked: int,
    taken_at: Optional[float],
    duration: Optional[float],
    paused: bool,
    loading: bool,
    view: str = "",
    warnings: Sequence[str] = (),
    error: str = "",
    width: int = 0,
    progress: Sequence[str] = (),
) -> Text:
    """``03:35:18 0.05s │ 60 msgs 213.4K │ shown 60 │ marked 3 │ 55 deferred, 5 hold │ …``.

    Most important first, since an 80-column terminal cuts the end: warnings (Postfix down,
    queue growing fast) and PAUSED, the refresh time and duration, totals, the filter and
    mark counts, then the per-queue breakdown and the view (grouping). ``progress``: what
    the app is busy with (``indexing…``, ``reading 412,000…``), drawn right after the
    warnings and before the clock, so that it stays visible at any width: a user who waits
    must see why. ``error``: why the
    last listing failed; with no listing yet it takes the place of "reading the queue…"
    (which would otherwise stay forever). ``width`` (0: no limit): the parts
    after the totals that do not fit whole in it are left out, not cut mid-word (a listing
    error is always kept, cut at the end).
    """
    g = glyphs()
    text = Text(no_wrap=True, overflow=glyphs().overflow)
    for warning in warnings:
        text.append(f" {warning} ", style="bold reverse")
        text.append(" ")
    if paused:
        text.append("PAUSED", style="bold reverse")
        text.append(" ")
    if totals is None:
        if error:
            text.append(f"{g.busy} " if loading else "")
            text.append(f"listing failed: {visible(error, 300)}", style="bold")
        else:
            reading = " ".join(progress) or f"reading the queue{g.dots}"
            text.append(reading, style="italic")
        return text
    if loading:
        text.append(f"{g.busy} ")
    for step in progress:
        text.append(f"{step} {g.bar} ", style="italic")
    parts: list[tuple[str, str]] = []
    if taken_at is not None:
        clock = time.strftime("%H:%M:%S", time.localtime(taken_at))
        parts.append((f"{clock} {duration or 0:.2f}s {g.bar} ", ""))
    parts.append((f"{count(totals.total)} msgs {short_size(totals.bytes)}", ""))
    parts.append((f" {g.bar} shown {count(shown)}", ""))
    parts.append((f" {g.bar} marked {count(marked)}", "bold" if marked else ""))
    breakdown = breakdown_text(totals.per_queue) if totals.per_queue else "queue empty"
    parts.append((f" {g.bar} {breakdown}", ""))
    if view:
        parts.append((f" {g.bar} {view}", ""))
    for index, (part, style) in enumerate(parts):
        if width and index > 1 and text.cell_len + cell_len(part) > width:
            break  # whole parts only: the rest would be cut mid-word
        text.append(part, style=style)
    if error:
        text.append(f" {g.bar} listing failed: {visible(error, 80)}", style="bold")
    return text


def privileges_text(privs: Optional[Privileges]) -> Text:
    """What this user may do and, for each thing they may not, why."""
    g = glyphs()
    text = Text(no_wrap=True, overflow=glyphs().overflow)
    if privs is None:
        text.append(f"checking privileges{g.dots}", style="italic")
        return text
    text.append(f"{privs.user}{' (root)' if privs.is_root else ''}: ")
    parts = []
    for name, cap in (
        ("list", privs.list),
        ("flush", privs.flush),
        ("postsuper", privs.postsuper),
        ("postcat", privs.postcat),
    ):
        parts.append(f"{name} {g.allowed if cap.allowed else g.denied}")
    text.append(" ".join(parts))
    if privs.via_sudo:
        text.append(" (sudo)")
    denied = [
        f"{name}: {cap.reason}"
        for name, cap in (("postsuper", privs.postsuper), ("flush", privs.flush))
        if not cap.allowed and cap.reason
    ]
    if denied:
        text.append(f" {g.dash} " + "; ".join(denied))
    return text


class StatusBar(Static):
    """Totals, filter count, marks, last refresh, pause state."""


class PrivilegesBar(Static):
    """Who the user is and which actions they may run."""
