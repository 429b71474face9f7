"""The queue index: per-message columns precomputed once per listing, so that a filter
keystroke and a sort touch flat Python lists and strings, never the message objects.

A view is a list of row numbers (positions in :attr:`QueueIndex.messages`). The columns are
two records (:mod:`mailq_tui.model.index_columns`): the listing columns, built by the
constructor, and the search columns, ``None`` until first needed or until a worker calls
:meth:`QueueIndex.build_search_columns`, so that a huge queue is on screen before most of the
index's cost has been paid.

How each query field is tested, narrowed per recipient and ordered is one :class:`_Field`
record per field in :data:`_FIELDS`. Recipient-scoped terms that must hold for the same
recipient are first narrowed per message, then checked recipient by recipient on the few
rows left.

For speed at 100k-500k messages the app indexes the messages oldest first
(:func:`oldest_first`: rows in arrival order, so filtering the default view reads the search
strings in the order they were made, i.e. in memory order) and gives the index one-character
masks (:meth:`QueueIndex.build_char_masks`: a filter's first key without a scan).
"""

from __future__ import annotations

import re
import sys
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from itertools import compress, islice, repeat
from operator import add, and_, attrgetter, le, methodcaller, not_, sub
from typing import Any, Callable, Optional, Union

from mailq_tui.model.index_columns import (
    NARROW,
    ListingColumns,
    SearchColumns,
    char_masks,
    lowered,
    unpacked,
)
from mailq_tui.model.message import NULL_SENDER, Message
from mailq_tui.model.query import RECIPIENT_FIELDS, Query, Range, Term, domain_test, parse_query
from mailq_tui.model.reasons import cluster_key
from mailq_tui.model.row_map import ListedRows, RowLookup
from mailq_tui.model.row_numbers import row_numbers

_RECIPIENTS = attrgetter("recipients")
_QUEUE_ID = attrgetter("queue_id")
_ARRIVAL = attrgetter("arrival_time")
_NULL = NULL_SENDER.lower()

#: Characters whose presence in each row is precomputed (:meth:`QueueIndex.build_char_masks`).
MASK_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.@-_:<>[]"
#: Byte translation table swapping 0 and 1 (a negated mask).
_FLIP = bytes([1, 0]) + bytes(range(2, 256))

#: A row subset (None: every row, in row order).
Rows = Optional[Sequence[int]]
#: Per-value truth of a recipient term over one row's recipient values.
_Truth = Callable[[Sequence[str]], Iterator[object]]
#: The lowercase values of one field for each recipient of a row.
_Values = Callable[["QueueIndex", SearchColumns, int], Sequence[str]]
#: A recipient-scoped check: (the row's values, their truth, negated).
_Check = tuple[_Values, _Truth, bool]
#: A (sort key, reverse) pair.
_Order = tuple[str, bool]


def oldest_first(messages: Sequence[Message]) -> Sequence[Message]:
    """``messages`` by arrival time, oldest first, ties in their order (``messages`` itself
    when already so): the row order the app indexes a listing in.

    Filtering the default (oldest first) view then walks the row numbers, the columns and
    the search strings in the order they were made, which is their order in memory: 2-4x
    faster at 100k-500k messages than rows in ``postqueue -j`` order (hash directories).
    """
    return laid_out(messages)[0]


def laid_out(messages: Sequence[Message]) -> tuple[Sequence[Message], array[int]]:
    """:func:`oldest_first` and, for each of its rows, the message's position in
    ``messages`` (an index's :attr:`QueueIndex.listing_rows`)."""
    arrivals = list(map(_ARRIVAL, messages))
    if all(map(le, arrivals, islice(arrivals, 1, None))):
        return messages, array(NARROW, range(len(messages)))
    order = sorted(range(len(messages)), key=arrivals.__getitem__)
    return list(map(messages.__getitem__, order)), array(NARROW, order)


@dataclass(frozen=True)
class _Previous:
    """The last remembered result, which a query that narrows it may search instead of
    every row (:meth:`Query.narrows`)."""

    query: Query
    #: The (sort key, reverse) :meth:`QueueIndex.select` ordered the rows by; None: row
    #: order (:meth:`QueueIndex.filter`).
    order: Optional[_Order]
    #: (The cached order itself after an empty query: a one-character mask then answers
    #: without picking rows, see :meth:`QueueIndex._masked`.)
    rows: Sequence[int]


