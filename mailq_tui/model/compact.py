"""Compact records of one message for the CLI's streamed answers
(:class:`~mailq_tui.model.streamed.StreamedSelection`), and the answers computed from them.

Each record holds only what one command prints: a sort value, or a message's contribution to
the groups (its arrival time, size and the group keys of its recipients), or its shape entry.
Group keys and domains repeat heavily across a queue, so equal contribution tuples are shared
(:class:`Shared`). The results equal what the index-based code computes for the same rows
(:func:`~mailq_tui.model.grouping.group_messages`, :meth:`QueueIndex.sort
<mailq_tui.model.index.QueueIndex.sort>`, :func:`~mailq_tui.model.shape.compute_shape`).
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter
from collections.abc import Hashable, Iterable, MutableSequence, Sequence
from typing import Any, Callable, TypeVar

from mailq_tui.model.grouping import GROUP_BY, TOP_DESTINATIONS, Group, sender_key
from mailq_tui.model.message import Message
from mailq_tui.model.reasons import normalise_reason
from mailq_tui.model.shape import (
    DEFAULT_BUCKETS,
    DEFAULT_WIDTH,
    Shape,
    bucket_of,
    shape_domains,
    shape_of,
)

H = TypeVar("H", bound=Hashable)
T = TypeVar("T")


class Shared:
    """Hands back one object per distinct value, so repeated tuples cost one copy."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: H) -> H:
        """``value``, or the equal value seen first."""
        seen: H = self._seen.setdefault(value, value)
        return seen


def domains_of(msg: Message) -> list[str]:
    """Each recipient's lowercase domain as the index reads it (after the last ``@`` of the
    lowercased address; the whole address without one)."""
    return [sys.intern(r.address.lower().rpartition("@")[2]) for r in msg.recipients]


#: Per sort key of :data:`~mailq_tui.model.index.SORT_KEYS`: a message's value in the
#: index's sort column, except that age keeps the arrival time itself (no new number per
#: message) and sorts it the other way (:data:`DESCENDING`).
SORT_VALUES: dict[str, Callable[[Message], Any]] = {
    "id": lambda m: m.queue_id.lower(),
    "queue": lambda m: m.queue_name,
    "age": lambda m: m.arrival_time,
    "size": lambda m: m.message_size,
    "sender": lambda m: m.sender.lower(),
    "recipient": lambda m: m.recipients[0].address.lower() if m.recipients else "",
    "domain": lambda m: domains_of(m)[0] if m.recipients else "",
    "reason": lambda m: m.first_reason.lower(),
    "recipients": lambda m: len(m.recipients),
}
#: The sort keys, in the order the app lists them (:data:`mailq_tui.model.index.SORT_KEYS`).
SORT_KEYS = tuple(SORT_VALUES)

#: Sort keys whose value sorts descending by default (age: youngest first, the latest
#: arrival first).
DESCENDING = frozenset({"age"})


def sort_by(items: list[T], values: Sequence[Any], key: str, reverse: bool = False) -> list[T]:
    """``items`` ordered by their ``values`` (:data:`SORT_VALUES` of sort ``key``, one per
    item, in the same order), ties in their given order: the order
    :meth:`QueueIndex.sort <mailq_tui.model.index.QueueIndex.sort>` gives. A descending
    stable sort keeps ties in order too, so age (:data:`DESCENDING`) needs no negated copy.

    Sorted in place: list.sort computes each item's key once, in list order, so the keys are
    the values themselves, with no (value, item) pair made per item.
    """
    keys = iter(values)
    items.sort(key=lambda _: next(keys), reverse=reverse != (key in DESCENDING))
    return items


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

    def take(self, positions: Sequence[int]) -> Sequence[Any]:
        """The values at ``positions`` (:meth:`StreamedSelection.positions`)."""
        values = self.values
        if isinstance(positions, range) and len(positions) == len(values):
            return values
        return [values[i] for i in positions]


def sort_column(key: str) -> Column:
    """The column of sort ``key``'s values (:data:`SORT_VALUES`)."""
    return Column(SORT_VALUES[key], numeric=key in NUMERIC_SORT_KEYS)


#: A message's contribution to the groups: (arrival time, size, keys) where ``keys`` is a
#: tuple of (group key, recipient domain) per recipient for the per-recipient groupings
#: (domain, reason), and (group key, (recipient domains ...)) for the per-message ones.
Contribution = tuple[int, int, tuple[Any, ...]]


