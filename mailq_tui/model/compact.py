"""Compact columns of the selected messages for the CLI's streamed answers
(:class:`~mailq_tui.model.streamed.StreamedSelection`), and the answers computed from them.

Each column holds only what one command prints, in flat arrays: queue ids as one byte string
with offsets (:class:`IdColumn`), numbers in 8-byte array slots, and strings that repeat
across a queue (group keys, domains) as small numbers into one list of distinct strings
(:class:`Names`). No object is kept per message, so a 100,000-message answer costs a few
megabytes. What an answer needs is computed as the entries arrive (the sort as sorted runs,
the group counters, the shape table), so little is left to do once postqueue exits; the
stored columns answer instead when a superseded copy must be left out. The results equal what
the index-based code computes for the same rows
(:meth:`QueueIndex.sort <mailq_tui.model.index.QueueIndex.sort>`,
:func:`~mailq_tui.model.grouping.group_messages`, :func:`~mailq_tui.model.shape.compute_shape`).
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, MutableSequence, Sequence
from itertools import accumulate, chain, count, islice, repeat
from operator import add, and_, attrgetter, itemgetter, lshift, neg, or_, sub
from typing import IO, Any, Callable, Optional, TypeVar

from mailq_tui.model.grouping import GROUP_BY, TOP_DESTINATIONS, Group, sender_key
from mailq_tui.model.message import Message
from mailq_tui.model.reasons import normalise_reason
from mailq_tui.model.shape import (
    DEFAULT_BUCKETS,
    DEFAULT_WIDTH,
    TOTAL,
    Shape,
    bucket_of,
    shape_domains,
    shape_of,
)

T = TypeVar("T")


class Names:
    """Distinct strings numbered in order of first sight (group keys, domains)."""

    def __init__(self) -> None:
        #: name -> number; a new name gets the next number without a Python-level call, so
        #: ``map(names.number, ...)`` runs in C.
        self._numbers: defaultdict[str, int] = defaultdict(count().__next__)
        self.number: Callable[[str], int] = self._numbers.__getitem__

    @property
    def names(self) -> list[str]:
        """The names, by number."""
        return list(self._numbers)


def domains_of(msg: Message) -> list[str]:
    """Each recipient's lowercase domain as the index reads it (after the last ``@`` of the
    lowercased address; the whole address without one)."""
    return [r.address.lower().rpartition("@")[2] for r in msg.recipients]


# ---------------------------------------------------------------------- ls


#: Per sort key of :data:`~mailq_tui.model.index.SORT_KEYS`: a message's value in the
#: index's sort column, except that age keeps the arrival time itself and sorts it the
#: other way (:data:`DESCENDING`).
SORT_VALUES: dict[str, Callable[[Message], Any]] = {
    "id": lambda m: m.queue_id.lower(),
    "queue": attrgetter("queue_name"),
    "age": attrgetter("arrival_time"),
    "size": attrgetter("message_size"),
    "sender": lambda m: m.sender.lower(),
    "recipient": lambda m: m.recipients[0].address.lower() if m.recipients else "",
    "domain": lambda m: domains_of(m)[0] if m.recipients else "",
    "reason": lambda m: m.first_reason.lower(),
    "recipients": lambda m: len(m.recipients),
}
#: The sort keys, in the order the app lists them (:data:`mailq_tui.model.index.SORT_KEYS`).
SORT_KEYS = tuple(SORT_VALUES)
#: Sort keys whose value sorts descending by default (age: youngest first, the latest
#: arrival first). A descending stable sort keeps ties in order too.
DESCENDING = frozenset({"age"})
#: Sort keys whose values are whole numbers (kept in an array: 8 bytes each).
NUMERIC_SORT_KEYS = frozenset({"age", "size", "recipients"})


class Column:
    """One value per selected message (``value(message)``), in listing order: whole numbers
    in an array (8 bytes each, no object per message), anything else in a list."""

    def __init__(self, value: Callable[[Message], Any], numeric: bool = False) -> None:
        self._value = value
        self.values: MutableSequence[Any] = array("q") if numeric else []

    def add(self, msg: Message) -> None:
        """Store ``msg``'s value (a :class:`StreamedSelection` ``keep``)."""
        self.values.append(self._value(msg))

    def add_all(self, messages: Iterable[Message]) -> None:
        """Store the values of ``messages``, in order (a :class:`StreamedSelection`
        ``keep_all``)."""
        self.values.extend(map(self._value, messages))

    def take(self, positions: Sequence[int]) -> Sequence[Any]:
        """The values at ``positions`` (:meth:`StreamedSelection.positions`)."""
        values = self.values
        if isinstance(positions, range) and len(positions) == len(values):
            return values
        return [values[i] for i in positions]


