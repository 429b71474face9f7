"""The status bar and the privileges line of the queue screen (plain ``Text``, no markup)."""

from __future__ import annotations

import time
from typing import Optional

from rich.text import Text
from textual.widgets import Static

from mailq_tui.cli_output import short_size
from mailq_tui.reports import Privileges
from mailq_tui.ui.view import Totals


def status_text(
    totals: Optional[Totals],
    shown: int,
    marked: int,
    taken_at: Optional[float],
    duration: Optional[float],
    paused: bool,
    loading: bool,
    sort: str,
) -> Text:
    """``deferred 55 · hold 5 | 60 msgs 213.4K | shown 60 | marked 3 | 03:35:18 (0.05s)``."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if totals is None:
        text.append("reading the queue…", style="italic")
        return text
    if totals.per_queue:
        text.append(" · ".join(f"{q} {n}" for q, n in totals.per_queue.items()))
    else:
        text.append("queue empty")
    text.append(f" │ {totals.total} msgs {short_size(totals.bytes)}")
    text.append(f" │ shown {shown}")
    text.append(f" │ marked {marked}", style="bold" if marked else "")
    text.append(f" │ {sort}")
    if taken_at is not None:
        clock = time.strftime("%H:%M:%S", time.localtime(taken_at))
        text.append(f" │ {clock} ({duration or 0:.2f}s)")
    if loading:
        text.append(" ⟳")
    if paused:
        text.append(" │ PAUSED", style="bold reverse")
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
