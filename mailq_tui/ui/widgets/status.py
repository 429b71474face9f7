"""The status bar and the privileges line of the queue screen (plain ``Text``, no markup)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Optional

from rich.text import Text
from textual.widgets import Static

from mailq_tui.formatting import breakdown_text, count, short_size
from mailq_tui.reports import Privileges
from mailq_tui.safe_text import visible
from mailq_tui.ui.view import Totals


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
) -> Text:
    """``03:35:18 0.05s │ 60 msgs 213.4K │ shown 60 │ marked 3 │ 55 deferred, 5 hold │ …``.

    Most important first, since an 80-column terminal cuts the end: warnings (Postfix down,
    queue growing fast) and PAUSED, the refresh time and duration, totals, the filter and
    mark counts, then the per-queue breakdown and the view (grouping). ``error``: why the
    last listing failed; with no listing yet it takes the place of "reading the queue…"
    (which would otherwise stay forever).
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    for warning in warnings:
        text.append(f" {warning} ", style="bold reverse")
        text.append(" ")
    if paused:
        text.append("PAUSED", style="bold reverse")
        text.append(" ")
    if totals is None:
        if error:
            text.append("⟳ " if loading else "")
            text.append(f"listing failed: {visible(error, 300)}", style="bold")
        else:
            text.append("reading the queue…", style="italic")
        return text
    if loading:
        text.append("⟳ ")
    if taken_at is not None:
        clock = time.strftime("%H:%M:%S", time.localtime(taken_at))
        text.append(f"{clock} {duration or 0:.2f}s │ ")
    text.append(f"{count(totals.total)} msgs {short_size(totals.bytes)}")
    text.append(f" │ shown {count(shown)}")
    text.append(f" │ marked {count(marked)}", style="bold" if marked else "")
    text.append(" │ ")
    if totals.per_queue:
        text.append(breakdown_text(totals.per_queue))
    else:
        text.append("queue empty")
    if view:
        text.append(f" │ {view}")
    if error:
        text.append(f" │ listing failed: {visible(error, 80)}", style="bold")
    return text


def privileges_text(privs: Optional[Privileges]) -> Text:
    """What this user may do and, for each thing they may not, why."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if privs is None:
        text.append("checking privileges…", style="italic")
        return text
    text.append(f"{privs.user}{' (root)' if privs.is_root else ''}: ")
    parts = []
    for name, cap in (
        ("list", privs.list),
        ("flush", privs.flush),
        ("postsuper", privs.postsuper),
        ("postcat", privs.postcat),
    ):
        parts.append(f"{name} {'✓' if cap.allowed else '✗'}")
    text.append(" ".join(parts))
    if privs.via_sudo:
        text.append(" (sudo)")
    denied = [
        f"{name}: {cap.reason}"
        for name, cap in (("postsuper", privs.postsuper), ("flush", privs.flush))
        if not cap.allowed and cap.reason
    ]
    if denied:
        text.append(" — " + "; ".join(denied))
    return text


class StatusBar(Static):
    """Totals, filter count, marks, last refresh, pause state."""


class PrivilegesBar(Static):
    """Who the user is and which actions they may run."""
