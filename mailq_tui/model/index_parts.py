"""The index of a listing built batch by batch while ``postqueue -j`` is still writing it.

Each batch of a streamed listing gets its :class:`BatchParts` (its messages' search rows,
listing values, ids and their oldest-first order) as soon as it is decoded, in a worker;
when the listing ends, :func:`assemble` joins the parts of every batch into the columns of
the whole listing laid out oldest first (:func:`~mailq_tui.model.index.oldest_first`), with
C-level steps only (``map``/``itemgetter`` over the parts, no Python step per message). So
little of the index's cost is left when the listing ends.

The columns are exactly those of ``QueueIndex(oldest_first(messages))`` with its search
columns built (tests compare them); the parts can be dropped once assembled.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, compress, repeat
from operator import attrgetter, is_
from typing import Any, Optional

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.index_columns import (
    NARROW,
    WIDE,
    ListingColumns,
    SearchColumns,
    lowered,
    search_rows,
)
from mailq_tui.model.message import Message
from mailq_tui.model.row_numbers import row_numbers

_QUEUE_ID = attrgetter("queue_id")
_QUEUE_NAME = attrgetter("queue_name")
_ARRIVAL = attrgetter("arrival_time")
_SIZE = attrgetter("message_size")
_SENDER = attrgetter("sender")
_RECIPIENTS = attrgetter("recipients")


@dataclass(frozen=True, eq=False, repr=False)
class BatchParts:
    """What one batch of messages contributes to the index, per message in batch order."""

    messages: Sequence[Message]
    ids: list[str]
    queues: list[str]
    arrivals: array[int]
    sizes: array[int]
    #: Lowercase senders (see :attr:`SearchColumns.senders`).
    senders: tuple[str, ...]
    hay: list[str]
    addr_at: array[int]
    addr_end: array[int]
    #: Recipients per message.
    counts: array[int]
    #: The lowercase recipient domains of each message.
    domains: list[tuple[str, ...]]
    #: Batch position -> reason pick (see :attr:`SearchColumns.reason_pick`).
    picks: dict[int, tuple[int, ...]]
    #: Batch positions oldest first (ties in batch order).
    order: array[int]


def batch_parts(batch: Sequence[Message], lowercase: Optional[dict[str, str]] = None) -> BatchParts:
    """The parts of one batch (call from a worker: a Python step per message).
    ``lowercase``: the listing's lowercase senders so far (see :func:`lowered`), shared by
    its batches so that equal senders share one string."""
    rows = search_rows(batch)
    start = rows.rc_start
    flat = tuple(rows.rc_domain)
    ids = list(map(_QUEUE_ID, batch))
    set(ids)  # hashes each id now (str caches its hash): the id map at the end costs less
    arrivals = array(WIDE, map(_ARRIVAL, batch))
    return BatchParts(
        messages=batch,
        ids=ids,
        queues=list(map(sys.intern, map(_QUEUE_NAME, batch))),
        arrivals=arrivals,
        sizes=array(WIDE, map(_SIZE, batch)),
        senders=lowered(list(map(_SENDER, batch)), lowercase),
        hay=rows.hay,
        addr_at=rows.addr_at,
        addr_end=rows.addr_end,
        counts=array(NARROW, map(len, map(_RECIPIENTS, batch))),
        domains=list(map(flat.__getitem__, map(slice, start, start[1:]))),
        picks=rows.reason_pick,
        order=array(NARROW, sorted(range(len(batch)), key=arrivals.__getitem__)),
    )


def assemble(
    parts: Sequence[BatchParts], messages: Sequence[Message], now: float
) -> Optional[QueueIndex]:
    """The index of ``messages`` oldest first, with its search columns and id map, joined
    from ``parts`` (the parts of every batch, in listing order); None when ``messages`` is
    not exactly the batches' messages in order (a duplicate id was dropped, say): index it
    the usual way then."""
    total = sum(len(p.messages) for p in parts)
    batches = [p.messages for p in parts]
    if total != len(messages) or not all(map(is_, messages, chain.from_iterable(batches))):
        return None
    # The oldest-first permutation: each batch's run is sorted already, so sorting their
    # concatenation merges runs (stable: ties stay in listing order, as oldest_first).
    arrivals = array(WIDE)
    runs = array(NARROW)
    offset = 0
    for p in parts:
        arrivals.extend(p.arrivals)
        runs.extend(map(offset.__add__, p.order) if offset else p.order)
        offset += len(p.messages)
    perm = sorted(runs, key=arrivals.__getitem__)
    del runs

    def permuted(column: str) -> Iterator[Any]:
        """``column`` of every part, joined, in the oldest-first order."""
        values = list(chain.from_iterable(map(attrgetter(column), parts)))
        return map(values.__getitem__, perm)

    def numbers(column: str, code: str) -> array[int]:
        """A number column of every part, joined (no int object each), oldest first."""
        values = array(code)
        for part in parts:
            values.extend(getattr(part, column))
        return array(code, map(values.__getitem__, perm))

    ordered = list(map(messages.__getitem__, perm))
    listing = ListingColumns(
        queues=tuple(permuted("queues")),
        arrivals=array(WIDE, map(arrivals.__getitem__, perm)),
        sizes=numbers("sizes", WIDE),
    )
    counts = numbers("counts", NARROW)
    picks: list[Optional[tuple[int, ...]]] = [None] * total
    offset = 0
    for p in parts:
        for row, pick in p.picks.items():  # a few rows: those with several reasons
            picks[offset + row] = pick
        offset += len(p.messages)
    moved = list(map(picks.__getitem__, perm))
    del picks
    rc_domain = tuple(chain.from_iterable(permuted("domains")))
    search = SearchColumns(
        hay=tuple(permuted("hay")),
        addr_at=numbers("addr_at", NARROW),
        addr_end=numbers("addr_end", NARROW),
        rc_start=array(NARROW, accumulate(counts, initial=0)),
        rc_domain=rc_domain,
        rc_row=array(NARROW, chain.from_iterable(map(repeat, range(total), counts))),
        domains=frozenset(rc_domain),
        senders=tuple(permuted("senders")),
        reason_pick=dict(zip(compress(range(total), moved), filter(None, moved))),
    )
    index = QueueIndex(ordered, now, listing=listing, search=search)
    index.scattered = total > 1 and perm != list(range(total))
    index.set_row_of(dict(zip(permuted("ids"), row_numbers(total))))
    return index
