"""The exit-status rule of an action report: a message already in the state the action asks
for (hold of held mail, release of mail not on hold) is reported but is no failure, like
``kubectl apply``; a vanished, reused or invalid id, or an error, still is."""

from __future__ import annotations

import pytest

from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.recheck import (
    ALREADY_IN_STATE,
    SKIP_ALREADY_HELD,
    SKIP_INVALID,
    SKIP_NOT_FOUND,
    SKIP_NOT_HELD,
    SKIP_REUSED,
    SKIP_VANISHED,
    recheck,
)
from mailq_tui.report_text import SKIP_WORDS, report_summary
from mailq_tui.reports import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, ActionReport, exit_status


def report(action: str, requested: int, done: int, *skipped: tuple[str, str]) -> ActionReport:
    return ActionReport(action=action, requested=requested, done=done, skipped=list(skipped))


def test_only_the_already_in_state_reasons_are_idempotent() -> None:
    assert set(ALREADY_IN_STATE) == {SKIP_ALREADY_HELD, SKIP_NOT_HELD}
    assert not {SKIP_INVALID, SKIP_NOT_FOUND, SKIP_REUSED, SKIP_VANISHED} & set(ALREADY_IN_STATE)


def test_a_hold_of_mail_partly_on_hold_already_exits_0_and_says_how_many() -> None:
    held = [(f"H{n}", SKIP_ALREADY_HELD) for n in range(4)]
    rep = report("hold", 7, 3, *held)
    assert rep.ok and exit_status(rep) == EXIT_OK
    assert rep.already == held and rep.failed_skips == []
    assert report_summary(rep) == "Held 3 of 7 messages; 4 were already on hold"


def test_a_release_of_mail_not_on_hold_is_already_released() -> None:
    rep = report("release", 2, 0, ("A1", SKIP_NOT_HELD), ("B2", SKIP_NOT_HELD))
    assert rep.ok and exit_status(rep) == EXIT_OK
    assert report_summary(rep) == "Nothing released: 2 messages were not on hold"


@pytest.mark.parametrize("failure", [SKIP_VANISHED, SKIP_REUSED, SKIP_INVALID, SKIP_NOT_FOUND])
def test_any_other_skip_still_exits_1(failure: str) -> None:
    rep = report("hold", 3, 1, ("A1", SKIP_ALREADY_HELD), ("B2", failure))
    assert not rep.ok and exit_status(rep) == EXIT_FAILED
    assert rep.failed_skips == [("B2", failure)]
    assert (
        report_summary(rep)
        == f"Held 1 of 3 messages; 1 was already on hold; 1 {SKIP_WORDS[failure][0]}"
    )


def test_an_error_or_a_shortfall_still_exits_1_and_an_interruption_130() -> None:
    erred = report("hold", 2, 1, ("A1", SKIP_ALREADY_HELD))
    erred.errors.append("postsuper: fatal: something")
    assert exit_status(erred) == EXIT_FAILED
    # Postfix held fewer than the survivors it was given: not done, whatever was already held.
    assert exit_status(report("hold", 3, 1, ("A1", SKIP_ALREADY_HELD))) == EXIT_FAILED
    stopped = report("hold", 2, 1, ("A1", SKIP_ALREADY_HELD))
    stopped.interrupted = True
    assert exit_status(stopped) == EXIT_INTERRUPTED


def test_the_recheck_skips_of_a_repeated_hold_make_an_ok_report() -> None:
    """The chain the engine and the double run: re-check, skips into the report, status."""
    mail = Message("deferred", "A1", 1_700_000_000, 1000, "a@s.test", [Recipient("b@r.test")])
    held = Message("hold", "A1", 1_700_000_000, 1000, "a@s.test", [Recipient("b@r.test")])
    rep = ActionReport(action="hold", requested=1)
    rep.skipped.extend(recheck("hold", {"A1": mail}, {"A1": held}).skipped)
    assert rep.skipped == [("A1", SKIP_ALREADY_HELD)] and exit_status(rep) == EXIT_OK
    rep = ActionReport(action="release", requested=1)
    rep.skipped.extend(recheck("release", {"A1": mail}, {}).skipped)
    assert rep.skipped == [("A1", SKIP_VANISHED)] and exit_status(rep) == EXIT_FAILED
