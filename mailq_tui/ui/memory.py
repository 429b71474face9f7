"""Memory housekeeping after a listing is indexed: the garbage collector and the C heap.

Run from the indexing worker's thread, never on the UI thread: each step can take tens of
milliseconds to half a second at 500k messages.
"""

from __future__ import annotations

import ctypes
import gc
from typing import Any


def settle_after_listing(garbage: list[Any]) -> None:
    """Free what ``garbage`` holds (the indexing worker's reference, or a listing the new one
    replaced), collect, freeze, and return freed heap pages to the system.

    ``garbage`` is emptied here so that a 500k listing's index (hundreds of MB, some
    million objects) is freed in this thread, not on the UI thread when the worker ends.

    A listing leaves enough new objects to trigger a full collection, and one lands on
    whatever keystroke comes next. Collected here and followed by ``gc.freeze()``, later
    automatic collections only walk objects made since. The next listing unfreezes first, so
    garbage among the frozen objects waits one listing at most.
    """
    garbage.clear()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    release_free_heap()


def release_free_heap() -> None:
    """Give free pages of the C heap back to the system (glibc's ``malloc_trim``).

    Building an index frees its temporaries and a new listing frees the previous one, but
    glibc keeps the pages: without the trim the resident size stayed ~20% higher (350 vs 279
    MB at 100k messages, 1.58 vs 1.18 GB at 500k, when the app still copied its index).
    Nothing happens where the C library has no ``malloc_trim``.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
