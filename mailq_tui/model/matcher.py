"""The query engine one message at a time: :func:`message_matcher` decides, for one decoded
:class:`~mailq_tui.model.message.Message`, what :meth:`QueueIndex.filter
<mailq_tui.model.index.QueueIndex.filter>` decides for its row.

The CLI tests each record as it streams out of ``postqueue -j`` (no index is built for a
one-shot answer), so the same query text must select the same messages here as in the app.
Every test below mirrors the index's one (:mod:`mailq_tui.model.index`): the same lowercase
haystack ``id \\n sender \\n addresses \\n distinct reasons`` and its two offsets
(:class:`~mailq_tui.model.index_columns.SearchColumns`), the same substring, prefix, range and
regex calls, and the same recipient-scoping branches (see :mod:`mailq_tui.model.query`).
``tests/unit/test_matcher.py`` checks the agreement on every field, negation, regex and scoping
rule over a generated corpus.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Callable, Optional

from mailq_tui.model.message import NULL_SENDER, Message, Recipient
from mailq_tui.model.query import RECIPIENT_FIELDS, Query, Range, Term, domain_test
from mailq_tui.model.reasons import cluster_key

_NULL = NULL_SENDER.lower()


class MessageView:
    """The lowercase texts of one message the tests read, each made on first use."""

    __slots__ = ("_domains", "_hay", "msg", "sender")

    def __init__(self, msg: Message) -> None:
        self.msg = msg
        self.sender = msg.sender.lower()
        self._hay: Optional[tuple[str, int, int]] = None
        self._domains: Optional[list[str]] = None

    @property
    def hay(self) -> tuple[str, int, int]:
        """(haystack, where the addresses start, where they end), as the index lays it out."""
        if self._hay is None:
            self._hay = _haystack(self.msg)
        return self._hay

    @property
    def domains(self) -> list[str]:
        """The lowercase domain of each recipient (the whole address without an ``@``)."""
        if self._domains is None:
            hay, at, end = self.hay
            block = hay[at:end]
            rcpts = len(self.msg.recipients)
            if rcpts == 1:
                self._domains = [sys.intern(block[block.rfind("@") + 1 :])]
            elif rcpts:
                self._domains = [sys.intern(a.rpartition("@")[2]) for a in block.split("\n")]
            else:
                self._domains = []
        return self._domains

    def addresses(self) -> list[str]:
        """Each recipient's lowercase address (the index splits its address block)."""
        hay, at, end = self.hay
        return hay[at:end].split("\n")

    def reasons(self) -> list[str]:
        """Each recipient's lowercase delay reason, read from the reason block as the index
        reads it (the block lists each distinct reason once)."""
        hay, _, end = self.hay
        block = hay[end + 1 :]
        rcpts = self.msg.recipients
        if "\n" not in block:
            return [block] * len(rcpts)
        distinct = block.split("\n")
        pick = _reason_pick(rcpts)
        if pick is None or len(pick) != len(rcpts) or max(pick) >= len(distinct):
            return [r.delay_reason.lower() for r in rcpts]
        return list(map(distinct.__getitem__, pick))

    def clusters(self) -> list[str]:
        """Each recipient's lowercase reason cluster."""
        return [cluster_key(r.delay_reason) for r in self.msg.recipients]


def _haystack(msg: Message) -> tuple[str, int, int]:
    """The haystack of ``msg`` and its address block, exactly as ``SearchColumns.build``."""
    rcpts = msg.recipients
    qid, sender = msg.queue_id, msg.sender
    if len(rcpts) == 1:
        addresses, reasons = rcpts[0].address, rcpts[0].delay_reason
    else:
        addresses = "\n".join([r.address for r in rcpts])
        reasons = "\n".join(dict.fromkeys([r.delay_reason for r in rcpts]))
    raw = f"{qid}\n{sender}\n{addresses}\n{reasons}"
    hay = raw.lower()
    if len(hay) == len(raw):
        at = len(qid) + len(sender) + 2
        end = at + len(addresses)
    else:  # a few characters (e.g. U+0130) grow when lowercased
        at = len(qid.lower()) + len(sender.lower()) + 2
        end = at + len(addresses.lower())
    return hay, at, end


def _reason_pick(rcpts: Sequence[Recipient]) -> Optional[tuple[int, ...]]:
    """Which line of the reason block each recipient has, when there is more than one
    distinct reason (``SearchColumns.reason_pick``)."""
    if len(rcpts) == 1:
        return None
    reasons = [r.delay_reason for r in rcpts]
    distinct = dict.fromkeys(reasons)
    if len(distinct) < 2:
        return None
    position = dict(zip(distinct, range(len(distinct))))
    return tuple(map(position.__getitem__, reasons))


#: A test of one message (its view): truthy when the term's positive form holds.
_Test = Callable[[MessageView], object]
#: A test of one recipient value (address, reason, domain or cluster).
_ValueTest = Callable[[str], object]


def _range_test(bounds: Range) -> Callable[[float], bool]:
    """``low <(=) v <(=) high``, either end open (as the index's range test)."""
    low, high = bounds.low, bounds.high

    def test(v: float) -> bool:
        if low is not None and not (v >= low if bounds.include_low else v > low):
            return False
        return high is None or (v <= high if bounds.include_high else v < high)

    return test


def _age_range(value: Range, now: float) -> Range:
    """An age interval as the reversed interval of arrival times (the index's reading)."""
    return Range(
        None if value.high is None else now - value.high,
        None if value.low is None else now - value.low,
        value.include_high,
        value.include_low,
    )


def _text_value_test(value: object) -> _ValueTest:
    if isinstance(value, re.Pattern):
        return value.search
    needle = str(value)
    return lambda text: needle in text


