"""The operation vocabulary and the one availability rule (``mailq_tui/operations.py``), and
the plans the queue screen builds from a request (``mailq_tui/ui/plans.py``)."""

from __future__ import annotations

from textual.actions import parse

from mailq_tui.engine import Health
from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.operations import (
    BUSY,
    MESSAGE_OPS,
    NO_SELECTION,
    Op,
    privilege_reason,
    why_unavailable,
)
from mailq_tui.report_text import report_summary, report_title
from mailq_tui.reports import POSTSUPER_ACTIONS, ActionReport
from mailq_tui.ui.commands import OPERATION_KEYS, QUEUE_COMMANDS, message_bindings
from mailq_tui.ui.plans import WHOLE_QUEUE_WORD, ActionRequest, build_plan, confirm_text
from mailq_tui.ui.view import ViewSpec, build_state
from tests.doubles import ALL_ALLOWED, ORDINARY_USER


def _health(running: bool, certain: bool = True) -> Health:
    return Health(running, 1 if running else None, None, {}, (0.0, 0.0, 0.0), 0.0, certain=certain)


RUNNING = _health(True)
DOWN = _health(False)
NOW = 1_800_000_000.0


def test_every_operation_spells_its_textual_action_and_reads_back() -> None:
    for op in Op:
        _, name, params = parse(op.action)
        assert Op.from_action(name, params) is op
        assert str(op) == op.value == f"{op}"  # reports and audit lines use the value
    assert Op.from_action("toggle_mark", ()) is None
    assert {op.value for op in Op if op.uses_postsuper} == set(POSTSUPER_ACTIONS)


def test_one_key_table_feeds_the_queue_screen_and_the_message_screen() -> None:
    queue_keys = {cmd.op: cmd.key for cmd in QUEUE_COMMANDS if cmd.op is not None}
    assert queue_keys == {op: keys.key for op, keys in OPERATION_KEYS.items()}
    message_keys = {b.action: b.key for b in message_bindings() if b.action.startswith("operate")}
    assert message_keys == {op.action: queue_keys[op] for op in MESSAGE_OPS}
    assert [cmd.key for cmd in QUEUE_COMMANDS].count("enter") == 1


def test_privileges_come_first_and_say_why() -> None:
    for op in Op:
        assert why_unavailable(op, None, RUNNING, False, True) == "checking privileges"
        assert why_unavailable(op, ALL_ALLOWED, RUNNING, False, True) == ""
    denied = why_unavailable(Op.DELETE, ORDINARY_USER, DOWN, True, False)
    assert denied == ORDINARY_USER.postsuper.reason
    assert privilege_reason(Op.DELETE, ORDINARY_USER) == denied
    assert privilege_reason(Op.FLUSH_SITE, ORDINARY_USER) == ""


def test_postfix_down_blocks_flushes_not_postsuper() -> None:
    for op in Op:
        why = why_unavailable(op, ALL_ALLOWED, DOWN, False, True)
        assert ("not running" in why) == (not op.uses_postsuper)
    unsure = _health(False, certain=False)
    assert why_unavailable(Op.FLUSH_ALL, ALL_ALLOWED, unsure, False, True) == ""


def test_one_action_at_a_time_then_a_target_is_needed() -> None:
    assert why_unavailable(Op.HOLD, ALL_ALLOWED, RUNNING, True, True) == BUSY
    assert why_unavailable(Op.HOLD, ALL_ALLOWED, RUNNING, False, False) == NO_SELECTION
    assert why_unavailable(Op.FLUSH_ALL, ALL_ALLOWED, RUNNING, False, False) == ""


def _msg(qid: str, queue: str, *rcpts: str) -> Message:
    return Message(
        queue_name=queue,
        queue_id=qid,
        arrival_time=int(NOW) - 600,
        message_size=1000,
        sender="a@example.org",
        recipients=tuple(Recipient(address=r) for r in rcpts),
    )


LISTING = [
    _msg("A1", "deferred", "x@gmail.com"),
    _msg("A2", "hold", "y@gmail.com"),
    _msg("A3", "deferred", "z@mx.gmail.com"),
    _msg("A4", "active", "w@gmail.com"),
]


def test_a_site_plan_names_the_engines_candidates_and_carries_the_listing() -> None:
    state = build_state(Snapshot(LISTING, NOW, 0.0), NOW, ViewSpec())
    plan = build_plan(ActionRequest(Op.FLUSH_SITE, site="gmail.com"), state, NOW)
    assert [m.queue_id for m in plan.targets] == ["A1"]
    assert list(plan.listing) == LISTING  # the engine picks the site's messages from it
    assert "1 deferred message with a recipient at gmail.com" in plan.body
    assert plan.what == "flush of gmail.com" and plan.confirm_word is None


def test_a_plan_for_every_message_asks_for_the_word() -> None:
    state = build_state(Snapshot(LISTING, NOW, 0.0), NOW, ViewSpec())
    every = build_plan(ActionRequest(Op.DELETE, LISTING, bulk=True), state, NOW)
    assert every.confirm_word == WHOLE_QUEUE_WORD
    assert every.title == "Delete ALL 4 messages in the queue?"
    assert every.what == "delete of 4 messages"
    one = build_plan(ActionRequest(Op.FLUSH_IDS, LISTING[:1]), state, NOW)
    assert one.confirm_word is None and one.what == "flush of 1 message"
    everything = build_plan(ActionRequest(Op.FLUSH_ALL), state, NOW)
    assert everything.title == "Flush the whole queue?" and everything.what == "flush all"


def test_reports_are_named_by_the_operation_and_said_in_words() -> None:
    report = ActionReport(action=Op.FLUSH_ALL.value, requested=1)
    assert report.action == "flush-all"  # the record name (audit log)
    assert report_summary(report) == "Flush of the whole queue failed"
    assert report_title(report) == "Flush all"


def test_the_confirm_text_speaks_of_one_message_in_the_singular() -> None:
    one_title, one = confirm_text(Op.HOLD, LISTING[:1])
    two_title, two = confirm_text(Op.HOLD, LISTING[:2])
    assert one_title == "Hold 1 message?" and two_title == "Hold 2 messages?"
    assert "It moves to the hold queue" in one and "They" not in one
    assert "They move to the hold queue" in two
    _, requeue = confirm_text(Op.REQUEUE, LISTING[:1])
    assert "It gets a new queue id." in requeue
