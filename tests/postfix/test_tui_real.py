"""The app on a real, isolated Postfix through the real engine: keys pressed like a user, and
the effect checked in ``postqueue -j``."""

from __future__ import annotations

import pwd
from pathlib import Path

import pytest

from mailq_tui.engine import QueueEngine
from mailq_tui.postfix.commands import PostfixTools
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.screens.queue import QueueScreen
from mailq_tui.ui.screens.reasons import ReasonsScreen
from mailq_tui.ui.screens.shape import ShapeScreen
from mailq_tui.ui.widgets.health import HealthPanel
from tests.pilot import burst, footer_keys, notifications, settle, shown_ids
from tests.postfix.conftest import Instance

pytestmark = pytest.mark.sandbox


@pytest.fixture
def engine(filled: Instance, tmp_path: Path) -> QueueEngine:
    return QueueEngine(filled.config_dir, audit_log=tmp_path / "audit.log")


async def test_filter_mark_all_and_delete_for_real(filled: Instance, engine: QueueEngine) -> None:
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(shown_ids(app)) == 7
        await pilot.press("slash", *"domain:yahoo.com", "enter")
        await settle(pilot)
        yahoo = set(shown_ids(app))
        assert len(yahoo) == 3
        await pilot.press("asterisk", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Delete 3 messages?" in str(app.screen.query_one("#confirm-title").render())
        await pilot.press("y")
        await settle(pilot)
        left = {m.queue_id for m in filled.listing()}
        assert len(left) == 4 and not (left & yahoo)
        assert shown_ids(app) == []


async def test_cancel_leaves_the_queue_alone(filled: Instance, engine: QueueEngine) -> None:
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "d")
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("h", "escape")
        await settle(pilot)
        assert len(filled.listing()) == 7
        assert all(m.queue_name == "deferred" for m in filled.listing())


async def test_typed_ahead_filter_and_answer_act_only_as_meant(
    filled: Instance, engine: QueueEngine
) -> None:
    """One terminal read: the word goes to the filter, ``y`` sent with ``d`` answers nothing;
    a ``y`` typed once the question is shown deletes exactly the filtered messages."""
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "/domain:yahoo.com\r*dy")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Delete 3 messages?" in str(app.screen.query_one("#confirm-title").render())
        assert len(filled.listing()) == 7
        await burst(pilot, "y")
        await settle(pilot)
        left = filled.listing()
        assert len(left) == 4
        assert all(r.address.endswith("@gmail.com") for m in left for r in m.recipients)


async def test_the_whole_queue_is_acted_on_only_after_typing_all(
    filled: Instance, engine: QueueEngine
) -> None:
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        title = str(app.screen.query_one("#confirm-title").render())
        assert title == "Delete ALL 7 messages in the queue?"
        await pilot.press("y", "enter", "tab", "y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert len(filled.listing()) == 7
        await pilot.press("shift+tab", "backspace", *"all", "enter")
        await settle(pilot)
        assert filled.listing() == []


async def test_hold_then_release_from_a_filtered_view(
    filled: Instance, engine: QueueEngine
) -> None:
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"from:alice", "enter", "asterisk", "h")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        queues = {m.queue_id: m.queue_name for m in filled.listing()}
        assert sorted(queues.values()).count("hold") == 4
        await pilot.press("slash", "ctrl+u", *"queue:hold", "enter", "asterisk", "H")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert all(m.queue_name != "hold" for m in filled.listing())


async def test_refresh_while_marked_keeps_marks_and_cursor(
    filled: Instance, engine: QueueEngine
) -> None:
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await pilot.press("space", "space")
        marked = screen.marks.ids()
        current = screen.query_one("QueueList").current.queue_id  # type: ignore[attr-defined]
        filled.send("carol@example.org", ["c@gmail.com"], n=2)
        filled.wait_deferred(9)
        await pilot.press("g")
        await settle(pilot)
        assert len(shown_ids(app)) == 9
        assert screen.marks.ids() == marked and len(marked) == 2
        assert screen.query_one("QueueList").current.queue_id == current  # type: ignore[attr-defined]


async def test_ordinary_user_on_real_postfix(
    filled: Instance,
    unprivileged_user: pwd.struct_passwd,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tools = PostfixTools(
        config_dir=filled.config_dir,
        prefix=filled.run_as_prefix(unprivileged_user),
    )
    engine = QueueEngine(
        tools=tools,
        audit_log=tmp_path / "audit.log",
        user=(unprivileged_user.pw_name, unprivileged_user.pw_uid),
    )
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(shown_ids(app)) == 7
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        privileges = str(screen.query_one("#privileges").render())
        assert "postsuper ✗" in privileges and "needs root" in privileges
        keys = footer_keys(app)
        assert not {"d", "h", "H", "r"} & set(keys) and keys["f"] and keys["t"] and keys["F"]
        said = notifications(app, monkeypatch)
        await pilot.press("asterisk", "d", "h", "H", "r")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)  # no dialog: the action is unavailable
        assert screen.privileges is not None
        reason = screen.privileges.postsuper.reason
        assert reason and [n["message"] for n in said] == [
            f"{what}: {reason}" for what in ("Delete", "Hold", "Release", "Requeue")
        ]
        assert all(n["markup"] is False for n in said)
        assert screen.check_action("operate", ("flush-ids",)) is True
        # The insight views need nothing but the listing.
        await pilot.press("s")
        await settle(pilot)
        shape = app.screen
        assert isinstance(shape, ShapeScreen) and shape.shape is not None
        assert shape.shape.counts()["gmail.com"][0] == 4
        assert shape.shape.counts()["yahoo.com"][0] == 3
        await pilot.press("escape", "R")
        await settle(pilot)
        reasons = app.screen
        assert isinstance(reasons, ReasonsScreen) and reasons.summary is not None
        assert [c.group.count for c in reasons.summary.clusters] == [7]
        assert reasons.summary.clusters[0].hint is not None
        await pilot.press("escape", "i")
        await settle(pilot)
        health = str(screen.query_one(HealthPanel).query_one("#health-text").render())
        assert "Postfix master" in health and "qmgr 1" in health
    assert len(filled.listing()) == 7
