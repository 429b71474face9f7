"""The re-check before a bulk action (shared by the engine and the test double): duplicates
merged, invalid ids refused, and each survivor checked against a fresh listing."""

from __future__ import annotations

import msgspec
import pytest

from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.recheck import (
    SKIP_ALREADY_HELD,
    SKIP_INVALID,
    SKIP_NOT_HELD,
    SKIP_REUSED,
    SKIP_VANISHED,
    distinct_targets,
    recheck,
    skip_reason,
)


def msg(qid: str, queue: str = "deferred", arrival: int = 1_700_000_000) -> Message:
    return Message(queue, qid, arrival, 1000, "a@sender.test", [Recipient("b@rcpt.test")])


def held(m: Message) -> Message:
    return msgspec.structs.replace(m, queue_name="hold")


@pytest.mark.parametrize(
    ("action", "now", "why"),
    [
        ("delete", None, SKIP_VANISHED),
        ("delete", msg("A1", arrival=1_700_000_001), SKIP_REUSED),
        ("release", msg("A1"), SKIP_NOT_HELD),
        ("hold", held(msg("A1")), SKIP_ALREADY_HELD),
        ("release", held(msg("A1")), ""),
        ("hold", msg("A1"), ""),
        ("delete", held(msg("A1")), ""),
        ("requeue", msg("A1"), ""),
    ],
)
def test_skip_reason(action: str, now: Message, why: str) -> None:
    assert skip_reason(action, msg("A1"), now) == why


def test_reused_wins_over_the_queue_checks() -> None:
    other = held(msg("A1", arrival=1))
    assert skip_reason("hold", msg("A1"), other) == SKIP_REUSED


def test_distinct_targets_merges_duplicates_and_refuses_invalid_ids() -> None:
    first, again = msg("A1"), msg("A1", arrival=5)
    targets = distinct_targets([first, msg("bad!"), again, msg("B2"), msg("bad!")], str.isalnum)
    assert targets.by_id == {"A1": first, "B2": msg("B2")}
    assert targets.invalid == [("bad!", SKIP_INVALID), ("bad!", SKIP_INVALID)]
    assert targets.requested == 4


def test_recheck_keeps_the_message_as_it_is_now_and_its_queues() -> None:
    seen = {"A1": msg("A1"), "B2": msg("B2"), "C3": msg("C3"), "D4": msg("D4")}
    current = {"A1": held(msg("A1")), "B2": msg("B2", arrival=9), "D4": held(msg("D4"))}
    checked = recheck("release", seen, current)
    assert checked.survivors == {"A1": current["A1"], "D4": current["D4"]}
    assert checked.skipped == [("B2", SKIP_REUSED), ("C3", SKIP_VANISHED)]
    assert checked.queues == ["hold"]
