"""What an action will do, in words, before the user confirms it; and how a report reads after.

Pure text builders (no Textual), so the confirm dialog's promises are unit-tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from mailq_tui.engine import PostfixSettings
from mailq_tui.formatting import plural, short_size
from mailq_tui.model.expiry import release_warning
from mailq_tui.model.message import Message
from mailq_tui.model.selection import (
    SelectionSummary,
    query_line,
    queue_breakdown,
    site_flush_line,
    warning_lines,
)
from mailq_tui.reports import ActionReport
from mailq_tui.safe_text import visible
from mailq_tui.ui.columns import recipient_cell, sender_cell

#: action -> (verb for the title, what happens).
EFFECTS = {
    "delete": (
        "Delete",
        "They are removed from the queue for good (postsuper -d): no delivery, no bounce.",
    ),
    "hold": (
        "Hold",
        "They move to the hold queue (postsuper -h): no delivery attempts until released.",
    ),
    "release": (
        "Release",
        "They leave the hold queue (postsuper -H) and are retried at the next queue run.",
    ),
    "requeue": (
        "Requeue",
        "They are requeued (postsuper -r): destinations are looked up again and delivery is "
        "retried soon. They get new queue ids.",
    ),
    "flush-ids": (
        "Flush",
        "Postfix makes one immediate delivery attempt for each (postqueue -i).",
    ),
}

RECHECK = (
    "Each queue id is checked against a fresh listing first: a message that left, or whose id "
    "now names another message, is skipped and reported."
)


def describe_targets(targets: Sequence[Message]) -> str:
    """How many messages, in which queues, how many recipients and bytes; the one message's
    id, sender and recipient when there is only one."""
    rcpts = sum(len(m.recipients) for m in targets)
    size = short_size(sum(m.message_size for m in targets))
    line = (
        f"{plural(len(targets), 'message')} ({queue_breakdown(targets)}), "
        f"{plural(rcpts, 'recipient')}, {size}."
    )
    if len(targets) == 1:
        m = targets[0]
        line += (
            f"\n  {m.queue_id}  from {visible(sender_cell(m), 60)}"
            f"\n  to {visible(recipient_cell(m), 70)}"
        )
    return line


def confirm_text(
    action: str,
    targets: Sequence[Message],
    *,
    whole_queue: bool = False,
    notes: Sequence[str] = (),
    now: Optional[float] = None,
    settings: Optional[PostfixSettings] = None,
) -> tuple[str, str]:
    """(title, body) of the confirm dialog for a postsuper action or an id flush.

    ``whole_queue``: the targets are every message in the queue (the title says ALL).
    ``notes``: lines shown under the description of the targets (how the selection was read,
    warnings). ``now`` and ``settings`` (the queue lifetimes) let a release warn about mail
    that would expire.
    """
    verb, effect = EFFECTS[action]
    count = plural(len(targets), "message")
    title = f"{verb} ALL {count} in the queue?" if whole_queue else f"{verb} {count}?"
    body = "\n".join([describe_targets(targets), *notes, "", effect])
    if action != "flush-ids":
        body += f"\n{RECHECK}"
    body += expiry_warning(action, targets, now, settings)
    return title, body


def selection_notes(
    summary: Optional[SelectionSummary], marked: int = 0, hidden: int = 0
) -> list[str]:
    """Confirm lines about where the targets came from: ``marked`` of them marked, ``hidden``
    of those not shown by the current filter; the filter as read (``summary``: when the
    targets came from the filter) and its warnings."""
    notes = []
    if hidden:
        notes.append(f"{marked} marked, {hidden} of them not shown by the current filter.")
    if summary is not None and not summary.empty_query:
        notes.append(query_line(summary, "Filter"))
    if summary is not None:
        notes.extend(warning_lines(summary))
    return notes


def expiry_warning(
    action: str,
    targets: Sequence[Message],
    now: Optional[float],
    settings: Optional[PostfixSettings],
) -> str:
    """Extra confirm lines for a release of held mail past its queue lifetime (``""`` for
    anything else): released, it expires at once; requeue gives it a new lifetime."""
    if action != "release" or now is None:
        return ""
    lines = release_warning(targets, now, (settings or PostfixSettings()).lifetimes)
    return "".join(f"\n\n{line}" if i == 0 else f"\n{line}" for i, line in enumerate(lines))


def flush_site_text(site: str, candidates: Sequence[Message]) -> tuple[str, str]:
    """Confirm text for ``postqueue -s SITE``: which messages it covers (``candidates``, from
    :func:`~mailq_tui.model.selection.site_flush_candidates`) and the fallback."""
    title = f"Flush {visible(site, 60)}?"
    body = (
        f"Ask Postfix to deliver the deferred mail for {visible(site, 60)} now (postqueue -s): "
        f"{site_flush_line(site, candidates)}. Mail on hold is never flushed.\n"
        "If fast flush is not configured for the site, these are flushed one by one "
        "(postqueue -i)."
    )
    return title, body


def flush_all_text(count: int) -> tuple[str, str]:
    """Confirm text for ``postqueue -f``."""
    return (
        "Flush the whole queue?",
        f"Postfix attempts delivery of all {plural(count, 'message')} in the queue now "
        "(postqueue -f). On a big queue this is a burst of connections.",
    )


def report_lines(report: ActionReport) -> list[str]:
    """The report as log lines: summary, then every skipped id and error, sanitised."""
    lines = [visible(report.summary(), 500)]
    lines.extend(
        f"  skipped {visible(qid, 40)}: {visible(why, 200)}" for qid, why in report.skipped
    )
    lines.extend(f"  error: {visible(err, 300)}" for err in report.errors[1:])
    return lines


def severity(report: ActionReport) -> str:
    """Notification severity for a report."""
    if report.errors or (report.done == 0 and report.requested):
        return "error"
    return "information" if report.ok else "warning"