class QueueIndex:
    """Columns over one snapshot's messages; ``now`` (epoch seconds) is when ages are measured
    from.

    ``listing`` and ``search``: columns already made for exactly these messages in this order
    (:func:`~mailq_tui.model.index_reuse.index_reusing` hands over joined ones); by default
    the listing columns are built here and the search columns on first use. The app gives
    the messages oldest first (:func:`oldest_first`).
    """

    messages: tuple[Message, ...]
    now: float
    listing: ListingColumns
    #: None until built (:meth:`build_search_columns`); assigned once, whole.
    search: Optional[SearchColumns]

    def __init__(
        self,
        messages: Sequence[Message],
        now: float,
        *,
        listing: Optional[ListingColumns] = None,
        search: Optional[SearchColumns] = None,
        listing_rows: Optional[array[int]] = None,
    ) -> None:
        self.messages = tuple(messages)
        #: For each row, its message's position in the listing it was indexed from (the
        #: snapshot's messages; :func:`laid_out`); None when not known. A refresh walks the
        #: two listings side by side with it (:mod:`mailq_tui.model.index_reuse`).
        self.listing_rows = listing_rows
        self.now = now
        self.listing = ListingColumns.of(self.messages) if listing is None else listing
        self.search = search
        arrivals = self.listing.arrivals
        #: True when rows are in arrival order and the haystacks laid out in row order.
        self.arrival_ordered = all(map(le, arrivals, islice(arrivals, 1, None)))
        #: True when the haystacks were made in another order than the rows' (see
        #: :meth:`lay_out_haystacks`).
        self.scattered = False
        self._search_lock = threading.Lock()
        #: Queue id -> row: a dict, or the previous index's looked up through moved runs
        #: (:mod:`mailq_tui.model.row_map`, set by ``index_reusing``).
        self._row_of: Optional[RowLookup] = None
        self._previous: Optional[_Previous] = None
        self._orders: dict[_Order, tuple[int, ...]] = {}
        self._sort_columns: dict[str, Sequence[Any]] = {}
        self._reasons: Optional[tuple[str, ...]] = None
        self._clusters: Optional[tuple[str, ...]] = None
        #: Per character of MASK_CHARS, one bit per row (packed: ``index_columns.packed``):
        #: does its haystack contain it.
        self._char_masks: dict[str, bytes] = {}
        if self.arrival_ordered:  # oldest first is the row order (ties in row order too)
            self._orders[("age", True)] = row_numbers(len(self.messages))

    @property
    def searchable(self) -> bool:
        """True once the search columns exist (filters and most groupings need them)."""
        return self.search is not None

    def build_search_columns(self) -> None:
        """Build the search columns, once (thread-safe): built whole, then assigned.

        Listing order, ages, sizes, queues and ids are enough to show a sorted list, so a
        huge queue can be on screen before this (most of the index's cost) has run; a worker
        calls it right after, and any filter waits for it.
        """
        with self._search_lock:
            if self.search is None:
                self.search = SearchColumns.build(self.messages)

    def search_columns(self) -> SearchColumns:
        """The search columns, built first if they do not exist yet."""
        search = self.search
        if search is None:
            self.build_search_columns()
            search = self.search
            assert search is not None
        return search

    def in_arrival_order(self) -> QueueIndex:
        """An index over the same messages oldest first (``self`` when its rows are in that
        order already), indexed anew with its search columns. The app never needs this: it
        indexes a listing oldest first from the start (:func:`oldest_first`); tests and
        benchmarks compare the two layouts with it."""
        if self.arrival_ordered:
            self.build_search_columns()
            return self
        ordered = QueueIndex(oldest_first(self.messages), self.now)
        ordered.build_search_columns()
        return ordered

    def build_char_masks(self) -> None:
        """For each character of :data:`MASK_CHARS`, which rows contain it (one bit each).

        The first key typed into the filter is a one-character search of every row, the
        most expensive keystroke of a filter; served from these masks it takes 9-17 ms
        instead of 31-45 at 500k messages (unpacking a mask's bits costs < 1 ms of it).
        Building them costs what 45 such searches do (~1.4 s at 500k, in steps that leave
        the UI thread the GIL) and 2.8 MB there (22 MB as a byte per row).
        """
        self._char_masks = char_masks(self.search_columns().hay, MASK_CHARS)

    @property
    def has_char_masks(self) -> bool:
        """True once :meth:`build_char_masks` has run."""
        return bool(self._char_masks) or not self.messages

    @property
    def rc_reason(self) -> tuple[str, ...]:
        """Each recipient's delay reason as Postfix wrote it (aligned with
        :attr:`SearchColumns.rc_domain`); built on first use (reason clusters and grouping by
        reason need the original case)."""
        if self._reasons is None:
            self._reasons = tuple([r.delay_reason for msg in self.messages for r in msg.recipients])
        return self._reasons

    @property
    def rc_cluster(self) -> tuple[str, ...]:
        """Lowercase reason cluster of each recipient (aligned with
        :attr:`SearchColumns.rc_domain`); built on first use, since normalising every reason
        costs far more than the rest of the index."""
        if self._clusters is None:
            raw = self.rc_reason
            distinct = set(raw)
            memo = dict(zip(distinct, map(cluster_key, distinct)))
            self._clusters = tuple(map(memo.__getitem__, raw))
        return self._clusters

    def __len__(self) -> int:
        return len(self.messages)

    def row_of(self, queue_id: str) -> Optional[int]:
        """The row of ``queue_id`` in this snapshot, or None."""
        if self._row_of is None:
            rows = row_numbers(len(self.messages))
            self._row_of = dict(zip(map(_QUEUE_ID, self.messages), rows))
        return self._row_of.get(queue_id)

    def lay_out_haystacks(self) -> None:
        """Copy the haystacks so that they lie in memory in row order, when they were made in
        another order (:attr:`scattered`: an index joined from a streamed listing's parts):
        a filter reading every row then reads memory in order, 1.5-2x faster. The copies
        are lowercase copies (``str.lower`` makes a new string), kept only when equal."""
        search = self.search
        if not self.scattered or search is None:
            return
        copies = tuple(map(str.lower, search.hay))
        if copies == search.hay:
            self.search = replace(search, hay=copies)
        self.scattered = False

    def set_row_of(self, row_of: RowLookup) -> None:
        """Take ``row_of`` (queue id -> row, made with the columns) as the id map."""
        self._row_of = row_of

    def map_every_id(self) -> None:
        """Make the id map a dict of every id, when it finds rows another way (a streamed
        listing's :class:`~mailq_tui.model.row_map.ListedRows`: a lookup costs a bisection,
        and a refresh looks up every message)."""
        row_of = self._row_of
        if isinstance(row_of, ListedRows):
            self._row_of = row_of.as_dict()

    def move_clock(self, now: float) -> None:
        """Measure ages from ``now`` on (the same listing, read again later): a remembered
        result is forgotten, since an ``age:`` term may select other rows now."""
        self._previous = None
        self.now = now

    def forget_previous(self) -> None:
        """Make the next :meth:`filter` or :meth:`select` search every row (for benchmarks
        and tests)."""
        self._previous = None

    def recipient_count(self, row: int) -> int:
        """How many (undelivered) recipients row ``row`` has."""
        start = self.search_columns().rc_start
        return start[row + 1] - start[row]

    # ------------------------------------------------------------------ filtering

    def filter(
        self, query: Union[Query, str], within: Rows = None, remember: bool = True
    ) -> list[int]:
        """Rows matching ``query`` (a Query or its text).

        ``within``: only consider these rows, and keep their order. Without it the result is
        in row order, and when ``query`` provably narrows the previous ``within``-less query
        (:meth:`Query.narrows`) only the previous result is searched. ``remember=False``: a
        one-off question that must not replace that previous query (the filter bar's).
        """
        if isinstance(query, str):
            query = parse_query(query)
        remember = remember and within is None
        if within is None:
            within = self._narrowed(query, None)
        rows = self._filter(query, within)
        if remember:
            self._previous = _Previous(query, None, rows)
        return rows

    def _narrowed(self, query: Query, order: Optional[_Order]) -> Optional[Sequence[int]]:
        """The previous result in ``order`` when ``query`` narrows its query, else None."""
        previous = self._previous  # read once: another thread may replace it
        if previous is not None and previous.order == order and query.narrows(previous.query):
            return previous.rows
        return None

    def _filter(self, query: Query, rows: Rows) -> list[int]:
        scoped = [t for t in query.terms if t.field in RECIPIENT_FIELDS]
        plain = [t for t in query.terms if t.field not in RECIPIENT_FIELDS]
        if len(scoped) == 1 and not scoped[0].negate and _field(scoped[0]).exact:
            # Its message-level test already decides recipient by recipient.
            plain, scoped = [*plain, scoped[0]], []
        plain.sort(key=lambda t: (t.is_regex, _field(t).cost))
        cheap = [t for t in plain if not t.is_regex]
        costly = [t for t in plain if t.is_regex]
        for term in cheap:
            rows = self._message_term(term, rows)
            if not rows:
                return []
        if scoped:
            rows = self._recipient_terms(scoped, rows)
        for term in costly:
            rows = self._message_term(term, rows)
            if not rows:
                return []
        return list(row_numbers(len(self.messages)) if rows is None else rows)

    def _message_term(self, term: Term, rows: Rows) -> list[int]:
        """Rows (of ``rows``) that satisfy one term at message level (negation included)."""
        return _field(term).rows(self, term, rows)

    def _masked(self, mask: bytes, negate: bool, rows: Rows) -> list[int]:
        """Rows (of ``rows``) whose bit in ``mask`` is set (``negate``: clear)."""
        mask = unpacked(mask, len(self))
        if negate:
            mask = mask.translate(_FLIP)
        if rows is None or (self.arrival_ordered and rows is self._orders.get(("age", True))):
            return list(compress(row_numbers(len(self)), mask))  # rows in row order
        return list(compress(rows, map(mask.__getitem__, rows)))

    def _flat_rows(
        self,
        column: Sequence[str],
        distinct: Iterable[str],
        test: Callable[[str], bool],
        term: Term,
        rows: Rows,
    ) -> list[int]:
        """Rows with a recipient whose value in the flat per-recipient ``column`` passes
        ``test`` (negated: with none); ``test`` runs once per distinct value."""
        values = set(distinct)
        wanted = {v for v in values if test(v)}
        if not wanted:
            hits: set[int] = set()
        elif len(wanted) == len(values):
            hits = set(range(len(self))) if rows is None else set(rows)
        elif rows is not None and len(rows) * 8 < len(self):
            start = self.search_columns().rc_start
            hits = {
                i for i in rows if any(map(wanted.__contains__, column[start[i] : start[i + 1]]))
            }
        else:
            hits = set(compress(self.search_columns().rc_row, map(wanted.__contains__, column)))
        if rows is None:
            if term.negate:
                return [i for i in range(len(self)) if i not in hits]
            return sorted(hits)
        if term.negate:
            return [i for i in rows if i not in hits]
        return [i for i in rows if i in hits]

    def _recipient_terms(self, terms: list[Term], rows: Rows) -> list[int]:
        """Recipient-scoped terms (see :mod:`mailq_tui.model.query` for the semantics)."""
        positive = [t for t in terms if not t.negate]
        negative = [t for t in terms if t.negate]
        if not positive:
            # Only negations: no recipient of the message matches any of them.
            base = list(range(len(self))) if rows is None else list(rows)
            for term in negative:
                found = set(self._some_recipient(term, base))
                base = [i for i in base if i not in found]
            return base
        for term in sorted(positive, key=lambda t: (t.is_regex, _field(t).cost)):
            rows = self._message_term(term, rows)
            if not rows:
                return []
        assert rows is not None
        if len(positive) == 1 and not negative and not positive[0].is_regex:
            return list(rows)
        # For a message with one recipient the message-level tests are exact (its blocks are
        # its fields), negated terms included; the others are checked recipient by recipient.
        start = self.search_columns().rc_start
        single = [i for i in rows if start[i + 1] - start[i] == 1]
        for term in negative:
            single = self._message_term(term, single)
        single_ok = set(single)
        checks = [self._recipient_check(t) for t in terms]
        return [
            i
            for i in rows
            if i in single_ok or (start[i + 1] - start[i] > 1 and self._one_recipient(i, checks))
        ]

    def _recipient_check(self, term: Term) -> _Check:
        """How to test a row's recipients (their lowercase field values) for ``term``."""
        field = _field(term)
        if field.values is None or field.truth is None:
            raise ValueError(f"{term.field!r} is not a recipient field")
        return field.values, field.truth(self, term.value), term.negate

    def _one_recipient(self, row: int, checks: list[_Check]) -> bool:
        """Whether one recipient of ``row`` passes all ``checks`` (for a negated check: does
        not match it)."""
        search = self.search_columns()
        alive: Iterable[object] = repeat(True, search.rc_start[row + 1] - search.rc_start[row])
        for values, truth, negate in checks:
            alive = map(
                and_, alive, map(not_ if negate else bool, truth(values(self, search, row)))
            )
        return any(alive)

    def _some_recipient(self, term: Term, rows: Rows) -> list[int]:
        """Rows where at least one recipient matches ``term`` (its negation ignored)."""
        positive = Term(term.field, term.value, False, term.source)
        found = self._message_term(positive, rows)
        if positive.is_regex and not _field(positive).exact:
            start, checks = self.search_columns().rc_start, [self._recipient_check(positive)]
            found = [
                i for i in found if start[i + 1] - start[i] == 1 or self._one_recipient(i, checks)
            ]
        return found

    # ------------------------------------------------------------------ views

    def select(self, query: Union[Query, str], sort_key: str, reverse: bool = False) -> list[int]:
        """Rows matching ``query`` in ``sort_key`` order: what a list view shows.

        The full ordering is computed once per (key, direction) and filtered in place, so a
        keystroke never sorts; a query that narrows the previous one filters only the previous
        result (which is already in order).
        """
        if isinstance(query, str):
            query = parse_query(query)
        order = self._ordered(sort_key, reverse)
        if query.is_empty:
            self._previous = _Previous(query, (sort_key, reverse), order)
            return list(order)
        previous = self._narrowed(query, (sort_key, reverse))
        rows = self._filter(query, order if previous is None else previous)
        self._previous = _Previous(query, (sort_key, reverse), rows)
        return rows

    def select_cost(self, query: Union[Query, str], sort_key: str, reverse: bool = False) -> int:
        """How many rows :meth:`select` would search for ``query`` now (0: none, the result
        is a copy of a cached order; ``len(self)`` when the order is not sorted yet), so a
        caller can run small selections inline and big ones in a thread."""
        if isinstance(query, str):
            query = parse_query(query)
        if (sort_key, reverse) not in self._orders or not self.searchable:
            return len(self)
        if query.is_empty:
            return 0
        previous = self._narrowed(query, (sort_key, reverse))
        return len(self) if previous is None else len(previous)

    def _ordered(self, sort_key: str, reverse: bool) -> tuple[int, ...]:
        cached = self._orders.get((sort_key, reverse))
        if cached is None:
            cached = tuple(self.sort(row_numbers(len(self.messages)), sort_key, reverse))
            self._orders[(sort_key, reverse)] = cached
        return cached

    def sort(self, rows: Iterable[int], key: str, reverse: bool = False) -> list[int]:
        """``rows`` ordered by ``key`` (one of :data:`SORT_KEYS`); ties keep row order.

        ``age`` sorts youngest first (reverse: oldest first); ``recipient``, ``domain`` and
        ``reason`` use the first recipient (the first non-empty reason); ``recipients`` is the
        recipient count.
        """
        return sorted(rows, key=self._sort_column(key).__getitem__, reverse=reverse)

    def _sort_column(self, key: str) -> Sequence[Any]:
        column = self._sort_columns.get(key)
        if column is None:
            make = _SORT_COLUMNS.get(key)
            if make is None:
                raise ValueError(f"unknown sort key {key!r}; one of {', '.join(SORT_KEYS)}")
            column = self._sort_columns[key] = make(self)
        return column


