"""Untrusted text from a real upstream through real Postfix to the screen: a 4xx reply with a
bidi override (U+202E), Rich markup and an ESC becomes a delay reason (``postqueue -j`` shows
the ESC as ``?`` and passes the rest); the reasons screen drills down into its cluster with a
filter that shows no raw control character, and holding that cluster holds exactly its
messages, not those of the look-alike cluster (the same text with ``?`` for the override)."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailq_tui.engine import QueueEngine
from mailq_tui.model.reasons import normalise_reason
from mailq_tui.sandbox.instance import Sandbox
from mailq_tui.sandbox.upstream import Upstream
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.screens.reasons import ReasonsScreen
from mailq_tui.ui.widgets.safe_input import SafeInput
from tests.conftest import require_sandbox
from tests.pilot import RLO, assert_safe, open_screen, screen_text, settle, shown_ids

pytestmark = pytest.mark.sandbox

HOSTILE = "rlo.example"
LOOKALIKE = "lookalike.example"


@pytest.fixture
def hostile_box() -> Iterator[Sandbox]:
    """A sandbox whose mail to rlo.example and lookalike.example meets the hostile upstream."""
    require_sandbox()
    upstream = Upstream({HOSTILE: "hostile", LOOKALIKE: "lookalike"}, modes=("rules",)).start()
    box = Sandbox(transport={d: upstream.nexthop("rules") for d in (HOSTILE, LOOKALIKE)})
    try:
        box.start()
        yield box
    finally:
        box.destroy()
        upstream.stop()


def deferred_by_domain(box: Sandbox, count: int) -> dict[str, set[str]]:
    """Recipient domain -> ids, once ``count`` messages are deferred with a reason (polled:
    Postfix delivers in its own time; the bound only stops a hang)."""
    deadline = time.monotonic() + 120
    while True:
        listing = [m for m in box.listing() if m.queue_name == "deferred"]
        if len(listing) >= count and all(r.delay_reason for m in listing for r in m.recipients):
            out: dict[str, set[str]] = {}
            for m in listing:
                out.setdefault(m.recipients[0].address.rpartition("@")[2], set()).add(m.queue_id)
            return out
        assert time.monotonic() < deadline, f"not deferred yet: {listing!r}"
        time.sleep(0.2)


async def test_hostile_reason_drill_down_then_hold_exactly_its_cluster(
    hostile_box: Sandbox, tmp_path: Path
) -> None:
    with smtplib.SMTP("127.0.0.1", hostile_box.smtp_port, timeout=30) as s:
        for rcpt in (f"a@{HOSTILE}", f"b@{HOSTILE}", f"c@{LOOKALIKE}"):
            s.sendmail("sender@example.org", [rcpt], b"Subject: t\r\n\r\nbody\r\n")
    ids = deferred_by_domain(hostile_box, 3)
    reasons = {r.delay_reason for m in hostile_box.listing() for r in m.recipients}
    assert any(RLO in r and "[bold red]x[/]" in r and "\x1b" not in r for r in reasons), reasons
    hostile_key = normalise_reason(next(r for r in reasons if RLO in r))
    engine = QueueEngine(hostile_box.config_dir, audit_log=tmp_path / "audit.log")
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "R", ReasonsScreen)
        assert screen.summary is not None
        keys = [c.key for c in screen.summary.clusters]
        assert len(keys) == 2, keys  # the hostile cluster and its look-alike
        for _ in range(keys.index(hostile_key)):
            await pilot.press("down")
        await pilot.pause()
        assert_safe(screen_text(app))
        await pilot.press("enter")
        await settle(pilot)
        assert set(shown_ids(app)) == ids[HOSTILE]
        bar = app.screen.query_one("#filter", SafeInput)
        assert RLO not in bar.value and "\\u202e" in bar.value
        text = screen_text(app)
        assert_safe(text)
        assert "[bold red]x[/]" in text
        await pilot.press("a", "h")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
    queues = {m.queue_id: m.queue_name for m in hostile_box.listing()}
    assert {i for i, q in queues.items() if q == "hold"} == ids[HOSTILE]
    assert all(queues[i] == "deferred" for i in ids[LOOKALIKE])
