"""Grouping rows of a :class:`QueueIndex` by recipient domain, sender, sender domain, queue or
normalised deferral reason.

Messages are counted once per group. A message with recipients in several domains (or with
several different reasons) belongs to each of those groups, so group counts may add up to more
than the number of messages; ``recipients`` counts only the recipients that put the message in
that group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import NULL_SENDER
from mailq_tui.model.reasons import normalise_reason

#: What rows can be grouped by.
GROUP_BY = ("domain", "sender", "sender_domain", "queue", "reason")
#: How many top destinations each group keeps.
TOP_DESTINATIONS = 5


@dataclass
class Group:
    """One group: its key and what is in it."""

    key: str
    count: int = 0
    recipients: int = 0
    bytes: int = 0
    oldest: int = 0
    newest: int = 0
    top_destinations: list[tuple[str, int]] = field(default_factory=list)
    #: Rows (index positions) of the group's messages, in row order.
    rows: list[int] = field(default_factory=list)


def sender_key(sender: str, by_domain: bool) -> str:
    """The grouping key of a (lowercase) sender: ``<>`` for the null sender."""
    if sender in ("", NULL_SENDER.lower()):
        return "<>"
    if by_domain:
        return sender[sender.rfind("@") + 1 :] if "@" in sender else sender
    return sender


def group_messages(index: QueueIndex, rows: Sequence[int], by: str) -> list[Group]:
    """Group ``rows`` of ``index`` by ``by`` (one of :data:`GROUP_BY`), biggest group first."""
    if by not in GROUP_BY:
        raise ValueError(f"cannot group by {by!r}; one of {', '.join(GROUP_BY)}")
    members: dict[str, list[int]] = {}
    rcpt_counts: Counter[str] = Counter()
    destinations: dict[str, Counter[str]] = {}
    search = index.search_columns()
    start, rc_domain = search.rc_start, search.rc_domain
    if by in ("domain", "reason"):
        # Reasons are grouped in their original case (the index keeps lowercase copies).
        column = rc_domain if by == "domain" else index.rc_reason
        keys_of: dict[str, str] = {}
        for row in rows:
            seen: set[str] = set()
            for j in range(start[row], start[row + 1]):
                value = column[j]
                key = keys_of.get(value)
                if key is None:
                    key = keys_of[value] = normalise_reason(value) if by == "reason" else value
                rcpt_counts[key] += 1
                dest = destinations.get(key)
                if dest is None:
                    dest = destinations[key] = Counter()
                dest[rc_domain[j]] += 1
                if key not in seen:
                    seen.add(key)
                    members.setdefault(key, []).append(row)
    else:
        if by == "queue":
            keys = index.listing.queues
        else:
            keys = tuple(sender_key(s, by == "sender_domain") for s in search.senders)
        for row in rows:
            key = keys[row]
            members.setdefault(key, []).append(row)
            rcpt_counts[key] += start[row + 1] - start[row]
            dest = destinations.get(key)
            if dest is None:
                dest = destinations[key] = Counter()
            for j in range(start[row], start[row + 1]):
                dest[rc_domain[j]] += 1
    groups = [
        _summarise(index, key, group_rows, rcpt_counts[key], destinations[key])
        for key, group_rows in members.items()
    ]
    groups.sort(key=lambda g: (-g.count, g.key))
    return groups


def _summarise(
    index: QueueIndex, key: str, rows: list[int], recipients: int, destinations: Counter[str]
) -> Group:
    arrivals, sizes = index.listing.arrivals, index.listing.sizes
    times = [arrivals[r] for r in rows]
    return Group(
        key=key,
        count=len(rows),
        recipients=recipients,
        bytes=sum(sizes[r] for r in rows),
        oldest=min(times),
        newest=max(times),
        top_destinations=destinations.most_common(TOP_DESTINATIONS),
        rows=rows,
    )