# ---------------------------------------------------------------------- query fields


@dataclass(frozen=True)
class _Field:
    """How the index answers one query field (one record per field in :data:`_FIELDS`)."""

    #: Evaluation order among a query's substring terms: cheap, selective fields first
    #: (regex terms always come after substring ones).
    cost: int
    #: The rows (of the candidate rows) whose message satisfies a term, negation included.
    rows: Callable[[QueueIndex, Term, Rows], list[int]]
    #: Recipient fields only (:data:`~mailq_tui.model.query.RECIPIENT_FIELDS`): the values
    #: of each recipient of a row, and the per-value truth of a term's value over them.
    values: Optional[_Values] = None
    truth: Optional[Callable[[QueueIndex, object], _Truth]] = None
    #: True when ``rows`` already decides recipient by recipient (a flat per-recipient
    #: column), so no per-recipient recheck is needed even for a regex.
    exact: bool = False


def _field(term: Term) -> _Field:
    """The record of ``term``'s field."""
    field = _FIELDS.get(term.field)
    if field is None:
        raise ValueError(f"cannot filter on {term.field!r}")
    return field


def _column_field(
    cost: int,
    column: Callable[[QueueIndex], Sequence[Any]],
    test: Callable[[QueueIndex, object], Callable[[Any], object]],
) -> _Field:
    """A message-level field: ``test(index, value)`` applied to each row's value in
    ``column``."""

    def rows(index: QueueIndex, term: Term, rows: Rows) -> list[int]:
        values = column(index)
        passes = test(index, term.value)
        picked: Iterable[Any] = values if rows is None else map(values.__getitem__, rows)
        return _select(map(passes, picked), rows, len(index), term.negate)

    return _Field(cost, rows)


