"""A key for an action this user may not run says why; the footer shows what they can do."""

from __future__ import annotations

import pytest

from mailq_tui.operations import NO_SELECTION
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.screens.message import MessageScreen
from mailq_tui.ui.screens.queue import QueueScreen
from tests.doubles import ORDINARY_USER
from tests.pilot import footer_keys, notifications, settle

from .conftest import make_app, make_backend

POSTSUPER_DENIED = "postsuper is reserved for the superuser (try --sudo)"


@pytest.mark.parametrize("key", ["d", "h", "H", "r"])
async def test_postsuper_key_of_an_ordinary_user_says_why(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(privileges=ORDINARY_USER)
    app = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        said = notifications(app, monkeypatch)
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)  # no dialog
        assert backend.calls == []
        assert len(said) == 1
        assert POSTSUPER_DENIED in said[0]["message"]
        assert said[0]["markup"] is False and said[0]["severity"] == "warning"


async def test_ordinary_user_footer_shows_the_flushes_not_postsuper() -> None:
    app = make_app(make_backend(privileges=ORDINARY_USER))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = footer_keys(app)
        assert not {"d", "h", "H", "r"} & set(keys)
        assert keys["f"] and keys["t"] and keys["F"]


async def test_root_footer_keeps_postsuper_keys() -> None:
    app = make_app(make_backend())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = footer_keys(app)
        assert keys["d"] and keys["h"] and keys["f"]
        assert "t" not in keys and "F" not in keys  # no room at 80 columns


async def test_an_unavailable_key_says_why_without_privileges_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = make_backend()
    app = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"nothing-matches-this")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        said = notifications(app, monkeypatch)
        assert footer_keys(app)["d"] is False  # dimmed, not hidden: root may delete
        await pilot.press("d")
        await settle(pilot)
        assert [n["message"] for n in said] == [f"Delete: {NO_SELECTION}"]
        assert isinstance(app.screen, QueueScreen)


async def test_message_screen_key_of_an_ordinary_user_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = make_backend(privileges=ORDINARY_USER)
    app = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageScreen)
        keys = footer_keys(app)
        assert keys.get("f") and "d" not in keys
        said = notifications(app, monkeypatch)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, MessageScreen)
        assert [n["message"] for n in said] == [f"Delete: {POSTSUPER_DENIED}"]
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # flushing is allowed: it asks
        await pilot.press("n")
        await settle(pilot)
        assert backend.calls == []
