"""The words a postmaster reads after an action: every operation, every kind of outcome, the
exact sentence. The CLI, the app's notification and its log panel all print
:func:`~mailq_tui.report_text.report_summary`, so these pin all three."""

from __future__ import annotations

import re

import pytest

from mailq_tui.operations import Op
from mailq_tui.report_text import VERBS, report_summary, report_title
from mailq_tui.reports import (
    SKIP_ALREADY_HELD,
    SKIP_INVALID,
    SKIP_NOT_FOUND,
    SKIP_NOT_HELD,
    SKIP_REUSED,
    SKIP_VANISHED,
    ActionReport,
)


def rep(op: Op, requested: int, done: int, *skips: tuple[int, str], **kw: object) -> ActionReport:
    """A report of ``op``: ``skips`` are (how many, why)."""
    skipped = [(f"ID{why[:3]}{i}", why) for n, why in skips for i in range(n)]
    return ActionReport(op.value, requested, done, skipped, **kw)  # type: ignore[arg-type]


POSTSUPER = [
    (Op.DELETE, "Deleted", "deleting"),
    (Op.HOLD, "Held", "holding"),
    (Op.RELEASE, "Released", "releasing"),
    (Op.REQUEUE, "Requeued", "requeuing"),
]


@pytest.mark.parametrize(("op", "past", "gerund"), POSTSUPER)
def test_postsuper_outcomes_in_words(op: Op, past: str, gerund: str) -> None:
    low = past.lower()
    assert report_summary(rep(op, 0, 0)) == f"No message to {op.value}"
    assert report_summary(rep(op, 1, 1)) == f"{past} 1 message"
    assert report_summary(rep(op, 2, 2)) == f"{past} 2 messages"
    assert report_summary(rep(op, 51_274, 51_274)) == f"{past} 51,274 messages"
    assert report_summary(rep(op, 5, 3, (2, SKIP_VANISHED))) == (
        f"{past} 3 of 5 messages; 2 had left the queue"
    )
    assert report_summary(rep(op, 3, 2, (1, SKIP_REUSED))) == (
        f"{past} 2 of 3 messages; 1 had its id reused by another message"
    )
    assert report_summary(rep(op, 1, 0, (1, SKIP_VANISHED))) == (
        f"Nothing {low}: 1 message had left the queue"
    )
    assert report_summary(rep(op, 4, 0, (4, SKIP_INVALID))) == (
        f"Nothing {low}: 4 messages were not valid queue ids"
    )
    # Postfix did fewer than it was given, no skip explains it: say how many were not.
    assert report_summary(rep(op, 3, 2)) == f"{past} 2 of 3 messages; 1 was not {low}"
    assert report_summary(rep(op, 4, 0, errors=["postsuper needs root"])) == (
        f"Nothing {low}: postsuper needs root"
    )
    assert report_summary(rep(op, 4, 1, errors=["a", "b", "c"])) == (
        f"{past} 1 of 4 messages; a (and 2 more errors, see the log)"
    )
    assert report_summary(rep(op, 100, 40, interrupted=True)) == (
        f"Stopped after {gerund} 40 of 100 messages; 60 were not touched"
    )
    assert report_summary(rep(op, 2, 1, interrupted=True)) == (
        f"Stopped after {gerund} 1 of 2 messages; 1 was not touched"
    )
    assert report_summary(rep(op, 1_000, 0, interrupted=True)) == (
        f"Stopped before {gerund} anything: 1,000 messages were not touched"
    )
    assert report_summary(rep(op, 7, 7, interrupted=True)) == (
        f"Stopped after {gerund} 7 of 7 messages"
    )
    assert report_title(rep(op, 1, 1)) == op.value.capitalize()


def test_hold_and_release_of_mail_already_so() -> None:
    assert report_summary(rep(Op.HOLD, 8, 4, (4, SKIP_ALREADY_HELD))) == (
        "Held 4 of 8 messages; 4 were already on hold"
    )
    assert report_summary(rep(Op.HOLD, 8, 0, (8, SKIP_ALREADY_HELD))) == (
        "Nothing held: 8 messages were already on hold"
    )
    assert report_summary(rep(Op.HOLD, 1, 0, (1, SKIP_ALREADY_HELD))) == (
        "Nothing held: 1 message was already on hold"
    )
    assert report_summary(rep(Op.RELEASE, 3, 2, (1, SKIP_NOT_HELD))) == (
        "Released 2 of 3 messages; 1 was not on hold"
    )
    assert (
        report_summary(rep(Op.HOLD, 4, 2, (1, SKIP_ALREADY_HELD), (1, SKIP_VANISHED)))
        == "Held 2 of 4 messages; 1 was already on hold; 1 had left the queue"
    )
    assert (
        report_summary(rep(Op.HOLD, 10, 3, (2, SKIP_ALREADY_HELD), interrupted=True))
        == "Stopped after holding 3 of 10 messages; 2 were already on hold; 5 were not touched"
    )


