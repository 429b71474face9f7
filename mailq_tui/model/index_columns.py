"""The columns of a :class:`~mailq_tui.model.index.QueueIndex`: two immutable records, each
built in one step and handed over whole.

:class:`ListingColumns` is what listing the queue in order needs (ids, queues, arrival times,
sizes); :class:`SearchColumns` is what filtering needs, most of the index's cost, so it is
built on first use or by a worker, and only then assigned to the index: a reader on another
thread sees either no search columns or all of them, never a half-built set.

Per message the search columns keep ONE lowercase haystack string laid out as::

    queue-id \\n sender \\n address1 \\n address2 ... \\n reason-a \\n reason-b ...

(the message's distinct reasons only) with two offsets, where the address block starts and
where the reason block starts. A free word searches the whole string; ``to:`` and ``reason:``
search their block with ``str.count(needle, start, end)``, which needs no slicing. Recipient
domains are one flat interned column (``rc_domain``, recipients of row i are
``rc_start[i]:rc_start[i + 1]``) because ``domain:`` is decided once per distinct domain.

Columns are built with ``map``/``zip`` over C iterators (no per-recipient Python code), so
building them at 100k messages takes a few hundred milliseconds. Numbers (arrival times,
sizes, offsets, recipient positions) are ``array`` columns: 4-8 bytes a value where a tuple
of ints took 36 (an int object and a pointer to it); strings are tuples (lists stay on the
garbage collector's lists and every full collection walked them), equal senders sharing one
lowercase string.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter, contains, itemgetter, methodcaller, sub
from typing import Optional

from mailq_tui.model.message import Message

_DOMAIN_OF = methodcaller("rpartition", "@")
_THIRD = itemgetter(2)
_SENDER = attrgetter("sender")

#: Rows per C-level step when building the masks in a worker (see :func:`char_masks`); a
#: multiple of 8, so that the steps' packed bits join as bytes.
STEP = 10_000
assert STEP % 8 == 0
#: Flag bytes (0 or 1) to ASCII digits and back (:func:`packed`, :func:`unpacked`).
_TO_DIGITS = bytes.maketrans(b"\0\1", b"01")
_FROM_DIGITS = bytes.maketrans(b"01", b"\0\1")
#: ``array`` type codes: 64-bit for times and sizes, 32-bit for offsets within a haystack
#: and for row and recipient numbers.
WIDE = "q"
NARROW = "i"


@dataclass(frozen=True, eq=False, repr=False)
class ListingColumns:
    """Per row: queue name, arrival time (epoch seconds) and size; enough to show a sorted
    list before the search columns exist. (The lowercase queue id starts each haystack:
    no column of its own.)"""

    queues: tuple[str, ...]
    arrivals: array[int]
    sizes: array[int]

    @classmethod
    def of(cls, messages: Sequence[Message]) -> ListingColumns:
        """The listing columns of ``messages``, in their order."""
        return cls(
            queues=tuple(map(sys.intern, map(attrgetter("queue_name"), messages))),
            arrivals=array(WIDE, map(attrgetter("arrival_time"), messages)),
            sizes=array(WIDE, map(attrgetter("message_size"), messages)),
        )


@dataclass(frozen=True, eq=False, repr=False)
class SearchColumns:
    """What filtering, grouping and most sorts read (see the module docstring for the
    haystack layout)."""

    #: id \n sender \n address ... \n distinct reason ... (lowercase), one per row.
    hay: tuple[str, ...]
    #: Where each haystack's address block starts and ends (the reasons start at end + 1).
    addr_at: array[int]
    addr_end: array[int]
    #: Recipients of row i are positions rc_start[i]:rc_start[i + 1] of the rc_* columns.
    rc_start: array[int]
    #: Lowercase recipient domain (after the last ``@``; the whole address without one).
    rc_domain: tuple[str, ...]
    #: Row of each recipient position.
    rc_row: array[int]
    #: The distinct values of ``rc_domain``.
    domains: frozenset[str]
    #: Lowercase sender (``mailer-daemon`` for the null sender, as postqueue prints it);
    #: equal senders share one string.
    senders: tuple[str, ...]
    #: For a row whose recipients have more than one distinct reason: which line of its
    #: reason block each recipient has (the block lists each reason once).
    reason_pick: Mapping[int, tuple[int, ...]]

    def __repr__(self) -> str:
        # Never the columns themselves: half a million strings in a log line or a traceback.
        return f"<SearchColumns of {len(self.hay)} rows, {len(self.rc_domain)} recipients>"

    @classmethod
    def build(cls, messages: Sequence[Message]) -> SearchColumns:
        """The search columns of ``messages``, in their order."""
        rows = search_rows(messages)
        rc_domain = rows.rc_domain
        counts = map(sub, rows.rc_start[1:], rows.rc_start)
        return cls(
            hay=tuple(rows.hay),
            addr_at=rows.addr_at,
            addr_end=rows.addr_end,
            rc_start=rows.rc_start,
            rc_domain=tuple(rc_domain),
            rc_row=array(NARROW, chain.from_iterable(map(repeat, range(len(messages)), counts))),
            domains=frozenset(rc_domain),
            senders=lowered(list(map(_SENDER, messages))),
            reason_pick=rows.reason_pick,
        )


@dataclass(frozen=True, eq=False, repr=False)
class SearchRows:
    """The per-message part of the search columns of some messages (their haystacks,
    offsets, recipient domains and reason picks), before the columns are joined:
    :meth:`SearchColumns.build` makes them of a whole listing, the streamed listing of
    each batch (:mod:`mailq_tui.model.index_parts`)."""

    hay: list[str]
    addr_at: array[int]
    addr_end: array[int]
    rc_start: array[int]
    rc_domain: list[str]
    reason_pick: dict[int, tuple[int, ...]]


def search_rows(messages: Iterable[Message]) -> SearchRows:
    """The :class:`SearchRows` of ``messages``, in their order (one Python step per message:
    the costly part of the search columns)."""
    hay_list: list[str] = []
    # Numbers go straight into arrays: a list would keep an int object per value alive
    # until the end, and their freed pools stay resident (~50 MiB at 500k messages).
    addr_at = array(NARROW)
    addr_end = array(NARROW)
    rc_start = array(NARROW, (0,))
    rc_domain: list[str] = []
    reason_pick: dict[int, tuple[int, ...]] = {}
    # One pass per message keeps its strings in cache; a pass per column was 3x slower.
    add_hay, add_at, add_end = hay_list.append, addr_at.append, addr_end.append
    add_domains, add_start = rc_domain.extend, rc_start.append
    intern = sys.intern
    total = 0
    for msg in messages:
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
    return SearchRows(hay_list, addr_at, addr_end, rc_start, rc_domain, reason_pick)


def char_masks(hay: Sequence[str], chars: str) -> dict[str, bytes]:
    """For each character of ``chars``, one bit per haystack (:func:`packed`): does it
    contain that character (built :data:`STEP` rows at a time, leaving the UI thread the GIL
    between steps). Bits, not a byte per row: 45 masks took 22 MB at 500k messages."""
    return {
        char: b"".join(
            packed(bytes(map(contains, hay[at : at + STEP], repeat(char))))
            for at in range(0, len(hay), STEP)
        )
        for char in chars
    }


def packed(flags: bytes) -> bytes:
    """Flag bytes (0 or 1, one per row) as bits: row ``i`` is bit ``i % 8`` of byte
    ``i // 8``, the last byte padded with zeros (~1 ms at 500k rows: int conversions in C)."""
    if not flags:
        return b""
    return int(flags.translate(_TO_DIGITS)[::-1], 2).to_bytes((len(flags) + 7) // 8, "little")


def unpacked(bits: bytes, count: int) -> bytes:
    """:func:`packed` undone: one flag byte (0 or 1) per row, ``count`` rows (< 1 ms at 500k
    rows)."""
    if count <= 0:
        return b""
    digits = format(int.from_bytes(bits, "little"), "b").zfill(count)
    return digits[::-1][:count].encode("ascii").translate(_FROM_DIGITS)


def lowered(values: Sequence[str], memo: Optional[dict[str, str]] = None) -> tuple[str, ...]:
    """``values`` lowercased, equal values sharing one string (a value already lowercase is
    kept as it is): senders, reasons and domains repeat heavily. ``memo``: value ->
    lowercase, kept across calls (the batches of one listing), updated here."""
    memo = {} if memo is None else memo
    new = set(values).difference(memo)
    for value in new:
        low = value.lower()
        memo[value] = value if low == value else low
    return tuple(map(memo.__getitem__, values))