#: Where a field's block lies in each haystack: (starts, ends, skip), None for the start or
#: end of the whole haystack, ``skip`` characters past each start.
_Block = Callable[[SearchColumns], tuple[Optional[Sequence[int]], Optional[Sequence[int]], int]]


def _block_field(block: _Block) -> Callable[[QueueIndex, Term, Rows], list[int]]:
    """Rows whose haystack ``block`` contains the term's value (``str.count`` with bounds:
    no slicing) or matches its regex, negation included."""

    def rows(index: QueueIndex, term: Term, rows: Rows) -> list[int]:
        search = index.search_columns()
        starts, ends, skip = block(search)
        hay: Iterable[str] = search.hay
        lows: Iterable[int] = repeat(0) if starts is None else starts
        highs: Iterable[int] = repeat(sys.maxsize) if ends is None else ends
        if rows is not None:
            hay = map(search.hay.__getitem__, rows)
            lows = lows if starts is None else map(starts.__getitem__, rows)
            highs = highs if ends is None else map(ends.__getitem__, rows)
        if skip:
            lows = map(add, lows, repeat(skip))
        value = term.value
        if isinstance(value, re.Pattern):
            tests: Iterator[object] = map(value.search, hay, lows, highs)
        else:
            tests = map(str.count, hay, repeat(str(value)), lows, highs)
        return _select(tests, rows, len(index), term.negate)

    return rows


