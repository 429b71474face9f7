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
few C-level passes per group, not a Python step per recipient. In the default view (rows in
row order over an index in arrival order) a message in several groups is not put in each of
them: its counts and bytes come from one sum of per-group lanes, and a group's rows are put
together when first read (:class:`GroupRows`: an expanded or marked group).
"""

from __future__ import annotations

import threading
import weakref
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, count, filterfalse, islice, repeat
from operator import add, gt, lt, mul, sub
from typing import Any, Callable, Optional, Union, overload

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
    #: Rows (index positions) of the group's messages, in the order of the rows grouped (a
    #: list, or a :class:`GroupRows` put together when first read).
    rows: Sequence[int] = field(default_factory=list)


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
    multi: list[int] = []
    in_several = multi.append

    def in_each_group(row: int) -> None:
        """Put ``row``, a message with recipients in several groups, in each of them."""
        in_several(row)
        for append in map(appends.__getitem__, combos[codes[row] - first_combo]):
            append(row)

    columns = _row_columns(index)
    monotonic = columns.arrival_ordered and _monotonic(rows)
    # In row order (the default view's), a message in several groups is only set apart here
    # (in C), and put in its groups' rows when they are read (:func:`_with_several`).
    set_apart = monotonic and bool(combos)
    appends.extend([in_several if set_apart else in_each_group] * len(combos))
    in_no_group: list[int] = []  # code -1: messages with no recipients
    appends.append(in_no_group.append)
    for row in rows:
        appends[codes[row]](row)
    recipients, destinations, mixed = _counted(keys, columns, rows, multi)
    if set_apart:
        return _with_several(keys, columns, rows, members, multi, recipients, destinations, mixed)
    groups = []
    for k, group_rows in enumerate(members):
        if not group_rows:
            continue
        if keys.by_domain:
            top = [(keys.keys[k], recipients[k])]
        elif k in mixed:
            top = _top_in_row_order(destinations[k], group_rows, k, keys, columns)
        else:
            top = Counter(destinations[k]).most_common(TOP_DESTINATIONS)
        groups.append(_summarise(columns, keys.keys[k], group_rows, recipients[k], top, monotonic))
    groups.sort(key=lambda g: (-g.count, g.key))
    return groups


def _with_several(
    keys: _Keys,
    columns: _RowColumns,
    rows: Sequence[int],
    members: list[list[int]],
    multi: list[int],
    recipients: list[int],
    destinations: list[dict[str, int]],
    mixed: set[int],
) -> list[Group]:
    """The groups of ``rows`` (in row order or its reverse, over an index in arrival
    order), whose messages in one group are in ``members`` and whose messages in several
    groups are ``multi``. Those add to their groups' counts and bytes from one sum of
    :func:`_lanes` (in C); a group's rows are put together when first read
    (:class:`GroupRows`), its oldest and newest from the first and last of them."""
    codes, combos, first_combo = keys.codes, keys.combos, len(keys.keys)
    lanes, count_bits, lane_bits = _lanes(keys, columns)
    total = sum(map(lanes.__getitem__, multi))
    several: dict[int, tuple[int, int]] = {}  # code -> (messages, bytes) from ``multi``
    for k in range(len(keys.keys)):
        lane = (total >> (k * lane_bits)) & ((1 << lane_bits) - 1)
        if lane:
            several[k] = (lane & ((1 << count_bits) - 1), lane >> count_bits)
    ends: dict[int, list[int]] = {k: [] for k in several}
    for in_order in (multi, reversed(multi)):
        seen: set[int] = set()
        for row in in_order:
            for k in combos[codes[row] - first_combo]:
                if k not in seen:
                    seen.add(k)
                    ends[k].append(row)
            if len(seen) == len(several):
                break
    descending = len(rows) > 1 and rows[0] > rows[-1]
    arrivals, sizes = columns.arrivals, columns.sizes
    groups = []
    for k, key in enumerate(keys.keys):
        own = members[k]
        if not own and k not in several:
            continue
        count, size = several.get(k, (0, 0))
        group_rows: Sequence[int] = own
        if k in several:
            group_rows = GroupRows(_rows_with_several(own, multi, k, keys, descending))
        if keys.by_domain:
            top = [(key, recipients[k])]
        elif k in mixed:
            top = _top_in_row_order(destinations[k], group_rows, k, keys, columns)
        else:
            top = Counter(destinations[k]).most_common(TOP_DESTINATIONS)
        first_last = ends.get(k, []) + ([own[0], own[-1]] if own else [])
        groups.append(
            Group(
                key=key,
                count=len(own) + count,
                recipients=recipients[k],
                bytes=sum(map(sizes.__getitem__, own)) + size,
                oldest=arrivals[min(first_last)],
                newest=arrivals[max(first_last)],
                top_destinations=top,
                rows=group_rows,
            )
        )
    groups.sort(key=lambda g: (-g.count, g.key))
    return groups


def _rows_with_several(
    own: list[int], multi: list[int], k: int, keys: _Keys, descending: bool
) -> Callable[[], list[int]]:
    """What puts group ``k``'s rows together: ``own`` (its messages in it alone) and those
    of ``multi`` in it, merged in row order (two sorted runs: one merge in C)."""

    def rows() -> list[int]:
        codes, combos, first_combo = keys.codes, keys.combos, len(keys.keys)
        merged = own + [r for r in multi if k in combos[codes[r] - first_combo]]
        merged.sort(reverse=descending)
        return merged

    return rows


class GroupRows(Sequence[int]):
    """A group's rows, put together on first use: a keystroke while grouped shows group
    headers, and only an expanded (or marked) group reads its rows. Equal to a list of the
    same rows."""

    __slots__ = ("_make", "_rows")

    def __init__(self, make: Callable[[], list[int]]) -> None:
        self._make: Optional[Callable[[], list[int]]] = make
        self._rows: Optional[list[int]] = None

    def _list(self) -> list[int]:
        rows = self._rows
        if rows is None:
            make = self._make
            assert make is not None
            rows = self._rows = make()  # two threads may both make it: the same list
            self._make = None
        return rows

    def __len__(self) -> int:
        return len(self._list())

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[int, list[int]]:
        return self._list()[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, GroupRows):
            other = other._list()
        return self._list() == other

    def __hash__(self) -> int:
        raise TypeError("unhashable type: 'GroupRows'")

    def __repr__(self) -> str:
        return repr(self._list())

    def __deepcopy__(self, memo: dict[int, object]) -> list[int]:
        return list(self._list())


def _counted(
    keys: _Keys, columns: _RowColumns, rows: Sequence[int], multi: list[int]
) -> tuple[list[int], list[dict[str, int]], set[int]]:
    """Per group code: its recipients and its destinations (recipient domain -> recipients),
    and the codes of the groups that hold messages in several groups.

    A row in one group brings all its recipients to it, so rows are counted by
    :attr:`_Keys.profiles` (their group and their domain tuple; one pass in C) and each
    distinct profile is expanded once, in first-seen order: for a group of such rows the
    destinations come in the order their recipients come in ``rows``. The recipients of
    rows in several groups are counted as (group, domain) numbers, in C.
    """
    recipients = [0] * len(keys.keys)
    destinations: list[dict[str, int]] = [{} for _ in keys.keys]
    table, distinct = columns.tuples, len(columns.tuples)
    by_domain = keys.by_domain
    for profile, times in Counter(map(keys.profiles.__getitem__, rows)).items():
        if profile < 0:
            continue
        k, number = divmod(profile, distinct)
        domains = table[number]
        recipients[k] += times * len(domains)
        if not by_domain:
            counted = destinations[k]
            for domain in domains:
                counted[domain] = counted.get(domain, 0) + times
    mixed: set[int] = set()
    if not multi:
        return recipients, destinations, mixed
    names = columns.domains
    width = len(names)
    for pair, times in _pairs_counted(keys, multi).items():
        if times <= 0:
            continue
        k, number = divmod(pair, width)
        recipients[k] += times
        mixed.add(k)
        if not by_domain:
            counted, name = destinations[k], names[number]
            counted[name] = counted.get(name, 0) + times
    return recipients, destinations, mixed


def _pairs_counted(keys: _Keys, multi: list[int]) -> Counter[int]:
    """:attr:`_Keys.pairs` of the rows ``multi`` (rows in several groups), counted. When
    they are most of such rows (a short filter), the count over all of them (worked out
    once) less that of the others, which are fewer: recipients of such messages are many
    (20 each in bench.synthetic), and counting a million took ~40 ms at 500k."""
    spans, pairs = keys.spans, keys.pairs
    if len(multi) * 2 <= len(spans):
        return Counter(chain.from_iterable(map(pairs.__getitem__, map(spans.__getitem__, multi))))
    with _KEYS_LOCK:
        total = keys.pair_total[0] if keys.pair_total else None
    if total is None:
        total = Counter(pairs)
        with _KEYS_LOCK:
            keys.pair_total[:] = [total]
    others = filterfalse(set(multi).__contains__, spans)
    counted = Counter(total)
    counted.subtract(
        Counter(chain.from_iterable(map(pairs.__getitem__, map(spans.__getitem__, others))))
    )
    return counted


def _top_in_row_order(
    counts: dict[str, int], rows: Sequence[int], k: int, keys: _Keys, columns: _RowColumns
) -> list[tuple[str, int]]:
    """The top destinations of group ``k`` whose counts come from several kinds of rows
    (:func:`_counted`), ties broken as :meth:`Counter.most_common` breaks them when counting
    recipient by recipient over ``rows``: the domain seen first comes first. Only when the
    top holds equal counts are the rows read, up to where each tied domain was first seen."""
    values = sorted(counts.values(), reverse=True)
    floor = values[min(TOP_DESTINATIONS, len(values)) - 1] if values else 0
    near = [domain for domain, n in counts.items() if n >= floor]
    if len({counts[d] for d in near}) == len(near):
        return sorted(((d, counts[d]) for d in near), key=lambda e: -e[1])[:TOP_DESTINATIONS]
    wanted, rank = set(near), dict[str, int]()
    names, width, table = columns.domains, len(columns.domains), columns.tuples
    for row in rows:
        span = keys.spans.get(row)
        if span is None:
            seen: Sequence[str] = table[columns.tuple_numbers[row]]
        else:
            seen = [names[p % width] for p in keys.pairs[span] if p // width == k]
        for domain in seen:
            if domain in wanted and domain not in rank:
                rank[domain] = len(rank)
        if len(rank) == len(wanted):
            break
    ordered = sorted(near, key=lambda d: (-counts[d], rank[d]))
    return [(d, counts[d]) for d in ordered[:TOP_DESTINATIONS]]


def _summarise(
    columns: _RowColumns,
    key: str,
    rows: list[int],
    recipients: int,
    top: list[tuple[str, int]],
    monotonic: bool,
) -> Group:
    """The group of ``rows``; ``monotonic``: ``rows`` are in row order (or its reverse)."""
    arrivals = columns.arrivals
    if columns.arrival_ordered:  # the lowest row is the oldest: no arrival time to read
        if monotonic:
            oldest, newest = arrivals[min(rows[0], rows[-1])], arrivals[max(rows[0], rows[-1])]
        else:
            oldest, newest = arrivals[min(rows)], arrivals[max(rows)]
    else:
        times = list(map(arrivals.__getitem__, rows))
        oldest, newest = min(times), max(times)
    return Group(
        key=key,
        count=len(rows),
        recipients=recipients,
        bytes=sum(map(columns.sizes.__getitem__, rows)),
        oldest=oldest,
        newest=newest,
        top_destinations=top,
        rows=rows,
    )


def _lanes(keys: _Keys, columns: _RowColumns) -> tuple[dict[int, int], int, int]:
    """Per message in several groups, one int holding, for each of its groups, 1 and its
    size in that group's lane: summed over such messages (in C), each lane holds the
    group's count of them and their bytes. A lane's count part is wide enough for every
    row and its bytes part for every byte of the index, so no sum spills into the next.
    Returns (lanes by row, bits of the count part, bits of a lane); worked out once."""
    with _KEYS_LOCK:
        if keys.lanes:
            return keys.lanes[0]
    count_bits = len(columns.sizes).bit_length() + 1
    lane_bits = count_bits + sum(columns.sizes).bit_length() + 1
    codes, combos, first_combo, sizes = keys.codes, keys.combos, len(keys.keys), columns.sizes
    lanes = {}
    for row in keys.spans:
        one = 1 | (sizes[row] << count_bits)
        lanes[row] = sum(one << (k * lane_bits) for k in combos[codes[row] - first_combo])
    made = (lanes, count_bits, lane_bits)
    with _KEYS_LOCK:
        if not keys.lanes:
            keys.lanes.append(made)
        return keys.lanes[0]


def _monotonic(rows: Sequence[int]) -> bool:
    """Whether ``rows`` go up or down all the way (as sorted by age over an index laid out
    oldest first); then so does each group's part of them. One pass in C."""
    if len(rows) < 2:
        return True
    step = lt if rows[0] < rows[-1] else gt
    return all(map(step, rows, islice(rows, 1, None)))


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
    #: Per row in one group: ``code * T + t``, its code and the number of its domain tuple
    #: (:attr:`_RowColumns.tuple_numbers`; T of them); negative for the others.
    profiles: Sequence[int]
    #: Per row in several groups: its recipients' span of ``pairs``.
    spans: dict[int, slice]
    #: Per recipient of those rows, in recipient order: ``code * D + d``, the code of its
    #: group and the number of its domain (:attr:`_RowColumns.domains`; D of them).
    pairs: array[int]
    #: The keys are the recipient domains (a group's only destination is its key).
    by_domain: bool = False
    #: The rows last grouped and their groups (replaced whole, under the lock).
    last: list[Any] = field(default_factory=lambda: [None, []])
    #: :func:`_lanes`, once a call has needed them.
    lanes: list[tuple[dict[int, int], int, int]] = field(default_factory=list)
    #: :attr:`pairs` counted (a ``Counter``), once a call has needed it.
    pair_total: list[Counter[int]] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class _RowColumns:
    """What every grouping sums, per row, laid out for reading thousands of rows at a time:
    the recipient domains (in recipient order) as a number into ``tuples`` (few are
    distinct), and sizes and arrival times as machine integers (the index's own columns
    hold int objects scattered over the heap: reading them was a cache miss a row, 3-4x
    slower)."""

    tuple_numbers: array[int]
    tuples: list[tuple[str, ...]]
    #: The distinct recipient domains; a domain's number is its position.
    domains: list[str]
    #: Each recipient's domain number (aligned with :attr:`SearchColumns.rc_domain`).
    domain_numbers: array[int]
    sizes: array[int]
    arrivals: array[int]
    #: The index's rows are in arrival order (:attr:`QueueIndex.arrival_ordered`).
    arrival_ordered: bool


