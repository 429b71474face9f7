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
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any, Callable, TypeVar

from mailq_tui.model.grouping import GROUP_BY, TOP_DESTINATIONS, Group, sender_key
from mailq_tui.model.message import Message
from mailq_tui.model.reasons import normalise_reason
from mailq_tui.model.shape import shape_domains

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


#: A message's contribution to the groups: (arrival time, size, keys) where ``keys`` is a
#: tuple of (group key, recipient domain) per recipient for the per-recipient groupings
#: (domain, reason), and (group key, (recipient domains ...)) for the per-message ones.
Contribution = tuple[int, int, tuple[Any, ...]]


def group_contribution(by: str) -> Callable[[Message], Contribution]:
    """The record keeper for ``groups --by BY`` / ``reasons`` (``by`` in :data:`GROUP_BY`)."""
    if by not in GROUP_BY:
        raise ValueError(f"cannot group by {by!r}; one of {', '.join(GROUP_BY)}")
    shared = Shared()
    if by in ("domain", "reason"):

        def per_recipient(msg: Message) -> Contribution:
            domains = domains_of(msg)
            if by == "domain":
                keys = tuple(zip(domains, domains))
            else:
                reasons = map(normalise_reason, [r.delay_reason for r in msg.recipients])
                keys = tuple(zip(reasons, domains))
            return (msg.arrival_time, msg.message_size, shared(keys))

        return per_recipient

    def per_message(msg: Message) -> Contribution:
        if by == "queue":
            key = msg.queue_name
        else:
            key = sender_key(msg.sender.lower(), by == "sender_domain")
        return (msg.arrival_time, msg.message_size, shared((key, tuple(domains_of(msg)))))

    return per_message


def tally_groups(records: Sequence[Contribution], by: str) -> list[Group]:
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


#: A message's shape entry: (arrival time, the domains it counts under).
ShapeEntry = tuple[int, tuple[str, ...]]


def shape_entry(by: str, queues: Sequence[str] = ()) -> Callable[[Message], ShapeEntry]:
    """The record keeper for ``shape`` (``by``: rcpt or sender; a message outside ``queues``,
    when given, counts under no domain)."""
    wanted = set(queues)
    shared = Shared()

    def entry(msg: Message) -> ShapeEntry:
        if wanted and msg.queue_name not in wanted:
            return (msg.arrival_time, ())
        return (msg.arrival_time, shared(tuple(shape_domains(msg, by))))

    return entry
