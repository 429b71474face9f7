"""What an action will do, in words, before the user confirms it; and how a report reads after.

:func:`build_plan` turns what the user asked for (an :class:`ActionRequest`: an operation and
its targets) into an :class:`ActionPlan`: the question to ask and what to run once the answer
is yes. Pure (no Textual), so the confirm dialog's promises are unit-tested; a plan is built
in a thread, because describing a selection may filter the whole index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Optional

from mailq_tui.engine import PostfixSettings
from mailq_tui.formatting import plural, short_size
from mailq_tui.model.expiry import release_warning
from mailq_tui.model.message import Message
from mailq_tui.model.query import parse_query
from mailq_tui.model.selection import (
    SelectionSummary,
    query_line,
    queue_breakdown,
    site_flush_candidates,
    site_flush_line,
    summarise,
    warning_lines,
)
from mailq_tui.operations import Op
from mailq_tui.report_text import report_summary
from mailq_tui.reports import ActionReport
from mailq_tui.safe_text import visible
from mailq_tui.ui.columns import recipient_cell, sender_cell
from mailq_tui.ui.view import ViewState

#: What the operator types in the confirm dialog to act on every message in the queue.
WHOLE_QUEUE_WORD = "all"

#: operation on messages -> (verb for the title, what happens to several, to one).
EFFECTS = {
    Op.DELETE: (
        "Delete",
        "They are removed from the queue for good (postsuper -d): no delivery, no bounce.",
        "It is removed from the queue for good (postsuper -d): no delivery, no bounce.",
    ),
    Op.HOLD: (
        "Hold",
        "They move to the hold queue (postsuper -h): no delivery attempts until released.",
        "It moves to the hold queue (postsuper -h): no delivery attempts until released.",
    ),
    Op.RELEASE: (
        "Release",
        "They leave the hold queue (postsuper -H) and are retried at the next queue run.",
        "It leaves the hold queue (postsuper -H) and is retried at the next queue run.",
    ),
    Op.REQUEUE: (
        "Requeue",
        "They are requeued (postsuper -r): destinations are looked up again and delivery is "
        "retried soon. They get new queue ids.",
        "It is requeued (postsuper -r): its destinations are looked up again and delivery is "
        "retried soon. It gets a new queue id.",
    ),
    Op.FLUSH_IDS: (
        "Flush",
        "Postfix makes one immediate delivery attempt for each (postqueue -i).",
        "Postfix makes one immediate delivery attempt for it (postqueue -i).",
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
    op: Op,
    targets: Sequence[Message],
    *,
    whole_queue: bool = False,
    notes: Sequence[str] = (),
    now: Optional[float] = None,
    settings: Optional[PostfixSettings] = None,
) -> tuple[str, str]:
    """(title, body) of the confirm dialog for an operation on messages (not a site or
    the whole queue: see :func:`flush_site_text`, :func:`flush_all_text`).

    ``whole_queue``: the targets are every message in the queue (the title says ALL).
    ``notes``: lines shown under the description of the targets (how the selection was read,
    warnings). ``now`` and ``settings`` (the queue lifetimes) let a release warn about mail
    that would expire.
    """
    verb, several, one = EFFECTS[op]
    effect = one if len(targets) == 1 else several
    count = plural(len(targets), "message")
    title = f"{verb} ALL {count} in the queue?" if whole_queue else f"{verb} {count}?"
    body = "\n".join([describe_targets(targets), *notes, "", effect])
    if op.uses_postsuper:
        body += f"\n{RECHECK}"
    body += expiry_warning(op, targets, now, settings)
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
    op: Op,
    targets: Sequence[Message],
    now: Optional[float],
    settings: Optional[PostfixSettings],
) -> str:
    """Extra confirm lines for a release of held mail past its queue lifetime (``""`` for
    anything else): released, it expires at once; requeue gives it a new lifetime."""
    if op is not Op.RELEASE or now is None:
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
    lines = [visible(report_summary(report), 500)]
    lines.extend(
        f"  skipped {visible(qid, 40)}: {visible(why, 200)}" for qid, why in report.skipped
    )
    lines.extend(f"  error: {visible(err, 300)}" for err in report.errors[1:])
    return lines


#: How serious a report is (Textual's notification severities).
Severity = Literal["information", "warning", "error"]


def severity(report: ActionReport) -> Severity:
    """Notification severity for a report: informational when it is ``ok`` (messages already
    in the state asked for included: nothing to warn about), an error when nothing was done
    for a failure, else a warning."""
    if report.ok:
        return "information"
    if report.errors or (report.done == 0 and report.requested):
        return "error"
    return "warning"


@dataclass(frozen=True)
class ActionRequest:
    """What the user asked for: an operation and what it applies to.

    ``targets``: the messages (marks, a group, the cursor's message). ``site``: the
    destination of a site flush. ``marked``: how many of the targets are marks (the dialog
    says how many of them the filter hides). ``bulk``: the targets are marks or a group, so
    the dialog says how the filter was read.
    """

    op: Op
    targets: Sequence[Message] = ()
    site: str = ""
    marked: int = 0
    bulk: bool = False


@dataclass(frozen=True)
class ActionPlan:
    """A confirmed-before-run action: the question, and what runs once the answer is yes."""

    op: Op
    title: str
    body: str
    #: What runs, for the log and the quit dialog (``hold of 3 messages``).
    what: str
    targets: Sequence[Message] = ()
    site: str = ""
    #: The whole listing, for a site flush (the engine picks the site's messages from it).
    listing: Sequence[Message] = ()
    #: A word to type instead of "y" (acting on every message in the queue).
    confirm_word: Optional[str] = None


def build_plan(
    request: ActionRequest,
    state: Optional[ViewState],
    now: Optional[float] = None,
    settings: Optional[PostfixSettings] = None,
) -> ActionPlan:
    """The plan for ``request`` over the listing in ``state`` (run in a thread: describing
    a bulk selection filters the whole index)."""
    op = request.op
    messages = state.messages if state is not None else []
    if op is Op.FLUSH_ALL:
        title, body = flush_all_text(len(messages))
        return ActionPlan(op, title, body, "flush all")
    if op is Op.FLUSH_SITE:
        site = request.site
        candidates = site_flush_candidates(messages, site)
        title, body = flush_site_text(site, candidates)
        what = f"flush of {visible(site, 60)}"
        return ActionPlan(op, title, body, what, candidates, site, listing=messages)
    targets = request.targets
    whole_queue, notes = selection_facts(state, targets, request.marked, request.bulk)
    title, body = confirm_text(
        op, targets, whole_queue=whole_queue, notes=notes, now=now, settings=settings
    )
    verb = "flush" if op is Op.FLUSH_IDS else op.value
    return ActionPlan(
        op,
        title,
        body,
        f"{verb} of {plural(len(targets), 'message')}",
        targets,
        confirm_word=WHOLE_QUEUE_WORD if whole_queue else None,
    )


def selection_facts(
    state: Optional[ViewState], targets: Sequence[Message], marked: int, bulk: bool
) -> tuple[bool, list[str]]:
    """Whether ``targets`` are the whole queue of ``state``, and the confirm dialog's notes
    about them: how many of the ``marked`` ones the filter hides and, for a ``bulk`` selection
    (marks or a group), the filter as read with its warnings. Slow at 500k (the warnings
    filter the whole index once per negated term): call from a thread."""
    if state is None:
        return False, []
    index = state.index
    rows = [r for r in map(index.row_of, (m.queue_id for m in targets)) if r is not None]
    # The view's query parsed when it was applied (a malformed one is never applied).
    summary = summarise(index, parse_query(state.spec.query_text), rows)
    hidden = len(set(rows).difference(state.rows)) if marked else 0
    return summary.whole_queue, selection_notes(summary if bulk else None, marked, hidden)