def sort_column(key: str) -> Column:
    """The column of sort ``key``'s values (:data:`SORT_VALUES`)."""
    return Column(SORT_VALUES[key], numeric=key in NUMERIC_SORT_KEYS)


class IdColumn:
    """The queue id of each selected message, as one UTF-8 byte string of ``id\n`` lines and
    the offset where each line ends (about 16 bytes per id instead of a ~60-byte string
    object); :meth:`write` prints them without making a string per id."""

    #: Ids per write (the bytes of a batch's ids live until it is written).
    WRITE_BATCH = 1 << 12

    def __init__(self) -> None:
        self._text = bytearray()
        self._ends = array("Q", [0])

    def add(self, msg: Message) -> None:
        """Store ``msg``'s id (a :class:`StreamedSelection` ``keep``)."""
        self._text += msg.queue_id.encode("utf-8", "surrogatepass") + b"\n"
        self._ends.append(len(self._text))

    def add_all(self, messages: Iterable[Message]) -> None:
        """Store the ids of ``messages``, in order (a :class:`StreamedSelection`
        ``keep_all``): one join and one encode per batch."""
        ids = list(map(_QUEUE_ID, messages))
        if not ids:
            return
        text = ("\n".join(ids) + "\n").encode("utf-8", "surrogatepass")
        if len(text) != sum(map(len, ids)) + len(ids):  # not all ASCII: one by one
            for qid in ids:
                self._text += qid.encode("utf-8", "surrogatepass") + b"\n"
                self._ends.append(len(self._text))
            return
        self._ends.extend(
            islice(accumulate(map(len, ids), _plus_newline, initial=len(self._text)), 1, None)
        )
        self._text += text

    def __getitem__(self, position: int) -> str:
        ends = self._ends
        line = self._text[ends[position] : ends[position + 1] - 1]
        return line.decode("utf-8", "surrogatepass")

    def lines(self, positions: Iterable[int]) -> Iterator[str]:
        """The ids at ``positions``, one ``id\n`` line each."""
        for position in positions:
            yield self[position] + "\n"

    def write(self, positions: Iterable[int], out: IO[bytes]) -> None:
        """Write the ``id\n`` lines at ``positions`` to the binary stream ``out``."""
        text, ends = self._text, self._ends
        if isinstance(positions, range) and positions == range(len(ends) - 1):
            out.write(text)
            return
        it = iter(positions)
        lines = bytes(text).split(b"\n")
        if len(lines) == len(ends):  # no id holds a newline: one item per id (and b"" last)
            # One split makes every id's bytes at once, ~4x faster than a slice per id.
            while True:
                chunk = list(map(lines.__getitem__, islice(it, self.WRITE_BATCH)))
                if not chunk:
                    return
                out.write(b"\n".join(chunk) + b"\n")
        del lines
        while True:
            batch = list(islice(it, self.WRITE_BATCH))
            if not batch:
                return
            starts = map(ends.__getitem__, batch)
            stops = map(ends.__getitem__, map(add, batch, repeat(1)))
            out.write(b"".join(map(text.__getitem__, map(slice, starts, stops))))


_QUEUE_ID = attrgetter("queue_id")


def _plus_newline(total: int, length: int) -> int:
    return total + length + 1


def sorted_positions(
    positions: Sequence[int], values: Sequence[Any], key: str, reverse: bool = False
) -> Iterable[int]:
    """``positions`` ordered by their ``values`` (one per stored entry, :data:`SORT_VALUES`
    of sort ``key``), ties in listing order: the order :meth:`QueueIndex.sort
    <mailq_tui.model.index.QueueIndex.sort>` gives.

    Whole non-negative numbers are sorted packed with their position into one integer
    (``value << bits | position``) and unpacked as they are read, so no (value, position)
    pair and no second list is made per message.
    """
    descending = reverse != (key in DESCENDING)
    every = isinstance(positions, range) and positions == range(len(values))
    if (
        key in NUMERIC_SORT_KEYS
        and positions
        and min(values if every else map(values.__getitem__, positions)) >= 0
    ):
        bits = max(positions).bit_length()
        low = (1 << bits) - 1
        if descending:  # the position inverted: ties still come out in listing order
            packed = [values[p] << bits | (low - p) for p in positions]
            packed.sort(reverse=True)
            return map(sub, repeat(low), map(and_, packed, repeat(low)))
        packed = [values[p] << bits | p for p in positions]
        packed.sort()
        return map(and_, packed, repeat(low))
    return sorted(positions, key=values.__getitem__, reverse=descending)


