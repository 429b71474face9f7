"""Grouping rows of a :class:`QueueIndex` by recipient domain, sender, sender domain, queue or
normalised deferral reason.

Messages are counted once per group. A message with recipients in several domains (or with
several different reasons) belongs to each of those groups, so group counts may add up to more
than the number of messages; ``recipients`` counts only the recipients that put the message in
that group.

Grouping is redone at each filter keystroke while the list is grouped, so what does not
depend on the filter is worked out once per index, beside it (weakly referenced: it goes with
the index): each row's group key as a number (a message in several groups gets the number of
that combination), its recipient domains as a number into a few shared tuples, and sizes and
arrival times as machine integers. A keystroke then costs a pass over the filtered rows and a
few C-level passes per group, not a Python step per recipient.
"""

from __future__ import annotations

import threading
import weakref
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, islice
from operator import mul, sub
from typing import Any, Callable, Optional

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
    """Group ``rows`` of ``index`` by ``by`` (one of :data:`GROUP_BY`), biggest group first.

    The group key of every row (and, for a message in several groups, of every recipient) is
    worked out once per index and grouping (:func:`_group_keys`); a call, such as a filter
    keystroke while grouped, then only sorts ``rows`` into their groups and sums what the
    groups show, mostly in C (3-10x less than summing recipient by recipient; see
    ``bench.model_bench --regroup-only``). Rows equal to the last call's give its groups
    again.
    """
    if by not in GROUP_BY:
        raise ValueError(f"cannot group by {by!r}; one of {', '.join(GROUP_BY)}")
    keys = _group_keys(index, by)
    with _KEYS_LOCK:
        last_rows, last_groups = keys.last
    if last_rows == rows:
        # The same rows as last time (a keystroke that did not change what matches, a group
        # expanded or collapsed): the same groups. Groups are never changed once made.
        return list(last_groups)
    groups = _grouped(index, keys, rows)
    with _KEYS_LOCK:
        keys.last[:] = [list(rows), groups]
    return list(groups)


def _grouped(index: QueueIndex, keys: _Keys, rows: Sequence[int]) -> list[Group]:
    """:func:`group_messages` over ``keys``."""
    members: list[list[int]] = [[] for _ in keys.keys]
    appends: list[Callable[[int], object]] = [m.append for m in members]
    codes, combos, first_combo = keys.codes, keys.combos, len(keys.keys)

    def in_each_group(row: int) -> None:
        """Put ``row``, a message with recipients in several groups, in each of them."""
        for append in map(appends.__getitem__, combos[codes[row] - first_combo]):
            append(row)

    appends.extend([in_each_group] * len(combos))
    in_no_group: list[int] = []  # code -1: messages with no recipients
    appends.append(in_no_group.append)
    for row in rows:
        appends[codes[row]](row)
    columns = _row_columns(index)
    groups = [
        _summarise(
            columns,
            keys.keys[k],
            group_rows,
            _destinations(group_rows, columns, keys, k),
        )
        for k, group_rows in enumerate(members)
        if group_rows
    ]
    groups.sort(key=lambda g: (-g.count, g.key))
    return groups


def _destinations(rows: list[int], columns: _RowColumns, keys: _Keys, k: int) -> Counter[str]:
    """The destinations of group ``k`` (see :func:`_counted_destinations`). By recipient
    domain a group's only destination is its key, so its recipients are counted instead: a
    number per row, in C."""
    own = keys.own_domains.get(k)
    if not keys.by_domain:
        return _counted_destinations(rows, columns, keys, own)
    if own:  # rows also in other groups count only their recipients in this domain
        counts = map(own.get, rows, map(columns.recipients.__getitem__, rows))
        return Counter({keys.keys[k]: sum(counts)})
    return Counter({keys.keys[k]: sum(map(columns.recipients.__getitem__, rows))})


