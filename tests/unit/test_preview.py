"""The preview of a listing still being read: when it is rebuilt (the clock is passed in),
and what it shows (every row read, sorted as asked, unfiltered, ungrouped, partial)."""

from __future__ import annotations

import msgspec

from mailq_tui.model.message import Message
from mailq_tui.ui.preview import GROWTH, MIN_INTERVAL, SPACING, StreamedListing, preview_state
from mailq_tui.ui.view import ViewSpec, totals
from tests.unit.test_listing_reuse import record

DECODER = msgspec.json.Decoder(Message)


def messages(start: int, n: int) -> list[Message]:
    """``n`` messages, the later ones older (arrival times fall as ``i`` grows)."""
    return [DECODER.decode(record(i, arrival=2_000_000_000 - 2 * i)) for i in range(start, n)]


def test_the_first_batch_is_shown_at_once_then_on_a_growing_schedule() -> None:
    streamed = StreamedListing(taken_at=0.0)
    assert not streamed.preview_due(0.0)  # nothing read yet
    streamed.add(messages(0, 10))
    assert streamed.preview_due(0.0)
    assert [len(b) for b in streamed.start()] == [10]
    streamed.add(messages(10, 100))
    assert not streamed.preview_due(100.0)  # one at a time
    streamed.built(0.01, now=1.0)
    assert not streamed.preview_due(1.0 + MIN_INTERVAL / 2)  # too soon
    assert streamed.preview_due(1.0 + MIN_INTERVAL)
    streamed.start()
    streamed.built(1.0, now=2.0)  # a slow build: the next waits SPACING times as long
    streamed.add(messages(100, int(100 * GROWTH)))
    assert not streamed.preview_due(2.0 + SPACING - 0.01)
    assert streamed.preview_due(2.0 + SPACING)
    streamed.done = True
    assert not streamed.preview_due(1000.0)


def test_not_before_the_count_grew() -> None:
    streamed = StreamedListing(taken_at=0.0)
    streamed.add(messages(0, 100))
    streamed.start()
    streamed.built(0.0, now=0.0)
    streamed.add(messages(100, int(100 * GROWTH) - 1))
    assert not streamed.preview_due(1000.0)
    streamed.add(messages(1000, 1001))
    assert streamed.preview_due(1000.0)


def test_the_preview_shows_every_row_read_sorted_unfiltered_and_is_partial() -> None:
    first, second = messages(0, 30), messages(30, 50)
    spec = ViewSpec(query_text="domain:dest1.example", group_by="domain")
    state = preview_state([first, second], 123.0, 0.5, 2_000_000_100.0, spec)
    assert state.partial
    assert state.groups is None and state.spec.query_text == "" and state.spec.group_by is None
    shown = state.visible_messages()
    assert len(shown) == 50
    ages = [m.arrival_time for m in shown]
    assert ages == sorted(ages)  # the default sort: oldest first
    assert state.counts is not None and state.counts.total == 50
    assert state.snapshot.taken_at == 123.0
    assert not state.index.searchable


def test_the_counts_kept_while_reading_are_the_listings() -> None:
    streamed = StreamedListing(taken_at=0.0)
    batch = messages(0, 40)
    for m in batch[::3]:
        m.queue_name = "hold"
    streamed.add(batch[:15])
    streamed.add(batch[15:])
    assert streamed.totals() == totals(batch)
