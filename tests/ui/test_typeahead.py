"""Typeahead: keys that arrive together (one terminal read: a paste, ``tmux send-keys``, fast
typing on a loaded server) reach the widget the operator typed them for, in order.

Each burst goes through Textual's own ``XTermParser``, as the Linux driver does with one
``read()``, and every resulting event is posted to the app before it handles any of them.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest
from textual.widgets import Input

from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens import queue as queue_module
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.screens.message import MessageScreen
from mailq_tui.ui.screens.queue import QueueScreen
from mailq_tui.ui.screens.reasons import ReasonsScreen
from mailq_tui.ui.view import ViewSpec, compute_view
from mailq_tui.ui.widgets.queue_list import QueueList
from tests.doubles import RecordedBackend
from tests.pilot import burst, post_burst, settle

from .conftest import make_app


def queue_screen(app: MailqApp) -> QueueScreen:
    screen = app.screen_stack[1]
    assert isinstance(screen, QueueScreen), app.screen_stack
    return screen


def filter_value(app: MailqApp) -> str:
    return queue_screen(app).query_one("#filter", Input).value


def gate_filters(
    monkeypatch: pytest.MonkeyPatch, held: Callable[[str], bool] = bool
) -> threading.Event:
    """Hold every filter whose query text ``held`` accepts in ``compute_view`` until the
    returned event is set (the wait's bound is only a guard against a hung test)."""
    gate = threading.Event()

    def gated_compute_view(index: Any, spec: ViewSpec) -> Any:
        if held(spec.query_text):
            gate.wait(60)
        return compute_view(index, spec)

    monkeypatch.setattr(queue_module, "compute_view", gated_compute_view)
    return gate


async def test_keys_after_slash_all_reach_the_filter(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "/ail")
        screen = queue_screen(app)
        assert filter_value(app) == "ail"
        assert len(screen.marks) == 0  # "a" did not mark all
        assert not screen.query_one("#health").display  # "i" did not open the health panel
        assert not screen.query_one("#action-log").display  # "l" did not open the log
        assert isinstance(app.focused, Input)


async def test_a_word_typed_into_the_filter_opens_no_dialog(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "/freemail")
        assert filter_value(app) == "freemail"
        assert isinstance(app.screen, QueueScreen)
        assert backend.calls == []


async def test_keys_after_enter_in_the_filter_reach_the_list(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "/gmail\rR")
        assert filter_value(app) == "gmail"
        assert isinstance(app.screen, ReasonsScreen)


async def test_keys_after_escape_in_the_filter_reach_the_list(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        # Esc then R in one read is Alt+R to any terminal program: the Esc ends its read.
        await burst(pilot, "/gmail\x1b", "R")
        assert filter_value(app) == "gmail"
        assert isinstance(app.screen, ReasonsScreen)


async def test_keys_after_enter_on_a_message_reach_the_message_screen(
    backend: RecordedBackend,
) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "\rq\r")  # open, back, open again
        assert isinstance(app.screen, MessageScreen)
        assert isinstance(app.screen_stack[-2], QueueScreen)


async def test_a_dialog_ignores_keys_sent_before_it_was_shown(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "dy")
        assert isinstance(app.screen, ConfirmScreen)  # still asking
        assert backend.calls == []
        await burst(pilot, "\r")  # typed after it was shown: the focused button, "No"
        assert isinstance(app.screen, QueueScreen)
        await burst(pilot, "h")
        await burst(pilot, "y")
        await settle(pilot)
        assert backend.calls and backend.calls[0][0] == "hold"
        assert isinstance(app.screen.focused, QueueList)


async def test_keys_sent_before_a_whole_queue_question_cannot_type_its_word(
    backend: RecordedBackend,
) -> None:
    """``a d all`` Enter in one read: the word box of "Delete ALL …?" has the focus once it is
    shown, but the keys were sent before it was: they are dropped, nothing is deleted."""
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "adall\r")
        assert isinstance(app.screen, ConfirmScreen)  # still asking
        assert "ALL" in str(app.screen.query_one("#confirm-title").render())
        assert app.screen.query_one("#confirm-word", Input).value == ""
        assert backend.calls == []
        await burst(pilot, "\x1b")  # Esc typed after it was shown cancels
        assert isinstance(app.screen, QueueScreen)
        assert backend.calls == []


async def test_keys_after_enter_act_on_the_filtered_view(
    backend: RecordedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``*`` sent with ``/yahoo`` Enter marks the yahoo messages even when the filter is
    still running in its thread when ``*`` arrives (a gate holds it there)."""
    gate = gate_filters(monkeypatch)  # "y" ... "yahoo": the list stays unfiltered till then
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "b")  # grouped: every filter runs in a thread
        await settle(pilot)
        post_burst(app, "/yahoo\r*")
        await pilot.pause()  # the keys meet the filter still running
        gate.set()
        await app.typed.wait_handled()  # type: ignore[attr-defined]
        await settle(pilot)
        screen = queue_screen(app)
        assert screen.state is not None and screen.state.spec.query_text == "yahoo"
        shown = {m.queue_id for m in screen.state.visible_messages()}
        assert 0 < len(shown) < len(backend.messages)
        assert set(screen.marks.ids()) == shown


async def test_ctrl_q_is_not_held_behind_waiting_keys(
    backend: RecordedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys of priority bindings (Ctrl+Q) are not held: the app quits while ``*`` still
    waits for a filter (held in its thread by a gate that never opens before the quit)."""
    gate = gate_filters(monkeypatch)  # opened after the quit
    app = make_app(backend)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await burst(pilot, "b")
            await settle(pilot)
            post_burst(app, "/yahoo\r*", "\x11")  # Ctrl+Q
            await pilot.pause()
            assert app._exit  # quitting
            assert len(queue_screen(app).marks) == 0  # "*" never ran
    finally:
        gate.set()


async def test_a_filter_shown_at_once_is_never_replaced_by_an_older_one_from_its_thread(
    backend: RecordedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cheap filter is computed and shown as its key is handled (no worker); a costlier
    one typed before it, still running in its thread (held there by a gate), must not land
    on top of it when it ends."""
    gate = gate_filters(monkeypatch, "y".__eq__)
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(queue_module, "INLINE_ROWS", -1)  # "y": a thread
        await burst(pilot, "/y")
        await pilot.pause()
        screen = queue_screen(app)
        assert screen.state is not None and screen.state.spec.query_text == ""
        monkeypatch.setattr(queue_module, "INLINE_ROWS", 10**9)  # "ya": at once
        await burst(pilot, "a")
        assert screen.state.spec.query_text == "ya"
        ya = [m.queue_id for m in screen.state.visible_messages()]
        gate.set()
        await settle(pilot)
        assert screen.state.spec.query_text == "ya"
        assert [m.queue_id for m in screen.state.visible_messages()] == ya
        assert 0 < len(ya) < len(backend.messages)
