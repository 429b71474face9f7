"""The listing while ``postqueue -j`` is still writing it: the rows read so far, sorted.

The queue screen hands :class:`StreamedListing` each batch as it is decoded (references to
the decoded messages, no copies) and, when :meth:`StreamedListing.preview_due` says so,
builds a :func:`preview_state` off the UI thread: an index of the listing columns only (no
search columns), every row in the sort asked for, no filter and no grouping, marked
``partial``. Nothing acts on it (marks, actions and insight screens wait for the whole
listing); it only shows the user the queue as it arrives.

Previews are rebuilt on a growing schedule, so their cost stays a small fraction of the
listing's (a preview is built in a thread, but it holds the GIL that decoding the listing on
the event loop needs): not before the count doubled (:data:`GROWTH`), not sooner than
:data:`MIN_INTERVAL` after the last, nor sooner than :data:`SPACING` times as long as the
last one took to build. The first batch is shown at once.

With ``index_parts`` (the first listing, nothing whole on screen), each batch also gets its
part of the index in one worker thread as it arrives
(:func:`~mailq_tui.model.index_parts.batch_parts`), merged there with the batches before it
(:class:`~mailq_tui.model.index_parts.Assembly`), so that when the listing ends only the
last batches are merged (see :func:`streamed_state`).
"""

from __future__ import annotations

import gc
import math
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from itertools import chain
from operator import attrgetter
from typing import Optional

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.index_parts import Assembly, batch_parts
from mailq_tui.model.message import QUEUE_NAMES, Message
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.ui.view import (
    Totals,
    ViewSpec,
    ViewState,
    build_state,
    compute_view,
    state_of,
    totals,
)

_QUEUE_NAME = attrgetter("queue_name")
_SIZE = attrgetter("message_size")

#: A new preview waits until the count grew by this factor since the last one.
GROWTH = 2.0
#: Seconds between previews, at least.
MIN_INTERVAL = 1.0
#: A new preview waits at least this many times as long as the last one took to build, so
#: previews hold the GIL at most ~10% of the time: with 4 (and 0.5 s), a 500,000-message
#: listing printed at once was usable 4.5 s later (bench.stream_bench, --rate 0).
SPACING = 10.0


#: While the app used less than :data:`IDLE_CPU` of a core since the last batch (postqueue
#: writes slower than it is read, as a real one does), the worker indexing the batches
#: merges them once they are this share of the rows merged, but not sooner after the last
#: merge than :data:`MERGE_SPACING` times as long as it took: at 500k messages listed at
#: 20,000/s, ~0.2 s of merging is left when the listing ends. Else (a listing printed at
#: once is read as fast as the CPU allows, and a merge would only delay it) they wait for
#: the end, and are sorted all at once then. (Measured since the last batch, not the last
#: merge: a preview built meanwhile kept the share since the last merge above the limit for
#: half a second at 100k, and the 10-13k messages left waiting then cost ~0.15 s when the
#: listing ended.)
IDLE_SHARE = 0.02
IDLE_CPU = 0.6
MERGE_SPACING = 2.0