#: Per index, per grouping (weak: the keys go with their index).
_KEYS: weakref.WeakKeyDictionary[QueueIndex, dict[str, _Keys]] = weakref.WeakKeyDictionary()
_COLUMNS: weakref.WeakKeyDictionary[QueueIndex, _RowColumns] = weakref.WeakKeyDictionary()
_KEYS_LOCK = threading.Lock()


def _group_keys(index: QueueIndex, by: str) -> _Keys:
    """``by``'s keys over ``index``, computed on first use (a worker thread's cost; by
    reason each distinct reason is normalised, once per process: see
    :func:`~mailq_tui.model.reasons.normalise_reason`)."""
    with _KEYS_LOCK:
        cached = _KEYS.get(index, {}).get(by)
    if cached is None:
        cached = _message_keys(index, by) if by in _PER_MESSAGE else _recipient_keys(index, by)
        with _KEYS_LOCK:
            # Only the latest grouping is kept: the list shows one grouping at a time.
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
        domains = list(dict.fromkeys(search.rc_domain))
        domain_number = {domain: d for d, domain in enumerate(domains)}
        cached = _RowColumns(
            array("q", map(number.__getitem__, per_row)),
            list(number),
            domains,
            array("q", map(domain_number.__getitem__, search.rc_domain)),
            array("q", index.listing.sizes),
            array("q", index.listing.arrivals),
            index.arrival_ordered,
        )
        with _KEYS_LOCK:
            _COLUMNS[index] = cached
    return cached


