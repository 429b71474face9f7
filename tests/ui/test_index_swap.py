"""What keeps keystrokes fast, seen from the user's side: the index is laid out oldest first
from the start (never copied into that order: no second index, no swap), the garbage
collector is settled and frozen after indexing, a filter that changes only the row count
updates the scrollbar without a layout pass, and neither does typing in the filter bar."""

from __future__ import annotations

import gc
import random
import threading
import weakref
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.index_columns import SearchColumns
from mailq_tui.ui.widgets.queue_list import QueueList
from mailq_tui.ui.widgets.safe_input import SafeInput
from tests.doubles import RecordedBackend
from tests.pilot import change_view, queue_screen, settle, shown_ids

from .conftest import make_app, until


@pytest.fixture
def shuffled(backend: RecordedBackend) -> RecordedBackend:
    """The recorded queue (filled within a second or two) with ages spread over two hours,
    in a listing order unrelated to age, as ``postqueue -j`` lists."""
    rng = random.Random(5)
    for m in backend.messages:
        m.arrival_time -= rng.randint(0, 7200)
    assert not QueueIndex(backend.messages, now=0).arrival_ordered
    return backend


async def test_the_index_is_oldest_first_from_the_start_and_never_copied(
    shuffled: RecordedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listing shown first is already indexed oldest first; its search columns are
    built once, on that same index (a filter typed meanwhile waits for them), and no
    second index replaces it."""
    release = threading.Event()
    built: list[int] = []
    build = SearchColumns.build.__func__  # type: ignore[attr-defined]

    def held_build(cls: Any, messages: Any) -> SearchColumns:
        release.wait(10)
        built.append(len(messages))
        return build(cls, messages)

    monkeypatch.setattr(SearchColumns, "build", classmethod(held_build))
    monkeypatch.setattr(QueueIndex, "in_arrival_order", None)  # the app never copies
    app = make_app(shuffled)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = queue_screen(app)
        await until(pilot, lambda: screen.state is not None, "the listing is shown")
        first = screen.state
        assert first is not None and not first.index.searchable
        assert first.index.arrival_ordered
        assert list(first.index.messages) != shuffled.messages  # rows oldest first
        arrivals = [m.arrival_time for m in first.index.messages]
        assert arrivals == sorted(arrivals)
        await pilot.press("slash", *"-queue:hold", "enter")
        await pilot.press("down", "down", "space")
        release.set()
        await until(pilot, lambda: len(shown_ids(app)) == 55, "the filter is applied")
        await settle(pilot)
        state = screen.state
        assert state is not None and state.index is first.index  # no second index
        assert state.index.searchable and state.index.has_char_masks
        assert built == [len(shuffled.messages)]  # search columns built once
        unordered = QueueIndex(shuffled.messages, now=state.index.now)
        rows = unordered.select("-queue:hold", "age", reverse=True)
        assert shown_ids(app) == [unordered.messages[r].queue_id for r in rows]


async def test_a_filter_applies_on_the_oldest_first_index(shuffled: RecordedBackend) -> None:
    app = make_app(shuffled)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = queue_screen(app)
        assert screen.state is not None and screen.state.index.arrival_ordered
        await pilot.press("slash", *"yahoo", "enter")
        await settle(pilot)
        unordered = QueueIndex(shuffled.messages, now=screen.state.index.now)
        rows = unordered.select("yahoo", "age", reverse=True)
        expected = [unordered.messages[r].queue_id for r in rows]
        assert len(expected) > 1 and shown_ids(app) == expected


async def test_garbage_is_collected_and_the_rest_frozen_after_each_listing(
    shuffled: RecordedBackend,
) -> None:
    """After indexing, the live objects are frozen (later automatic collections skip them);
    the next listing unfreezes and collects first, so frozen objects that became garbage
    are freed then, and frozen objects do not pile up."""

    class Cycle:
        """Garbage only the cycle collector frees."""

        def __init__(self) -> None:
            self.me = self

    app = make_app(shuffled)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        first = gc.get_freeze_count()
        assert first > 0
        cycle = Cycle()
        ref = weakref.ref(cycle)
        await pilot.press("g")
        await settle(pilot)
        assert gc.is_tracked(cycle) and ref() is not None
        del cycle  # garbage now, but frozen: only the next listing's collection frees it
        gc.collect()
        assert ref() is not None
        for _ in range(3):
            await pilot.press("g")
            await settle(pilot)
        assert ref() is None
        assert gc.get_freeze_count() < first * 1.2
    gc.unfreeze()


async def _filter(pilot: Pilot[None], text: str) -> None:
    """Apply a filter as the filter bar does, minus the bar's own layout pass (typing asks
    for one, which would hide whether the list needed one)."""
    await change_view(pilot, query_text=text)


def _drawn(app: App[None]) -> list[list[tuple[str, object]]]:
    """What the active screen sends to the terminal: text and style of every segment."""
    strips = app.screen._compositor.render_strips()
    return [[(segment.text, segment.style) for segment in strip] for strip in strips]


async def test_a_filter_that_only_changes_the_row_count_draws_as_a_layout_would(
    shuffled: RecordedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``QueueList`` changes its ``virtual_size`` without the layout pass that Textual's
    reactive asks for (``set_reactive``, then the scrollbar's window by hand): a layout
    doubles a keystroke's draw time. This pins what that relies on in Textual: no layout is
    asked for, and the screen then draws exactly what it draws after a layout (scrollbar
    thumb, scroll range, list width)."""
    app = make_app(shuffled)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        qlist = app.screen.query_one(QueueList)
        layouts: list[dict[str, object]] = []
        refresh = qlist.refresh

        def watched_refresh(*regions: Any, **kwargs: Any) -> Any:
            if kwargs.get("layout"):
                layouts.append(kwargs)
            return refresh(*regions, **kwargs)

        monkeypatch.setattr(qlist, "refresh", watched_refresh)
        visible = qlist.scrollable_content_region.height
        width = qlist.scrollable_content_region.width
        await pilot.press("end")
        await settle(pilot)
        assert qlist.scroll_y == 60 - visible
        for text, count in (("example", 57), ("queue:deferred", 55), ("refused", 21)):
            layouts.clear()
            await _filter(pilot, text)
            assert len(shown_ids(app)) == count > visible
            assert layouts == []
            assert qlist.max_scroll_y == count - visible
            assert qlist.scroll_y <= qlist.max_scroll_y
            assert qlist.scrollable_content_region.width == width
            drawn = _drawn(app)
            qlist.refresh(layout=True)
            await settle(pilot)
            assert _drawn(app) == drawn
        # Fewer rows than lines: the scrollbar goes (that one needs a layout).
        await _filter(pilot, "gmail")
        assert layouts != []
        assert not qlist.show_vertical_scrollbar and qlist.scroll_y == 0
        assert qlist.scrollable_content_region.width == width + 1