class SortRuns:
    """The values of sort ``key`` of the selected messages (:attr:`column`, one per stored
    entry) and, for a numeric key, the entries already sorted batch by batch while the listing
    streams in, so that ordering them at the end is a merge of sorted runs, not a sort.

    Each batch's values are packed with their position into one integer (``value << 32 |
    position``, the value negated when the order is descending: ties stay in listing order
    either way), sorted, and pushed on a stack of runs; the top two runs are merged while the
    lower one is not bigger than the upper one (a binary counter: each entry is merged about
    log2(listing / batch) times, all while postqueue still writes) and below
    :data:`RUN_LIMIT`. The stack then holds a few runs, which one ``sort`` of their
    concatenation merges in about linear time (timsort finds the runs). A run is kept as
    8-byte array slots, not an integer object each (~40 bytes); a value too big for that
    (beyond 31 bits) drops the runs, and :meth:`order` sorts at the end. :meth:`order` gives
    what :func:`sorted_positions` gives.
    """

    #: Bits of the position in a packed entry (4 billion entries).
    POSITION_BITS = 32
    #: Runs are merged while streaming up to about twice this many entries: a merge makes
    #: an integer object per entry for a moment (~40 bytes: 10 MB for the biggest merge;
    #: the merge at the end makes one per selected message, as a sort would).
    RUN_LIMIT = 1 << 17

    def __init__(self, key: str, reverse: bool = False) -> None:
        self.key, self.reverse = key, reverse
        #: The values, for a sort at the end (a text key, or the runs were dropped); while
        #: there are runs, the values are only in them.
        self.column = sort_column(key)
        self._descending = reverse != (key in DESCENDING)
        #: Sorted runs of packed entries; None: sorted at the end, from :attr:`column`.
        self._runs: Optional[list[array[int]]] = [] if key in NUMERIC_SORT_KEYS else None
        #: Entries stored.
        self._count = 0
        #: The positions in order, once :meth:`order` merged the runs.
        self._order: Optional[array[int]] = None

    def add(self, msg: Message) -> None:
        """Store ``msg``'s value (a :class:`StreamedSelection` ``keep``)."""
        self.add_all([msg])

    def add_all(self, messages: Iterable[Message]) -> None:
        """Store the values of ``messages``, in order, and sort them into a run (a
        :class:`StreamedSelection` ``keep_all``)."""
        runs, start = self._runs, self._count
        if runs is None:
            self.column.add_all(messages)
            self._count = len(self.column.values)
            return
        values = list(map(SORT_VALUES[self.key], messages))
        if not values:
            return
        batch: Iterable[int] = map(neg, values) if self._descending else values
        positions = range(start, start + len(values))
        run = sorted(map(or_, map(lshift, batch, repeat(self.POSITION_BITS)), positions))
        try:
            runs.append(array("q", run))
        except OverflowError:  # a value beyond 31 bits: sorted at the end instead
            self._drop_runs()
            self.column.values.extend(values)
            self._count = len(self.column.values)
            return
        self._count = positions.stop
        while len(runs) > 1 and len(runs[-1]) >= len(runs[-2]) and len(runs[-2]) < self.RUN_LIMIT:
            top = runs.pop()
            runs[-1] = array("q", sorted(chain(runs[-1], top)))  # two runs: one merge

    def _drop_runs(self) -> None:
        """Unpack the runs into :attr:`column` (each entry's value at its position); from
        here on the values are sorted at the end."""
        runs = self._runs or []
        values = [0] * self._count
        bits, low = self.POSITION_BITS, (1 << self.POSITION_BITS) - 1
        for packed in chain.from_iterable(runs):
            values[packed & low] = -(packed >> bits) if self._descending else packed >> bits
        self.column.values.extend(values)
        self._runs = None

    def order(self, positions: Sequence[int]) -> Iterable[int]:
        """``positions`` (:meth:`StreamedSelection.positions`) in sort order, ties in listing
        order (:func:`sorted_positions`)."""
        runs = self._runs
        every = isinstance(positions, range) and positions == range(self._count)
        if runs is not None and not every:
            self._drop_runs()  # some entries left out (superseded copies): rare
            runs = None
        if runs is None:
            return sorted_positions(positions, self.column.values, self.key, self.reverse)
        if self._order is None or len(self._order) != self._count:
            # A few sorted runs: merged, not sorted; then unpacked into array slots, so that
            # their integer objects are freed before the caller makes its own (the ids).
            merged = sorted(chain.from_iterable(runs))
            runs[:] = [array("q", merged)]
            del merged
            self._order = array("q", map(and_, runs[0], repeat((1 << self.POSITION_BITS) - 1)))
        return self._order


