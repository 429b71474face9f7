"""A selection made while the listing streams in: each message is tested as it is decoded
(:func:`~mailq_tui.model.matcher.message_matcher`, the index's query semantics) and only a
compact record of what the command needs is kept, never the listing itself.

The CLI's one-shot answers (``ls``, ``groups``, ``reasons``, ``shape``, the selection of a
bulk action) need a few fields of the selected messages, or counters over them; building the
app's whole index for them cost ~10x the memory and most of the time past ``postqueue -j``.

A message that showq lists twice (it moved to a queue scanned later during the listing) counts
once, as its latest copy, exactly as :func:`~mailq_tui.postfix.listing.drop_superseded` keeps
it: earlier copies' records are dropped at the end, and the latest copy is tested and kept in
its own place. :meth:`StreamedSelection.positions` are therefore what filtering the deduplicated
listing gives, in the same order (the index's row order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Callable

from mailq_tui.model.matcher import message_matcher
from mailq_tui.model.message import Message
from mailq_tui.model.query import Query


class StreamedSelection:
    """Messages of a streamed listing that match ``query`` (ages measured from ``now``):
    ``keep(message)`` is called for each, in listing order, to store what the command needs
    (e.g. in a :class:`~mailq_tui.model.compact.Column`); :meth:`positions` then says which
    stored entries (0, 1, ...) make the answer.

    ``probes``: further queries asked of the whole listing (e.g. "does any message match the
    positive form of this negated term?"); :meth:`probed` says which matched a message.

    Memory per listed message: its id in one set (ids listed twice are told apart from the
    rest only then); per selected message: a list slot for its id, and what ``keep`` stores.
    """

    def __init__(
        self,
        query: Query,
        now: float,
        keep: Callable[[Message], object],
        probes: Sequence[Query] = (),
    ) -> None:
        self.now = now
        self._match = message_matcher(query, now)
        self._keep = keep
        #: Every id listed.
        self._seen: set[str] = set()
        #: The selected copies' ids, in listing order (superseded ones included).
        self._ids: list[str] = []
        #: Id listed more than once -> whether its latest copy is selected.
        self._repeated: dict[str, bool] = {}
        self._probes = [message_matcher(p, now) for p in probes]
        #: Id -> bit mask of the probes its latest copy matched (ids with none left out).
        self._probe_hits: dict[str, int] = {}

    def add(self, batch: Iterable[Message]) -> None:
        """Test and keep the messages of one decoded batch, in listing order."""
        seen, match, keep = self._seen, self._match, self._keep
        add_id = self._ids.append
        for msg in batch:
            qid = msg.queue_id
            selected = match(msg)
            if qid in seen:
                self._repeated[qid] = selected
            else:
                seen.add(qid)
            if selected:
                add_id(qid)
                keep(msg)
            if self._probes:
                self._probe(qid, msg)

    def _probe(self, qid: str, msg: Message) -> None:
        mask = 0
        for bit, probe in enumerate(self._probes):
            if probe(msg):
                mask |= 1 << bit
        if mask:
            self._probe_hits[qid] = mask
        else:
            self._probe_hits.pop(qid, None)

    @property
    def total(self) -> int:
        """How many messages the listing held (an id listed twice counts once)."""
        return len(self._seen)

    def positions(self) -> Sequence[int]:
        """Which of the entries ``keep`` stored (numbered in listing order) make the answer:
        all of them, except that of an id listed twice only its latest copy counts, and only
        when that copy is selected."""
        if not self._repeated:
            return range(len(self._ids))
        return self._latest()

    def ids(self) -> list[str]:
        """The ids of :meth:`positions`, in the same order."""
        if not self._repeated:
            return self._ids
        return [self._ids[i] for i in self._latest()]

    def _latest(self) -> list[int]:
        """Positions of the selected copies that no later copy supersedes."""
        repeated, done = self._repeated, set()
        keep = []
        for i in range(len(self._ids) - 1, -1, -1):
            qid = self._ids[i]
            if qid in repeated:
                if qid in done or not repeated[qid]:
                    continue
                done.add(qid)
            keep.append(i)
        keep.reverse()
        return keep

    def probed(self) -> list[bool]:
        """Per probe query: did any message of the listing match it."""
        seen = 0
        for mask in self._probe_hits.values():
            seen |= mask
        return [bool(seen & (1 << bit)) for bit in range(len(self._probes))]
