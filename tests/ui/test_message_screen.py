"""The message screen: envelope, per-recipient reasons, expiry, postcat content, actions."""

from __future__ import annotations

from mailq_tui.model.message import Message, Recipient
from mailq_tui.postfix.settings import PostfixSettings
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.screens.message import MessageScreen, expiry_text
from mailq_tui.ui.screens.queue import QueueScreen
from tests.doubles import ORDINARY_USER, RecordedBackend
from tests.pilot import settle

from .conftest import NOW, make_app, make_backend

RECORDED_ID = "6CBC820C09E"  # tests/ui/data/postcat-6CBC820C09E.txt


async def open_recorded(pilot, app) -> MessageScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("slash", *RECORDED_ID, "enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, MessageScreen)
    return screen


async def test_envelope_and_postcat_content(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_recorded(pilot, app)
        envelope = str(screen.query_one("#envelope").render())
        assert RECORDED_ID in envelope
        assert "billing@invoices.example.net" in envelope
        assert "user148@yahoo.com" in envelope
        assert "[TSS04] Messages from 127.0.0.1 temporarily deferred" in envelope
        assert "expires in 4d" in envelope
        lines = screen.query_one("#content").lines
        assert any(line.startswith("Subject: Re: meeting #30") for line in lines)
        assert "this is message 30." in lines
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_postcat_not_permitted_says_so() -> None:
    backend = make_backend(privileges=ORDINARY_USER)
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_recorded(pilot, app)
        status = str(screen.query_one("#content-status").render())
        assert "unavailable: postcat needs root or the mail owner" in status
        assert screen.check_action("operate", ("delete",)) is None
        assert screen.check_action("operate", ("flush-ids",)) is True


async def test_action_from_message_screen_confirms_one_message(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_recorded(pilot, app)
        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        body = str(dialog.query_one("#confirm-body").render())
        assert "1 message (1 deferred), 1 recipient" in body
        assert RECORDED_ID in body
        await pilot.press("y")
        await settle(pilot)
        assert backend.calls == [("requeue", [RECORDED_ID])]


def test_expiry_uses_bounce_lifetime_for_null_sender() -> None:
    settings = PostfixSettings(maximal_queue_lifetime=5 * 86400, bounce_queue_lifetime=86400)
    bounce = Message(
        "deferred",
        "ABC123DEF0",
        int(NOW) - 3600,
        10,
        "MAILER-DAEMON",
        [Recipient("a@b.example", "")],
    )
    normal = Message(
        "deferred", "ABC123DEF1", int(NOW) - 3600, 10, "x@y.example", [Recipient("a@b.example", "")]
    )
    assert "expires in 23h" in expiry_text(bounce, NOW, settings)
    assert "bounce_queue_lifetime" in expiry_text(bounce, NOW, settings)
    assert "expires in 4d" in expiry_text(normal, NOW, settings)
    old = Message("deferred", "ABC123DEF2", int(NOW) - 6 * 86400, 10, "x@y.example", [])
    assert expiry_text(old, NOW, settings).startswith("past maximal_queue_lifetime")