async def test_footer_rebuilds_leave_no_widgets_behind(shuffled: RecordedBackend) -> None:
    """Listings and trips to the filter bar and back rebuild the footer (or, when nothing
    became available or unavailable, do not); old footer keys must not stay alive."""
    from textual.widgets._footer import FooterKey

    def alive() -> int:
        gc.unfreeze()  # frozen objects are not listed (the next listing freezes again)
        gc.collect()
        return sum(isinstance(o, FooterKey) for o in gc.get_objects())

    app = make_app(shuffled)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        start = alive()
        for _ in range(4):
            await pilot.press("slash", "x", "backspace", "enter", "g")
            await settle(pilot)
        assert alive() <= start + len(app.screen.query(FooterKey))


async def test_typing_in_the_filter_bar_asks_no_layout_and_keeps_the_cursor_in_view(
    backend: RecordedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bar's value growing changes its ``virtual_size``, for which Textual's ``Input``
    asks a layout of the whole screen at each keystroke; the bar (one line, fixed size)
    keeps its size and still scrolls a long value so that its end, with the cursor, shows."""
    app = make_app(backend)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        bar = app.screen.query_one("#filter", SafeInput)
        region = bar.region
        layouts: list[dict[str, object]] = []
        refresh = bar.refresh

        def watched_refresh(*regions: Any, **kwargs: Any) -> Any:
            if kwargs.get("layout"):
                layouts.append(kwargs)
            return refresh(*regions, **kwargs)

        monkeypatch.setattr(bar, "refresh", watched_refresh)
        await pilot.press(*("to:" + "x" * 80 + "END"))
        await settle(pilot)
        assert layouts == []
        assert bar.virtual_size.width == bar.content_width
        assert bar.region == region
        assert 0 < bar.scroll_x == bar.max_scroll_x
        line = "".join(text for text, _ in _drawn(app)[region.y])
        assert "xxEND" in line and "to:" not in line
        await pilot.press("home")
        await settle(pilot)
        line = "".join(text for text, _ in _drawn(app)[region.y])
        assert "to:xx" in line and "END" not in line