def _cluster_value_test(value: object) -> _ValueTest:
    if isinstance(value, re.Pattern):
        return value.search
    return str(value).__eq__


def _value_test(term: Term) -> _ValueTest:
    """The test of one recipient's value for a recipient term (its negation ignored)."""
    if term.field == "domain":
        return domain_test(term.value)
    if term.field == "cluster":
        return _cluster_value_test(term.value)
    return _text_value_test(term.value)


def _values(field: str) -> Callable[[MessageView], Sequence[str]]:
    """Each recipient's value of a recipient ``field``."""
    if field == "to":
        return MessageView.addresses
    if field == "reason":
        return MessageView.reasons
    if field == "domain":
        return lambda view: view.domains
    return MessageView.clusters


def _block_test(value: object, reasons: bool) -> _Test:
    """Search the address block (``reasons``: the reason block) of the haystack."""
    if isinstance(value, re.Pattern):
        search = value.search
        if reasons:
            return lambda v: search(v.hay[0], v.hay[2] + 1)
        return lambda v: search(*v.hay)
    needle = str(value)
    if reasons:
        return lambda v: v.hay[0].count(needle, v.hay[2] + 1)
    return lambda v: v.hay[0].count(needle, v.hay[1], v.hay[2])


def _message_test(term: Term, now: float) -> _Test:
    """The message-level test of one term's positive form (what the index's column or block
    test answers for a row)."""
    field, value = term.field, term.value
    if field == "queue":
        assert isinstance(value, frozenset)
        return lambda v: v.msg.queue_name in value
    if field == "null_sender":
        return lambda v: v.sender in (_NULL, "")
    if field in ("age", "size"):
        assert isinstance(value, Range)
        if field == "age":
            arrival = _range_test(_age_range(value, now))
            return lambda v: arrival(v.msg.arrival_time)
        size = _range_test(value)
        return lambda v: size(v.msg.message_size)
    if field == "id":
        if isinstance(value, re.Pattern):
            search = value.search
            return lambda v: search(v.msg.queue_id.lower())
        prefix = str(value)
        return lambda v: v.msg.queue_id.lower().startswith(prefix)
    if field == "from":
        sender_test = _text_value_test(value)
        return lambda v: sender_test(v.sender)
    if field == "text":
        if isinstance(value, re.Pattern):
            search = value.search
            return lambda v: search(v.hay[0])
        needle = str(value)
        return lambda v: needle in v.hay[0]
    if field == "to":
        return _block_test(value, reasons=False)
    if field == "reason":
        return _block_test(value, reasons=True)
    if field in ("domain", "cluster"):
        each = _value_test(term)
        values = _values(field)
        return lambda v: any(map(each, values(v)))
    raise ValueError(f"cannot filter on {field!r}")


def _exact(term: Term) -> bool:
    """True for fields whose message-level test already decides recipient by recipient."""
    return term.field in ("domain", "cluster")


def _some_recipient(term: Term, now: float) -> _Test:
    """At least one recipient matches ``term``'s positive form (the index's reading of a
    negated recipient term when the query has no positive one)."""
    found = _message_test(term, now)
    if not (term.is_regex and not _exact(term)):
        return found
    values, each = _values(term.field), _value_test(term)

    def test(v: MessageView) -> bool:
        if not found(v):
            return False
        return len(v.msg.recipients) == 1 or any(map(each, values(v)))

    return test


def _recipient_scoped(terms: list[Term], now: float) -> _Test:
    """The recipient terms of a query, scoped to one recipient (see :mod:`query`)."""
    positive = [t for t in terms if not t.negate]
    negative = [t for t in terms if t.negate]
    if not positive:
        tests = [_some_recipient(t, now) for t in negative]
        return lambda v: not any(test(v) for test in tests)
    must = [_message_test(t, now) for t in positive]
    if len(positive) == 1 and not negative and not positive[0].is_regex:
        return must[0]
    excluded = [_message_test(t, now) for t in negative]
    checks = [(_values(t.field), _value_test(t), t.negate) for t in terms]

    def one_recipient(v: MessageView) -> bool:
        count = len(v.msg.recipients)
        alive = [True] * count
        for values, each, negate in checks:
            found = values(v)
            for i in range(min(count, len(found))):
                if alive[i] and bool(each(found[i])) == negate:
                    alive[i] = False
            if len(found) < count:
                del alive[len(found) :]
                count = len(found)
        return any(alive)

    def test(v: MessageView) -> bool:
        if not all(t(v) for t in must):
            return False
        count = len(v.msg.recipients)
        if count == 1:
            return not any(t(v) for t in excluded)
        return count > 1 and one_recipient(v)

    return test


def message_matcher(query: Query, now: float) -> Callable[[Message], bool]:
    """A test of one message: True when :meth:`QueueIndex.filter` would select its row for
    ``query`` in an index whose ages are measured from ``now``."""
    scoped = [t for t in query.terms if t.field in RECIPIENT_FIELDS]
    plain = [t for t in query.terms if t.field not in RECIPIENT_FIELDS]
    if len(scoped) == 1 and not scoped[0].negate and _exact(scoped[0]):
        plain, scoped = [*plain, scoped[0]], []
    plain.sort(key=lambda t: t.is_regex)  # cheap tests first; the result is the same
    tests = [(_message_test(t, now), t.negate) for t in plain]
    if scoped:
        tests.append((_recipient_scoped(scoped, now), False))
    if not tests:
        return lambda msg: True

    def matches(msg: Message) -> bool:
        view = MessageView(msg)
        return all(bool(test(view)) != negate for test, negate in tests)

    return matches