def _counted_destinations(
    rows: list[int], columns: _RowColumns, keys: _Keys, own: Optional[dict[int, int]]
) -> Counter[str]:
    """Recipient domains of the recipients that put ``rows`` in their group, counted in
    first-seen order (as :meth:`Counter.most_common` breaks ties). ``own``: the group's
    :attr:`_Keys.own_domains`, for rows also in other groups (only their recipients in
    this group count).

    Rows share their domain tuples, numbered per index. The numbers are counted (in C) and,
    when that leaves much less to do, each distinct tuple is expanded once; that keeps the
    first-seen order of the domains, since a tuple's later occurrences bring no domain not
    seen before. Otherwise the domains are counted one by one, in C.
    """
    shared, table = columns.codes.__getitem__, keys.domain_table
    if own:
        # Messages also in other groups bring tuples of their own, mostly distinct: count
        # every domain (in C) rather than expand each tuple in Python.
        numbers = map(own.get, rows, map(shared, rows))
        return Counter(chain.from_iterable(map(table.__getitem__, numbers)))
    per_row = Counter(map(shared, rows))
    lengths = list(map(len, map(table.__getitem__, per_row)))
    if sum(lengths) * 3 > sum(map(mul, lengths, per_row.values())):
        # Few repeats: expanding each distinct tuple in Python would cost more.
        return Counter(chain.from_iterable(map(table.__getitem__, map(shared, rows))))
    counted: Counter[str] = Counter()
    for number, times in per_row.items():
        for domain in table[number]:
            counted[domain] += times
    return counted


def _summarise(
    columns: _RowColumns, key: str, rows: list[int], destinations: Counter[str]
) -> Group:
    arrivals = columns.arrivals
    if columns.arrival_ordered:  # the lowest row is the oldest: no arrival time to read
        oldest, newest = arrivals[min(rows)], arrivals[max(rows)]
    else:
        times = list(map(arrivals.__getitem__, rows))
        oldest, newest = min(times), max(times)
    return Group(
        key=key,
        count=len(rows),
        recipients=sum(destinations.values()),
        bytes=sum(map(columns.sizes.__getitem__, rows)),
        oldest=oldest,
        newest=newest,
        top_destinations=destinations.most_common(TOP_DESTINATIONS),
        rows=rows,
    )


# ---------------------------------------------------------------------- keys per listing


@dataclass(frozen=True, eq=False)
class _Keys:
    """One grouping's keys over one index, worked out once."""

    #: The group keys; a key's code is its position.
    keys: list[str]
    #: Per row: its key's code, ``len(keys) + c`` for a message in the groups ``combos[c]``,
    #: or -1 for one in no group.
    codes: Sequence[int]
    #: Key codes of the messages in several groups, each combination once.
    combos: list[tuple[int, ...]]
    #: For such a message, per key code: the domains of its recipients in that group, as
    #: ``-1 - i`` for the i-th of these own domain tuples (negative: not a
    #: :class:`_RowColumns` number); by recipient domain, how many of its recipients are in
    #: that domain.
    own_domains: dict[int, dict[int, int]]
    #: Domain tuples by number: the :class:`_RowColumns` ones from the start, the own ones
    #: by their negative numbers from the end.
    domain_table: list[tuple[str, ...]]
    #: The keys are the recipient domains.
    by_domain: bool = False
    #: The rows last grouped and their groups (replaced whole, under the lock).
    last: list[Any] = field(default_factory=lambda: [None, []])


@dataclass(frozen=True, eq=False)
class _RowColumns:
    """What every grouping sums, per row, laid out for reading thousands of rows at a time:
    the recipient domains (in recipient order) as a number into ``tuples`` (few are
    distinct), and sizes and arrival times as machine integers (the index's own columns
    hold int objects scattered over the heap: reading them was a cache miss a row, 3-4x
    slower)."""

    codes: tuple[int, ...]
    tuples: list[tuple[str, ...]]
    #: How many recipients each row has.
    recipients: array[int]
    sizes: array[int]
    arrivals: array[int]
    #: The index's rows are in arrival order (:attr:`QueueIndex.arrival_ordered`).
    arrival_ordered: bool


#: Per index, per grouping (weak: the keys go with their index).
_KEYS: weakref.WeakKeyDictionary[QueueIndex, dict[str, _Keys]] = weakref.WeakKeyDictionary()
_COLUMNS: weakref.WeakKeyDictionary[QueueIndex, _RowColumns] = weakref.WeakKeyDictionary()
_KEYS_LOCK = threading.Lock()


def _group_keys(index: QueueIndex, by: str) -> _Keys:
    """``by``'s keys over ``index``, computed on first use (a worker thread's cost: about
    a second per 100,000 messages by reason, where each distinct reason is normalised)."""
    with _KEYS_LOCK:
        cached = _KEYS.get(index, {}).get(by)
    if cached is None:
        cached = _message_keys(index, by) if by in _PER_MESSAGE else _recipient_keys(index, by)
        with _KEYS_LOCK:
            # Only the latest grouping is kept: by reason they take ~17 MB per 100,000
            # messages, and the list shows one grouping at a time.
            _KEYS[index] = {by: cached}
    return cached