class StreamedListing:
    """The batches of one listing read so far, and when to show them again.

    ``taken_at``: epoch seconds the listing started (the preview's snapshot time).
    ``index_parts``: build each batch's part of the index as it arrives (in one worker
    thread, merged there: :meth:`assembly` waits for them, :meth:`close` drops them).
    """

    def __init__(self, taken_at: float, index_parts: bool = False) -> None:
        self.taken_at = taken_at
        self.started = time.monotonic()
        self.batches: list[list[Message]] = []
        #: Messages read so far (an id showq listed twice counts twice).
        self.count = 0
        #: The count the last preview was built from (0: none yet).
        self.shown = 0
        #: True while a preview is being built (one at a time).
        self.building = False
        #: True once the whole listing was read: no more previews.
        self.done = False
        self._next_at = 0.0
        self._queues: Counter[str] = Counter()
        self._bytes = 0
        self._worker = ThreadPoolExecutor(1, "index-parts") if index_parts else None
        self._parts: list[Future[None]] = []
        # The worker's: when the last merge ended (wall), how long it took, and when the
        # last batch was indexed (wall, CPU).
        self._merged = (time.monotonic(), 0.0)
        self._last_batch = (time.monotonic(), time.process_time())
        self._lowercase: dict[str, str] = {}  # the worker's alone
        self._assembly = Assembly()  # the worker's alone until it ended
        #: What the index was made of once it was: for the caller to free off the UI thread.
        self.spent: list[object] = []

    def add(self, batch: list[Message]) -> None:
        """One more batch (kept by reference; counted here, so that a preview does not
        count every message again)."""
        self.batches.append(batch)
        if self._worker is not None:
            self._parts.append(self._worker.submit(self._index_batch, batch))
        self.count += len(batch)
        self._queues.update(map(_QUEUE_NAME, batch))
        self._bytes += sum(map(_SIZE, batch))

    def _index_batch(self, batch: list[Message]) -> None:
        """(In the worker.) The part of ``batch``, merged with those before it.

        Then the objects made so far are left out of automatic garbage collections
        (``gc.freeze``) until the listing is settled
        (:func:`~mailq_tui.ui.memory.settle_after_listing` collects them): a full collection
        walked every message decoded so far (~0.4 s at 500k), and one came due about when
        the listing ended, where it delayed the first filter."""
        parts = batch_parts(batch, self._lowercase)
        merged, took = self._merged
        wall, cpu = self._last_batch
        now, used = time.monotonic(), time.process_time()
        idle = used - cpu < IDLE_CPU * (now - wall)
        due = idle and now - merged >= MERGE_SPACING * took
        if self._assembly.add(parts, IDLE_SHARE if due else math.inf):
            end = time.monotonic()
            self._merged = (end, end - now)
        self._last_batch = (time.monotonic(), time.process_time())
        gc.freeze()

    def assembly(self) -> Optional[Assembly]:
        """Every batch's part of the index, once merged (blocks: call from a thread), or
        None when they are not being built; the worker ends."""
        if self._worker is None:
            return None
        futures, self._parts = self._parts, []
        try:
            for future in futures:
                future.result()
            return self._assembly
        finally:
            self.close()

    def close(self) -> None:
        """No more parts: the worker ends (parts not built yet are dropped)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.shutdown(wait=False, cancel_futures=True)
            self._assembly = Assembly()  # the columns merged so far: garbage now

    def totals(self) -> Totals:
        """The status bar's counts of the messages read so far (as ``totals`` counts)."""
        counts = self._queues
        ordered = {q: counts[q] for q in QUEUE_NAMES if counts.get(q)}
        for q, n in counts.items():
            ordered.setdefault(q, n)
        return Totals(ordered, self.count, self._bytes)

    def preview_due(self, now: float) -> bool:
        """True when a preview should be built now (``now``: ``time.monotonic()``): the
        first as soon as there is a row, the next ones on the growing schedule."""
        if self.building or self.done or not self.count:
            return False
        if not self.shown:
            return True
        return self.count >= self.shown * GROWTH and now >= self._next_at

    def start(self) -> list[list[Message]]:
        """A preview is being built from the batches returned (a copy of the list of
        batches; the batches themselves are shared)."""
        self.building = True
        self.shown = self.count
        return list(self.batches)

    def built(self, seconds: float, now: float) -> None:
        """The preview took ``seconds`` to build (the next waits :data:`SPACING` times
        that, at least)."""
        self.building = False
        self._next_at = now + max(MIN_INTERVAL, SPACING * seconds)


def preview_state(
    batches: list[list[Message]],
    taken_at: float,
    duration: float,
    now: float,
    spec: ViewSpec,
    counts: Optional[Totals] = None,
) -> ViewState:
    """A partial :class:`ViewState` of ``batches`` (the listing so far), every row in
    ``spec``'s sort, unfiltered and ungrouped (call from a thread: it sorts every row).
    ``counts``: the status bar's counts when the caller has them
    (:meth:`StreamedListing.totals`)."""
    messages = list(chain.from_iterable(batches))
    shown = replace(spec, query_text="", group_by=None, expanded=frozenset())
    index = QueueIndex(messages, now=now)
    index.row_of("")  # the id -> row map: here, not on the UI thread when the cursor is kept
    view = compute_view(index, shown)
    snapshot = Snapshot(messages, taken_at, duration)
    counts = counts if counts is not None else totals(messages)
    state = ViewState(index, snapshot, [], counts=counts, partial=True)
    return state.with_view(view)


def streamed_state(
    streamed: StreamedListing, snapshot: Snapshot, now: float, spec: ViewSpec
) -> ViewState:
    """The state of the whole listing ``streamed`` read (``snapshot``): its index merged from
    the batches' parts when they were built and ``snapshot`` kept every message read (else
    built whole, :func:`build_state`). Call from a thread: it waits for the last parts."""
    assembly = streamed.assembly()
    index = None if assembly is None else assembly.index(snapshot.messages, now)
    if assembly is not None:
        streamed.spent.extend(assembly.spent)  # freed after the first filter
        assembly.spent.clear()
    del assembly
    streamed.batches.clear()
    if index is None:
        return build_state(snapshot, now, spec)
    state = state_of(index, snapshot, streamed.totals(), spec)
    # The index's columns are the last new objects of the listing: left out of automatic
    # collections, as each batch's were (:meth:`StreamedListing._index_batch`), so that no
    # full collection walks them during the first frame and filter of the whole listing
    # (settle_after_listing collects once they are done).
    gc.freeze()
    return state
