"""Progress stays visible at any width: while the queue is read or indexed the status bar
says so first, not after totals and a per-queue breakdown that a terminal cuts off."""

from __future__ import annotations

import asyncio
import threading

import pytest

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import Message
from tests.doubles import RecordedBackend
from tests.pilot import queue_screen, screen_text

from .conftest import frozen, make_app, make_backend, until

WIDTHS = (60, 80, 120)
QUEUES = ("maildrop", "incoming", "active", "deferred", "hold")


def five_queue_backend(**kwargs: object) -> RecordedBackend:
    """The recorded queue copied into 2,500 messages spread over all five queues: a
    per-queue breakdown long enough to fill a 120-column status bar."""
    recorded = make_backend().messages
    messages = []
    for n in range(2500):
        base = recorded[n % len(recorded)]
        copy = Message(**{f: getattr(base, f) for f in base.__struct_fields__})
        copy.queue_id = f"{n:05X}ABCDE"
        copy.queue_name = QUEUES[n % len(QUEUES)]
        messages.append(copy)
    return RecordedBackend(messages, clock=frozen, **kwargs)  # type: ignore[arg-type]


def status_line(text: str) -> str:
    """The status bar's line of the screen (the one with the message totals or progress)."""
    lines = [line for line in text.splitlines() if " msgs " in line or "reading" in line]
    assert lines, text
    return lines[-1]


@pytest.mark.parametrize("width", WIDTHS)
async def test_indexing_is_shown_whole_at_any_width(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    build = QueueIndex.build_search_columns

    def held_build(self: QueueIndex) -> None:
        release.wait(10)
        build(self)

    monkeypatch.setattr(QueueIndex, "build_search_columns", held_build)
    app = make_app(five_queue_backend())
    try:
        async with app.run_test(size=(width, 24)) as pilot:
            screen = queue_screen(app)
            await until(pilot, lambda: screen.state is not None, "the listing is on screen")
            assert not screen.state.index.searchable  # type: ignore[union-attr]
            await pilot.pause()
            line = status_line(screen_text(app))
            release.set()
    finally:
        release.set()
    assert "indexing…" in line, line
    assert "2,500 msgs" in line, line  # the totals still follow


@pytest.mark.parametrize("width", WIDTHS)
async def test_reading_is_shown_whole_at_any_width(width: int) -> None:
    gate = asyncio.Event()
    backend = five_queue_backend(listing_gate=gate)
    app = make_app(backend)
    async with app.run_test(size=(width, 24)) as pilot:
        screen = queue_screen(app)
        await until(pilot, lambda: screen.refreshing, "the first listing is being read")
        await pilot.pause()
        line = status_line(screen_text(app))
        gate.set()
    assert "reading the queue…" in line, line
