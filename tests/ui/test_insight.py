"""Pilot tests of the insight views on the recorded sandbox queue: the deferral reasons screen
(clusters, hints, drill-down, acting on a cluster), grouping on the queue screen, the health
panel and its warnings, and the shape screen opened from the queue screen (the shape screen
itself is tested in test_shape_screen.py)."""

from __future__ import annotations

import msgspec
from textual.widgets import DataTable, Input, Sparkline

from mailq_tui.model.query import cluster_term
from mailq_tui.model.reasons import normalise_reason
from mailq_tui.operations import Op
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.screens.reasons import ReasonsScreen
from mailq_tui.ui.screens.shape import ShapeScreen
from mailq_tui.ui.widgets.health import HealthPanel
from mailq_tui.ui.widgets.heatmap import HeatTable
from mailq_tui.ui.widgets.queue_list import QueueList
from tests.doubles import RecordedBackend
from tests.pilot import open_screen, queue_screen, row_text, settle, shown_ids

from .conftest import DOWN, NOW, make_app, make_backend


def clusters_of(backend: RecordedBackend) -> dict[str, set[str]]:
    """Cluster -> ids of the messages with a recipient in it, the slow obvious way."""
    out: dict[str, set[str]] = {}
    for m in backend.messages:
        for r in m.recipients:
            if r.delay_reason:
                out.setdefault(normalise_reason(r.delay_reason), set()).add(m.queue_id)
    return out


def reasons_screen(app: object) -> ReasonsScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ReasonsScreen), screen
    return screen


async def test_reasons_screen_lists_clusters_biggest_first_with_hints(
    backend: RecordedBackend,
) -> None:
    expected = clusters_of(backend)
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = reasons_screen(app)
        assert screen.summary is not None
        shown = [(c.key, c.group.count) for c in screen.summary.clusters]
        assert dict(shown) == {k: len(v) for k, v in expected.items()}
        counts = [n for _, n in shown]
        assert counts == sorted(counts, reverse=True)
        table = screen.query_one(DataTable)
        assert table.row_count == len(expected)
        first = screen.summary.clusters[0]
        assert first.key == "connect to <host>: Connection refused"
        assert first.hint is not None and first.hint.name == "refused"
        detail = str(screen.query_one("#reasons-detail").render())
        assert "Destination down or unreachable" in detail
        assert "postqueue -s" in detail
        title = str(screen.query_one("#reasons-title").render())
        assert f"{len(expected)} clusters over 60 messages" in title


