"""A selection made while the listing streams in: each message is tested as it is decoded
(:func:`~mailq_tui.model.matcher.message_matcher`, the index's query semantics) and only a
compact record of what the command needs is kept, never the listing itself.

The CLI's one-shot answers (``ls``, ``groups``, ``reasons``, ``shape``, the selection of a
bulk action) need a few fields of the selected messages, or counters over them; building the
app's whole index for them cost ~10x the memory and most of the time past ``postqueue -j``.

A message that showq lists twice (it moved to a queue scanned later during the listing) counts
once, as its later copy, exactly as :func:`~mailq_tui.postfix.listing.drop_superseded` keeps
it: the earlier copy's record is dropped, and the later copy is tested and kept in its own
place. :meth:`StreamedSelection.records` are therefore what filtering the deduplicated
listing gives, in the same order (the index's row order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Callable, Generic, Optional, TypeVar

from mailq_tui.model.matcher import message_matcher
from mailq_tui.model.message import Message
from mailq_tui.model.query import Query

T = TypeVar("T")

#: The slot of an id whose (latest) copy was not selected.
_NOT_SELECTED = -1


class StreamedSelection(Generic[T]):
    """Messages of a streamed listing that match ``query`` (ages measured from ``now``), each
    kept as ``keep(message)`` (a small record, never None).

    ``probes``: further queries asked of the whole listing (e.g. "does any message match the
    positive form of this negated term?"); :meth:`probed` says which matched a message.
    """

    def __init__(
        self,
        query: Query,
        now: float,
        keep: Callable[[Message], T],
        probes: Sequence[Query] = (),
    ) -> None:
        self.now = now
        self._match = message_matcher(query, now)
        self._keep = keep
        #: Every id listed -> its record's position in ``_records``, or _NOT_SELECTED.
        self._slot: dict[str, int] = {}
        self._records: list[Optional[T]] = []
        self._probes = [message_matcher(p, now) for p in probes]
        #: Id -> bit mask of the probes its latest copy matched (ids with none left out).
        self._probe_hits: dict[str, int] = {}

    def add(self, batch: Iterable[Message]) -> None:
        """Test and keep the messages of one decoded batch, in listing order."""
        slot, records, match, keep = self._slot, self._records, self._match, self._keep
        for msg in batch:
            qid = msg.queue_id
            earlier = slot.get(qid)
            if earlier is not None and earlier != _NOT_SELECTED:
                records[earlier] = None  # superseded by this later copy
            if match(msg):
                slot[qid] = len(records)
                records.append(keep(msg))
            else:
                slot[qid] = _NOT_SELECTED
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
        return len(self._slot)

    def records(self) -> list[T]:
        """The kept records of the selected messages, in listing order."""
        return [r for r in self._records if r is not None]

    def probed(self) -> list[bool]:
        """Per probe query: did any message of the listing match it."""
        seen = 0
        for mask in self._probe_hits.values():
            seen |= mask
        return [bool(seen & (1 << bit)) for bit in range(len(self._probes))]
