"""The index of a listing built batch by batch while ``postqueue -j`` is still writing it.

Each batch of a streamed listing gets its :class:`BatchParts` (its messages' search rows,
listing values, ids and their oldest-first order) as soon as it is decoded, in a worker, and
an :class:`Assembly` merges them into the columns of the listing read so far, laid out oldest
first (:func:`~mailq_tui.model.index.oldest_first`), while the listing is still being read:
the batches waiting are merged once they reach a share of the rows merged (:data:`SHARE`), by
slices (each batch's messages fall between runs of the rows merged; a run is copied whole,
C-level). When the listing ends, only the last batches are merged
(:meth:`Assembly.index`), and the id map is not built then: the rows of an id are found
through the listing positions (:class:`~mailq_tui.model.row_map.ListedRows`).

The columns are exactly those of ``QueueIndex(oldest_first(messages))`` with its search
columns built (tests compare them).
"""

from __future__ import annotations

import gc
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from itertools import accumulate, chain, compress, islice, repeat
from operator import attrgetter, iadd, is_, lt, ne
from typing import Any, Optional, TypeVar

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.index_columns import (
    NARROW,
    STEP,
    WIDE,
    ListingColumns,
    SearchColumns,
    lowered,
    search_rows,
)
from mailq_tui.model.message import Message
from mailq_tui.model.row_map import ListedRows

_QUEUE_ID = attrgetter("queue_id")
_QUEUE_NAME = attrgetter("queue_name")
_ARRIVAL = attrgetter("arrival_time")
_SIZE = attrgetter("message_size")
_SENDER = attrgetter("sender")
_RECIPIENTS = attrgetter("recipients")

#: The batches waiting are merged when they reach this share of the rows merged: a merge
#: copies every column, so a smaller share costs more CPU over the listing (1.0: each row
#: is copied ~2 times) and leaves less to merge when it ends (the streamed listing chooses
#: by how busy the CPU is: ``IDLE_SHARE`` in :mod:`mailq_tui.ui.preview`) ...
SHARE = 1.0
#: ... and at least this many messages.
LEAST = 2000

_Column = TypeVar("_Column", list[Any], "array[int]")


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
    #: The lowercase recipient domains, flat (message i's: ``rc_start[i]:rc_start[i + 1]``).
    rc_domain: list[str]
    rc_start: array[int]
    #: Batch position -> reason pick (see :attr:`SearchColumns.reason_pick`).
    picks: dict[int, tuple[int, ...]]
    #: Batch positions oldest first (ties in batch order).
    order: array[int]


def batch_parts(batch: Sequence[Message], lowercase: Optional[dict[str, str]] = None) -> BatchParts:
    """The parts of one batch (call from a worker: a Python step per message).
    ``lowercase``: the listing's lowercase senders so far (see :func:`lowered`), shared by
    its batches so that equal senders share one string."""
    rows = search_rows(batch)
    ids = list(map(_QUEUE_ID, batch))
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
        rc_domain=rows.rc_domain,
        rc_start=rows.rc_start,
        picks=rows.reason_pick,
        order=array(NARROW, sorted(range(len(batch)), key=arrivals.__getitem__)),
    )


