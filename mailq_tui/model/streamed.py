"""A selection made while the listing streams in: each message is tested as it is decoded
(:func:`~mailq_tui.model.matcher.message_matcher`, the index's query semantics) and only a
compact record of what the command needs is kept, never the listing itself.

The CLI's one-shot answers (``ls``, ``groups``, ``reasons``, ``shape``, the selection of a
bulk action) need a few fields of the selected messages, or counters over them; building the
app's whole index for them cost ~10x the memory and most of the time past ``postqueue -j``.

A message that showq lists twice (it moved to a queue scanned later during the listing) counts
once, as its latest copy, exactly as :func:`~mailq_tui.postfix.listing.drop_superseded` keeps
it: the earlier copy's entry is left out of the answer, and the latest copy is tested and kept
in its own place. :meth:`StreamedSelection.positions` are therefore what filtering the
deduplicated listing gives, in the same order (the index's row order).

The ids are remembered as their 64-bit string hash in one flat array (8 bytes per listed
message, plus one byte saying whether it was selected), not as a set of id strings (~100 bytes
each, which would be most of what a one-shot answer over a big queue costs). A byte table
indexed by the hash's low bits (:class:`RepeatFilter`) sets aside the few hashes that may
repeat; only those are counted at the end, so finding the ids listed twice costs neither a
set of every id nor a sorted copy. Two different ids would be taken for one
only if their hashes collided: about once in 4 billion listings of 100,000 messages
(n² / 2⁶⁵); those two messages would then count as one, the later one.
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from operator import and_, attrgetter, gt
from typing import Callable, Optional

from mailq_tui.model.matcher import message_matcher
from mailq_tui.model.message import Message
from mailq_tui.model.query import Query

_QUEUE_ID = attrgetter("queue_id")


class RepeatFilter:
    """Sets aside the hashes that may have been seen before: one byte per slot, indexed by a
    hash's low bits, with at least :data:`SLOTS_PER_HASH` slots per hash (a hash whose slot
    is taken is a candidate; most candidates are other hashes sharing the slot). A batch of
    hashes is noted at once, in C (``map``, ``compress``): no Python step per hash."""

    #: Slots per hash seen (~12% of hashes become candidates).
    SLOTS_PER_HASH = 8

    def __init__(self) -> None:
        self.candidates = array("q")
        self._reset(1 << 16)

    def _reset(self, size: int) -> None:
        self._slots = bytearray(size)
        self._mask = size - 1
        self._room = size // self.SLOTS_PER_HASH
        del self.candidates[:]

    def add_all(self, keys: list[int], hashes: array[int]) -> None:
        """Note ``keys``, the last hashes of ``hashes`` (every hash noted so far, these
        included)."""
        if len(hashes) > self._room:
            self._grow(hashes)
        else:
            self._note(keys)

    def _note(self, keys: list[int]) -> None:
        slots = self._slots
        at = list(map(and_, keys, repeat(self._mask)))
        self.candidates.extend(compress(keys, map(slots.__getitem__, at)))
        shared = Counter(at)
        if len(shared) < len(at):  # slots taken twice within the batch: both are candidates
            self.candidates.extend(compress(keys, map(gt, map(shared.__getitem__, at), repeat(1))))
        deque(map(slots.__setitem__, at, repeat(1)), 0)

    def _grow(self, hashes: array[int]) -> None:
        """Double the table until it has room for twice the hashes noted, refilled from
        ``hashes``."""
        size = self._mask + 1
        while size // self.SLOTS_PER_HASH < 2 * len(hashes):
            size *= 2
        self._reset(size)
        for at in range(0, len(hashes), 1 << 16):
            self._note(hashes[at : at + (1 << 16)].tolist())

    def repeated(self, hashes: Iterable[int]) -> set[int]:
        """The hashes that occur more than once in ``hashes`` (every hash noted)."""
        if not self.candidates:
            return set()
        maybe = set(self.candidates)
        counts = Counter(filter(maybe.__contains__, hashes))
        return {key for key, n in counts.items() if n > 1}


class StreamedSelection:
    """Messages of a streamed listing that match ``query`` (ages measured from ``now``):
    ``keep(message)`` is called for each, in listing order, to store what the command needs
    (e.g. in a :class:`~mailq_tui.model.compact.Column`); :meth:`positions` then says which
    stored entries (0, 1, ...) make the answer.

    ``probes``: further queries asked of the whole listing (e.g. "does any message match the
    positive form of this negated term?"); :meth:`probed` says which matched a message.
    """

    def __init__(
        self,
        query: Query,
        now: float,
        keep: Callable[[Message], object],
        probes: Sequence[Query] = (),
        keep_all: Optional[Callable[[list[Message]], object]] = None,
    ) -> None:
        self.now = now
        #: None: the query selects every message.
        self._match = message_matcher(query, now) if query.terms else None
        self._keep = keep
        #: Stores a batch of selected messages at once (``keep`` on each, when None).
        self._keep_all = keep_all
        #: The id hash of every message listed, and whether it was selected (1) or not (0).
        self._hashes = array("q")
        self._selected = bytearray()
        self._stored = 0
        self._repeats = RepeatFilter()
        #: (total, positions) once the listing is complete (:meth:`_resolve`).
        self._resolved: Optional[tuple[int, Sequence[int]]] = None
        self._probes = [message_matcher(p, now) for p in probes]
        #: Id -> bit mask of the probes its latest copy matched (ids with none left out).
        self._probe_hits: dict[str, int] = {}

    def add(self, batch: list[Message]) -> None:
        """Test and keep the messages of one decoded batch, in listing order."""
        keys = list(map(hash, map(_QUEUE_ID, batch)))
        self._hashes.extend(keys)
        self._repeats.add_all(keys, self._hashes)
        if self._match is None:
            self._selected += b"\x01" * len(batch)
            selected = batch
        else:
            flags = list(map(self._match, batch))
            self._selected += bytes(flags)
            selected = list(compress(batch, flags))
        self._stored += len(selected)
        if self._keep_all is not None:
            self._keep_all(selected)
        else:
            for msg in selected:
                self._keep(msg)
        for msg in batch if self._probes else ():
            self._probe(msg.queue_id, msg)
        self._resolved = None

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
        return self._resolve()[0]

    def positions(self) -> Sequence[int]:
        """Which of the entries ``keep`` stored (numbered in listing order) make the answer:
        all of them, except those a later copy of the same id superseded (that copy is in
        the answer when it is selected)."""
        return self._resolve()[1]

    def _resolve(self) -> tuple[int, Sequence[int]]:
        if self._resolved is None:
            hashes = self._hashes
            repeated = self._repeats.repeated(hashes)
            if not repeated:
                self._resolved = (len(hashes), range(self._stored))
            else:
                latest: dict[int, int] = {}  # a later copy wins
                copies = 0
                for listed, key in enumerate(hashes):
                    if key in repeated:
                        copies += 1
                        latest[key] = listed
                positions = []
                entry = 0
                for listed, (key, selected) in enumerate(zip(hashes, self._selected)):
                    if selected:
                        if key not in repeated or latest[key] == listed:
                            positions.append(entry)
                        entry += 1
                self._resolved = (len(hashes) - copies + len(latest), positions)
        return self._resolved

    def probed(self) -> list[bool]:
        """Per probe query: did any message of the listing match it."""
        seen = 0
        for mask in self._probe_hits.values():
            seen |= mask
        return [bool(seen & (1 << bit)) for bit in range(len(self._probes))]
