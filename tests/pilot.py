"""What an app test does through Textual's Pilot: wait for the app, read what the queue screen
shows, set what it shows, type like a terminal.

Shared by the tests on the recorded queue (tests/ui) and on a real Postfix (tests/postfix), so
that no test module imports from another one. Fixtures live in the conftest files; these are
plain functions.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import pytest
from textual._xterm_parser import XTermParser
from textual.pilot import Pilot
from textual.screen import Screen

from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.queue import QueueScreen
from mailq_tui.ui.view import ViewSpec
from mailq_tui.ui.widgets.queue_list import QueueList

#: Unicode's right-to-left override: mail text must never bring it to the terminal raw.
RLO = "\u202e"


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers finish and the screen repaint (a worker's result may start another)."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def queue_screen(app: MailqApp) -> QueueScreen:
    """The active screen, which must be the queue screen (no dialog or other screen on top)."""
    screen = app.screen
    assert isinstance(screen, QueueScreen), screen
    return screen


def shown_ids(app: MailqApp) -> list[str]:
    """Queue ids of the messages the queue screen lists, top to bottom."""
    screen = queue_screen(app)
    assert screen.state is not None
    return [m.queue_id for m in screen.state.visible_messages()]


def row_text(app: MailqApp, y: int) -> str:
    """Line ``y`` of the queue list as drawn."""
    qlist = app.screen.query_one(QueueList)
    return "".join(seg.text for seg in qlist.render_line(y))


def screen_text(app: MailqApp) -> str:
    """What the active screen sends to the terminal, as text (styles left out)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def assert_safe(text: str) -> None:
    """No raw bidi override or ESC reaches the terminal."""
    assert RLO not in text
    assert "\x1b" not in text


def footer_keys(app: MailqApp) -> dict[str, bool]:
    """Key -> enabled, for the keys the footer shows."""
    return {
        key: active.enabled
        for key, active in app.screen.active_bindings.items()
        if active.binding.show
    }


def notifications(app: MailqApp, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every ``notify`` call of ``app`` from now on, with its arguments."""
    said: list[dict[str, Any]] = []
    real = app.notify

    def record(message: str, **kwargs: Any) -> None:
        said.append({"message": message, **kwargs})
        real(message, **kwargs)

    monkeypatch.setattr(app, "notify", record)
    return said


def post_burst(app: MailqApp, *reads: str) -> None:
    """Post the events of ``reads`` (each one driver read, its escape timeout expired) to the
    app before it handles any of them."""
    events = []
    for data in reads:
        parser = XTermParser()
        events.extend(parser.feed(data))
        events.extend(parser.feed(""))  # end of the read: a lone Esc is a key
    for event in events:
        event.set_sender(app)
        app.post_message(event)


async def burst(pilot: Pilot[Any], *reads: str) -> None:
    """:func:`post_burst`, then wait until every key was handled (not for the workers: one
    may be waiting for a dialog's answer)."""
    app = pilot.app
    assert isinstance(app, MailqApp)
    post_burst(app, *reads)
    await app.typed.wait_handled()
    await pilot.pause()


ScreenT = TypeVar("ScreenT", bound=Screen[Any])


async def open_screen(pilot: Pilot[Any], key: str, kind: type[ScreenT]) -> ScreenT:
    """Press ``key`` (on the queue screen: ``R`` reasons, ``s`` shape) and return the screen
    it opened, of type ``kind``, once the app has settled."""
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, kind), screen
    return screen


async def change_view(pilot: Pilot[Any], **changes: Any) -> None:
    """Change what the queue screen shows (keyword names are :class:`ViewSpec` fields) through
    the screen's own view, and wait until it is drawn.

    The one place where tests set the view without keys: a test about another thing states
    the view it needs instead of pressing a key some number of times, so a change to a key's
    cycle breaks only the tests of that key.
    """
    unknown = set(changes) - {field.name for field in dataclasses.fields(ViewSpec)}
    assert not unknown, f"not a ViewSpec field: {sorted(unknown)}"
    app = pilot.app
    assert isinstance(app, MailqApp)
    screen = queue_screen(app)
    screen.change_view(dataclasses.replace(screen.spec, **changes))
    await settle(pilot)


async def sort_by(pilot: Pilot[Any], key: str, *, reverse: bool) -> None:
    """Sort the queue screen by ``key`` (descending when ``reverse``), as ``o``/``O`` would."""
    await change_view(pilot, sort_key=key, reverse=reverse)
