"""The queue index: per-message columns precomputed once per listing, so that a filter
keystroke and a sort touch flat Python lists and strings, never the message objects.

A view is a list of row numbers (positions in :attr:`QueueIndex.messages`).

Per message the index keeps ONE lowercase haystack string laid out as::

    queue-id \\n sender \\n address1 \\n address2 ... \\n reason-a \\n reason-b ...

(the message's distinct reasons only) with two offsets, where the address block starts and
where the reason block starts. A free word searches the whole string; ``to:`` and ``reason:``
search their block with ``str.count(needle, start, end)``, which needs no slicing. Recipient
domains are one flat interned column (``rc_domain``, recipients of row i are
``rc_start[i]:rc_start[i + 1]``) because ``domain:`` is decided once per distinct domain.
Recipient-scoped terms that must hold for the same recipient are first narrowed per message
with these blocks, then checked recipient by recipient on the few rows left.

Columns are built with ``map``/``zip`` over C iterators (no per-recipient Python code), so
building the index at 100k messages takes a few hundred milliseconds. Only the cheap columns
(ids, queues, arrival times, sizes) are built by the constructor: enough to list the queue in
order. The haystacks and per-recipient columns come on first use, or earlier from a worker
calling :meth:`QueueIndex.build_search_columns`.

Columns are tuples: lists stay on the garbage collector's lists and every full collection
walked them. For speed at 100k-500k messages the app then swaps in a copy whose rows are in
arrival order (:meth:`QueueIndex.in_arrival_order`: filtering the default view reads memory in
order) and gives it one-character masks (:meth:`QueueIndex.build_char_masks`: a filter's first
key without a scan).
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from itertools import accumulate, chain, compress, islice, repeat
from operator import add, and_, attrgetter, contains, itemgetter, le, methodcaller, not_, sub
from typing import Any, Callable, Optional, Union

from mailq_tui.model.message import NULL_SENDER, Message
from mailq_tui.model.query import RECIPIENT_FIELDS, Query, Range, Term, domain_test, parse_query
from mailq_tui.model.reasons import cluster_key

#: Sort keys and what they order by.
SORT_KEYS = ("id", "queue", "age", "size", "sender", "recipient", "domain", "reason", "recipients")

#: Evaluation order: cheap, selective message-level terms first, regexes last.
_COST = {"queue": 0, "null_sender": 1, "age": 2, "size": 3, "id": 4, "from": 5, "domain": 6}

_RECIPIENTS = attrgetter("recipients")
_ADDRESS = attrgetter("address")
_REASON = attrgetter("delay_reason")
_DOMAIN_OF = methodcaller("rpartition", "@")
_THIRD = itemgetter(2)
_NULL = NULL_SENDER.lower()

#: Columns built by :meth:`QueueIndex.build_search_columns` on first use.
_SEARCH_COLUMNS = frozenset(
    {"hay", "addr_at", "addr_end", "rc_start", "rc_domain", "rc_row", "domains", "senders"}
    | {"_reason_pick"}
)

#: Items per C-level step when copying columns in a worker (see :func:`_stepwise`).
_STEP = 10_000

#: Characters whose presence in each row is precomputed (:meth:`QueueIndex.build_char_masks`).
MASK_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.@-_:<>[]"
#: Byte translation table swapping 0 and 1 (a negated mask).
_FLIP = bytes([1, 0]) + bytes(range(2, 256))

#: A row subset (None: every row, in row order).
Rows = Optional[Sequence[int]]
#: A recipient-scoped check: (field, per-value truth over a row's values, negated).
_Check = tuple[str, Callable[[Sequence[str]], Iterator[object]], bool]


def _lowered(values: list[str]) -> list[str]:
    """``values`` lowercased, equal values sharing one string (reasons and senders repeat)."""
    distinct = list(set(values))
    memo = dict(zip(distinct, map(str.lower, distinct)))
    return list(map(memo.__getitem__, values))


class QueueIndex:
    """Columns over one snapshot's messages; ``now`` (epoch seconds) is when ages are measured
    from."""

    messages: tuple[Message, ...]
    now: float
    #: Lowercase queue id, queue name, arrival time (epoch seconds) and size of each row.
    ids: tuple[str, ...]
    queues: tuple[str, ...]
    arrivals: tuple[int, ...]
    sizes: tuple[int, ...]

    #: id \n sender \n address ... \n distinct reason ... (lowercase), one per row.
    hay: tuple[str, ...]
    #: Where each haystack's address block starts and ends (the reasons start at end + 1).
    addr_at: tuple[int, ...]
    addr_end: tuple[int, ...]
    #: Recipients of row i are positions rc_start[i]:rc_start[i + 1] of the rc_* columns.
    rc_start: tuple[int, ...]
    #: Lowercase recipient domain (after the last ``@``; the whole address without one).
    rc_domain: tuple[str, ...]
    #: Row of each recipient position.
    rc_row: tuple[int, ...]
    domains: frozenset[str]
    #: Lowercase sender (``mailer-daemon`` for the null sender, as postqueue prints it).
    senders: tuple[str, ...]
    _reason_pick: dict[int, tuple[int, ...]]

    def __init__(self, messages: Sequence[Message], now: float) -> None:
        msgs = tuple(messages)
        intern = sys.intern
        self._start(
            msgs,
            now,
            ids=tuple(map(str.lower, map(attrgetter("queue_id"), msgs))),
            queues=tuple(map(intern, map(attrgetter("queue_name"), msgs))),
            arrivals=tuple(map(attrgetter("arrival_time"), msgs)),
            sizes=tuple(map(attrgetter("message_size"), msgs)),
        )

    def _start(
        self,
        messages: tuple[Message, ...],
        now: float,
        *,
        ids: tuple[str, ...],
        queues: tuple[str, ...],
        arrivals: tuple[int, ...],
        sizes: tuple[int, ...],
    ) -> None:
        """Set the cheap columns and empty caches (the constructor, or a reordered copy)."""
        self.messages = messages
        self.now = now
        self.ids = ids
        self.queues = queues
        self.arrivals = arrivals
        self.sizes = sizes
        #: True when rows are in arrival order and the haystacks laid out in row order.
        self.arrival_ordered = all(map(le, arrivals, islice(arrivals, 1, None)))
        self._search_lock = threading.Lock()
        self._row_of: Optional[dict[str, int]] = None
        self._last: Optional[tuple[Query, list[int]]] = None
        self._last_select: Optional[tuple[Query, tuple[str, bool], list[int]]] = None
        self._orders: dict[tuple[str, bool], tuple[int, ...]] = {}
        self._sort_columns: dict[str, Sequence[Any]] = {}
        self._reasons: Optional[tuple[str, ...]] = None
        self._clusters: Optional[tuple[str, ...]] = None
        #: Per character of MASK_CHARS, one byte per row: does its haystack contain it.
        self._char_masks: dict[str, bytes] = {}

    def __getattr__(self, name: str) -> Any:
        """The search columns are built on first use (see :meth:`build_search_columns`)."""
        if name in _SEARCH_COLUMNS:
            self.build_search_columns()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def searchable(self) -> bool:
        """True once the search columns exist (filters and most groupings need them)."""
        return "senders" in self.__dict__

    def build_search_columns(self) -> None:
        """Build the haystacks and per-recipient columns, once (thread-safe).

        Listing order, ages, sizes, queues and ids are enough to show a sorted list, so a
        huge queue can be on screen before this (most of the index's cost) has run; a worker
        calls it right after, and any filter waits for it.
        """
        with self._search_lock:
            if self.searchable:
                return
            self._build_search_columns()

    def _build_search_columns(self) -> None:
        msgs = self.messages
        hay_list: list[str] = []
        addr_at: list[int] = []
        addr_end: list[int] = []
        rc_start: list[int] = [0]
        rc_domain: list[str] = []
        reason_pick: dict[int, tuple[int, ...]] = {}
        # One pass per message keeps its strings in cache; a pass per column was 3x slower.
        add_hay, add_at, add_end = hay_list.append, addr_at.append, addr_end.append
        add_domains, add_start = rc_domain.extend, rc_start.append
        intern = sys.intern
        total = 0
        for msg in msgs:
            rcpts = msg.recipients
            qid, sender = msg.queue_id, msg.sender
            if len(rcpts) == 1:
                addresses, reasons = rcpts[0].address, rcpts[0].delay_reason
            else:
                addresses = "\n".join([r.address for r in rcpts])
                all_reasons = [r.delay_reason for r in rcpts]
                distinct = dict.fromkeys(all_reasons)
                reasons = "\n".join(distinct)
                if len(distinct) > 1:
                    # Which distinct reason each recipient has (the block lists each once).
                    position = dict(zip(distinct, range(len(distinct))))
                    reason_pick[len(hay_list)] = tuple(map(position.__getitem__, all_reasons))
            raw = f"{qid}\n{sender}\n{addresses}\n{reasons}"
            hay = raw.lower()
            if len(hay) == len(raw):
                at = len(qid) + len(sender) + 2
                end = at + len(addresses)
            else:  # a few characters (e.g. U+0130) grow when lowercased
                at = len(qid.lower()) + len(sender.lower()) + 2
                end = at + len(addresses.lower())
            add_hay(hay)
            add_at(at)
            add_end(end)
            block = hay[at:end]
            if len(rcpts) == 1:
                add_domains((intern(block[block.rfind("@") + 1 :]),))
            elif rcpts:
                add_domains(map(intern, map(_THIRD, map(_DOMAIN_OF, block.split("\n")))))
            total += len(rcpts)
            add_start(total)
        counts = list(map(sub, rc_start[1:], rc_start))
        columns = {
            "hay": tuple(hay_list),
            "addr_at": tuple(addr_at),
            "addr_end": tuple(addr_end),
            "rc_start": tuple(rc_start),
            "rc_domain": tuple(rc_domain),
            "rc_row": tuple(chain.from_iterable(map(repeat, range(len(msgs)), counts))),
            "domains": frozenset(rc_domain),
            "_reason_pick": reason_pick,
            "senders": tuple(
                map(_slice, hay_list, map(len, self.ids), map(sub, addr_at, repeat(1)))
            ),
        }
        # "senders" last: its presence is what :attr:`searchable` checks.
        self.__dict__.update(columns)

    def in_arrival_order(self) -> QueueIndex:
        """This index with its rows renumbered oldest first and every column, search columns
        included, copied into that order (``self`` when the rows are in that order already).

        Oldest first is the default view's order. Filtering it then walks the row numbers,
        columns and haystack strings in memory order instead of jumping about: 2-4x faster
        at 100k-500k messages. The haystacks are copied, not shared, because a string's place
        in memory is fixed when it is made; building them again from the messages, which lie
        in listing order, would cost about twice as much. Meant for a worker thread: the work
        is done in steps of :data:`_STEP` rows, so the UI thread never waits long for the GIL.
        """
        self.build_search_columns()
        if self.arrival_ordered:
            return self
        order = self._ordered("age", True)  # oldest first, ties in row order
        take = partial(_take, order)
        start = self.rc_start
        counts = take(list(map(sub, start[1:], start)))
        firsts = take(start)
        domains_of = self.rc_domain.__getitem__
        picks = self._reason_pick
        new = object.__new__(QueueIndex)
        new._start(
            take(self.messages),
            self.now,
            ids=take(self.ids),
            queues=take(self.queues),
            arrivals=take(self.arrivals),
            sizes=take(self.sizes),
        )
        new.__dict__.update(
            {
                "hay": _stepwise(partial(map, str.join), take(self.hay), repeat(("", ""))),
                "addr_at": take(self.addr_at),
                "addr_end": take(self.addr_end),
                "rc_start": (0, *accumulate(counts)),
                "rc_domain": _stepwise(
                    lambda a, b: chain.from_iterable(map(domains_of, map(slice, a, b))),
                    firsts,
                    map(add, firsts, counts),
                ),
                "rc_row": _stepwise(
                    lambda rows, n: chain.from_iterable(map(repeat, rows, n)),
                    range(len(self)),
                    counts,
                ),
                "domains": self.domains,
                "_reason_pick": {row: picks[old] for row, old in enumerate(order) if old in picks},
                "senders": take(self.senders),
            }
        )
        # Sorting by age, oldest first, is now the identity.
        new._orders[("age", True)] = tuple(range(len(self)))
        return new

    def build_char_masks(self) -> None:
        """For each character of :data:`MASK_CHARS`, which rows contain it (one byte each).

        The first key typed into the filter is a one-character search of every row, the
        most expensive keystroke of a filter; served from these masks it takes 9-17 ms
        instead of 31-45 at 500k messages. Building them costs what 45 such searches do
        (~1.4 s at 500k, in steps that leave the UI thread the GIL) and 22 MB there.
        """
        hay = self.hay
        masks: dict[str, bytes] = {}
        for char in MASK_CHARS:
            chunks = [
                bytes(map(contains, hay[at : at + _STEP], repeat(char)))
                for at in range(0, len(hay), _STEP)
            ]
            masks[char] = b"".join(chunks)
        self._char_masks = masks

    @property
    def has_char_masks(self) -> bool:
        """True once :meth:`build_char_masks` has run."""
        return bool(self._char_masks) or not self.messages

    @property
    def rc_reason(self) -> tuple[str, ...]:
        """Each recipient's delay reason as Postfix wrote it (aligned with ``rc_domain``);
        built on first use (reason clusters and grouping by reason need the original case)."""
        if self._reasons is None:
            self._reasons = tuple([r.delay_reason for msg in self.messages for r in msg.recipients])
        return self._reasons

    @property
    def rc_cluster(self) -> tuple[str, ...]:
        """Lowercase reason cluster of each recipient (aligned with ``rc_domain``); built on
        first use, since normalising every reason costs far more than the rest of the index."""
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
            self._row_of = {m.queue_id: row for row, m in enumerate(self.messages)}
        return self._row_of.get(queue_id)

    def forget_previous(self) -> None:
        """Make the next :meth:`filter` search every row (for benchmarks and tests)."""
        self._last = None
        self._last_select = None

    def recipient_count(self, row: int) -> int:
        """How many (undelivered) recipients row ``row`` has."""
        return self.rc_start[row + 1] - self.rc_start[row]

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
        if within is None and self._last is not None and query.narrows(self._last[0]):
            within = self._last[1]
        rows = self._filter(query, within)
        if remember:
            self._last = (query, rows)
        return rows

    def _filter(self, query: Query, rows: Rows) -> list[int]:
        scoped = [t for t in query.terms if t.field in RECIPIENT_FIELDS]
        plain = [t for t in query.terms if t.field not in RECIPIENT_FIELDS]
        if len(scoped) == 1 and not scoped[0].negate and scoped[0].field == "domain":
            # A lone domain term is an ordinary message-level term.
            plain, scoped = [*plain, scoped[0]], []
        plain.sort(key=lambda t: (t.is_regex, _COST.get(t.field, 8)))
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
        return list(range(len(self.messages))) if rows is None else list(rows)

    def _message_term(self, term: Term, rows: Rows) -> list[int]:
        """Rows (of ``rows``) that satisfy one term at message level (negation included)."""
        field, value = term.field, term.value
        if field == "text" and isinstance(value, str):
            mask = self._char_masks.get(value)
            if mask is not None:
                return self._masked(mask, term.negate, rows)
            return _contains(self.hay, value, term.negate, rows)
        if field == "domain":
            test = domain_test(term.value)
            return self._flat_rows(self.rc_domain, self.domains, test, term, rows)
        if field == "cluster":
            clusters = self.rc_cluster
            return self._flat_rows(clusters, set(clusters), _cluster_test(term.value), term, rows)
        if field in ("to", "reason") or (field == "text" and isinstance(value, re.Pattern)):
            return _select(self._block_tests(term, rows), rows, len(self), term.negate)
        return _select(self._column_tests(term, rows), rows, len(self), term.negate)

    def _masked(self, mask: bytes, negate: bool, rows: Rows) -> list[int]:
        """Rows (of ``rows``) whose byte in ``mask`` is set (``negate``: clear)."""
        if negate:
            mask = mask.translate(_FLIP)
        if rows is None or (self.arrival_ordered and rows is self._orders.get(("age", True))):
            return list(compress(range(len(self)), mask))  # rows in row order
        return list(compress(rows, map(mask.__getitem__, rows)))

    def _block_tests(self, term: Term, rows: Rows) -> Iterator[object]:
        """Per-row truth of a ``to:``/``reason:``/free-regex term on its haystack block."""
        hay: Iterable[str] = self.hay
        lows: Iterable[int]
        highs: Iterable[int]
        if term.field == "to":
            lows, highs = self.addr_at, self.addr_end
        elif term.field == "reason":
            lows, highs = self.addr_end, repeat(sys.maxsize)
        else:
            lows, highs = repeat(0), repeat(sys.maxsize)
        if rows is not None:
            hay = map(self.hay.__getitem__, rows)
            lows = map(lows.__getitem__, rows) if isinstance(lows, tuple) else lows
            highs = map(highs.__getitem__, rows) if isinstance(highs, tuple) else highs
        if term.field == "reason":
            lows = map(add, lows, repeat(1))
        value = term.value
        if isinstance(value, re.Pattern):
            return map(value.search, hay, lows, highs)
        return map(str.count, hay, repeat(str(value)), lows, highs)

    def _column_tests(self, term: Term, rows: Rows) -> Iterator[object]:
        """Per-row truth of a message-level column term (from, id, queue, age, size, <>)."""
        field, value = term.field, term.value
        column: Sequence[Any]
        test: Callable[[Any], object]
        if field == "from" and isinstance(value, re.Pattern):
            column, test = self.senders, value.search
        elif field == "from":
            column, test = self.senders, _substring_test(str(value))
        elif field == "id" and isinstance(value, re.Pattern):
            column, test = self.ids, value.search
        elif field == "id":
            column, test = self.ids, methodcaller("startswith", str(value))
        elif field == "null_sender":
            column, test = self.senders, {_NULL, ""}.__contains__
        elif field == "queue" and isinstance(value, frozenset):
            column, test = self.queues, value.__contains__
        elif field == "size" and isinstance(value, Range):
            column, test = self.sizes, _range_test(value)
        elif field == "age" and isinstance(value, Range):
            # age = now - arrival: an age interval is a reversed arrival interval.
            now = self.now
            arrival = Range(
                None if value.high is None else now - value.high,
                None if value.low is None else now - value.low,
                value.include_high,
                value.include_low,
            )
            column, test = self.arrivals, _range_test(arrival)
        else:
            raise ValueError(f"cannot filter on {field!r}")
        values: Iterable[Any] = column if rows is None else map(column.__getitem__, rows)
        return map(test, values)

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
            start = self.rc_start
            hits = {
                i for i in rows if any(map(wanted.__contains__, column[start[i] : start[i + 1]]))
            }
        else:
            hits = set(compress(self.rc_row, map(wanted.__contains__, column)))
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
        for term in sorted(positive, key=lambda t: (t.is_regex, t.field != "domain")):
            rows = self._message_term(term, rows)
            if not rows:
                return []
        assert rows is not None
        if len(positive) == 1 and not negative and not positive[0].is_regex:
            return list(rows)
        # For a message with one recipient the message-level tests are exact (its blocks are
        # its fields), negated terms included; the others are checked recipient by recipient.
        start = self.rc_start
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
        value = term.value
        truth: Callable[[Sequence[str]], Iterator[object]]
        if term.field == "domain":
            wanted = {d for d in self.domains if domain_test(value)(d)}
            truth = partial(map, wanted.__contains__)
        elif term.field == "cluster":
            truth = partial(map, _cluster_test(value))
        elif isinstance(value, re.Pattern):
            truth = partial(map, value.search)
        else:
            needle = repeat(str(value))
            truth = lambda values: map(str.count, values, needle)  # noqa: E731
        return term.field, truth, term.negate

    def _one_recipient(self, row: int, checks: list[_Check]) -> bool:
        """Whether one recipient of ``row`` passes all ``checks`` (for a negated check: does
        not match it)."""
        start, end = self.rc_start[row], self.rc_start[row + 1]
        alive: Iterable[object] = repeat(True, end - start)
        hay = self.hay[row]
        for field, truth, negate in checks:
            values: Sequence[str]
            if field == "domain":
                values = self.rc_domain[start:end]
            elif field == "cluster":
                values = self.rc_cluster[start:end]
            elif field == "to":
                values = hay[self.addr_at[row] : self.addr_end[row]].split("\n")
            else:
                values = self._reasons_of(row)
            alive = map(and_, alive, map(not_ if negate else bool, truth(values)))
        return any(alive)

    def _reasons_of(self, row: int) -> list[str]:
        """The lowercase delay reason of each recipient of ``row``."""
        block = self.hay[row][self.addr_end[row] + 1 :]
        count = self.rc_start[row + 1] - self.rc_start[row]
        if "\n" not in block:
            return [block] * count
        pick = self._reason_pick.get(row)
        distinct = block.split("\n")
        if pick is None or len(pick) != count or max(pick) >= len(distinct):
            # A reason with a line break in it: lowercase them again.
            return [r.delay_reason.lower() for r in self.messages[row].recipients]
        return list(map(distinct.__getitem__, pick))

    def _some_recipient(self, term: Term, rows: Rows) -> list[int]:
        """Rows where at least one recipient matches ``term`` (its negation ignored)."""
        positive = Term(term.field, term.value, False, term.source)
        found = self._message_term(positive, rows)
        if positive.is_regex:
            start, checks = self.rc_start, [self._recipient_check(positive)]
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
        last = self._last_select
        if query.is_empty:
            rows = list(order)
        elif last is not None and last[1] == (sort_key, reverse) and query.narrows(last[0]):
            rows = self._filter(query, last[2])
        else:
            rows = self._filter(query, order)
        self._last_select = (query, (sort_key, reverse), rows)
        return rows

    def select_cost(self, query: Union[Query, str], sort_key: str, reverse: bool = False) -> int:
        """How many rows :meth:`select` would search for ``query`` now (0: none, the result
        is a copy of a cached order; ``len(self)`` when the order is not sorted yet), so a
        caller can run small selections inline and big ones in a thread."""
        if isinstance(query, str):
            query = parse_query(query)
        if (sort_key, reverse) not in self._orders or not self.searchable:
            return len(self)
        last = self._last_select
        if query.is_empty:
            return 0
        if last is not None and last[1] == (sort_key, reverse) and query.narrows(last[0]):
            return len(last[2])
        return len(self)

    def _ordered(self, sort_key: str, reverse: bool) -> tuple[int, ...]:
        cached = self._orders.get((sort_key, reverse))
        if cached is None:
            cached = tuple(self.sort(range(len(self.messages)), sort_key, reverse))
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
        if column is not None:
            return column
        if key == "id":
            column = self.ids
        elif key == "queue":
            column = self.queues
        elif key == "age":
            column = list(map(sub, repeat(0), self.arrivals))
        elif key == "size":
            column = self.sizes
        elif key == "sender":
            column = self.senders
        elif key == "recipients":
            start = self.rc_start
            column = list(map(sub, start[1:], start))
        elif key == "recipient":
            column = [r[0].address.lower() if r else "" for r in map(_RECIPIENTS, self.messages)]
        elif key == "domain":
            start, domain = self.rc_start, self.rc_domain
            column = [domain[a] if a < b else "" for a, b in zip(start, start[1:])]
        elif key == "reason":
            column = _lowered([m.first_reason for m in self.messages])
        else:
            raise ValueError(f"unknown sort key {key!r}; one of {', '.join(SORT_KEYS)}")
        self._sort_columns[key] = column
        return column


def _take(order: Sequence[int], column: Sequence[Any]) -> tuple[Any, ...]:
    """``column`` reordered: its ``order[0]``-th value first, and so on (stepwise)."""
    return _stepwise(partial(map, column.__getitem__), order)


def _stepwise(step: Callable[..., Iterable[Any]], *columns: Iterable[Any]) -> tuple[Any, ...]:
    """``tuple(step(*columns))`` built :data:`_STEP` items of each column at a time.

    One C-level call over 500k items holds the GIL for up to a second; between steps the
    interpreter can hand it to the UI thread.
    """
    out: list[Any] = []
    iterators = [iter(c) for c in columns]
    while True:
        chunk = [list(islice(it, _STEP)) for it in iterators]
        if not chunk[0]:
            return tuple(out)
        out += step(*chunk)


def _slice(text: str, start: int, end: int) -> str:
    """``text[start + 1:end]`` (a sender between the id's newline and its own)."""
    return text[start + 1 : end]


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


def _substring_test(needle: str) -> Callable[[str], bool]:
    return lambda value: needle in value


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


def _value_test(value: object) -> Callable[[str], object]:
    """A test of one lowercase field value: substring, or regex search."""
    if isinstance(value, re.Pattern):
        return value.search
    needle = str(value)
    return lambda text: needle in text
