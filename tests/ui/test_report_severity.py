"""How loud the app's notification of an action report is: messages already in the state asked
for are informational (the action's intent holds), other skips warn, nothing done is an error."""

from __future__ import annotations

from mailq_tui.model.recheck import SKIP_ALREADY_HELD, SKIP_NOT_HELD, SKIP_VANISHED
from mailq_tui.reports import ActionReport
from mailq_tui.ui.plans import severity


def test_already_in_state_is_information_even_when_nothing_was_left_to_do() -> None:
    assert severity(ActionReport("hold", 2, 2)) == "information"
    assert severity(ActionReport("hold", 3, 1, [("A1", SKIP_ALREADY_HELD)] * 2)) == "information"
    assert severity(ActionReport("hold", 1, 0, [("A1", SKIP_ALREADY_HELD)])) == "information"
    assert severity(ActionReport("release", 1, 0, [("A1", SKIP_NOT_HELD)])) == "information"


def test_other_skips_warn_and_nothing_done_is_an_error() -> None:
    assert severity(ActionReport("hold", 2, 1, [("A1", SKIP_VANISHED)])) == "warning"
    assert severity(ActionReport("hold", 1, 0, [("A1", SKIP_VANISHED)])) == "error"
    assert severity(ActionReport("hold", 1, 0, errors=["postsuper failed"])) == "error"
