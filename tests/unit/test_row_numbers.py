"""Row numbers are one set of int objects: the index's cached order, its id -> row map and
the rows of a view point to the same ints instead of holding an int object per row each."""

from __future__ import annotations

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.row_numbers import row_numbers

NOW = 1_800_000_000.0


def test_row_numbers_are_a_range_sharing_its_ints() -> None:
    first = row_numbers(5000)
    assert first == tuple(range(5000))
    again = row_numbers(3000)
    assert again == tuple(range(3000))
    assert all(a is b for a, b in zip(first, again))
    bigger = row_numbers(6000)
    assert bigger == tuple(range(6000)) and all(a is b for a, b in zip(first, bigger))


def test_row_numbers_shrink_when_far_fewer_are_asked_for() -> None:
    row_numbers(8000)
    assert row_numbers(1000) == tuple(range(1000))
    assert len(row_numbers(0)) == 0
    assert row_numbers(500) == tuple(range(500))


def test_the_index_shares_the_row_ints() -> None:
    messages = [
        Message(
            queue_name="deferred",
            queue_id=f"{i:010X}",
            arrival_time=int(NOW) - 10_000 + i,  # oldest first already
            message_size=1000 + i,
            sender="someone@example.net",
            recipients=(Recipient(f"user{i}@example.com", "deferred transport"),),
        )
        for i in range(2000)
    ]
    index = QueueIndex(messages, NOW)
    order = index._ordered("age", True)
    last = messages[-1].queue_id
    assert index.row_of(last) == 1999
    assert index.row_of(last) is order[1999]
    rows = index.select("", "age", True)
    assert rows == list(range(2000)) and rows[1999] is order[1999]
    by_size = index.select("", "size", False)
    assert by_size[1999] is order[1999]
