"""The CLI's streamed answers equal the index-based ones on the same listing: the selection
(with an id listed twice keeping its later copy), the sort orders, the groups, the shape and
the bulk-action summary."""

from __future__ import annotations

import dataclasses
import random

import msgspec
import pytest

from mailq_tui.model.compact import (
    SORT_KEYS as STREAMED_SORT_KEYS,
)
from mailq_tui.model.compact import (
    Column,
    GroupColumns,
    IdColumn,
    ShapeColumn,
    SortRuns,
    sort_column,
    sorted_positions,
)
from mailq_tui.model.grouping import GROUP_BY, group_messages
from mailq_tui.model.index import SORT_KEYS, QueueIndex
from mailq_tui.model.message import Message
from mailq_tui.model.query import parse_query
from mailq_tui.model.selection import negation_probes, streamed_summary, summarise
from mailq_tui.model.shape import compute_shape
from mailq_tui.model.streamed import StreamedSelection
from mailq_tui.postfix.listing import drop_superseded
from tests.unit.samples import NOW, random_messages

QUERIES = [
    "",
    "gmail",
    "domain:gmail.com -reason:refused",
    "-domain:yahoo.com",
    "queue:hold",
    "-queue:hold",
    "reason:/^host/ age:>1h",
    "-from:<> -domain:nowhere.example",
]


def _listing_with_moves(seed: int) -> list[Message]:
    """A listing where some messages are listed twice: first in their old queue, then (as
    showq does when they move during the scan) later in the hold queue; one moved copy no
    longer matches what its first copy matched."""
    messages = random_messages(400, seed=seed)
    rng = random.Random(seed)
    moved = rng.sample(messages, 25)
    later = [msgspec.structs.replace(m, queue_name="hold") for m in moved]
    later[0] = msgspec.structs.replace(later[0], recipients=())
    return messages + later


def _stream(listing: list[Message], query: str, keep, probes=()) -> StreamedSelection:  # type: ignore[no-untyped-def]
    """``listing`` streamed through a selection in batches, as postqueue's chunks arrive."""
    selection = StreamedSelection(parse_query(query), NOW, keep, probes)
    for at in range(0, len(listing), 37):  # batches, as postqueue's chunks arrive
        selection.add(listing[at : at + 37])
    return selection


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("text", QUERIES)
def test_selection_equals_the_index_on_the_deduplicated_listing(seed: int, text: str) -> None:
    listing = _listing_with_moves(seed)
    index = QueueIndex(drop_superseded(listing), now=NOW)
    kept, ids = Column(lambda m: m), IdColumn()

    def keep(msg: Message) -> None:
        kept.add(msg)
        ids.add(msg)

    selection = _stream(listing, text, keep)
    rows = index.filter(parse_query(text))
    assert list(kept.take(selection.positions())) == [index.messages[r] for r in rows]
    assert [ids[p] for p in selection.positions()] == [index.messages[r].queue_id for r in rows]
    assert selection.total == len(index) < len(listing)


@pytest.mark.parametrize("key", SORT_KEYS)
@pytest.mark.parametrize("reverse", [False, True])
def test_sort_values_order_like_the_index(key: str, reverse: bool) -> None:
    listing = _listing_with_moves(3)
    index = QueueIndex(drop_superseded(listing), now=NOW)
    query = "-queue:active"
    values, ids = sort_column(key), IdColumn()

    def keep(msg: Message) -> None:
        values.add(msg)
        ids.add(msg)

    selection = _stream(listing, query, keep)
    got = [ids[p] for p in sorted_positions(selection.positions(), values.values, key, reverse)]
    rows = index.sort(index.filter(parse_query(query)), key, reverse=reverse)
    assert got == [index.messages[r].queue_id for r in rows]


@pytest.mark.parametrize("by", GROUP_BY)
@pytest.mark.parametrize("text", ["", "domain:gmail.com", "-queue:deferred"])
def test_tallied_groups_equal_the_index_groups(by: str, text: str) -> None:
    listing = _listing_with_moves(4)
    index = QueueIndex(drop_superseded(listing), now=NOW)
    kept = GroupColumns(by)
    selection = _stream(listing, text, kept.add)
    expected = group_messages(index, index.filter(parse_query(text)), by)
    got = kept.groups(selection.positions())
    assert [dataclasses.replace(g, rows=[]) for g in expected] == got
    assert len(expected) > 1


