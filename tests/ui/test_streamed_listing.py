"""The first listing is shown while it is read: rows of the batches read so far, sorted by
age, the count in the status bar; filtering waits for the whole listing, and nothing marks
or acts on a listing still being read.

The backend hands the app a first batch, then holds the rest until the test sets an event
(no timing involved).
"""

from __future__ import annotations

import asyncio

import pytest

from mailq_tui.operations import Op
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.message import MessageScreen
from mailq_tui.ui.screens.queue import QueueScreen
from tests.doubles import RecordedBackend
from tests.pilot import notifications, queue_screen, screen_text, settle, shown_ids

from .conftest import make_app, make_backend, until

FIRST = 25
QUERY = "domain:yahoo.com"


def streaming(gate: asyncio.Event) -> RecordedBackend:
    """The recorded queue, its first :data:`FIRST` messages read before ``gate`` is set."""
    return make_backend(stream_gate=gate, first_batch=FIRST)


def partial_shown(screen: QueueScreen) -> bool:
    return screen.state is not None and screen.state.partial


def whole_shown(screen: QueueScreen) -> bool:
    return screen.state is not None and not screen.state.partial and not screen.refreshing


async def reference_ids(query: str = "") -> list[str]:
    """What the app shows for ``query`` when the listing is not streamed."""
    app = make_app(make_backend())
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        if query:
            await pilot.press("slash", *query, "enter")
            await settle(pilot)
        return shown_ids(app)


def reading_line(app: MailqApp) -> str:
    lines = [line for line in screen_text(app).splitlines() if "reading" in line]
    assert lines, screen_text(app)
    return lines[-1]


async def test_first_rows_are_shown_sorted_while_the_listing_is_read() -> None:
    gate = asyncio.Event()
    backend = streaming(gate)
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = queue_screen(app)
        await until(pilot, lambda: partial_shown(screen), "the first rows are shown")
        await pilot.pause()
        first = backend.messages[:FIRST]
        oldest_first = sorted(first, key=lambda m: m.arrival_time)
        shown = shown_ids(app)
        assert len(shown) == FIRST
        assert [m.arrival_time for m in screen.state.visible_messages()] == [  # type: ignore[union-attr]
            m.arrival_time for m in oldest_first
        ]
        assert set(shown) == {m.queue_id for m in first}
        assert f"reading {FIRST}…" in reading_line(app)
        assert screen.refreshing
        gate.set()
        await until(pilot, lambda: whole_shown(screen), "the whole listing is shown")
        await settle(pilot)
        assert "reading" not in screen_text(app)
        final = shown_ids(app)
    assert final == await reference_ids()


async def test_a_filter_typed_while_reading_is_applied_once_complete() -> None:
    gate = asyncio.Event()
    app = make_app(streaming(gate))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = queue_screen(app)
        await until(pilot, lambda: partial_shown(screen), "the first rows are shown")
        await pilot.press("slash", *QUERY, "enter")
        await pilot.pause()
        assert screen.spec.query_text == QUERY
        assert partial_shown(screen)  # still reading: the filter waits
        gate.set()
        await until(pilot, lambda: whole_shown(screen), "the whole listing is shown")
        await settle(pilot)
        filtered = shown_ids(app)
        assert screen.state.query_text == QUERY  # type: ignore[union-attr]
    expected = await reference_ids(QUERY)
    assert filtered == expected
    assert 0 < len(expected) < 60


@pytest.mark.parametrize("key", ["space", "a", "d", "h", "b", "R"])
async def test_marks_and_actions_wait_for_the_whole_listing(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = asyncio.Event()
    backend = streaming(gate)
    app = make_app(backend)
    said = notifications(app, monkeypatch)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = queue_screen(app)
        await until(pilot, lambda: partial_shown(screen), "the first rows are shown")
        await pilot.press(key)
        await pilot.pause()
        assert app.screen is screen  # no dialog, no other screen
        assert len(screen.marks) == 0
        assert backend.calls == []
        reason = f"reading the queue ({FIRST} so far)…"
        assert any(reason in str(n["message"]) for n in said), said
        assert screen.why(Op.DELETE) == reason
        gate.set()
        await until(pilot, lambda: whole_shown(screen), "the whole listing is shown")
        await settle(pilot)
        assert screen.unavailable_reason("toggle_mark") == ""
        await pilot.press("space")
        await pilot.pause()
        assert len(screen.marks) == 1  # marking works once the listing is whole


async def test_a_message_opens_while_the_listing_is_read() -> None:
    gate = asyncio.Event()
    app = make_app(streaming(gate))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = queue_screen(app)
        await until(pilot, lambda: partial_shown(screen), "the first rows are shown")
        top = shown_ids(app)[0]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MessageScreen), "the message opens")
        assert top in screen_text(app)
        await pilot.press("escape")
        gate.set()
        await until(pilot, lambda: whole_shown(screen), "the whole listing is shown")
        await settle(pilot)


async def test_a_later_refresh_keeps_the_whole_listing_and_counts() -> None:
    gate = asyncio.Event()
    gate.set()  # the first listing streams through at once
    backend = streaming(gate)
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = queue_screen(app)
        await settle(pilot)
        whole = screen.state
        assert whole is not None and not whole.partial
        gate.clear()
        screen.refresh_queue()
        await until(
            pilot,
            lambda: screen.streamed is not None and screen.streamed.count == FIRST,
            "the refresh read its first batch",
        )
        await pilot.pause()
        assert screen.state is whole  # the old listing stays until the new one is whole
        assert f"reading {FIRST}…" in reading_line(app)
        assert screen.unavailable_reason("toggle_mark") == ""
        gate.set()
        await settle(pilot)
        assert "reading" not in screen_text(app)