#: A free regex searches the whole haystack, ``to:`` the addresses, ``reason:`` the
#: reasons (past the newline that ends the addresses).
_haystack_rows = _block_field(lambda search: (None, None, 0))
_address_rows = _block_field(lambda search: (search.addr_at, search.addr_end, 0))
_reason_rows = _block_field(lambda search: (search.addr_end, None, 1))


def _text_rows(index: QueueIndex, term: Term, rows: Rows) -> list[int]:
    """Free text: a substring of the whole haystack (one character: from the masks), or a
    regex search of it."""
    value = term.value
    if not isinstance(value, str):
        return _haystack_rows(index, term, rows)
    mask = index._char_masks.get(value)
    if mask is not None:
        return index._masked(mask, term.negate, rows)
    return _contains(index.search_columns().hay, value, term.negate, rows)


def _domain_rows(index: QueueIndex, term: Term, rows: Rows) -> list[int]:
    search = index.search_columns()
    return index._flat_rows(search.rc_domain, search.domains, domain_test(term.value), term, rows)


def _cluster_rows(index: QueueIndex, term: Term, rows: Rows) -> list[int]:
    clusters = index.rc_cluster
    return index._flat_rows(clusters, set(clusters), _cluster_test(term.value), term, rows)


def _addresses(index: QueueIndex, search: SearchColumns, row: int) -> list[str]:
    return search.hay[row][search.addr_at[row] : search.addr_end[row]].split("\n")


