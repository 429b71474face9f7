"""Row numbers as one process-wide set of int objects.

A Python int above 256 is an object of its own (28-32 bytes). The index keeps row numbers
in several long-lived places: the cached oldest-first order, the id -> row map, the rows of
the view shown; each made with ``range`` held an int object per row of its own (14 MiB per
copy at 500,000 messages). :func:`row_numbers` hands them all the same ints: each place then
costs a pointer per row.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_numbers: tuple[int, ...] = ()


def row_numbers(count: int) -> tuple[int, ...]:
    """``tuple(range(count))``, its ints shared with every other caller's.

    The shared tuple grows to the largest count asked for, and shrinks when a count below
    half of it is asked for (a queue that emptied does not keep its ints forever)."""
    global _numbers
    with _lock:
        numbers = _numbers
        if len(numbers) < count:
            numbers = _numbers = numbers + tuple(range(len(numbers), count))
        elif count * 2 < len(numbers):
            _numbers = numbers[:count]
    return numbers if len(numbers) == count else numbers[:count]