class _Rows:
    """Columns of some messages oldest first."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.hay: list[str] = []
        self.senders: list[str] = []
        self.arrivals = array(WIDE)
        self.sizes = array(WIDE)
        self.queues: list[str] = []
        #: Per row, :data:`PACKED` numbers: its listing position, recipient count, address
        #: block start and end, reason pick (an index into the assembly's picks, 0: none).
        self.packed = array(NARROW)
        #: Per recipient: its domain, and its message's arrival time.
        self.rc_domain: list[str] = []
        self.rc_arrivals = array(WIDE)

    def __len__(self) -> int:
        return len(self.arrivals)


#: Numbers per row in :attr:`_Rows.packed` (one merge copies them all).
PACKED = 5


def _oldest_first(
    waiting: list[BatchParts], base: int, picks: list[tuple[int, ...]], last: bool
) -> tuple[_Rows, bool]:
    """The messages of ``waiting`` (batches in listing order, the first at listing position
    ``base``) as :class:`_Rows`, oldest first (ties in listing order), and whether that is
    another order than the listing's; their reason picks are appended to ``picks``.
    ``last``: no merge follows (the recipients' arrival times are not needed)."""
    arrivals = array(WIDE)
    runs = array(NARROW)
    sizes = array(WIDE)
    counts = array(NARROW)
    addr_at = array(NARROW)
    addr_end = array(NARROW)
    queues: list[str] = []
    flat: list[str] = []
    messages: list[Message] = []
    hay: list[str] = []
    senders: list[str] = []
    offset = 0
    for part in waiting:
        messages.extend(part.messages)
        hay.extend(part.hay)
        senders.extend(part.senders)
        arrivals.extend(part.arrivals)
        runs.extend(map(offset.__add__, part.order) if offset else part.order)
        sizes.extend(part.sizes)
        counts.extend(part.counts)
        addr_at.extend(part.addr_at)
        addr_end.extend(part.addr_end)
        queues.extend(part.queues)
        flat.extend(part.rc_domain)
        offset += len(part.messages)
    chosen = array(NARROW, (0,)) * offset
    offset = 0
    for part in waiting:
        for row, pick in part.picks.items():  # a few rows: those with several reasons
            chosen[offset + row] = len(picks)
            picks.append(pick)
        offset += len(part.messages)
    order = sorted(runs, key=arrivals.__getitem__)  # merges the batches' sorted runs
    rows = _Rows()
    rows.arrivals = array(WIDE, map(arrivals.__getitem__, order))
    rows.sizes = array(WIDE, map(sizes.__getitem__, order))
    rows.queues = list(map(queues.__getitem__, order))
    rows.messages = list(map(messages.__getitem__, order))
    rows.hay = list(map(hay.__getitem__, order))
    rows.senders = list(map(senders.__getitem__, order))
    packed = rows.packed = array(NARROW, (0,)) * (PACKED * len(order))
    packed[0::PACKED] = array(NARROW, map(base.__add__, order))
    for at, column in enumerate((counts, addr_at, addr_end, chosen), 1):
        packed[at::PACKED] = array(NARROW, map(column.__getitem__, order))
    starts = array(NARROW, accumulate(counts, initial=0))
    spans = map(
        slice, map(starts.__getitem__, order), map(starts.__getitem__, map((1).__add__, order))
    )
    rows.rc_domain = list(chain.from_iterable(map(flat.__getitem__, spans)))
    if not last:
        rows.rc_arrivals = array(
            WIDE, chain.from_iterable(map(repeat, rows.arrivals, map(counts.__getitem__, order)))
        )
    return rows, not all(map(lt, order, islice(order, 1, None)))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic garbage collection meanwhile: a merge makes a list for every slice it
    copies, and each collection they trigger walks the columns being joined (themselves
    new lists): several times the merge's own cost at 500k messages. (Nothing a merge makes
    is cyclic garbage.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _interleaved(old: _Column, new: _Column, olds: list[slice], news: list[slice]) -> _Column:
    """``old[olds[0]] + new[news[0]] + old[olds[1]] + ... + old[olds[-1]]`` (slices copied
    whole, C-level)."""
    pieces = chain.from_iterable(zip(map(old.__getitem__, olds), map(new.__getitem__, news)))
    joined = reduce(iadd, pieces, old[0:0])
    joined += old[olds[-1]]
    return joined


def _cut(
    old: Sequence[int], new: Sequence[int], old_end: int, scale: int = 1
) -> tuple[list[slice], list[slice]]:
    """The slices :func:`_interleaved` takes: the old rows up to each of ``old`` (and to
    ``old_end``), the new rows between ``new``'s, each position times ``scale``."""
    if scale != 1:
        old, new, old_end = (
            list(map(scale.__mul__, old)),
            list(map(scale.__mul__, new)),
            old_end * scale,
        )
    olds = list(map(slice, [0, *old], [*old, old_end]))
    return olds, list(map(slice, new, new[1:]))


def _merged(rows: _Rows, new: _Rows, last: bool) -> tuple[_Rows, bool]:
    """``rows`` and ``new`` (messages listed after all of ``rows``'), oldest first, and
    whether some of ``new`` went before some of ``rows`` (``last``: as
    :func:`_oldest_first`)."""
    if not len(rows) or not len(new):
        return (new if len(new) else rows), False
    count = len(new)
    # Where each new message goes: after the rows no younger (ties: in listing order).
    points: list[int] = []
    for step in range(0, count, STEP):  # steps: the UI thread gets the GIL between them
        points.extend(map(bisect_right, repeat(rows.arrivals), new.arrivals[step : step + STEP]))
    # Runs of new messages that go to the same place.
    cuts = [0, *compress(range(1, count), map(ne, points[1:], points)), count]
    at = list(map(points.__getitem__, cuts[:-1]))
    merged = _Rows()
    olds, news = _cut(at, cuts, len(rows))
    merged.arrivals = _interleaved(rows.arrivals, new.arrivals, olds, news)
    merged.sizes = _interleaved(rows.sizes, new.sizes, olds, news)
    merged.queues = _interleaved(rows.queues, new.queues, olds, news)
    merged.messages = _interleaved(rows.messages, new.messages, olds, news)
    merged.hay = _interleaved(rows.hay, new.hay, olds, news)
    merged.senders = _interleaved(rows.senders, new.senders, olds, news)
    merged.packed = _interleaved(rows.packed, new.packed, *_cut(at, cuts, len(rows), PACKED))
    # The same places among the recipients: after the recipients no younger.
    rc_at = list(
        map(bisect_right, repeat(rows.rc_arrivals), map(new.arrivals.__getitem__, cuts[:-1]))
    )
    rc_cuts = list(
        accumulate(
            map(sum, map(new.packed[1::PACKED].__getitem__, map(slice, cuts, cuts[1:]))), initial=0
        )
    )
    olds, news = _cut(rc_at, rc_cuts, len(rows.rc_arrivals))
    merged.rc_domain = _interleaved(rows.rc_domain, new.rc_domain, olds, news)
    if not last:
        merged.rc_arrivals = _interleaved(rows.rc_arrivals, new.rc_arrivals, olds, news)
    return merged, points[0] < len(rows)


class Assembly:
    """The batches of a listing read so far (their parts, :meth:`add`), merged oldest first
    as they come (in the worker that makes the parts; not thread-safe)."""

    def __init__(self) -> None:
        self._rows = _Rows()
        self._waiting: list[BatchParts] = []
        self._waiting_count = 0
        #: The messages added, in listing order.
        self.listed: list[Message] = []
        #: What :meth:`index` left: free it later, off the UI thread (freeing the lists of
        #: every message takes ~0.1 s at 500k, which the first filter need not wait for).
        self.spent: list[object] = []
        #: Queue id -> listing position.
        self._where: dict[str, int] = {}
        self._domains: set[str] = set()
        self._picks: list[tuple[int, ...]] = [()]  # 0: no pick
        #: True once the rows are in another order than the listing's.
        self._scattered = False

    def add(self, parts: BatchParts, share: float = SHARE, least: int = LEAST) -> bool:
        """One more batch's parts; the batches waiting are merged when they reach ``share``
        of the rows merged and ``least`` messages (then True)."""
        start = len(self.listed)
        self.listed.extend(parts.messages)
        self._where.update(zip(parts.ids, range(start, len(self.listed))))
        self._domains.update(parts.rc_domain)
        self._waiting.append(parts)
        self._waiting_count += len(parts.messages)
        if self._waiting_count < max(least, share * len(self._rows)):
            return False
        self.merge()
        return True

    def merge(self, last: bool = False) -> None:
        """Merge the batches waiting into the rows (``last``: the last time)."""
        waiting, self._waiting = self._waiting, []
        count, self._waiting_count = self._waiting_count, 0
        if waiting:
            with _collector_paused():
                new, moved = _oldest_first(waiting, len(self.listed) - count, self._picks, last)
                self._rows, inserted = _merged(self._rows, new, last)
            self._scattered = self._scattered or moved or inserted

    def index(self, messages: Sequence[Message], now: float) -> Optional[QueueIndex]:
        """The index of ``messages`` oldest first, with its search columns; None when
        ``messages`` is not exactly the messages added in order (a duplicate id was dropped,
        say): index it the usual way then."""
        listed = self.listed
        if len(self._where) != len(listed) or len(messages) != len(listed):
            return None
        if not all(map(is_, messages, listed)):
            return None
        self.merge(last=True)
        with _collector_paused():
            return self._index(now)

    def _index(self, now: float) -> QueueIndex:
        listed = self.listed
        rows, self._rows = self._rows, _Rows()
        total = len(listed)
        packed = rows.packed
        positions = packed[0::PACKED]
        counts = packed[1::PACKED]
        chosen = packed[4::PACKED]
        listing = ListingColumns(
            queues=tuple(rows.queues), arrivals=rows.arrivals, sizes=rows.sizes
        )
        search = SearchColumns(
            hay=tuple(rows.hay),
            addr_at=packed[2::PACKED],
            addr_end=packed[3::PACKED],
            rc_start=array(NARROW, accumulate(counts, initial=0)),
            rc_domain=tuple(rows.rc_domain),
            rc_row=array(NARROW, chain.from_iterable(map(repeat, range(total), counts))),
            domains=frozenset(self._domains),
            senders=tuple(rows.senders),
            reason_pick=dict(
                zip(
                    compress(range(total), chosen),
                    map(self._picks.__getitem__, filter(None, chosen)),
                )
            ),
        )
        index = QueueIndex(tuple(rows.messages), now, listing=listing, search=search)
        index.scattered = self._scattered
        index.set_row_of(ListedRows(self._where, listed, rows.arrivals, positions))
        self.spent.append(rows)
        return index


def assemble(
    parts: Sequence[BatchParts],
    messages: Sequence[Message],
    now: float,
    share: float = SHARE,
    least: int = LEAST,
) -> Optional[QueueIndex]:
    """The index of ``messages`` oldest first joined from ``parts`` (the parts of every
    batch, in listing order; see :meth:`Assembly.index`)."""
    assembly = Assembly()
    for part in parts:
        assembly.add(part, share, least)
    return assembly.index(messages, now)
