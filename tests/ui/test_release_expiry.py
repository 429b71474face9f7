"""Releasing held mail that has been queued longer than its lifetime: the confirm dialog warns
that it expires at once and advises requeue (the app passes its clock and settings)."""

from __future__ import annotations

from typing import Optional

import pytest

from mailq_tui.postfix.settings import PostfixSettings
from mailq_tui.ui.screens.confirm import ConfirmScreen
from tests.pilot import settle

from .conftest import make_app, make_backend


async def _release_dialog_body(settings: Optional[PostfixSettings]) -> tuple[str, int]:
    backend = make_backend(settings=settings)
    held = sum(m.queue_name == "hold" for m in backend.messages)
    app = make_app(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"queue:hold")
        await settle(pilot)
        await pilot.press("enter", "asterisk", "H")
        await pilot.pause()  # the action's worker waits in the dialog: do not wait for it
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        return str(dialog.query_one("#confirm-body").render()), held


@pytest.mark.parametrize(
    ("lifetime", "warned"),
    [(60, True), (None, False)],  # every recorded message is at least an hour old
)
async def test_release_confirm_warns_about_held_mail_past_its_lifetime(
    lifetime: Optional[int], warned: bool
) -> None:
    settings = PostfixSettings(maximal_queue_lifetime=lifetime, bounce_queue_lifetime=lifetime)
    body, held = await _release_dialog_body(settings if lifetime else None)
    assert ("queued longer than maximal_queue_lifetime (1m)" in body) is warned
    assert (f"all {held} messages have" in body) is warned
    assert ("requeue instead of releasing (postsuper -r)" in body) is warned