def _domains(index: QueueIndex, search: SearchColumns, row: int) -> Sequence[str]:
    return search.rc_domain[search.rc_start[row] : search.rc_start[row + 1]]


def _clusters(index: QueueIndex, search: SearchColumns, row: int) -> Sequence[str]:
    return index.rc_cluster[search.rc_start[row] : search.rc_start[row + 1]]


def _reasons(index: QueueIndex, search: SearchColumns, row: int) -> list[str]:
    """The lowercase delay reason of each recipient of ``row``."""
    block = search.hay[row][search.addr_end[row] + 1 :]
    count = search.rc_start[row + 1] - search.rc_start[row]
    if "\n" not in block:
        return [block] * count
    pick = search.reason_pick.get(row)
    distinct = block.split("\n")
    if pick is None or len(pick) != count or max(pick) >= len(distinct):
        # A reason with a line break in it: lowercase them again.
        return [r.delay_reason.lower() for r in index.messages[row].recipients]
    return list(map(distinct.__getitem__, pick))


def _text_truth(index: QueueIndex, value: object) -> _Truth:
    """Substring (counted, no slicing) or regex search of each value."""
    if isinstance(value, re.Pattern):
        return partial(map, value.search)
    needle = repeat(str(value))
    return lambda values: map(str.count, values, needle)


