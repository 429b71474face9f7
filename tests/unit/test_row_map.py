"""An index built from the previous one finds each queue id's row through the previous
index's map and the moved runs, as a map of every id would, refresh after refresh."""

from __future__ import annotations

import random

from mailq_tui.model import row_map
from mailq_tui.model.index import QueueIndex
from mailq_tui.model.index_parts import assemble, batch_parts
from mailq_tui.model.index_reuse import index_reusing
from mailq_tui.model.row_map import ListedRows, MovedRows

from .test_index_reuse import NOW, changed_round, message, settled


def every_row(index: QueueIndex) -> dict[str, int]:
    return {m.queue_id: row for row, m in enumerate(index.messages)}


def test_rows_follow_the_runs_refresh_after_refresh() -> None:
    rng = random.Random(5)
    messages = [message(i, rng) for i in range(3000)]
    index = settled(messages)
    index.row_of("")
    gone: set[str] = set()
    for round in range(4):
        before = {m.queue_id for m in messages}
        messages = changed_round(messages, rng, round)
        assert len({m.queue_id for m in messages}) == len(messages)
        new = index_reusing(index, messages, NOW)
        assert new is not None
        assert isinstance(new._row_of, MovedRows)  # no map of every id was made
        gone |= before - {m.queue_id for m in messages}
        want = every_row(new)
        assert all(new.row_of(queue_id) == row for queue_id, row in want.items())
        assert all(new.row_of(queue_id) is None for queue_id in gone - set(want))
        index = new


def test_a_map_grown_too_big_is_made_anew() -> None:
    rng = random.Random(6)
    messages = [message(i, rng) for i in range(1000)]
    index = settled(messages)
    index.row_of("")
    row_map.MAX_SHARE, saved = 0.001, row_map.MAX_SHARE
    try:
        messages = changed_round(messages, rng, 0)
        new = index_reusing(index, messages, NOW)
    finally:
        row_map.MAX_SHARE = saved
    assert new is not None and new._row_of is None
    assert all(new.row_of(m.queue_id) == row for row, m in enumerate(new.messages))


def test_a_listing_in_another_order_maps_rows_too() -> None:
    """The sorting fallback may put the previous rows' runs out of order."""
    rng = random.Random(7)
    messages = [message(i, rng) for i in range(800)]
    for m in messages:
        m.arrival_time = int(NOW) - rng.randint(0, 10)
    index = settled(messages)
    index.row_of("")
    reordered = messages[::-1]
    reordered[5] = message(9000, rng)
    new = index_reusing(index, reordered, NOW)
    assert new is not None
    assert all(new.row_of(m.queue_id) == row for row, m in enumerate(new.messages))
    assert new.row_of(messages[-6].queue_id) is None


def test_rows_of_a_streamed_listing_follow_a_refresh() -> None:
    """An index joined from a streamed listing's batches finds ids through their listing
    positions (no map of every id when the listing ends); a refresh built from it before
    that map was made moves those rows as it moves a map's."""
    rng = random.Random(8)
    listed = [message(i, rng) for i in range(2000)]
    parts = [batch_parts(listed[at : at + 150]) for at in range(0, len(listed), 150)]
    index = assemble(parts, listed, NOW)
    assert index is not None and isinstance(index._row_of, ListedRows)
    assert all(index.row_of(queue_id) == row for queue_id, row in every_row(index).items())
    index.build_char_masks()  # settled, as after warm_index (which maps every id after)
    messages = changed_round(listed, rng, 0)
    new = index_reusing(index, messages, NOW)
    assert new is not None and isinstance(new._row_of, MovedRows)
    assert all(new.row_of(queue_id) == row for queue_id, row in every_row(new).items())
    index.map_every_id()
    assert index._row_of == every_row(index)
