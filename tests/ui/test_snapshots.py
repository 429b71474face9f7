"""Snapshot tests of every screen from the recorded sandbox queue (clock frozen, fixed sizes).

Review ``--snapshot-update`` diffs by eye: they change with Textual releases and with the model's
sort order.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.pilot import settle, sort_by

from .conftest import DOWN, make_app, make_backend

SIZES = [(100, 30), (80, 24)]
#: The screens a narrow terminal must keep usable are also taken at 60x20.
WITH_NARROW = [*SIZES, (60, 20)]


@pytest.mark.parametrize("size", WITH_NARROW, ids=lambda s: f"{s[0]}x{s[1]}")
def test_queue_screen(snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await sort_by(pilot, "id", reverse=True)  # a stable order
        await pilot.press("down", "space", "space", "down")

    assert snap_compare(make_app(make_backend()), terminal_size=size, run_before=run_before)


def test_queue_screen_filtered_with_log(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await sort_by(pilot, "id", reverse=True)
        await pilot.press("slash", *"gmail", "enter")
        await settle(pilot)
        await pilot.press("l")

    assert snap_compare(make_app(make_backend()), terminal_size=(100, 30), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_confirm_dialog(snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await sort_by(pilot, "id", reverse=True)
        await pilot.press("space", "space", "space", "d")
        await pilot.pause()

    assert snap_compare(make_app(make_backend()), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_message_screen(snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"6CBC820C09E", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(make_backend()), terminal_size=size, run_before=run_before)


def test_help_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(make_backend()), terminal_size=(80, 24), run_before=run_before)


def test_ordinary_user_footer(snap_compare) -> None:  # type: ignore[no-untyped-def]
    from tests.doubles import ORDINARY_USER

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await sort_by(pilot, "id", reverse=True)

    app = make_app(make_backend(privileges=ORDINARY_USER))
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", WITH_NARROW, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reasons_screen(snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(make_app(make_backend()), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_grouped_by_domain(snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await sort_by(pilot, "id", reverse=True)  # members in a stable order
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press("down", "space")
        await pilot.pause()

    assert snap_compare(make_app(make_backend()), terminal_size=size, run_before=run_before)


def test_shape_screen_from_the_queue(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("down", "right")
        await pilot.pause()

    assert snap_compare(make_app(make_backend()), terminal_size=(80, 24), run_before=run_before)


def test_health_panel_with_postfix_down(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await sort_by(pilot, "id", reverse=True)
        await pilot.press("i")
        await settle(pilot)

    app = make_app(make_backend(health=DOWN))
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_health_panel_running(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await sort_by(pilot, "id", reverse=True)
        await pilot.press("i")
        await settle(pilot)

    assert snap_compare(make_app(make_backend()), terminal_size=(100, 30), run_before=run_before)