def _domain_truth(index: QueueIndex, value: object) -> _Truth:
    """Membership of the domains the value selects (decided once per distinct domain)."""
    wanted = set(filter(domain_test(value), index.search_columns().domains))
    return partial(map, wanted.__contains__)


def _cluster_truth(index: QueueIndex, value: object) -> _Truth:
    return partial(map, _cluster_test(value))


def _senders(index: QueueIndex) -> Sequence[str]:
    return index.search_columns().senders


def _from_test(index: QueueIndex, value: object) -> Callable[[str], object]:
    if isinstance(value, re.Pattern):
        return value.search
    needle = str(value)
    return lambda sender: needle in sender


def _id_rows(index: QueueIndex, term: Term, rows: Rows) -> list[int]:
    """Queue id: a prefix of, or a regex search in, the lowercase id that starts each
    haystack (up to its first newline; an id holds none)."""
    hay = index.search_columns().hay
    picked: Sequence[str] = hay if rows is None else list(map(hay.__getitem__, rows))
    value = term.value
    tests: Iterator[object]
    if isinstance(value, re.Pattern):
        tests = map(value.search, picked, repeat(0), map(str.find, picked, repeat("\n")))
    elif "\n" in str(value):
        tests = repeat(False)
    else:
        tests = map(methodcaller("startswith", str(value)), picked)
    return _select(tests, rows, len(index), term.negate)


def _null_sender_test(index: QueueIndex, value: object) -> Callable[[str], object]:
    return {_NULL, ""}.__contains__


def _queue_test(index: QueueIndex, value: object) -> Callable[[str], object]:
    if not isinstance(value, frozenset):
        raise ValueError(f"cannot filter on queue {value!r}")
    return value.__contains__


def _size_test(index: QueueIndex, value: object) -> Callable[[float], bool]:
    if not isinstance(value, Range):
        raise ValueError(f"cannot filter on size {value!r}")
    return _range_test(value)


def _age_test(index: QueueIndex, value: object) -> Callable[[float], bool]:
    """age = now - arrival: an age interval is a reversed arrival interval."""
    if not isinstance(value, Range):
        raise ValueError(f"cannot filter on age {value!r}")
    now = index.now
    return _range_test(
        Range(
            None if value.high is None else now - value.high,
            None if value.low is None else now - value.low,
            value.include_high,
            value.include_low,
        )
    )


