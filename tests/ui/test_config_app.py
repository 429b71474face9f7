"""What the config file gives the app, handed in (nothing read from disk): saved filters in
the command palette and as ``@name`` in the filter bar, the visible columns, the theme."""

from __future__ import annotations

from typing import Any

from textual.command import CommandPalette
from textual.widgets import Input

from mailq_tui.ui.commands import SavedFilterCommands
from tests.pilot import queue_screen, row_text, screen_text, settle, shown_ids
from tests.ui.conftest import RecordedBackend, make_app

SAVED = {"yahoo": "domain:yahoo.com", "yahoo-old": "@yahoo queue:deferred", "regex": "to:/[0-9]+/"}


async def type_filter(pilot: Any, text: str) -> None:
    """Replace the filter bar's text with ``text``, typed, and wait for the list."""
    bar = pilot.app.screen.query_one("#filter", Input)
    bar.value = ""
    bar.focus()
    await pilot.press(*text)
    await settle(pilot)


async def test_at_name_in_the_filter_bar_selects_what_its_text_selects(
    backend: RecordedBackend,
) -> None:
    app = make_app(backend, saved_filters=SAVED)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "domain:yahoo.com queue:deferred")
        typed = shown_ids(app)
        await type_filter(pilot, "@yahoo-old")
        assert shown_ids(app) == typed
        assert 0 < len(typed) < len(backend.messages)
        assert queue_screen(app).spec.query_text == "domain:yahoo.com queue:deferred"
        assert not app.screen.query_one("#filter-error").display


async def test_an_unknown_at_name_is_explained_and_selects_nothing_new(
    backend: RecordedBackend,
) -> None:
    app = make_app(backend, saved_filters=SAVED)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "@yahoo")
        yahoo = shown_ids(app)
        await pilot.press(*"x")  # @yahoox
        await settle(pilot)
        error = app.screen.query_one("#filter-error")
        assert error.display
        assert "unknown saved filter @yahoox (saved: @regex, @yahoo, @yahoo-old;" in str(
            error.render()
        )
        assert shown_ids(app) == yahoo  # the last good query stays applied


async def test_a_saved_filter_in_the_palette_sets_the_query(backend: RecordedBackend) -> None:
    app = make_app(backend, saved_filters=SAVED)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "domain:yahoo.com queue:deferred")
        expected = shown_ids(app)
        await type_filter(pilot, "")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"yahoo-old")
        await settle(pilot)
        assert "Filter: yahoo-old — @yahoo queue:deferred" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#filter", Input).value == "@yahoo-old"
        assert shown_ids(app) == expected


async def test_the_palette_lists_every_saved_filter_as_plain_text(
    backend: RecordedBackend,
) -> None:
    app = make_app(backend, saved_filters=SAVED)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        provider = SavedFilterCommands(app.screen)
        titles = [str(hit.text) async for hit in provider.discover()]
        assert titles == [
            "Filter: regex — to:/[0-9]+/",  # brackets are text, not markup
            "Filter: yahoo — domain:yahoo.com",
            "Filter: yahoo-old — @yahoo queue:deferred",
        ]
        found = [str(hit.text) async for hit in provider.search("regex")]
        assert found == ["Filter: regex — to:/[0-9]+/"]
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert [hit async for hit in SavedFilterCommands(app.screen).discover()] == []


async def test_the_configured_columns_are_the_ones_shown(backend: RecordedBackend) -> None:
    app = make_app(backend, columns=("age", "recipient"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        header = str(app.screen.query_one("#list-header").render())
        assert "Queue ID" in header and "Age" in header and "Recipient" in header
        assert header.count("Queue") == 1  # the Queue ID's
        for hidden in ("Size", "Sender", "Reason"):
            assert hidden not in header, hidden
        first = queue_screen(app).state.visible_messages()[0]  # type: ignore[union-attr]
        line = row_text(app, 0)
        assert first.queue_id in line and first.recipients[0].address in line
        assert first.sender not in line and first.queue_name not in line
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        header = str(app.screen.query_one("#list-header").render())
        assert all(label in header for label in ("Queue", "Size", "Sender", "Reason"))


async def test_the_configured_theme_is_applied(backend: RecordedBackend) -> None:
    app = make_app(backend, theme="nord")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "nord" and app.current_theme.name == "nord"
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
