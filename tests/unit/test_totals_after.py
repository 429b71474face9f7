"""Totals after a refresh, from the messages gone and new, equal the totals counted anew."""

from __future__ import annotations

import random

from mailq_tui.model.message import Message, Recipient
from mailq_tui.ui.view import totals, totals_after


def message(i: int, queue: str) -> Message:
    return Message(
        queue_name=queue,
        queue_id=f"{i:010X}",
        arrival_time=1_800_000_000 - i,
        message_size=1000 + 7 * i,
        sender="a@example.net",
        recipients=(Recipient("b@example.org", "r"),),
    )


def test_totals_after_a_change_equal_the_totals_counted_anew() -> None:
    rng = random.Random(3)
    before = [message(i, rng.choice(("active", "deferred", "hold"))) for i in range(500)]
    gone = rng.sample(before, 40) + [m for m in before if m.queue_name == "hold"]
    fresh = [message(1000 + i, rng.choice(("incoming", "deferred"))) for i in range(25)]
    after = [m for m in before if m not in gone] + fresh
    got = totals_after(totals(before), list({id(m): m for m in gone}.values()), fresh)
    assert got == totals(after)
    assert got is not None and list(got.per_queue) == list(totals(after).per_queue)
    assert "hold" not in got.per_queue


def test_a_queue_postfix_does_not_name_is_counted_anew() -> None:
    before = [message(i, "deferred") for i in range(10)]
    assert totals_after(totals(before), [], [message(99, "corrupt")]) is None