#: Every field of the query language (:mod:`mailq_tui.model.query`) and how it is answered.
_FIELDS: dict[str, _Field] = {
    "queue": _column_field(0, lambda index: index.listing.queues, _queue_test),
    "null_sender": _column_field(1, _senders, _null_sender_test),
    "age": _column_field(2, lambda index: index.listing.arrivals, _age_test),
    "size": _column_field(3, lambda index: index.listing.sizes, _size_test),
    "id": _Field(4, _id_rows),
    "from": _column_field(5, _senders, _from_test),
    "domain": _Field(6, _domain_rows, _domains, _domain_truth, exact=True),
    "text": _Field(8, _text_rows),
    "to": _Field(8, _address_rows, _addresses, _text_truth),
    "reason": _Field(8, _reason_rows, _reasons, _text_truth),
    "cluster": _Field(8, _cluster_rows, _clusters, _cluster_truth, exact=True),
}


# ---------------------------------------------------------------------- sort keys


def _age_column(index: QueueIndex) -> Sequence[int]:
    """Negated arrival times: ascending is youngest first."""
    return list(map(sub, repeat(0), index.listing.arrivals))


def _lowercase_ids(index: QueueIndex) -> Sequence[str]:
    return tuple(map(str.lower, map(_QUEUE_ID, index.messages)))


def _recipient_counts(index: QueueIndex) -> Sequence[int]:
    start = index.search_columns().rc_start
    return list(map(sub, start[1:], start))


def _first_recipients(index: QueueIndex) -> Sequence[str]:
    return [r[0].address.lower() if r else "" for r in map(_RECIPIENTS, index.messages)]


def _first_domains(index: QueueIndex) -> Sequence[str]:
    search = index.search_columns()
    start, domain = search.rc_start, search.rc_domain
    return [domain[a] if a < b else "" for a, b in zip(start, start[1:])]


def _first_reasons(index: QueueIndex) -> Sequence[str]:
    return lowered([m.first_reason for m in index.messages])


#: Each sort key and the column it orders by (built once per index, on first use).
_SORT_COLUMNS: dict[str, Callable[[QueueIndex], Sequence[Any]]] = {
    "id": _lowercase_ids,
    "queue": lambda index: index.listing.queues,
    "age": _age_column,
    "size": lambda index: index.listing.sizes,
    "sender": _senders,
    "recipient": _first_recipients,
    "domain": _first_domains,
    "reason": _first_reasons,
    "recipients": _recipient_counts,
}
#: Sort keys :meth:`QueueIndex.sort` knows.
SORT_KEYS = tuple(_SORT_COLUMNS)


# ---------------------------------------------------------------------- helpers


def _contains(hay: Sequence[str], needle: str, negate: bool, rows: Rows) -> list[int]:
    """Rows whose haystack contains (``negate``: lacks) ``needle``; the hottest loop."""
    if rows is None:
        if negate:
            return [i for i, h in enumerate(hay) if needle not in h]
        return [i for i, h in enumerate(hay) if needle in h]
    if negate:
        return [i for i in rows if needle not in hay[i]]
    return [i for i in rows if needle in hay[i]]


def _select(tests: Iterator[object], rows: Rows, size: int, negate: bool) -> list[int]:
    """The rows whose test is truthy (``negate``: falsy), in order, without a Python loop."""
    if negate:
        tests = map(not_, tests)
    return list(compress(range(size) if rows is None else rows, tests))


def _range_test(bounds: Range) -> Callable[[float], bool]:
    """A one-call test ``low <(=) v <(=) high`` (either end may be open)."""
    low, high = bounds.low, bounds.high
    if low is None and high is None:
        return lambda v: True
    if low is None:
        assert high is not None
        return (lambda v: v <= high) if bounds.include_high else (lambda v: v < high)
    if high is None:
        return (lambda v: v >= low) if bounds.include_low else (lambda v: v > low)
    if bounds.include_low and bounds.include_high:
        return lambda v: low <= v <= high
    if bounds.include_low:
        return lambda v: low <= v < high
    if bounds.include_high:
        return lambda v: low < v <= high
    return lambda v: low < v < high


def _cluster_test(value: object) -> Callable[[str], bool]:
    """A test of one lowercase cluster key: equal to the value, or a regex search."""
    if isinstance(value, re.Pattern):
        search = value.search
        return lambda cluster: search(cluster) is not None
    text = str(value)
    return text.__eq__
