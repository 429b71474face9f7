"""The queue index: per-message columns precomputed once per listing, so that filtering a
keystroke and sorting touch only flat Python lists, never the message objects.

A view is a list of row numbers (positions in :attr:`QueueIndex.messages`). :meth:`filter`
runs each term over the rows still alive, cheapest terms first; when a new query provably
narrows the previous one (:meth:`Query.narrows`) it starts from the previous result.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any, Callable, Optional

from mailq_tui.model.message import NULL_SENDER, Message
from mailq_tui.model.query import RECIPIENT_FIELDS, Query, Range, Term, parse_query

#: Sort keys and what they order by.
SORT_KEYS = ("id", "queue", "age", "size", "sender", "recipient", "domain", "reason", "recipients")

#: Evaluation order: cheap, selective message-level terms first.
_COST = {"queue": 0, "null_sender": 1, "age": 2, "size": 3, "id": 4, "from": 5, "text": 6}


class QueueIndex:
    """Columns over one snapshot's messages. ``now`` (epoch seconds) is the time ages are
    measured from."""

    def __init__(self, messages: Sequence[Message], now: float) -> None:
        self.messages: list[Message] = list(messages)
        self.now = now
        intern = sys.intern
        lowered: dict[str, str] = {"": ""}
        self.ids: list[str] = []
        self.queues: list[str] = []
        self.arrivals: list[int] = []
        self.sizes: list[int] = []
        self.senders: list[str] = []
        self.hay: list[str] = []
        #: Flat per-recipient columns; recipients of row i are rc_start[i]:rc_start[i + 1].
        self.rc_start: list[int] = [0]
        self.rc_row: list[int] = []
        self.rc_addr: list[str] = []
        self.rc_domain: list[str] = []
        self.rc_reason: list[str] = []
        add_row, add_addr = self.rc_row.append, self.rc_addr.append
        add_domain, add_reason = self.rc_domain.append, self.rc_reason.append
        for row, msg in enumerate(self.messages):
            qid = msg.queue_id.lower()
            sender = msg.sender.lower()
            parts = [qid, sender]
            for rcpt in msg.recipients:
                addr = rcpt.address.lower()
                reason = lowered.get(rcpt.delay_reason)
                if reason is None:
                    reason = lowered[rcpt.delay_reason] = rcpt.delay_reason.lower()
                add_row(row)
                add_addr(addr)
                add_domain(intern(addr[addr.rfind("@") + 1 :]))
                add_reason(reason)
                parts.append(addr)
                parts.append(reason)
            self.rc_start.append(len(self.rc_row))
            self.ids.append(qid)
            self.queues.append(msg.queue_name)
            self.arrivals.append(msg.arrival_time)
            self.sizes.append(msg.message_size)
            self.senders.append(sender)
            self.hay.append("\n".join(parts))
        self._row_of: Optional[dict[str, int]] = None
        self._last: Optional[tuple[Query, list[int]]] = None
        self._last_select: Optional[tuple[Query, tuple[str, bool], list[int]]] = None
        self._orders: dict[tuple[str, bool], list[int]] = {}

    def __len__(self) -> int:
        return len(self.messages)

    def row_of(self, queue_id: str) -> Optional[int]:
        """The row of ``queue_id`` in this snapshot, or None."""
        if self._row_of is None:
            self._row_of = {m.queue_id: row for row, m in enumerate(self.messages)}
        return self._row_of.get(queue_id)

    # ------------------------------------------------------------------ filtering

    def filter(self, query: Query | str, within: Optional[Sequence[int]] = None) -> list[int]:
        """Rows matching ``query`` (a Query or its text), in row order.

        ``within``: only consider these rows. Without it, the previous result is reused when
        ``query`` narrows the previous query.
        """
        if isinstance(query, str):
            query = parse_query(query)
        if within is None and self._last is not None and query.narrows(self._last[0]):
            within = self._last[1]
        rows: Optional[list[int]] = list(within) if within is not None else None
        plain = sorted(
            (t for t in query.terms if t.field not in RECIPIENT_FIELDS),
            key=lambda t: _COST.get(t.field, 9),
        )
        for term in plain:
            rows = self._apply(term, rows)
        scoped = [t for t in query.terms if t.field in RECIPIENT_FIELDS]
        if scoped:
            rows = self._apply_recipients(scoped, rows)
        result = list(range(len(self.messages))) if rows is None else rows
        self._last = (query, result)
        return result

    def _apply(self, term: Term, rows: Optional[list[int]]) -> list[int]:
        field, value, negate = term.field, term.value, term.negate
        if field == "text" and isinstance(value, str):
            return _substring(self.hay, value, negate, rows)
        column: Sequence[Any]
        test: Callable[[Any], bool]
        if field in ("text", "from", "id"):
            column = {"text": self.hay, "from": self.senders, "id": self.ids}[field]
            if isinstance(value, re.Pattern):
                search = value.search
                test = lambda v: search(v) is not None  # noqa: E731
            elif field == "id":
                prefix = str(value)
                test = lambda v: v.startswith(prefix)  # noqa: E731
            else:
                return _substring(self.senders, str(value), negate, rows)
        elif field == "null_sender":
            column, null = self.senders, NULL_SENDER.lower()
            test = lambda v: v == null or v == ""  # noqa: E731
        elif field == "queue" and isinstance(value, frozenset):
            column = self.queues
            test = value.__contains__
        elif field == "size" and isinstance(value, Range):
            column = self.sizes
            test = _bounds_test(value.low, value.high, value.include_low, value.include_high)
        elif field == "age" and isinstance(value, Range):
            # age = now - arrival: an age interval is a reversed arrival interval.
            column, now = self.arrivals, self.now
            test = _bounds_test(
                None if value.high is None else now - value.high,
                None if value.low is None else now - value.low,
                value.include_high,
                value.include_low,
            )
        else:
            raise ValueError(f"cannot filter on {field!r}")
        if negate:
            if rows is None:
                return [i for i, v in enumerate(column) if not test(v)]
            return [i for i in rows if not test(column[i])]
        if rows is None:
            return [i for i, v in enumerate(column) if test(v)]
        return [i for i in rows if test(column[i])]

    def _apply_recipients(self, terms: list[Term], rows: Optional[list[int]]) -> list[int]:
        """Recipient-scoped terms: positive ones must hold for one and the same recipient."""
        if rows is None or len(rows) * 4 > len(self.messages):
            # Scanning every recipient beats gathering the recipients of many rows.
            candidates: Optional[list[int]] = None
        else:
            start = self.rc_start
            candidates = [j for i in rows for j in range(start[i], start[i + 1])]
        positive = [t for t in terms if not t.negate]
        negative = [t for t in terms if t.negate]
        rc_row = self.rc_row
        if positive:
            for term in positive:
                candidates = self._recipients_matching(term, candidates, keep=True)
            for term in negative:
                candidates = self._recipients_matching(term, candidates, keep=False)
            hits = set() if candidates is None else {rc_row[j] for j in candidates}
            base = range(len(self.messages)) if rows is None else rows
            return [i for i in base if i in hits]
        excluded: set[int] = set()
        for term in negative:
            excluded.update(rc_row[j] for j in self._recipients_matching(term, candidates, True))
        base = range(len(self.messages)) if rows is None else rows
        return [i for i in base if i not in excluded]

    def _recipients_matching(
        self, term: Term, candidates: Optional[list[int]], keep: bool
    ) -> list[int]:
        """Recipient positions (within ``candidates``) whose field matches ``term``
        (``keep=False``: whose field does not match)."""
        column = {"to": self.rc_addr, "domain": self.rc_domain, "reason": self.rc_reason}[
            term.field
        ]
        if term.field != "domain" and not isinstance(term.value, re.Pattern):
            needle = str(term.value)
            if candidates is None:
                return [j for j, v in enumerate(column) if (needle in v) == keep]
            return [j for j in candidates if (needle in column[j]) == keep]
        # Domains repeat a lot (regexes are costly): decide once per distinct value.
        test = _value_predicate(term)
        distinct = set(column) if candidates is None else {column[j] for j in candidates}
        matching = {v for v in distinct if test(v)}
        if candidates is None:
            if keep:
                return [j for j, v in enumerate(column) if v in matching]
            return [j for j, v in enumerate(column) if v not in matching]
        if keep:
            return [j for j in candidates if column[j] in matching]
        return [j for j in candidates if column[j] not in matching]

    def select(self, query: Query | str, sort_key: str, reverse: bool = False) -> list[int]:
        """Rows matching ``query`` in ``sort_key`` order: what a list view shows.

        The full ordering is computed once per (key, direction) and filtered in place, so a
        keystroke never sorts; a query that narrows the previous one filters only the previous
        result (which is already in order).
        """
        if isinstance(query, str):
            query = parse_query(query)
        order = self._ordered(sort_key, reverse)
        last = self._last_select
        if last is not None and last[1] == (sort_key, reverse) and query.narrows(last[0]):
            rows = self.filter(query, within=last[2]) if not query.is_empty else list(order)
        else:
            rows = self.filter(query, within=order) if not query.is_empty else list(order)
        self._last_select = (query, (sort_key, reverse), rows)
        return rows

    def _ordered(self, sort_key: str, reverse: bool) -> list[int]:
        cached = self._orders.get((sort_key, reverse))
        if cached is None:
            cached = self.sort(range(len(self.messages)), sort_key, reverse)
            self._orders[(sort_key, reverse)] = cached
        return cached

    # ------------------------------------------------------------------ sorting

    def sort(self, rows: Sequence[int], key: str, reverse: bool = False) -> list[int]:
        """``rows`` ordered by ``key`` (one of :data:`SORT_KEYS`); ties keep row order.

        ``age`` sorts youngest first (reverse: oldest first).
        """
        column = self._sort_column(key)
        ordered = sorted(rows, key=column.__getitem__, reverse=reverse)
        return ordered

    def _sort_column(self, key: str) -> Sequence[Any]:
        if key == "id":
            return self.ids
        if key == "queue":
            return self.queues
        if key == "age":
            return [-a for a in self.arrivals]
        if key == "size":
            return self.sizes
        if key == "sender":
            return self.senders
        if key == "recipients":
            start = self.rc_start
            return [start[i + 1] - start[i] for i in range(len(self.messages))]
        if key in ("recipient", "domain", "reason"):
            column = {
                "recipient": self.rc_addr,
                "domain": self.rc_domain,
                "reason": self.rc_reason,
            }[key]
            return [_first(column, a, b) for a, b in zip(self.rc_start, self.rc_start[1:])]
        raise ValueError(f"unknown sort key {key!r}; one of {', '.join(SORT_KEYS)}")


def _first(column: list[str], start: int, end: int) -> str:
    for j in range(start, end):
        if column[j]:
            return column[j]
    return ""


def _substring(
    column: list[str], needle: str, negate: bool, rows: Optional[list[int]]
) -> list[int]:
    if negate:
        if rows is None:
            return [i for i, h in enumerate(column) if needle not in h]
        return [i for i in rows if needle not in column[i]]
    if rows is None:
        return [i for i, h in enumerate(column) if needle in h]
    return [i for i in rows if needle in column[i]]


def _bounds_test(
    low: Optional[float], high: Optional[float], include_low: bool, include_high: bool
) -> Callable[[Any], bool]:
    """A one-call test ``low <(=) v <(=) high`` (either end may be open)."""
    if low is None and high is None:
        return lambda v: True
    if low is None:
        return (lambda v: v <= high) if include_high else (lambda v: v < high)
    if high is None:
        return (lambda v: v >= low) if include_low else (lambda v: v > low)
    if include_low and include_high:
        return lambda v: low <= v <= high
    if include_low:
        return lambda v: low <= v < high
    if include_high:
        return lambda v: low < v <= high
    return lambda v: low < v < high


def _value_predicate(term: Term) -> Callable[[str], bool]:
    """A test on one recipient field value (address, domain or reason) for ``term``."""
    value = term.value
    if isinstance(value, re.Pattern):
        search = value.search
        return lambda v: search(v) is not None
    text = str(value)
    if term.field == "domain":
        if text.startswith("."):
            return lambda v: v.endswith(text)
        dotted = "." + text
        return lambda v: v == text or v.endswith(dotted)
    return lambda v: text in v
