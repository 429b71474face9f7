"""Memory housekeeping after a listing: what it frees, collects and freezes."""

from __future__ import annotations

import gc
import weakref

import pytest

from mailq_tui.ui.memory import release_free_heap, settle_after_listing


class _Node:
    def __init__(self) -> None:
        self.me = self  # only the cycle collector frees it


def test_settle_frees_the_replaced_listing_and_freezes_the_rest() -> None:
    old, kept = _Node(), _Node()
    old_ref = weakref.ref(old)
    garbage = [old]
    del old
    try:
        settle_after_listing(garbage)
        assert garbage == [] and old_ref() is None
        assert gc.get_freeze_count() > 0
        assert gc.is_tracked(kept)
        frozen = gc.get_freeze_count()
        settle_after_listing([])  # the next listing: unfreezes, collects, freezes again
        assert abs(gc.get_freeze_count() - frozen) < frozen * 0.1
    finally:
        gc.unfreeze()


def test_free_heap_pages_go_back_to_the_system() -> None:
    """Strings over 512 bytes come from malloc; with every 16th kept, glibc keeps the freed
    pages between them until ``malloc_trim`` (about 70 of 120 MB here)."""
    import ctypes

    import psutil

    if not hasattr(ctypes.CDLL(None), "malloc_trim"):
        pytest.skip("this C library has no malloc_trim")
    process = psutil.Process()
    data = ["x" * 600 + str(i) for i in range(200_000)]
    kept = data[::16]
    del data
    before = process.memory_info().rss
    release_free_heap()
    assert process.memory_info().rss < before - 30_000_000
    assert len(kept) == 12_500
