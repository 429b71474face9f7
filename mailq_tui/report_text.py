"""An action report in plain English: the one summary line the CLI, the app's notification and
its log panel all show.

The report's ``action`` is a record name (``flush-ids``; the audit log keeps it as it is); a
postmaster reads ``Flushed 1 message (queued for immediate delivery)``. :func:`report_summary`
builds that line from what the report knows, and only from that: Postfix's own counts, the
skipped ids with their reasons, errors, notes and whether a stop was asked for. A flush of the
whole queue says the request was made, never a count Postfix did not give. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailq_tui.formatting import count, plural
from mailq_tui.operations import Op
from mailq_tui.reports import (
    SKIP_ALREADY_HELD,
    SKIP_INVALID,
    SKIP_NOT_FOUND,
    SKIP_NOT_HELD,
    SKIP_REUSED,
    SKIP_VANISHED,
    ActionReport,
)


@dataclass(frozen=True)
class Verb:
    """How an operation is said: ``past`` (``Held 3 messages``, also the participle of
    ``Nothing held``), ``gerund`` (``Stopped after holding…``) and ``title`` (the
    notification's title)."""

    past: str
    gerund: str
    title: str


#: Every operation, in words. A flush of ids says what Postfix did with them (``-i`` queues
#: each for an immediate delivery attempt); a site or the whole queue is one request.
VERBS = {
    Op.DELETE: Verb("Deleted", "deleting", "Delete"),
    Op.HOLD: Verb("Held", "holding", "Hold"),
    Op.RELEASE: Verb("Released", "releasing", "Release"),
    Op.REQUEUE: Verb("Requeued", "requeuing", "Requeue"),
    Op.FLUSH_IDS: Verb("Flushed", "flushing", "Flush"),
    Op.FLUSH_SITE: Verb("Flushed", "flushing", "Flush site"),
    Op.FLUSH_ALL: Verb("Flushed", "flushing", "Flush all"),
}

#: Why ids were skipped, as the end of a sentence whose subject is a count: (one, several).
SKIP_WORDS = {
    SKIP_ALREADY_HELD: ("was already on hold", "were already on hold"),
    SKIP_NOT_HELD: ("was not on hold", "were not on hold"),
    SKIP_VANISHED: ("had left the queue", "had left the queue"),
    SKIP_NOT_FOUND: ("was not in the queue", "were not in the queue"),
    SKIP_REUSED: (
        "had its id reused by another message",
        "had their ids reused by other messages",
    ),
    SKIP_INVALID: ("was not a valid queue id", "were not valid queue ids"),
}

#: What ``postqueue -i`` does with a message it accepts.
IMMEDIATE = "queued for immediate delivery"


def verb_of(action: str) -> Verb:
    """The words for the report action ``action`` (an :class:`Op` value); an unknown name
    is still said, never shown as an id."""
    try:
        return VERBS[Op(action)]
    except ValueError:
        return Verb(f"Did {action} for", f"doing {action} for", action.capitalize())


def report_title(report: ActionReport) -> str:
    """A short title for the report's notification (``Hold``, ``Flush site``)."""
    return verb_of(report.action).title


def counted(n: int, one: str, several: str) -> str:
    """``1 was …`` / ``4 were …``: a count with the matching end of sentence."""
    return f"{count(n)} {one if n == 1 else several}"


def skip_parts(report: ActionReport, noun: bool) -> list[str]:
    """One clause per skip reason, in the order of :data:`SKIP_WORDS` (the harmless "already
    so" first), then any other reason (``4 were already on hold``).
    ``noun``: the first clause names what is counted (``4 messages were…``), because no
    headline did."""
    counts: dict[str, int] = dict.fromkeys(SKIP_WORDS, 0)
    for _, why in report.skipped:
        counts[why] = counts.get(why, 0) + 1
    counts = {why: n for why, n in counts.items() if n}
    parts: list[str] = []
    for why, n in counts.items():
        one, several = SKIP_WORDS.get(why, (f"was skipped ({why})", f"were skipped ({why})"))
        subject = plural(n, "message") if noun and not parts else count(n)
        parts.append(f"{subject} {one if n == 1 else several}")
    return parts


def error_part(report: ActionReport) -> list[str]:
    """The first error, and how many more the log lists."""
    if not report.errors:
        return []
    first = report.errors[0]
    more = len(report.errors) - 1
    return [first + (f" (and {plural(more, 'more error')}, see the log)" if more else "")]


def lead(head: str, parts: list[str]) -> list[str]:
    """``head`` followed by why (``Nothing held: 8 messages were already on hold``): a
    headline that says nothing was done is joined to its first reason with a colon."""
    if not parts:
        return [head]
    return [f"{head}: {parts[0]}", *parts[1:]]


def report_summary(report: ActionReport) -> str:
    """The report as one plain-English line (see the module docstring): what was done, with
    real counts in the singular or plural, then why the rest was not, errors and notes."""
    words = verb_of(report.action)
    if report.action == Op.FLUSH_ALL.value:
        parts = [_whole_queue(report)]
    elif report.action == Op.FLUSH_SITE.value and report.covers is not None:
        parts = [_site_request(report)]
    else:
        parts = _messages(report, words)
    parts.extend(report.notes)
    return "; ".join(p for p in parts if p)


def _whole_queue(report: ActionReport) -> str:
    """``postqueue -f`` is one request and reports no count."""
    if report.done:
        return "Flush of the whole queue requested"
    return "; ".join(lead("Flush of the whole queue failed", error_part(report)))


def _site_request(report: ActionReport) -> str:
    """``postqueue -s SITE`` accepted (or refused) as one request; ``covers`` is how many
    deferred messages of the listing it concerns."""
    site = report.site or "the site"
    if not report.done:
        return "; ".join(lead(f"Flush of {site} failed", error_part(report)))
    if not report.covers:
        return f"Flush of {site} requested; no deferred message had a recipient there"
    return f"Flush of {site}: {plural(report.covers, 'deferred message')} queued for delivery"


def _messages(report: ActionReport, words: Verb) -> list[str]:
    """Operations that count messages: postsuper, flush by id, a site flushed one by one."""
    requested, done = report.requested, report.done
    rest = requested - done - len(report.skipped)
    site = f" for {report.site}" if report.site else ""
    what = "deferred message" if report.action == Op.FLUSH_SITE.value else "message"
    flushing = report.action in (Op.FLUSH_IDS.value, Op.FLUSH_SITE.value)
    if requested == 0:
        return lead(f"No message to {words.title.split()[0].lower()}{site}", error_part(report))
    if report.interrupted:
        why = skip_parts(report, noun=done == 0)
        if rest > 0:
            subject = plural(rest, what) if done == 0 and not why else count(rest)
            why.append(f"{subject} {'was' if rest == 1 else 'were'} not touched")
        why += error_part(report)
        if done == 0:
            return lead(f"Stopped before {words.gerund} anything{site}", why)
        head = f"Stopped after {words.gerund} {count(done)} of {plural(requested, what)}{site}"
        return [head, *why]
    if done == 0:
        why = skip_parts(report, noun=True) + error_part(report)
        return lead(f"Nothing {words.past.lower()}{site}", why)
    if done == requested:
        head = f"{words.past} {plural(done, what)}{site}"
    else:
        head = f"{words.past} {count(done)} of {plural(requested, what)}{site}"
    if flushing:
        head += f" ({IMMEDIATE})"
    parts = [head, *skip_parts(report, noun=False)]
    if rest > 0 and not report.errors:
        parts.append(
            counted(rest, f"was not {words.past.lower()}", f"were not {words.past.lower()}")
        )
    return parts + error_part(report)