def _row_columns(index: QueueIndex) -> _RowColumns:
    """See :class:`_RowColumns`; computed once per index."""
    with _KEYS_LOCK:
        cached = _COLUMNS.get(index)
    if cached is None:
        search = index.search_columns()
        per_row = _shared_slices(search.rc_domain, search.rc_start)
        number = {domains: n for n, domains in enumerate(dict.fromkeys(per_row))}
        cached = _RowColumns(
            tuple(map(number.__getitem__, per_row)),
            list(number),
            array("l", map(sub, islice(search.rc_start, 1, None), search.rc_start)),
            array("q", index.listing.sizes),
            array("q", index.listing.arrivals),
            index.arrival_ordered,
        )
        with _KEYS_LOCK:
            _COLUMNS[index] = cached
    return cached


def _shared_slices(column: tuple[str, ...], start: Sequence[int]) -> tuple[tuple[str, ...], ...]:
    """``column[start[i]:start[i + 1]]`` for each row i as tuples, equal ones shared (few
    are distinct, and one object each keeps the memory and the counting small)."""
    slices = list(map(column.__getitem__, map(slice, start, islice(start, 1, None))))
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    return tuple(map(shared.setdefault, slices, slices))


#: Groupings with one key per message (the others have one per recipient).
_PER_MESSAGE = ("queue", "sender", "sender_domain")


def _message_keys(index: QueueIndex, by: str) -> _Keys:
    """Keys of a grouping with one key per message (queue, sender, sender domain)."""
    if by == "queue":
        row_keys: Sequence[str] = index.listing.queues
    else:
        senders = index.search_columns().senders
        by_domain = by == "sender_domain"
        of_sender = {s: sender_key(s, by_domain) for s in set(senders)}
        row_keys = list(map(of_sender.__getitem__, senders))
    keys = list(dict.fromkeys(row_keys))
    code_of = {key: k for k, key in enumerate(keys)}
    table = _row_columns(index).tuples
    return _Keys(keys, tuple(map(code_of.__getitem__, row_keys)), [], {}, table)


def _recipient_keys(index: QueueIndex, by: str) -> _Keys:
    """Keys of a grouping with one key per recipient (domain, reason): a message is in the
    group of each of its recipients' keys. Reasons are normalised once per distinct reason
    (and grouped in Postfix's case, which the index's lowercase copies lose)."""
    search = index.search_columns()
    if by == "domain":
        rc_keys: tuple[str, ...] = search.rc_domain
    else:
        raw = index.rc_reason
        cluster = {reason: normalise_reason(reason) for reason in set(raw)}
        rc_keys = tuple(map(cluster.__getitem__, raw))
    start = search.rc_start
    row_keys = _shared_slices(rc_keys, start)
    keys = list(dict.fromkeys(rc_keys))
    code_of = {key: k for k, key in enumerate(keys)}
    combos: dict[tuple[int, ...], int] = {}
    code_of_tuple: dict[tuple[str, ...], int] = {}
    for distinct in set(row_keys):
        in_order = tuple(code_of[key] for key in dict.fromkeys(distinct))
        if not in_order:
            code_of_tuple[distinct] = -1
        elif len(in_order) == 1:
            code_of_tuple[distinct] = in_order[0]
        else:
            code_of_tuple[distinct] = len(keys) + combos.setdefault(in_order, len(combos))
    codes = tuple(map(code_of_tuple.__getitem__, row_keys))
    combo_keys = sorted(combos, key=combos.__getitem__)
    own_domains: dict[int, dict[int, int]] = {}
    own_number: dict[tuple[str, ...], int] = {}
    rc_domain = search.rc_domain
    for row in compress(range(len(codes)), map(len(keys).__le__, codes)):
        first, end = start[row], start[row + 1]
        per_key: dict[str, list[str]] = {}
        for key, domain in zip(rc_keys[first:end], rc_domain[first:end]):
            per_key.setdefault(key, []).append(domain)
        for key, domains in per_key.items():
            if by == "domain":  # (see _Keys.own_domains)
                own_domains.setdefault(code_of[key], {})[row] = len(domains)
                continue
            own = tuple(domains)
            number = own_number.setdefault(own, -1 - len(own_number))
            own_domains.setdefault(code_of[key], {})[row] = number
    table = _row_columns(index).tuples + list(own_number)[::-1]
    return _Keys(keys, codes, combo_keys, own_domains, table, by_domain=by == "domain")