def sort_by(items: list[T], values: Sequence[Any], key: str, reverse: bool = False) -> list[T]:
    """``items`` ordered by their ``values`` (:data:`SORT_VALUES` of sort ``key``, one per
    item, in the same order), ties in their given order (:func:`sorted_positions`)."""
    return [items[p] for p in sorted_positions(range(len(items)), values, key, reverse)]


# ---------------------------------------------------------------------- groups, reasons


#: :func:`~mailq_tui.model.reasons.normalise_reason` without its cache of whole reasons: a
#: one-shot listing would fill that cache with every distinct reason (most name their
#: recipient) and keep them all.
_normalise: Callable[[str], str] = normalise_reason.__wrapped__


class GroupColumns:
    """What ``groups --by BY`` / ``reasons`` keep per selected message (``by`` in
    :data:`GROUP_BY`): arrival time and size, and per recipient the numbers of its group key
    and domain (:class:`Names`); for the per-message groupings, one key per message."""

    def __init__(self, by: str) -> None:
        if by not in GROUP_BY:
            raise ValueError(f"cannot group by {by!r}; one of {', '.join(GROUP_BY)}")
        self.by = by
        self.per_recipient = by in ("domain", "reason")
        self._keys, self._domains = Names(), Names()
        self._arrivals, self._sizes = array("q"), array("q")
        #: Recipients of entry i are rcpt_key/rcpt_domain[starts[i]:starts[i + 1]].
        self._starts = array("I", [0])
        self._rcpt_key, self._rcpt_domain = array("I"), array("I")
        self._message_key = array("I")
        #: Per key number, the counters of every entry stored so far, kept up as entries
        #: come (the answer when no entry is superseded: nothing left to count at the end).
        self._count: list[int] = []
        self._bytes: list[int] = []
        self._oldest: list[int] = []
        self._newest: list[int] = []
        #: (key << 32 | domain) -> recipients of the entries stored so far, in listing order;
        #: counted up to entry ``_tallied`` (:meth:`_tally_rest`, a batch at a time).
        self._tally: Counter[int] = Counter()
        self._tallied = 0

    def add(self, msg: Message) -> None:
        """Store ``msg``'s contribution (a :class:`StreamedSelection` ``keep``)."""
        arrival, size = msg.arrival_time, msg.message_size
        self._arrivals.append(arrival)
        self._sizes.append(size)
        domains = domains_of(msg)
        self._rcpt_domain.extend(map(self._domains.number, domains))
        by, key_number = self.by, self._keys.number
        member: Iterable[int]
        if by == "domain" or by == "reason":
            if by == "domain":
                numbers = list(map(key_number, domains))
            else:
                numbers = list(map(key_number, map(_normalise, map(_REASON, msg.recipients))))
            self._rcpt_key.extend(numbers)
            member = numbers if len(numbers) < 2 else set(numbers)
        else:
            if by == "queue":
                number = key_number(msg.queue_name)
            else:
                number = key_number(sender_key(msg.sender.lower(), by == "sender_domain"))
            self._message_key.append(number)
            member = (number,)
        self._starts.append(len(self._rcpt_domain))
        count, oldest, newest = self._count, self._oldest, self._newest
        for k in member:
            if k >= len(count):  # new keys, all of this message: start at its arrival
                grow = k + 1 - len(count)
                count += repeat(0, grow)
                self._bytes += repeat(0, grow)
                oldest += repeat(arrival, grow)
                newest += repeat(arrival, grow)
            count[k] += 1
            self._bytes[k] += size
            if arrival < oldest[k]:
                oldest[k] = arrival
            if arrival > newest[k]:
                newest[k] = arrival

    def add_all(self, messages: Iterable[Message]) -> None:
        """Store the contributions of ``messages``, in order (a :class:`StreamedSelection`
        ``keep_all``), and count their (key, domain) pairs."""
        for msg in messages:
            self.add(msg)
        self._tally_rest()

    def _tally_rest(self) -> None:
        """Count the (key, domain) pairs of the entries stored since the last count, in C."""
        first, end = self._tallied, len(self._arrivals)
        if first == end:
            return
        starts = self._starts
        domains = self._rcpt_domain[starts[first] : starts[end]]
        if self.per_recipient:
            self._tally.update(_pairs(self._rcpt_key[starts[first] : starts[end]], domains))
        else:
            each = map(sub, islice(starts, first + 1, end + 1), islice(starts, first, end))
            keys_of = chain.from_iterable(map(repeat, self._message_key[first:end], each))
            self._tally.update(_pairs(keys_of, domains))
        self._tallied = end

    def groups(self, positions: Sequence[int]) -> list[Group]:
        """The groups of the entries at ``positions`` (:meth:`StreamedSelection.positions`),
        biggest first: what :func:`~mailq_tui.model.grouping.group_messages` gives for the
        same rows (without the rows: the CLI prints counts). Every entry (no copy
        superseded): the counters kept up while they were stored."""
        if isinstance(positions, range) and positions == range(len(self._arrivals)):
            self._tally_rest()
            return self._found(self._count, self._bytes, self._oldest, self._newest, self._tally)
        return self._counted(positions)

    def _counted(self, positions: Sequence[int]) -> list[Group]:
        """:meth:`groups` of some entries, counted from the stored columns."""
        keys = self._keys.names
        starts, arrivals, sizes = self._starts, self._arrivals, self._sizes
        rcpt_key, rcpt_domain, message_key = self._rcpt_key, self._rcpt_domain, self._message_key
        count = [0] * len(keys)
        size_sum = [0] * len(keys)
        oldest: list[Optional[int]] = [None] * len(keys)
        newest: list[Optional[int]] = [None] * len(keys)
        #: (key << 32 | domain) -> recipients, counted in listing order (one integer per
        #: pair, no tuple).
        tally: Counter[int] = Counter()
        every = isinstance(positions, range) and len(positions) == len(arrivals)
        for i in positions:
            first, end = starts[i], starts[i + 1]
            if self.per_recipient:
                member: Iterable[int] = (
                    (rcpt_key[first],) if end - first == 1 else set(rcpt_key[first:end])
                )
                if not every:
                    tally.update(_pairs(rcpt_key[first:end], rcpt_domain[first:end]))
            else:
                member = (message_key[i],)
                if not every and end > first:
                    key_of = repeat(message_key[i], end - first)
                    tally.update(_pairs(key_of, rcpt_domain[first:end]))
            arrival, size = arrivals[i], sizes[i]
            for k in member:
                count[k] += 1
                size_sum[k] += size
                low, high = oldest[k], newest[k]
                if low is None or arrival < low:
                    oldest[k] = arrival
                if high is None or arrival > high:
                    newest[k] = arrival
        if every:  # all recipients, in order: counted in one C-level pass
            if self.per_recipient:
                tally = Counter(_pairs(rcpt_key, rcpt_domain))
            else:
                each = map(sub, islice(starts, 1, None), starts)
                keys_of = chain.from_iterable(map(repeat, message_key, each))
                tally = Counter(_pairs(keys_of, rcpt_domain))
        return self._found(count, size_sum, oldest, newest, tally)

    def _found(
        self,
        count: Sequence[int],
        size_sum: Sequence[int],
        oldest: Sequence[Optional[int]],
        newest: Sequence[Optional[int]],
        tally: Counter[int],
    ) -> list[Group]:
        """The groups of the keys with a ``count``, biggest first."""
        keys, domains = self._keys.names, self._domains.names
        recipients = [0] * len(keys)
        #: Per key, (domain, recipients) in order of first sight (as a Counter would keep).
        destinations: dict[int, list[tuple[str, int]]] = {}
        for pair, n in tally.items():
            k, d = pair >> 32, pair & 0xFFFFFFFF
            recipients[k] += n
            destinations.setdefault(k, []).append((domains[d], n))
        found = [
            Group(
                keys[k],
                count=count[k],
                recipients=recipients[k],
                bytes=size_sum[k],
                oldest=oldest[k] or 0,
                newest=newest[k] or 0,
                top_destinations=_most_common(destinations.get(k, [])),
            )
            for k in range(len(count))
            if count[k]
        ]
        return sorted(found, key=lambda g: (-g.count, g.key))


