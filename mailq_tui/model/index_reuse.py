"""The index of a new listing built from the previous one: only changed messages are indexed.

When the listing layer kept a message's decoded object because its bytes did not change
(:mod:`mailq_tui.postfix.listing_reuse`), that message's row of the previous index (its
haystack, offsets, domains, sender, one-character mask bytes) is still right. The new index is
laid out oldest first, as the app's settled index is (:meth:`QueueIndex.in_arrival_order`),
and each of its columns is the previous index's column cut into runs of consecutive rows,
joined with the rows of the new messages, indexed on their own. With 1% of the messages
changed there are a few thousand runs: each column is a join of slices, never a per-row
Python loop, and only the new messages' haystacks and masks are computed.

The result is what building the index from scratch, laying it out oldest first and building
its masks gives for the same messages (checked by the tests column by column).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate, chain, compress, repeat
from operator import add, ne, sub
from typing import Any, Optional

from mailq_tui.model.index import MASK_CHARS, QueueIndex
from mailq_tui.model.index_columns import ListingColumns, SearchColumns, char_masks
from mailq_tui.model.message import Message

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
    arrivals = [m.arrival_time for m in messages]
    ordered = [messages[i] for i in sorted(range(len(messages)), key=arrivals.__getitem__)]
    old_row = dict(zip(map(id, old.messages), range(len(old.messages))))
    rows: list[Optional[int]] = list(map(old_row.get, map(id, ordered)))
    del old_row
    fresh = [m for m, r in zip(ordered, rows) if r is None]
    if len(fresh) > MAX_NEW_SHARE * max(len(ordered), 1):
        return None
    # Sources: old rows 0..n-1, then the fresh messages' rows n, n+1, ...
    base = len(old.messages)
    fresh_at = iter(range(base, base + len(fresh)))
    src = [next(fresh_at) if r is None else r for r in rows]
    runs = _runs(src)
    new_listing = ListingColumns.of(fresh)
    new_search = SearchColumns.build(fresh, new_listing.ids)
    listing = _listing(old.listing, new_listing, runs)
    search = _search(old.search, new_search, runs, src)
    index = QueueIndex(ordered, now, listing=listing, search=search)
    fresh_masks = char_masks(new_search.hay, MASK_CHARS)
    index._char_masks = {
        char: _join(old._char_masks[char] + fresh_masks[char], runs, b"") for char in MASK_CHARS
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


def _join(column: Any, runs: Sequence[tuple[int, int]], empty: Any = ()) -> Any:
    """``column``'s runs, concatenated (a tuple, or bytes for a mask)."""
    if isinstance(empty, bytes):
        return b"".join([column[a:b] for a, b in runs])
    return tuple(chain.from_iterable([column[a:b] for a, b in runs]))


def _listing(
    old: ListingColumns, new: ListingColumns, runs: list[tuple[int, int]]
) -> ListingColumns:
    return ListingColumns(
        ids=_join(old.ids + new.ids, runs),
        queues=_join(old.queues + new.queues, runs),
        arrivals=_join(old.arrivals + new.arrivals, runs),
        sizes=_join(old.sizes + new.sizes, runs),
    )


def _search(
    old: SearchColumns, new: SearchColumns, runs: list[tuple[int, int]], src: Sequence[int]
) -> SearchColumns:
    offset = old.rc_start[-1]
    start = old.rc_start + tuple(map(add, new.rc_start[1:], repeat(offset)))
    domains = old.rc_domain + new.rc_domain
    counts = list(map(sub, start[1:], start))
    new_counts = _join(counts, runs)
    rc_domain = tuple(chain.from_iterable([domains[start[a] : start[b]] for a, b in runs]))
    picks = dict(old.reason_pick)
    base = len(old.hay)
    picks.update({base + row: pick for row, pick in new.reason_pick.items()})
    reason_pick: dict[int, tuple[int, ...]] = {}
    if picks:
        where = dict(zip(src, range(len(src))))
        reason_pick = {where[s]: p for s, p in picks.items() if s in where}
    return SearchColumns(
        hay=_join(old.hay + new.hay, runs),
        addr_at=_join(old.addr_at + new.addr_at, runs),
        addr_end=_join(old.addr_end + new.addr_end, runs),
        rc_start=(0, *accumulate(new_counts)),
        rc_domain=rc_domain,
        rc_row=tuple(chain.from_iterable(map(repeat, range(len(new_counts)), new_counts))),
        domains=frozenset(rc_domain),
        senders=_join(old.senders + new.senders, runs),
        reason_pick=reason_pick,
    )