def _shared_slices(column: Sequence[str], start: Sequence[int]) -> tuple[tuple[str, ...], ...]:
    """``column[start[i]:start[i + 1]]`` for each row i as tuples, equal ones shared (few
    are distinct, and one object each keeps the memory and the counting small)."""
    slices = list(map(tuple, map(column.__getitem__, map(slice, start, islice(start, 1, None)))))
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    return tuple(map(shared.setdefault, slices, slices))


#: Groupings with one key per message (the others have one per recipient).
_PER_MESSAGE = ("queue", "sender", "sender_domain")


def _profiles(codes: Sequence[int], columns: _RowColumns) -> array[int]:
    """:attr:`_Keys.profiles` of ``codes`` (rows in several groups are set apart after)."""
    distinct = len(columns.tuples)
    return array("q", map(add, map(mul, codes, repeat(distinct)), columns.tuple_numbers))


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
    codes = array("q", map(code_of.__getitem__, row_keys))
    profiles = _profiles(codes, _row_columns(index))
    return _Keys(keys, codes, [], profiles, {}, array("q"))


def _recipient_keys(index: QueueIndex, by: str) -> _Keys:
    """Keys of a grouping with one key per recipient (domain, reason): a message is in the
    group of each of its recipients' keys. Reasons are normalised once per distinct reason
    (and grouped in Postfix's case, which the index's lowercase copies lose).

    Everything is worked out over numbers, mostly in C; only the messages with several
    recipients are looked at one by one.
    """
    columns = _row_columns(index)
    start = index.search_columns().rc_start
    if by == "domain":
        keys, rc_codes = columns.domains, columns.domain_numbers
    else:
        # One pass over the reasons (1.5 million strings at 500k messages, each its own
        # object: the passes over them cost more than the rest): each gets the position of
        # its first occurrence, and only the distinct ones are normalised and numbered.
        first_seen: dict[str, int] = {}
        positions = list(map(first_seen.setdefault, index.rc_reason, count()))
        clusters = list(map(normalise_reason, first_seen))
        keys = list(dict.fromkeys(clusters))
        code_of = {key: k for k, key in enumerate(keys)}
        code_at = dict(zip(first_seen.values(), map(code_of.__getitem__, clusters)))
        rc_codes = array("q", map(code_at.__getitem__, positions))
    # A row's first recipient's code (-1 past the end: the last rows may have none).
    codes = array("q", map((rc_codes + array("q", [-1])).__getitem__, islice(start, len(index))))
    combos: dict[tuple[int, ...], int] = {}
    spans: dict[int, slice] = {}
    pairs: array[int] = array("q")
    width, rc_domains = len(columns.domains), columns.domain_numbers
    counts = map(sub, islice(start, 1, None), start)
    for row in compress(range(len(codes)), map((1).__ne__, counts)):
        first, end = start[row], start[row + 1]
        in_order = tuple(dict.fromkeys(rc_codes[first:end]))
        if not in_order:
            codes[row] = -1
        elif len(in_order) == 1:
            codes[row] = in_order[0]
        else:
            codes[row] = len(keys) + combos.setdefault(in_order, len(combos))
            spans[row] = slice(len(pairs), len(pairs) + end - first)
            pairs.extend(
                map(add, map(mul, rc_codes[first:end], repeat(width)), rc_domains[first:end])
            )
    profiles = _profiles(codes, columns)
    for row in spans:
        profiles[row] = -1
    return _Keys(
        keys,
        codes,
        sorted(combos, key=combos.__getitem__),
        profiles,
        spans,
        pairs,
        by_domain=by == "domain",
    )