def test_flush_by_id_says_what_postfix_did() -> None:
    assert report_summary(rep(Op.FLUSH_IDS, 1, 1)) == (
        "Flushed 1 message (queued for immediate delivery)"
    )
    assert report_summary(rep(Op.FLUSH_IDS, 3, 2, (1, SKIP_NOT_FOUND))) == (
        "Flushed 2 of 3 messages (queued for immediate delivery); 1 was not in the queue"
    )
    assert report_summary(rep(Op.FLUSH_IDS, 0, 0)) == "No message to flush"
    assert report_summary(rep(Op.FLUSH_IDS, 2, 0, errors=["Postfix is not running"])) == (
        "Nothing flushed: Postfix is not running"
    )
    assert (
        report_summary(
            rep(Op.FLUSH_IDS, 9, 4, interrupted=True, notes=["5 flush requests not made"])
        )
        == "Stopped after flushing 4 of 9 messages; 5 were not touched; 5 flush requests not made"
    )
    assert report_title(rep(Op.FLUSH_IDS, 1, 1)) == "Flush"


def test_a_site_flush_names_the_site_and_the_messages_it_covers() -> None:
    one_request = {"site": "example.com", "covers": 12}
    assert report_summary(rep(Op.FLUSH_SITE, 1, 1, **one_request)) == (
        "Flush of example.com: 12 deferred messages queued for delivery"
    )
    assert report_summary(rep(Op.FLUSH_SITE, 1, 1, site="example.com", covers=1)) == (
        "Flush of example.com: 1 deferred message queued for delivery"
    )
    assert report_summary(rep(Op.FLUSH_SITE, 1, 1, site="example.com", covers=0)) == (
        "Flush of example.com requested; no deferred message had a recipient there"
    )
    refused = rep(Op.FLUSH_SITE, 1, 0, site="bad site", covers=0, errors=["not a destination"])
    assert report_summary(refused) == "Flush of bad site failed: not a destination"
    # Fast flush not configured: the site's messages were flushed one by one.
    one_by_one = rep(Op.FLUSH_SITE, 12, 12, site="example.com", notes=["fast flush is off"])
    assert report_summary(one_by_one) == (
        "Flushed 12 deferred messages for example.com (queued for immediate delivery); "
        "fast flush is off"
    )
    assert report_summary(rep(Op.FLUSH_SITE, 12, 5, site="example.com", interrupted=True)) == (
        "Stopped after flushing 5 of 12 deferred messages for example.com; 7 were not touched"
    )
    assert report_title(one_by_one) == "Flush site"


def test_a_flush_of_everything_says_the_request_was_made_never_a_count() -> None:
    note = "Postfix delivers what it can now and does not report on each message"
    assert report_summary(rep(Op.FLUSH_ALL, 1, 1, notes=[note])) == (
        f"Flush of the whole queue requested; {note}"
    )
    assert report_summary(rep(Op.FLUSH_ALL, 1, 0, errors=["Postfix is not running"])) == (
        "Flush of the whole queue failed: Postfix is not running"
    )
    assert report_title(rep(Op.FLUSH_ALL, 1, 1)) == "Flush all"


#: What no summary may show: record names, unfinished plurals, Python reprs, bare ``None``.
JARGON = re.compile(r"flush-(ids|site|all)|\(s\)|\b1 messages\b|\bNone\b|operate\(|'[^']*'")


@pytest.mark.parametrize("op", list(Op))
@pytest.mark.parametrize("requested", [0, 1, 2, 1_500])
@pytest.mark.parametrize("kind", ["all", "some", "skip", "already", "error", "stopped"])
def test_no_summary_shows_jargon_or_a_wrong_plural(op: Op, requested: int, kind: str) -> None:
    done = {"all": requested, "error": 0, "stopped": requested // 2}.get(kind, requested // 2)
    skips = []
    if kind in ("skip", "already") and requested > done:
        why = SKIP_ALREADY_HELD if kind == "already" else SKIP_VANISHED
        skips.append((requested - done, why))
    report = rep(
        op,
        requested,
        done,
        *skips,
        errors=["it failed"] if kind == "error" else [],
        interrupted=kind == "stopped",
        site="example.com" if op is Op.FLUSH_SITE else "",
    )
    text = report_summary(report)
    assert text and text[0].isupper() and not JARGON.search(text), text
    assert op in VERBS
    for number in re.findall(r"\d[\d,]*", text):
        assert number == f"{int(number.replace(',', '')):,}", text
