"""The index of a new listing built from the previous one: only changed messages are indexed.

When the listing layer kept a message's decoded object because its bytes did not change
(:mod:`mailq_tui.postfix.listing_reuse`), that message's row of the previous index (its
haystack, offsets, domains, sender, one-character mask bytes) is still right. The new index is
laid out oldest first, as the app indexes every listing
(:func:`~mailq_tui.model.index.oldest_first`), and each of its columns is the previous
index's column cut into runs of consecutive rows, joined with the rows of the new messages,
indexed on their own. With 1% of the messages changed there are a few thousand runs: each
column is a join of slices, never a per-row Python loop, and only the new messages'
haystacks and masks are computed.

The result is what building the index from scratch, laying it out oldest first and building
its masks gives for the same messages (checked by the tests column by column).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate, chain, compress, repeat
from operator import add, attrgetter, ne, not_, sub
from typing import Any, Optional

from mailq_tui.model.index import MASK_CHARS, QueueIndex
from mailq_tui.model.index_columns import NARROW, WIDE, ListingColumns, SearchColumns, char_masks
from mailq_tui.model.message import Message

_ARRIVAL = attrgetter("arrival_time")

#: Build from scratch instead when more than this share of the messages is new (the runs
#: would be short and many).
MAX_NEW_SHARE = 0.25


def index_reusing(old: QueueIndex, messages: Sequence[Message], now: float) -> Optional[QueueIndex]:
    """An index over ``messages`` laid out oldest first (ties in listing order), with its
    search columns and masks, reusing ``old``'s rows for the message objects it indexed;
    None when ``old`` is not a settled index (laid out, searchable, masked) or too much is
    new (build from scratch then). Meant for a worker thread."""
    if not (old.messages and old.arrival_ordered and old.search is not None and old._char_masks):
        return None
    arrivals = list(map(_ARRIVAL, messages))
    ordered = list(
        map(messages.__getitem__, sorted(range(len(messages)), key=arrivals.__getitem__))
    )
    del arrivals
    # Source row of each new row: old rows 0..n-1, then (past a gap, so that no run spans
    # both) the fresh messages' rows n+1, n+2, ...
    source = dict(zip(map(id, old.messages), range(len(old.messages))))
    fresh = list(compress(ordered, map(not_, map(source.__contains__, map(id, ordered)))))
    if len(fresh) > MAX_NEW_SHARE * len(ordered):
        return None
    base = len(old.messages) + 1
    source.update(zip(map(id, fresh), range(base, base + len(fresh))))
    runs = _runs(list(map(source.__getitem__, map(id, ordered))))
    del source
    new_listing = ListingColumns.of(fresh)
    new_search = SearchColumns.build(fresh)
    listing = _listing(old.listing, new_listing, runs, base)
    search = _search(old.search, new_search, runs, base)
    index = QueueIndex(ordered, now, listing=listing, search=search)
    fresh_masks = char_masks(new_search.hay, MASK_CHARS)
    index._char_masks = {
        char: b"".join(_slices(old._char_masks[char], fresh_masks[char], runs, base))
        for char in MASK_CHARS
    }
    index._orders[("age", True)] = tuple(range(len(index)))
    return index


def _runs(src: Sequence[int]) -> list[tuple[int, int]]:
    """``src`` as (start, stop) runs of consecutive source rows."""
    if not src:
        return []
    breaks = list(compress(range(1, len(src)), map(ne, src[1:], map(add, src, repeat(1)))))
    starts = [0, *breaks]
    stops = [*breaks, len(src)]
    return [(src[a], src[a] + (b - a)) for a, b in zip(starts, stops)]


def _slices(
    old: Sequence[Any], new: Sequence[Any], runs: Sequence[tuple[int, int]], base: int
) -> list[Any]:
    """The slices of ``old`` (sources below ``base``) or ``new`` each run covers."""
    return [old[a:b] if a < base else new[a - base : b - base] for a, b in runs]


def _join(
    old: Sequence[Any], new: Sequence[Any], runs: Sequence[tuple[int, int]], base: int
) -> tuple[Any, ...]:
    """A column of the new index from the old one's and the fresh rows' (see :func:`_runs`)."""
    return tuple(chain.from_iterable(_slices(old, new, runs, base)))


def _numbers(
    code: str, old: array[int], new: array[int], runs: Sequence[tuple[int, int]], base: int
) -> array[int]:
    """A numeric column of the new index (as :func:`_join`; array slices join without
    making an int object per value)."""
    out = array(code)
    for part in _slices(old, new, runs, base):
        out += part
    return out


def _listing(
    old: ListingColumns, new: ListingColumns, runs: list[tuple[int, int]], base: int
) -> ListingColumns:
    return ListingColumns(
        queues=_join(old.queues, new.queues, runs, base),
        arrivals=_numbers(WIDE, old.arrivals, new.arrivals, runs, base),
        sizes=_numbers(WIDE, old.sizes, new.sizes, runs, base),
    )


def _search(
    old: SearchColumns, new: SearchColumns, runs: list[tuple[int, int]], base: int
) -> SearchColumns:
    old_counts = array(NARROW, map(sub, old.rc_start[1:], old.rc_start))
    new_counts = array(NARROW, map(sub, new.rc_start[1:], new.rc_start))
    counts = _numbers(NARROW, old_counts, new_counts, runs, base)
    old_start, new_start = old.rc_start, new.rc_start
    rc_domain = tuple(
        chain.from_iterable(
            [
                old.rc_domain[old_start[a] : old_start[b]]
                if a < base
                else new.rc_domain[new_start[a - base] : new_start[b - base]]
                for a, b in runs
            ]
        )
    )
    picks = dict(old.reason_pick)
    picks.update({base + row: pick for row, pick in new.reason_pick.items()})
    return SearchColumns(
        hay=_join(old.hay, new.hay, runs, base),
        addr_at=_numbers(NARROW, old.addr_at, new.addr_at, runs, base),
        addr_end=_numbers(NARROW, old.addr_end, new.addr_end, runs, base),
        rc_start=array(NARROW, accumulate(counts, initial=0)),
        rc_domain=rc_domain,
        rc_row=array(NARROW, chain.from_iterable(map(repeat, range(len(counts)), counts))),
        domains=frozenset(rc_domain),
        senders=_join(old.senders, new.senders, runs, base),
        reason_pick=_moved(picks, runs),
    )


def _moved(picks: dict[int, tuple[int, ...]], runs: list[tuple[int, int]]) -> dict[int, Any]:
    """``picks`` (by source row) by new row: found run by run, never row by row."""
    keys = sorted(picks)
    moved: dict[int, Any] = {}
    row = 0
    for a, b in runs:
        for source in keys[bisect_left(keys, a) : bisect_left(keys, b)]:
            moved[row + source - a] = picks[source]
        row += b - a
    return moved
