"""Which row a queue id is on, for an index built from the previous one without a pass over
every row: the previous id -> row map, the runs of rows that moved, and the new messages.

A full build maps every id (a dict of every row: ~0.5 s at 500k messages). An index built
from the previous one (:mod:`mailq_tui.model.index_reuse`) has the previous index's rows in
runs, each moved by some offset, and a few new rows; its map is the previous one looked up
through those runs, and the new rows' ids. Maps built so again and again keep the first map
and compose the runs; when the new ids or the runs grow past a share of the rows, the caller
maps every id again.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from mailq_tui.model.index_columns import NARROW
from mailq_tui.model.row_numbers import row_numbers

#: Map every id anew when the runs or the new ids exceed this share of the rows.
MAX_SHARE = 0.125

#: What an index maps ids with: a plain dict, or one looked up through moved runs.
RowLookup = Union[dict[str, int], "MovedRows", "ListedRows"]


class ListedRows:
    """Rows of the ids of a listing laid out oldest first, found through their listing
    positions (an index joined from a streamed listing's batches: a dict of every id would
    cost ~0.4 s at 500k messages when the listing ends, before anything can be filtered).

    ``where``: id -> listing position; ``listed``: the messages in listing order;
    ``arrivals``: each row's arrival time (ascending); ``positions``: each row's listing
    position. An id's row is among the rows of its message's arrival time (a bisection),
    the one with its position."""

    def __init__(
        self,
        where: Mapping[str, int],
        listed: Sequence[Any],
        arrivals: Sequence[int],
        positions: array[int],
    ) -> None:
        self.where, self.listed, self.arrivals, self.positions = (
            where,
            listed,
            arrivals,
            positions,
        )

    def get(self, queue_id: str) -> Optional[int]:
        """The row of ``queue_id``, or None."""
        at = self.where.get(queue_id)
        if at is None:
            return None
        arrival = self.listed[at].arrival_time
        low = bisect_left(self.arrivals, arrival)
        return self.positions.index(at, low, bisect_right(self.arrivals, arrival, low))

    def as_dict(self) -> dict[str, int]:
        """Every id's row (the map a full build makes)."""
        ids = list(self.where)  # in listing order: ``where`` maps them to 0, 1, 2...
        rows = row_numbers(len(self.positions))  # the ints every row map shares
        return dict(zip(map(ids.__getitem__, self.positions), rows))


class MovedRows:
    """Rows of ``base``'s ids after runs of rows moved: a row ``r`` with
    ``starts[i] <= r < stops[i]`` is now row ``to[i] + r - starts[i]``; a row in no run is
    gone. ``added``: ids of rows not in ``base``'s, with their rows (checked first)."""

    def __init__(
        self,
        base: Union[Mapping[str, int], ListedRows],
        starts: array[int],
        stops: array[int],
        to: array[int],
        added: dict[str, int],
    ) -> None:
        self.base, self.starts, self.stops, self.to, self.added = (
            base,
            starts,
            stops,
            to,
            added,
        )

    def get(self, queue_id: str) -> Optional[int]:
        """The row of ``queue_id``, or None."""
        row = self.added.get(queue_id)
        if row is not None:
            return row
        row = self.base.get(queue_id)
        if row is None:
            return None
        return self.moved(row)

    def moved(self, row: int) -> Optional[int]:
        """Where base row ``row`` is now (None: gone)."""
        i = bisect_right(self.starts, row) - 1
        if i < 0 or row >= self.stops[i]:
            return None
        return self.to[i] + row - self.starts[i]


def moved_rows(
    previous: RowLookup,
    runs: Sequence[tuple[int, int]],
    base: int,
    fresh_ids: Sequence[str],
    rows: int,
) -> Optional[MovedRows]:
    """The lookup of an index whose rows are ``runs`` of ``previous``'s rows (sources below
    ``base``) and of new messages (source ``base + k``: ``fresh_ids[k]``), ``rows`` in all;
    None when it would grow too big (map every id then)."""
    limit = MAX_SHARE * rows
    pieces: list[tuple[int, int, int]] = []
    added: dict[str, int] = {}
    at = 0
    for a, b in runs:
        if a < base:
            pieces.append((a, b, at))
        else:
            added.update(zip(fresh_ids[a - base : b - base], range(at, at + b - a)))
        at += b - a
    pieces.sort()  # by previous row, for bisection (a fallback layout may reorder runs)
    starts = array(NARROW, [a for a, _, _ in pieces])
    stops = array(NARROW, [b for _, b, _ in pieces])
    to = array(NARROW, [t for _, _, t in pieces])
    if not isinstance(previous, MovedRows):
        moved = MovedRows(previous, starts, stops, to, added)
    else:
        moved = _composed(previous, MovedRows({}, starts, stops, to, added))
    if len(moved.starts) > limit or len(moved.added) > limit:
        return None
    return moved


def _composed(first: MovedRows, then: MovedRows) -> MovedRows:
    """``first`` followed by ``then`` (whose base rows are ``first``'s rows)."""
    starts, stops, to = array(NARROW), array(NARROW), array(NARROW)
    for a, b, t in zip(first.starts, first.stops, first.to):  # by base row
        # Base rows a..b are rows t..t + (b - a) after ``first``: cut them by ``then``'s runs.
        low, high = t, t + (b - a)
        i = max(bisect_right(then.starts, low) - 1, 0)
        while i < len(then.starts) and then.starts[i] < high:
            s, e = max(low, then.starts[i]), min(high, then.stops[i])
            if s < e:
                starts.append(a + s - t)
                stops.append(a + e - t)
                to.append(then.to[i] + s - then.starts[i])
            i += 1
    added = dict(then.added)
    for queue_id, row in first.added.items():
        now = then.moved(row)
        if now is not None:
            added.setdefault(queue_id, now)
    return MovedRows(first.base, starts, stops, to, added)