@pytest.mark.parametrize("by", ["rcpt", "sender"])
@pytest.mark.parametrize("queues", [(), ("deferred", "hold")])
def test_streamed_shape_equals_compute_shape(by: str, queues: tuple[str, ...]) -> None:
    listing = _listing_with_moves(5)
    messages = drop_superseded(listing)
    kept = ShapeColumn(NOW, by=by, queues=queues, buckets=8, first_width=7)
    selection = _stream(listing, "-domain:yahoo.com", kept.add)
    selected = QueueIndex(messages, now=NOW).filter(parse_query("-domain:yahoo.com"))
    expected = compute_shape(
        [messages[r] for r in selected],
        NOW,
        by=by,
        queues=list(queues) or None,
        buckets=8,
        first_width=7,
    )
    assert kept.shape(selection.positions()) == expected


@pytest.mark.parametrize(
    "text",
    ["domain:gmail.com -domain:nowhere.example", "-queue:maildrop -from:<>", "queue:hold", ""],
)
def test_streamed_summary_equals_summarise(text: str) -> None:
    listing = _listing_with_moves(6)
    index = QueueIndex(drop_superseded(listing), now=NOW)
    query = parse_query(text)
    kept = Column(lambda m: m)
    selection = _stream(listing, text, kept.add, negation_probes(query))
    selected = list(kept.take(selection.positions()))
    got = streamed_summary(query, selected, selection.total, selection.probed())
    assert got == summarise(index, query, index.filter(query))


def test_a_probe_matched_only_by_a_superseded_copy_does_not_count() -> None:
    """The earlier copy of a moved message matched ``queue:deferred``; its later copy is in
    hold, so in the listing as deduplicated no message is deferred: the warning stays."""
    first = random_messages(1, seed=1)[0]
    first = msgspec.structs.replace(first, queue_name="deferred")
    later = msgspec.structs.replace(first, queue_name="hold")
    query = parse_query("-queue:deferred")
    kept = Column(lambda m: m)
    selection = _stream([first, later], "-queue:deferred", kept.add, negation_probes(query))
    assert selection.probed() == [False]
    assert list(kept.take(selection.positions())) == [later]


def test_streamed_sort_keys_are_the_index_sort_keys() -> None:
    assert STREAMED_SORT_KEYS == SORT_KEYS


def test_ids_listed_again_are_found_in_a_big_listing() -> None:
    """40,000 messages (the repeat filter grows several times), 300 of them listed again
    later, some selected only in their first or only in their later copy: the total and
    the selection are those of the listing with one copy per id, the later one."""
    rng = random.Random(5)
    first = [
        Message(rng.choice(["active", "deferred"]), f"{n:X}Z", int(NOW) - n, n, "a@b", ())
        for n in range(40_000)
    ]
    moved = [msgspec.structs.replace(m, queue_name="hold") for m in rng.sample(first, 300)]
    listing = first[:20_000] + moved[:150] + first[20_000:] + moved[150:]
    kept = Column(lambda m: m)
    selection = _stream(listing, "-queue:active", kept.add)
    expected = [m for m in drop_superseded(listing) if m.queue_name != "active"]
    assert selection.total == 40_000
    assert list(kept.take(selection.positions())) == expected


def _stream_all(listing: list[Message], query: str, keep_all) -> StreamedSelection:  # type: ignore[no-untyped-def]
    """``listing`` streamed in batches of varied sizes, each stored at once (``keep_all``)."""
    selection = StreamedSelection(parse_query(query), NOW, keep_all, keep_all=keep_all)
    at, size = 0, 1
    while at < len(listing):
        selection.add(listing[at : at + size])
        at, size = at + size, (size * 7 + 3) % 97 + 1
    return selection