class GroupColumns:
    """What ``groups --by BY`` / ``reasons`` keep per selected message (``by`` in
    :data:`GROUP_BY`): its arrival time and size (arrays) and its group keys, one shared tuple
    per distinct set of keys (see :data:`Contribution`)."""

    def __init__(self, by: str) -> None:
        if by not in GROUP_BY:
            raise ValueError(f"cannot group by {by!r}; one of {', '.join(GROUP_BY)}")
        self.by = by
        self._shared = Shared()
        self._arrivals: array[int] = array("q")
        self._sizes: array[int] = array("q")
        self._keys: list[tuple[Any, ...]] = []

    def add(self, msg: Message) -> None:
        """Store ``msg``'s contribution (a :class:`StreamedSelection` ``keep``)."""
        self._arrivals.append(msg.arrival_time)
        self._sizes.append(msg.message_size)
        self._keys.append(self._shared(self._keys_of(msg)))

    def _keys_of(self, msg: Message) -> tuple[Any, ...]:
        by = self.by
        if by == "domain":
            domains = domains_of(msg)
            return tuple(zip(domains, domains))
        if by == "reason":
            # Not the cached normalise_reason: a one-shot listing would fill its cache with
            # every distinct reason (most name their recipient) and keep them all.
            reasons = map(_normalise, [r.delay_reason for r in msg.recipients])
            return tuple(zip(reasons, domains_of(msg)))
        if by == "queue":
            key = msg.queue_name
        else:
            key = sender_key(msg.sender.lower(), by == "sender_domain")
        return (key, tuple(domains_of(msg)))

    def take(self, positions: Sequence[int]) -> Iterable[Contribution]:
        """The contributions at ``positions`` (:meth:`StreamedSelection.positions`)."""
        arrivals, sizes, keys = self._arrivals, self._sizes, self._keys
        return ((arrivals[i], sizes[i], keys[i]) for i in positions)


#: :func:`~mailq_tui.model.reasons.normalise_reason` without its cache of whole reasons.
_normalise: Callable[[str], str] = normalise_reason.__wrapped__


def tally_groups(records: Iterable[Contribution], by: str) -> list[Group]:
    """The groups of the selected messages' ``records`` (in listing order), biggest first:
    what :func:`~mailq_tui.model.grouping.group_messages` gives for the same rows (without
    the rows: the CLI prints counts)."""
    groups: dict[str, Group] = {}
    destinations: dict[str, Counter[str]] = {}

    def group(key: str, arrival: int, size: int) -> Group:
        found = groups.get(key)
        if found is None:
            found = groups[key] = Group(key, oldest=arrival, newest=arrival)
            destinations[key] = Counter()
        found.count += 1
        found.bytes += size
        found.oldest = min(found.oldest, arrival)
        found.newest = max(found.newest, arrival)
        return found

    per_recipient = by in ("domain", "reason")
    for arrival, size, keys in records:
        if per_recipient:
            seen: set[str] = set()
            for key, domain in keys:
                if key not in seen:
                    seen.add(key)
                    group(key, arrival, size)
                groups[key].recipients += 1
                destinations[key][domain] += 1
        else:
            key, domains = keys
            group(key, arrival, size).recipients += len(domains)
            destinations[key].update(domains)
    for key, found in groups.items():
        found.top_destinations = destinations[key].most_common(TOP_DESTINATIONS)
    return sorted(groups.values(), key=lambda g: (-g.count, g.key))


class ShapeColumn:
    """What ``shape`` keeps per selected message: its age bucket and the domains it counts
    under, one shared tuple per distinct pair (a message outside ``queues``, when given,
    counts under no domain)."""

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
        self._shared = Shared()
        self.entries: list[tuple[int, tuple[str, ...]]] = []

    def add(self, msg: Message) -> None:
        """Store ``msg``'s entry (a :class:`StreamedSelection` ``keep``)."""
        bucket = bucket_of(self._now - msg.arrival_time, self._buckets, self._width, self._linear)
        if self._wanted and msg.queue_name not in self._wanted:
            domains: tuple[str, ...] = ()
        else:
            domains = tuple(shape_domains(msg, self._by))
        self.entries.append(self._shared((bucket, domains)))

    def shape(self, positions: Sequence[int]) -> Shape:
        """The qshape table of the entries at ``positions``."""
        entries = self.entries
        return shape_of(
            (entries[i] for i in positions),
            by=self._by,
            buckets=self._buckets,
            first_width=self._width,
            linear=self._linear,
        )
