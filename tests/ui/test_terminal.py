"""Terminals as postmasters have them: NO_COLOR, resized while the queue is still loading,
keyboard only at 80×24."""

from __future__ import annotations

import asyncio

import pytest
from textual.pilot import Pilot

from mailq_tui.ui.widgets.queue_list import QueueList
from tests.pilot import queue_screen, row_text, settle, shown_ids, sort_by

from .conftest import make_app, make_backend


async def test_resize_while_loading() -> None:
    """Resized twice while the first listing is in flight (held by an event, so it is in
    flight however slow the machine is), then listed: the rows fit the last width, and
    widen when the terminal does."""
    gate = asyncio.Event()
    app = make_app(make_backend(listing_gate=gate))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert queue_screen(app).state is None  # the listing is held in flight
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert queue_screen(app).state is None  # both resizes happened while loading
        gate.set()
        await settle(pilot)
        assert len(shown_ids(app)) == 60
        width = app.screen.query_one(QueueList).size.width
        assert 0 < len(row_text(app, 0).rstrip()) <= width
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        wide = row_text(app, 0)
        assert len(wide.rstrip()) > 60  # more columns when there is room


async def test_keyboard_only_at_80x24() -> None:
    app = make_app(make_backend())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = shown_ids(app)[0]
        await pilot.press("down", "up", "space", "end", "home")
        assert queue_screen(app).marks.ids() == {first}
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "MessageScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert queue_screen(app) is app.screen


def test_no_color(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_COLOR", "1")

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await sort_by(pilot, "id", reverse=True)
        await pilot.press("down", "space")
        await settle(pilot)

    assert snap_compare(make_app(make_backend()), terminal_size=(80, 24), run_before=run_before)