async def test_reasons_drill_down_filters_to_the_cluster_then_deletes_it(
    backend: RecordedBackend,
) -> None:
    expected = clusters_of(backend)
    app = make_app(backend)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = reasons_screen(app)
        assert screen.summary is not None
        target = screen.summary.clusters[1]
        await pilot.press("down", "enter")
        await settle(pilot)
        queue = queue_screen(app)
        assert queue.query_one("#filter").value == cluster_term(target.key)  # type: ignore[attr-defined]
        assert set(shown_ids(app)) == expected[target.key]
        assert app.focused is queue.query_one(QueueList)
        await pilot.press("a", "d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        n = len(expected[target.key])
        assert str(dialog.query_one("#confirm-title").render()) == f"Delete {n} messages?"
        await pilot.press("y")
        await settle(pilot)
        assert not expected[target.key] & {m.queue_id for m in backend.messages}
        assert len(backend.messages) == 60 - n
        assert shown_ids(app) == []


async def test_reasons_follow_the_filter_and_escape_keeps_it(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"domain:yahoo.com", "enter")
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = reasons_screen(app)
        assert screen.summary is not None
        assert "(filter: domain:yahoo.com)" in str(screen.query_one("#reasons-title").render())
        yahoo = {
            normalise_reason(r.delay_reason)
            for m in backend.messages
            for r in m.recipients
            if r.address.endswith("@yahoo.com") and r.delay_reason
        }
        # Clusters of yahoo messages (a message's other recipients count too).
        assert yahoo <= {c.key for c in screen.summary.clusters}
        query = screen.drill_query(screen.summary.clusters[0])
        assert query.startswith("domain:yahoo.com cluster:")
        await pilot.press("escape")
        await settle(pilot)
        assert queue_screen(app).query_one("#filter").value == "domain:yahoo.com"  # type: ignore[attr-defined]


async def test_reasons_screen_follows_the_live_refresh(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = reasons_screen(app)
        assert screen.summary is not None
        top = screen.summary.clusters[0]
        await pilot.press("down")
        second = screen.summary.clusters[1].key
        queue = app.screen_stack[1]
        gone = {queue.state.messages[r].queue_id for r in top.group.rows}  # type: ignore[attr-defined]
        backend.messages = [m for m in backend.messages if m.queue_id not in gone]
        queue.refresh_queue()  # type: ignore[attr-defined]  # what the refresh clock calls
        await settle(pilot)
        assert screen.summary is not None
        assert top.key not in {c.key for c in screen.summary.clusters}
        assert screen.current is not None and screen.current.key == second


async def test_group_by_cycles_and_enter_expands_a_group(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = queue_screen(app)
        state = screen.state
        assert state is not None and state.groups is not None
        domains = {
            r.address.rpartition("@")[2].lower() for m in backend.messages for r in m.recipients
        }
        assert {g.key for g in state.groups} == domains
        assert state.lines == [-(g + 1) for g in range(len(state.groups))]
        biggest = state.groups[0]
        assert "groups by recipient domain" in str(screen.query_one("#status").render())
        assert biggest.key in row_text(app, 0) and "▸" in row_text(app, 0)
        await pilot.press("enter")
        await settle(pilot)
        state = screen.state
        assert state is not None
        assert state.lines[1 : 1 + biggest.count] == biggest.rows
        assert "▾" in row_text(app, 0)
        await pilot.press("down")
        assert screen.query_one(QueueList).current is not None
        await pilot.press("up", "enter")
        await settle(pilot)
        assert screen.state is not None and len(screen.state.lines) == len(state.groups or [])
        for label in ("sender domain", "sender", "reason"):
            await pilot.press("b")
            await settle(pilot)
            assert f"by {label} │" in str(screen.query_one("#status").render())
        await pilot.press("b")
        await settle(pilot)
        assert screen.state is not None and screen.state.groups is None
        assert len(screen.state.lines) == 60


async def test_space_on_a_group_marks_it_and_delete_acts_on_the_group(
    backend: RecordedBackend,
) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = queue_screen(app)
        assert screen.state is not None and screen.state.groups is not None
        first, second = screen.state.groups[0], screen.state.groups[1]
        members = {screen.state.messages[r].queue_id for r in first.rows}
        gone = {screen.state.messages[r].queue_id for r in second.rows}
        await pilot.press("space")
        assert screen.marks.ids() == members
        assert "●" in row_text(app, 0)
        await pilot.press("up", "space")  # all marked: unmark them all
        assert len(screen.marks) == 0
        # Nothing marked: an action on a group header (the cursor moved on to the second)
        # acts on the whole group.
        assert screen.query_one(QueueList).current_group == second
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        n = second.count
        assert str(dialog.query_one("#confirm-title").render()) == (
            f"Delete {n} message{'s' if n != 1 else ''}?"
        )
        await pilot.press("y")
        await settle(pilot)
        assert backend.calls[0][0] == "delete"
        assert set(backend.calls[0][1]) == gone and len(gone) == n
        assert not gone & {m.queue_id for m in backend.messages}


async def test_expanded_groups_and_the_cursor_survive_a_refresh(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = queue_screen(app)
        assert screen.state is not None and screen.state.groups is not None
        key = screen.state.groups[1].key
        await pilot.press("down", "enter")
        await settle(pilot)
        before = screen.state.snapshot
        screen.refresh_queue()  # what the refresh clock calls
        await settle(pilot)
        assert screen.state.snapshot is not before
        qlist = screen.query_one(QueueList)
        assert qlist.current_group is not None and qlist.current_group.key == key
        assert key in screen.spec.expanded
        assert screen.state.lines[qlist.cursor + 1] >= 0


async def test_health_panel_shows_master_processes_load_and_trend(
    backend: RecordedBackend,
) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = queue_screen(app)
        panel = screen.query_one(HealthPanel)
        assert not panel.display
        await pilot.press("i")
        await settle(pilot)
        assert panel.display
        text = str(panel.query_one("#health-text").render())
        assert "master 4242 up 1h" in text
        assert "load 0.25 0.20 0.15" in text
        assert "cleanup 1 · pickup 1 · qmgr 1 · smtp 3 · smtpd 1" in text
        assert "Queue 60 → 60 over the last 1 refreshes" in text
        assert panel.query_one(Sparkline).data == [60]
        await pilot.press("i")
        assert not panel.display


async def test_postfix_down_is_shown_and_disables_flush() -> None:
    backend = make_backend(health=DOWN)
    app = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = queue_screen(app)
        status = str(screen.query_one("#status").render())
        assert status.startswith(" POSTFIX DOWN: flush will not work ")
        assert "not running" in screen.why(Op.FLUSH_ALL)
        await pilot.press("F", "f", "t")
        await settle(pilot)
        assert isinstance(app.screen, type(screen)) and backend.calls == []
        # postsuper does not need the master: delete still works.
        assert screen.why(Op.DELETE) == ""
        await pilot.press("i")
        await settle(pilot)
        text = str(screen.query_one(HealthPanel).query_one("#health-text").render())
        assert "Postfix is NOT running: no master.pid in /var/spool/postfix/pid" in text


async def test_a_fast_growing_queue_is_flagged_in_the_status_bar() -> None:
    clock = [NOW]
    backend = make_backend(clock=lambda: clock[0])
    template = backend.messages[0]
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = queue_screen(app)
        assert "growing" not in str(screen.query_one("#status").render())
        for step in range(1, 4):
            clock[0] += 10
            backend.messages += [
                msgspec.structs.replace(template, queue_id=f"{step:02d}{n:08X}") for n in range(60)
            ]
            await pilot.press("g")
            await settle(pilot)
        # 60 -> 240 messages in 30 s: +360 msgs/min, above 100/min and 5 % of 240 per minute.
        status = str(screen.query_one("#status").render())
        assert " queue growing fast: +360 msgs/min over 30s " in status
        assert screen.trend.values() == [60, 120, 180, 240]


async def test_shape_screen_opens_from_the_queue_and_drills_down(
    backend: RecordedBackend,
) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "s", ShapeScreen)
        assert screen.shape is not None
        yahoo = screen.shape.counts()["yahoo.com"]
        assert screen.query_one(HeatTable).move_to("yahoo.com", 0)
        await pilot.press("enter")
        await settle(pilot)
        queue = queue_screen(app)
        assert queue.query_one("#filter", Input).value == "domain:yahoo.com queue:deferred"
        expected = {
            m.queue_id
            for m in backend.messages
            if m.queue_name == "deferred"
            and any(r.address.endswith("@yahoo.com") for r in m.recipients)
        }
        assert set(shown_ids(app)) == expected
        rcpts = sum(
            1
            for m in backend.messages
            if m.queue_name == "deferred"
            for r in m.recipients
            if r.address.endswith("@yahoo.com")
        )
        assert yahoo[0] == rcpts
        await pilot.press("s", "escape")
        await settle(pilot)
        assert queue.query_one("#filter", Input).value == "domain:yahoo.com queue:deferred"