@pytest.mark.parametrize("key", SORT_KEYS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("moves", [False, True])
def test_sort_runs_order_like_the_index(key: str, reverse: bool, moves: bool) -> None:
    """Sorted as batches arrive and merged at the end (or, with a superseded copy, sorted
    from the column): the index's order, ties in listing order."""
    listing = _listing_with_moves(7) if moves else random_messages(700, seed=7)
    index = QueueIndex(drop_superseded(listing), now=NOW)
    runs, ids = SortRuns(key, reverse), IdColumn()

    def keep_all(batch: list[Message]) -> None:
        runs.add_all(batch)
        ids.add_all(batch)

    selection = _stream_all(listing, "-queue:active", keep_all)
    assert isinstance(selection.positions(), range) != moves
    got = [ids[p] for p in runs.order(selection.positions())]
    rows = index.sort(index.filter(parse_query("-queue:active")), key, reverse=reverse)
    assert got == [index.messages[r].queue_id for r in rows]


@pytest.mark.parametrize("big", [2**30, 2**45])  # 2**45: too big for the runs' slots
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("key", ["age", "size", "recipients"])
def test_merged_runs_equal_a_stable_sort_with_many_ties(key: str, reverse: bool, big: int) -> None:
    """Few distinct values (most entries tie), zero and negative numbers, batches of one
    and of hundreds, an empty batch: the merge gives the stable sort's order."""
    rng = random.Random(8)
    values = [rng.choice([-big, -3, 0, 0, 1, 5, big]) for _ in range(3000)]
    base = Message("deferred", "0", 0, 0, "a@b", ())
    recipient = random_messages(1, seed=8)[0].recipients[:1]
    messages = [
        msgspec.structs.replace(base, queue_id=f"{n:X}", arrival_time=v)
        if key == "age"
        else msgspec.structs.replace(base, queue_id=f"{n:X}", message_size=v)
        if key == "size"
        else msgspec.structs.replace(base, queue_id=f"{n:X}", recipients=recipient * (abs(v) % 4))
        for n, v in enumerate(values)
    ]
    runs = SortRuns(key, reverse)
    at = 0
    for size in [1, 0, 5, 300, 1, 1, 2000, 7, 685]:
        runs.add_all(messages[at : at + size])
        at += size
    assert at == len(messages)
    column = sort_column(key)
    column.add_all(messages)
    expected = sorted_positions(range(len(messages)), column.values, key, reverse)
    got = list(runs.order(range(len(messages))))
    assert got == list(expected)
    assert got == list(runs.order(range(len(messages))))  # asked twice: the same order


def test_sort_runs_of_a_text_key_sort_at_the_end() -> None:
    listing = random_messages(300, seed=9)
    runs = SortRuns("sender")
    runs.add_all(listing[:100])
    runs.add(listing[100])
    runs.add_all(listing[101:])
    order = list(runs.order(range(300)))
    assert [listing[p].sender.lower() for p in order] == sorted(m.sender.lower() for m in listing)


@pytest.mark.parametrize("by", GROUP_BY)
@pytest.mark.parametrize("text", ["", "domain:gmail.com", "-queue:deferred"])
def test_groups_counted_while_streaming_equal_the_index_groups(by: str, text: str) -> None:
    """No copy superseded: the counters kept up batch by batch (and message by message)
    are the answer."""
    listing = random_messages(500, seed=10)
    index = QueueIndex(listing, now=NOW)
    kept = GroupColumns(by)

    def keep_all(batch: list[Message]) -> None:  # some batches stored one by one
        if len(batch) % 3:
            kept.add_all(batch)
        else:
            for msg in batch:
                kept.add(msg)

    selection = _stream_all(listing, text, keep_all)
    assert isinstance(selection.positions(), range)
    expected = group_messages(index, index.filter(parse_query(text)), by)
    assert [dataclasses.replace(g, rows=[]) for g in expected] == kept.groups(selection.positions())
    assert kept.groups(selection.positions()) == kept._counted(list(selection.positions()))


@pytest.mark.parametrize("by", ["rcpt", "sender"])
@pytest.mark.parametrize("queues", [(), ("deferred", "hold")])
def test_shape_counted_while_streaming_equals_compute_shape(
    by: str, queues: tuple[str, ...]
) -> None:
    listing = random_messages(500, seed=11)
    kept = ShapeColumn(NOW, by=by, queues=queues, buckets=8, first_width=7)
    selection = _stream(listing, "-domain:yahoo.com", kept.add)
    assert isinstance(selection.positions(), range)
    selected = QueueIndex(listing, now=NOW).filter(parse_query("-domain:yahoo.com"))
    expected = compute_shape(
        [listing[r] for r in selected],
        NOW,
        by=by,
        queues=list(queues) or None,
        buckets=8,
        first_width=7,
    )
    assert kept.shape(selection.positions()) == expected
    assert kept.shape(list(selection.positions())) == expected  # counted from the columns


@pytest.mark.parametrize("odd", ["", "AB\nCD", "\u00e9t\u00e9", "\udcff"])
def test_ids_written_in_any_order_are_the_stored_ids(odd: str) -> None:
    """The ids at the given positions, one line each, in that order: plain ids, an empty
    one, one holding a newline (then sliced one by one), non-ASCII and a lone surrogate,
    stored one by one and a batch at a time, over more than one write batch."""
    import io

    base = random_messages(1, seed=12)[0]
    messages = [
        msgspec.structs.replace(base, queue_id=odd if n % 1000 == 7 else f"{n:X}Q")
        for n in range(9000)
    ]
    ids = IdColumn()
    ids.add(messages[0])
    ids.add_all(messages[1:5000])
    ids.add_all([])
    for msg in messages[5000:5003]:
        ids.add(msg)
    ids.add_all(messages[5003:])
    rng = random.Random(12)
    for positions in (rng.sample(range(9000), 9000), [7, 7, 0], range(9000), range(3, 9)):
        out = io.BytesIO()
        ids.write(positions, out)
        expected = "".join(messages[p].queue_id + "\n" for p in positions)
        assert out.getvalue() == expected.encode("utf-8", "surrogatepass")
        assert list(ids.lines(positions)) == [messages[p].queue_id + "\n" for p in positions]
