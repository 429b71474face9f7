"""The index of a new listing built from the previous one: only changed messages are indexed.

When the listing layer kept a message's decoded object because its bytes did not change
(:mod:`mailq_tui.postfix.listing_reuse`), that message's row of the previous index (its
haystack, offsets, domains, sender, one-character mask bits) is still right. The new index is
laid out oldest first, as the app indexes every listing
(:func:`~mailq_tui.model.index.oldest_first`), and each of its columns is the previous
index's column cut into runs of consecutive rows, joined with the rows of the new messages,
indexed on their own. With 1% of the messages changed there are a few thousand runs: each
column is one C-level join of slices (``map`` of a slice per run), never a per-row Python
loop, and only the new messages' haystacks and masks are computed.

The layout is found without sorting every row again: the kept rows are already oldest first,
so the new messages (sorted among themselves) are merged in, each by bisection. Which rows
are kept is found by walking the previous listing and the new one side by side
(:func:`_aligned`: each row knows its listing position, runs of the same objects are compared
in C and only the few differences are looked up), or else by a map of every object
(:func:`_merged`). A full build orders equal arrival times by listing position; the kept
messages must still be listed in the same order (they are unless the queue was listed in
another order), otherwise every row is sorted, as a full build does (:func:`_sorted`).

The result is what building the index from scratch, laying it out oldest first and building
its masks gives for the same messages (checked by the tests column by column).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, compress, islice, repeat
from itertools import count as count_from
from operator import add, attrgetter, eq, ge, gt, is_not, ne, not_, sub
from typing import Any, Optional, TypeVar

from mailq_tui.model.index import MASK_CHARS, QueueIndex
from mailq_tui.model.index_columns import (
    NARROW,
    WIDE,
    ListingColumns,
    SearchColumns,
    char_masks,
    packed,
    unpacked,
)
from mailq_tui.model.message import Message
from mailq_tui.model.row_map import moved_rows
from mailq_tui.model.row_numbers import row_numbers

_ARRIVAL = attrgetter("arrival_time")
_QUEUE_ID = attrgetter("queue_id")
_T = TypeVar("_T")

#: Build from scratch instead when more than this share of the messages is new (the runs
#: would be short and many).
MAX_NEW_SHARE = 0.25

#: Runs of the new index's rows: (start, stop) source rows, below ``base`` the previous
#: index's rows, from ``base`` on the new messages' (``base + k``: the k-th new message,
#: oldest first).
_Runs = list[tuple[int, int]]
#: The runs, the new messages (oldest first), the gone ones and, when known, the listing
#: positions of the old rows (-1: gone) and of the new messages (for the new index's
#: :attr:`~mailq_tui.model.index.QueueIndex.listing_rows`).
_Layout = tuple[_Runs, list[Message], list[Message], Optional[tuple["array[int]", "array[int]"]]]


@dataclass(frozen=True)
class Reused:
    """An index built from the previous one, and how the listing changed."""

    index: QueueIndex
    #: The previous index's messages the new listing no longer has (oldest first).
    gone: list[Message]
    #: The messages indexed anew (oldest first).
    fresh: list[Message]


def index_reusing(old: QueueIndex, messages: Sequence[Message], now: float) -> Optional[QueueIndex]:
    """An index over ``messages`` laid out oldest first (ties in listing order), with its
    search columns and masks, reusing ``old``'s rows for the message objects it indexed;
    None when ``old`` is not a settled index (laid out, searchable, masked) or too much is
    new (build from scratch then). Meant for a worker thread."""
    reused = reuse_index(old, messages, now)
    return None if reused is None else reused.index


def reuse_index(
    old: QueueIndex,
    messages: Sequence[Message],
    now: float,
    listed: Optional[Sequence[Message]] = None,
) -> Optional[Reused]:
    """:func:`index_reusing`, with the messages gone and the messages new. ``listed``: the
    listing ``old`` was indexed from (its :attr:`~QueueIndex.listing_rows` point into it),
    walked beside ``messages`` to find the kept messages cheaply (:func:`_aligned`)."""
    if not (old.messages and old.arrival_ordered and old.search is not None and old._char_masks):
        return None
    layout = (
        (listed is not None and _aligned(old, listed, messages))
        or _merged(old, messages)
        or _sorted(old, messages)
    )
    if not layout:
        return None
    runs, fresh, gone, positions = layout
    base = len(old.messages) + 1
    new_listing = ListingColumns.of(fresh)
    new_search = SearchColumns.build(fresh)
    slices = [slice(a, b) for a, b in runs]
    ordered = _join(old.messages, fresh, slices)
    listing = _listing(old.listing, new_listing, slices)
    search = _search(old.search, new_search, runs, slices, base)
    listing_rows = None
    if positions is not None:
        listing_rows = _numbers(NARROW, positions[0], positions[1], slices)
    index = QueueIndex(ordered, now, listing=listing, search=search, listing_rows=listing_rows)
    fresh_masks = char_masks(new_search.hay, MASK_CHARS)
    counts = (len(old.messages), len(fresh))
    index._char_masks = {
        char: _join_bits(old._char_masks[char], fresh_masks[char], counts, slices)
        for char in MASK_CHARS
    }
    index._orders[("age", True)] = row_numbers(len(index))
    if old._row_of is not None:
        ids = list(map(_QUEUE_ID, fresh))
        index._row_of = moved_rows(old._row_of, runs, base, ids, len(index))
    return Reused(index, gone, fresh)


def _aligned(
    old: QueueIndex, listed: Sequence[Message], messages: Sequence[Message]
) -> Optional[_Layout]:
    """As :func:`_merged`, finding the kept messages by walking the previous listing
    (``listed``, the one ``old`` was indexed from, see :attr:`QueueIndex.listing_rows`) and
    the new one side by side: runs of the same objects are compared in C (``is``), and only
    where they differ is an object looked up (in ``old``'s row map). None when the kept
    messages are listed in another order, or too much is new."""
    rows = old.listing_rows
    if rows is None or len(rows) != len(old.messages) or len(listed) != len(rows):
        return None
    count, listed_count = len(messages), len(listed)
    limit = MAX_NEW_SHARE * count
    moved_to = array(NARROW, [-1]) * listed_count  # listed position -> new position
    fresh: list[int] = []
    i = j = 0
    while i < count and j < listed_count:
        span = min(count - i, listed_count - j)
        differ = map(
            is_not,
            map(messages.__getitem__, range(i, i + span)),
            map(listed.__getitem__, range(j, j + span)),
        )
        same = next(compress(count_from(0), differ), span)
        if same:
            moved_to[j : j + same] = array(NARROW, range(i, i + same))
            i, j = i + same, j + same
            continue
        if _was_indexed(old, messages[i]):
            j += 1  # listed[j] is gone (or the order changed: found out at the end)
        else:
            fresh.append(i)
            i += 1
            if len(fresh) > limit:
                return None
    if i < count:
        rest = range(i, count)
        if any(_was_indexed(old, messages[k]) for k in rest):
            return None  # a kept message was passed over: listed in another order
        fresh.extend(rest)
    if len(fresh) > limit:
        return None
    old_position = array(NARROW, map(moved_to.__getitem__, rows))
    return _merge(old, messages, old_position, fresh)


def _was_indexed(old: QueueIndex, msg: Message) -> bool:
    """True when ``msg`` (the object itself) is one of ``old``'s messages: found by its id
    in ``old``'s row map, not by a set of every object."""
    row = old.row_of(msg.queue_id)
    return row is not None and old.messages[row] is msg


def _merged(old: QueueIndex, messages: Sequence[Message]) -> Optional[_Layout]:
    """The runs, the new messages, the gone ones and each old row's new position (-1:
    gone), by merging the new messages into the kept rows (already oldest first); None
    when too much is new, or when the kept rows' ties are no longer in listing order
    (then :func:`_sorted`)."""
    count = len(messages)
    position = dict(zip(map(id, messages), range(count)))
    if len(position) != count:
        return None
    old_position = array(NARROW, map(position.get, map(id, old.messages), repeat(-1)))
    del position
    return _merge(old, messages, old_position, None)


def _merge(
    old: QueueIndex,
    messages: Sequence[Message],
    old_position: array[int],
    new_positions: Optional[list[int]],
) -> Optional[_Layout]:
    """:func:`_merged` once each old row's new position is known; ``new_positions``: the
    new messages' positions, when known (and then the kept rows are known to be listed in
    the same order as before)."""
    count = len(messages)
    keep = list(map(ge, old_position, repeat(0)))
    kept_position = array(NARROW, compress(old_position, keep))
    if count - len(kept_position) > MAX_NEW_SHARE * count or not kept_position:
        return None
    kept_arrival = array(WIDE, compress(old.listing.arrivals, keep))
    if new_positions is None:
        # A full build orders equal arrival times by listing position: so must the kept
        # rows.
        after = islice(kept_position, 1, None)
        ties = map(eq, kept_arrival, islice(kept_arrival, 1, None))
        if any(compress(map(gt, kept_position, after), ties)):
            return None
        # The new messages' positions: the ones no kept row has (marked by a C-level
        # scatter: ``map`` of ``__setitem__``, no hashing).
        taken = bytearray(count)
        deque(map(taken.__setitem__, kept_position, repeat(1)), maxlen=0)
        new_positions = list(compress(range(count), map(not_, taken)))
    keys = sorted(zip(map(_ARRIVAL, map(messages.__getitem__, new_positions)), new_positions))
    fresh = [messages[p] for _, p in keys]
    # Where each new message goes among the kept rows (the kept rows of equal arrival
    # time are in listing order: bisect their positions).
    inserts = []
    for arrival, p in keys:
        low = bisect_left(kept_arrival, arrival)
        high = bisect_right(kept_arrival, arrival, low)
        inserts.append(bisect_left(kept_position, p, low, high))
    gone_rows = list(compress(range(len(old.messages)), map(not_, keep)))
    gone = list(map(old.messages.__getitem__, gone_rows))
    # A gone old row i (the i-th gone) ends a run of kept rows at kept position row - i.
    ends = list(map(sub, gone_rows, range(len(gone_rows))))
    runs = _merge_runs(len(kept_position), ends, inserts, len(old.messages) + 1)
    fresh_positions = array(NARROW, [p for _, p in keys])
    return runs, fresh, gone, (old_position, fresh_positions)


def _merge_runs(kept: int, ends: list[int], inserts: list[int], base: int) -> _Runs:
    """The runs of ``kept`` kept rows (cut where a gone row was, ``ends``: kept positions,
    nondecreasing) with the new messages inserted before the kept positions ``inserts``
    (nondecreasing, one per new message in order)."""
    cuts = sorted({0, kept, *ends, *inserts})
    runs: _Runs = []
    k = 0
    for at, stop in zip(cuts, [*cuts[1:], kept]):
        first = k
        while k < len(inserts) and inserts[k] == at:
            k += 1
        if k > first:
            runs.append((base + first, base + k))
        if stop > at:
            row = at + bisect_right(ends, at)  # old row of kept position ``at``
            runs.append((row, row + stop - at))
    return runs


def _sorted(old: QueueIndex, messages: Sequence[Message]) -> Optional[_Layout]:
    """As :func:`_merged`, sorting every row by arrival time (ties in listing order)."""
    arrivals = list(map(_ARRIVAL, messages))
    ordered = list(
        map(messages.__getitem__, sorted(range(len(messages)), key=arrivals.__getitem__))
    )
    del arrivals
    source = dict(zip(map(id, old.messages), range(len(old.messages))))
    fresh = list(compress(ordered, map(not_, map(source.__contains__, map(id, ordered)))))
    if len(fresh) > MAX_NEW_SHARE * len(ordered) or not ordered:
        return None
    base = len(old.messages) + 1
    source.update(zip(map(id, fresh), range(base, base + len(fresh))))
    rows = list(map(source.__getitem__, map(id, ordered)))
    del source
    present = set(rows)
    gone = [m for row, m in enumerate(old.messages) if row not in present]
    return _runs(rows), fresh, gone, None


def _runs(src: Sequence[int]) -> _Runs:
    """``src`` as (start, stop) runs of consecutive source rows."""
    if not src:
        return []
    breaks = list(compress(range(1, len(src)), map(ne, src[1:], map(add, src, repeat(1)))))
    starts = [0, *breaks]
    stops = [*breaks, len(src)]
    return [(src[a], src[a] + (b - a)) for a, b in zip(starts, stops)]


def _join(old: Sequence[_T], new: Sequence[_T], slices: list[slice]) -> tuple[_T, ...]:
    """A column of the new index from the old one's and the new rows' (one source: the old
    column, a filler row at ``len(old)``, the new rows from ``base``)."""
    source = (*old, None, *new)
    return tuple(chain.from_iterable(map(source.__getitem__, slices)))  # type: ignore[arg-type]


def _join_bits(old: bytes, new: bytes, counts: tuple[int, int], slices: list[slice]) -> bytes:
    """As :func:`_join`, for a mask (one bit per row, ``counts``: rows of ``old`` and
    ``new``): unpacked to a byte per row, joined, packed again (~2 ms a mask at 500k)."""
    flags = b"".join((unpacked(old, counts[0]), b"\0", unpacked(new, counts[1])))
    return packed(b"".join(map(flags.__getitem__, slices)))


def _numbers(code: str, old: array[int], new: array[int], slices: list[slice]) -> array[int]:
    """As :func:`_join`, for a numeric column (array slices of one memory view join as
    bytes, without an int object per value)."""
    source = memoryview(old + array(code, (0,)) + new)
    return array(code, b"".join(map(source.__getitem__, slices)))


def _listing(old: ListingColumns, new: ListingColumns, slices: list[slice]) -> ListingColumns:
    return ListingColumns(
        queues=_join(old.queues, new.queues, slices),
        arrivals=_numbers(WIDE, old.arrivals, new.arrivals, slices),
        sizes=_numbers(WIDE, old.sizes, new.sizes, slices),
    )


def _search(
    old: SearchColumns, new: SearchColumns, runs: _Runs, slices: list[slice], base: int
) -> SearchColumns:
    old_counts = array(NARROW, map(sub, islice(old.rc_start, 1, None), old.rc_start))
    new_counts = array(NARROW, map(sub, islice(new.rc_start, 1, None), new.rc_start))
    counts = _numbers(NARROW, old_counts, new_counts, slices)
    old_start, new_start = old.rc_start, new.rc_start
    shift = len(old.rc_domain) + 1
    recipients = [
        slice(old_start[a], old_start[b])
        if a < base
        else slice(shift + new_start[a - base], shift + new_start[b - base])
        for a, b in runs
    ]
    rc_domain = _join(old.rc_domain, new.rc_domain, recipients)
    picks = dict(old.reason_pick)
    picks.update({base + row: pick for row, pick in new.reason_pick.items()})
    return SearchColumns(
        hay=_join(old.hay, new.hay, slices),
        addr_at=_numbers(NARROW, old.addr_at, new.addr_at, slices),
        addr_end=_numbers(NARROW, old.addr_end, new.addr_end, slices),
        rc_start=array(NARROW, accumulate(counts, initial=0)),
        rc_domain=rc_domain,
        rc_row=array(NARROW, chain.from_iterable(map(repeat, range(len(counts)), counts))),
        domains=frozenset(rc_domain),
        senders=_join(old.senders, new.senders, slices),
        reason_pick=_moved(picks, runs),
    )


def _moved(picks: dict[int, tuple[int, ...]], runs: _Runs) -> dict[int, Any]:
    """``picks`` (by source row) by new row: found run by run, never row by row."""
    keys = sorted(picks)
    moved: dict[int, Any] = {}
    row = 0
    for a, b in runs:
        for source in keys[bisect_left(keys, a) : bisect_left(keys, b)]:
            moved[row + source - a] = picks[source]
        row += b - a
    return moved
