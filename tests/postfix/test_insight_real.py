"""The insight views on a real, isolated Postfix through the real engine: drill down from the
reasons screen, the shape screen (whose numbers must equal ``qshape``'s) and a group, act, and
check the effect in ``postqueue -j``; the health panel before and after ``postfix stop``."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from mailq_tui.engine import QueueEngine
from mailq_tui.model.reasons import normalise_reason
from mailq_tui.operations import Op
from mailq_tui.sandbox.instance import Sandbox
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.screens.queue import QueueScreen
from mailq_tui.ui.screens.reasons import ReasonsScreen
from mailq_tui.ui.screens.shape import ShapeScreen
from mailq_tui.ui.widgets.health import HealthPanel
from mailq_tui.ui.widgets.heatmap import HeatTable
from mailq_tui.ui.widgets.queue_list import QueueList
from tests.pilot import open_screen, settle, shown_ids
from tests.postfix.conftest import Instance, qshape_rows

pytestmark = pytest.mark.sandbox


def clusters(box: Sandbox) -> dict[str, set[str]]:
    """Cluster -> ids of the messages with a recipient in it, from a fresh listing."""
    out: dict[str, set[str]] = {}
    for m in box.listing():
        for r in m.recipients:
            if r.delay_reason:
                out.setdefault(normalise_reason(r.delay_reason), set()).add(m.queue_id)
    return out


async def test_reasons_drill_down_then_delete_the_rate_limited_cluster(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    box = make_sandbox(count=60, seed=3)
    before = clusters(box)
    assert len(before) >= 3, before
    engine = QueueEngine(str(box.config_dir), audit_log=tmp_path / "audit.log")
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "R", ReasonsScreen)
        assert screen.summary is not None
        keys = [c.key for c in screen.summary.clusters]
        assert set(keys) == set(before)
        hinted = [c for c in screen.summary.clusters if c.hint and c.hint.name == "rate-limit"]
        assert hinted, keys
        target = hinted[0]
        for _ in range(keys.index(target.key)):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        ids = set(shown_ids(app))
        assert ids == before[target.key]
        await pilot.press("a", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        title = str(app.screen.query_one("#confirm-title").render())
        assert title == f"Delete {len(ids)} message{'s' if len(ids) != 1 else ''}?"
        await pilot.press("y")
        await settle(pilot)
    after = clusters(box)
    assert target.key not in after
    assert not ids & {m.queue_id for m in box.listing()}
    assert len(after) >= len(before) - 1 - sum(1 for v in before.values() if v <= ids)


async def test_group_by_domain_then_hold_a_whole_group(filled: Instance, tmp_path: Path) -> None:
    engine = QueueEngine(filled.config_dir, audit_log=tmp_path / "audit.log")
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        qlist = app.screen.query_one(QueueList)
        state = qlist.state
        assert state is not None and state.groups is not None
        assert [(g.key, g.count) for g in state.groups] == [("gmail.com", 4), ("yahoo.com", 3)]
        await pilot.press("down")
        assert qlist.current_group is not None and qlist.current_group.key == "yahoo.com"
        yahoo = {state.messages[r].queue_id for r in state.groups[1].rows}
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Hold 3 messages?" in str(app.screen.query_one("#confirm-title").render())
        await pilot.press("y")
        await settle(pilot)
        assert len(shown_ids(app)) == 7
    queues = {m.queue_id: m.queue_name for m in filled.listing()}
    assert {queues[q] for q in yahoo} == {"hold"}
    assert sorted(queues.values()).count("hold") == 3


async def test_health_panel_on_a_real_instance_then_postfix_stopped(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    box = make_sandbox(count=0)
    master = box._master_pid()
    assert master is not None
    engine = QueueEngine(str(box.config_dir), audit_log=tmp_path / "audit.log")
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        text = str(screen.query_one(HealthPanel).query_one("#health-text").render())
        assert f"master {master} up " in text
        assert "qmgr 1" in text and "pickup 1" in text
        assert "POSTFIX DOWN" not in str(screen.query_one("#status").render())
        assert screen.why(Op.FLUSH_ALL) == ""
        box.stop()
        await pilot.press("g")
        await settle(pilot)
        status = str(screen.query_one("#status").render())
        assert status.startswith(" POSTFIX DOWN: flush will not work ")
        text = str(screen.query_one(HealthPanel).query_one("#health-text").render())
        assert "Postfix is NOT running" in text
        assert "not running" in screen.why(Op.FLUSH_ALL)


async def test_shape_screen_equals_qshape_then_drill_down_and_hold(
    pf: Instance, tmp_path: Path
) -> None:
    pf.send("alice@example.org", ["u1@gmail.com"], n=5)
    pf.send("", ["u2@gmail.com"], n=2)
    pf.send("bob@example.net", ["v1@yahoo.com", "v2@gmail.com"], n=3)
    pf.wait_deferred(10)
    engine = QueueEngine(pf.config_dir, audit_log=tmp_path / "audit.log")
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "s", ShapeScreen)
        assert screen.shape is not None
        for by, flag in (("rcpt", []), ("sender", ["-s"])):
            if by == "sender":
                await pilot.press("s")
                await settle(pilot)
                assert screen.shape is not None
            real = subprocess.run(
                ["qshape", "-c", pf.config_dir, *flag, "deferred"],
                capture_output=True,
                text=True,
                check=True,
            )
            assert screen.shape.headings == real.stdout.split()[: len(screen.shape.headings)]
            assert screen.shape.counts() == qshape_rows(real.stdout)
            # What is drawn is what qshape printed.
            table = screen.query_one(HeatTable)
            for row in range(table.row_count):
                cells = [str(c).strip() for c in table.get_row_at(row)]
                domain = cells[0].lstrip("+")
                assert [int(c) for c in cells[1:]] == qshape_rows(real.stdout)[domain]
        await pilot.press("s")  # back to recipient domains
        await settle(pilot)
        table = screen.query_one(HeatTable)
        assert table.move_to("gmail.com", 0)
        await pilot.press("enter")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert queue.query_one("#filter", Input).value == ("domain:gmail.com queue:deferred")
        gmail = {
            m.queue_id for m in pf.listing() if any("gmail" in r.address for r in m.recipients)
        }
        assert set(shown_ids(app)) == gmail and len(gmail) == 10
        await pilot.press("a", "h")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        # Every queued message has a gmail recipient: the dialog asks for "all" typed.
        title = str(app.screen.query_one("#confirm-title").render())
        assert title == "Hold ALL 10 messages in the queue?"
        await pilot.press(*"all", "enter")
        await settle(pilot)
    assert {m.queue_id for m in pf.listing() if m.queue_name == "hold"} == gmail