_REASON = attrgetter("delay_reason")


def _pairs(keys: Iterable[int], domains: Iterable[int]) -> Iterator[int]:
    """``key << 32 | domain`` for each (key, domain) number pair, computed in C."""
    return map(or_, map(lshift, keys, repeat(32)), domains)


def _most_common(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The :data:`TOP_DESTINATIONS` biggest ``counts``, ties in their order: what
    ``Counter.most_common`` gives (a stable sort by count, descending)."""
    return sorted(counts, key=itemgetter(1), reverse=True)[:TOP_DESTINATIONS]


# ---------------------------------------------------------------------- shape


class ShapeColumn:
    """What ``shape`` keeps per selected message: its age bucket and the numbers of the
    domains it counts under (a message outside ``queues``, when given, under none)."""

    def __init__(
        self,
        now: float,
        by: str = "rcpt",
        queues: Sequence[str] = (),
        buckets: int = DEFAULT_BUCKETS,
        first_width: float = DEFAULT_WIDTH,
        linear: bool = False,
    ) -> None:
        if by not in ("rcpt", "sender"):
            raise ValueError("by must be 'rcpt' or 'sender'")
        self._now, self._by, self._wanted = now, by, set(queues)
        self._buckets, self._width, self._linear = max(1, buckets), first_width, linear
        self._names = Names()
        self._bucket = array("I")
        self._starts = array("I", [0])
        self._domain = array("I")
        #: The table of every entry stored so far, kept up as entries come: per domain
        #: number, ``[total, bucket1, ...]``; and the TOTAL row.
        self._rows: list[list[int]] = []
        self._total = [0] * (self._buckets + 1)

    def add(self, msg: Message) -> None:
        """Store ``msg``'s entry (a :class:`StreamedSelection` ``keep``)."""
        age = self._now - msg.arrival_time
        bucket = bucket_of(age, self._buckets, self._width, self._linear)
        self._bucket.append(bucket)
        if not self._wanted or msg.queue_name in self._wanted:
            numbers = list(map(self._names.number, shape_domains(msg, self._by)))
            self._domain.extend(numbers)
            rows = self._rows
            for d in numbers:
                if d == len(rows):  # a new domain (numbered in order of first sight)
                    rows.append([0] * (self._buckets + 1))
                row = rows[d]
                row[0] += 1
                row[bucket] += 1
            self._total[0] += len(numbers)
            self._total[bucket] += len(numbers)
        self._starts.append(len(self._domain))

    def shape(self, positions: Sequence[int]) -> Shape:
        """The qshape table of the entries at ``positions``. Every entry (no copy
        superseded): the table kept up while they were stored."""
        if isinstance(positions, range) and positions == range(len(self._bucket)):
            table = {TOTAL: list(self._total)}
            table.update(zip(self._names.names, map(list, self._rows)))
            shape = shape_of(
                (), by=self._by, buckets=self._buckets, first_width=self._width, linear=self._linear
            )
            shape.rows = sorted(table.items(), key=_qshape_order)  # as shape_of sorts them
            return shape
        names, starts, domain = self._names.names, self._starts, self._domain
        entries = (
            (self._bucket[i], [names[domain[j]] for j in range(starts[i], starts[i + 1])])
            for i in positions
        )
        return shape_of(
            entries,
            by=self._by,
            buckets=self._buckets,
            first_width=self._width,
            linear=self._linear,
        )


def _qshape_order(row: tuple[str, list[int]]) -> tuple[int, int]:
    """qshape's row order (:func:`~mailq_tui.model.shape.shape_of`): biggest total first,
    then shorter domain first; further ties in order of first sight."""
    return -row[1][0], len(row[0])
