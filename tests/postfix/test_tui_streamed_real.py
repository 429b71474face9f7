"""The app on a real, isolated Postfix shows the listing through the streaming path: the
batches ``postqueue -j`` gave are on screen, sorted by age, before the listing is complete,
and the whole listing then replaces them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import pytest

from mailq_tui.engine import QueueEngine
from mailq_tui.model.message import Message
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.ui.app import MailqApp
from tests.pilot import queue_screen, screen_text, settle, shown_ids
from tests.postfix.conftest import Instance
from tests.ui.conftest import until

pytestmark = pytest.mark.sandbox


class HeldEngine(QueueEngine):
    """The real engine, whose listing is held complete-but-not-returned until ``gate`` is set:
    the app has had every batch of the real ``postqueue -j`` and still waits for the end."""

    gate: asyncio.Event

    async def snapshot(
        self,
        previous: Optional[Snapshot] = None,
        *,
        reusable: bool = False,
        on_batch: Optional[Callable[[list[Message]], None]] = None,
    ) -> Snapshot:
        snap = await super().snapshot(previous, reusable=reusable, on_batch=on_batch)
        await self.gate.wait()
        return snap


async def test_the_streamed_listing_is_shown_then_completed(
    filled: Instance, tmp_path: Path
) -> None:
    engine = HeldEngine(filled.config_dir, audit_log=tmp_path / "audit.log")
    engine.gate = asyncio.Event()
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = queue_screen(app)
        await until(
            pilot,
            lambda: screen.state is not None and screen.state.partial,
            "the rows read so far are shown",
        )
        await pilot.pause()
        queued = filled.listing()
        partial_rows = screen.state.visible_messages()  # type: ignore[union-attr]
        assert {m.queue_id for m in partial_rows} == {m.queue_id for m in queued}
        ages = [m.arrival_time for m in partial_rows]
        assert ages == sorted(ages)  # oldest first, as the whole listing shows
        assert "reading 7…" in screen_text(app)
        engine.gate.set()
        await until(pilot, lambda: not screen.refreshing, "the listing is complete")
        await settle(pilot)
        assert screen.state is not None and not screen.state.partial
        assert shown_ids(app) == [m.queue_id for m in partial_rows]
        await pilot.press("slash", *"domain:yahoo.com", "enter")
        await settle(pilot)
        assert len(shown_ids(app)) == 3
