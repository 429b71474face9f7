"""Pilot tests of the queue screen on the recorded sandbox queue: keys pressed like a user."""

from __future__ import annotations

import io

from mailq_tui.operations import Op
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.confirm import ConfirmScreen
from mailq_tui.ui.screens.queue import QueueScreen
from mailq_tui.ui.widgets.queue_list import QueueList
from tests.doubles import ORDINARY_USER, RecordedBackend
from tests.pilot import queue_screen, row_text, screen_text, settle, shown_ids

from .conftest import ListingWatch, hostile_message, make_app, make_backend, until


async def test_first_screen_lists_every_message(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(shown_ids(app)) == len(backend.messages) == 60
        status = str(app.screen.query_one("#status").render())
        assert "55 deferred, 5 hold" in status
        assert "shown 60" in status


async def test_filter_as_you_type_and_escape_back(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"yahoo")
        await settle(pilot)
        ids = shown_ids(app)
        expected = {
            m.queue_id
            for m in backend.messages
            if any("yahoo" in r.address or "yahoo" in r.delay_reason for r in m.recipients)
        }
        assert ids and set(ids) <= {m.queue_id for m in backend.messages}
        assert expected <= set(ids)
        assert len(ids) < 60
        assert f"shown {len(ids)}" in str(app.screen.query_one("#status").render())
        await pilot.press("escape")
        assert isinstance(app.focused, QueueList)


async def test_malformed_query_is_explained_inline(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"/unclosed")
        await settle(pilot)
        error = app.screen.query_one("#filter-error")
        assert error.display
        assert "column" in str(error.render())
        assert len(shown_ids(app)) == 60  # the last good query stays applied


async def test_marks_survive_sort_filter_and_refresh(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        first, second = shown_ids(app)[:2]
        await pilot.press("space", "space")
        screen = queue_screen(app)
        assert screen.marks.ids() == {first, second}
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("slash", *"nothing-matches-this", "enter")
        await settle(pilot)
        assert shown_ids(app) == []
        await pilot.press("g")
        await settle(pilot)
        assert screen.marks.ids() == {first, second}
        assert "marked 2" in str(screen.query_one("#status").render())
        await pilot.press("u")
        assert len(screen.marks) == 0


async def test_o_sorts_by_the_next_column_and_shift_o_reverses(backend: RecordedBackend) -> None:
    """The keys themselves (other tests set the sort they need with ``sort_by``)."""
    size = {m.queue_id: m.message_size for m in backend.messages}
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        status = app.screen.query_one("#status")
        assert "sort age desc" in str(status.render())
        await pilot.press("o")
        await settle(pilot)
        assert "sort size desc" in str(status.render())
        sizes = [size[qid] for qid in shown_ids(app)]
        assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
        await pilot.press("O")
        await settle(pilot)
        assert "sort size asc" in str(status.render())
        sizes = [size[qid] for qid in shown_ids(app)]
        assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


async def test_mark_all_matching_then_delete_confirms_exact_count(
    backend: RecordedBackend,
) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"queue:hold")
        await settle(pilot)
        await pilot.press("enter", "asterisk")
        screen = queue_screen(app)
        marked = set(screen.marks.ids())
        held = {m.queue_id for m in backend.messages if m.queue_name == "hold"}
        assert marked == held == set(shown_ids(app))
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        body = str(dialog.query_one("#confirm-body").render())
        title = str(dialog.query_one("#confirm-title").render())
        n = len(marked)
        assert title == f"Delete {n} message{'s' if n != 1 else ''}?"
        assert "removed from the queue for good" in body
        assert app.focused is not None and app.focused.id == "no"
        await pilot.press("y")
        await settle(pilot)
        assert len(backend.calls) == 1
        assert backend.calls[0][0] == "delete" and set(backend.calls[0][1]) == marked
        assert not (marked & {m.queue_id for m in backend.messages})
        assert not (marked & set(shown_ids(app)))
        assert len(screen.marks) == 0
        log = "\n".join(screen.query_one("#action-log").lines)
        assert f"Deleted {n} messages" in log


async def test_cancel_with_n_or_escape_does_nothing(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for key in ("n", "escape"):
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
        await pilot.press("d", "enter")  # Enter presses the focused button: "No"
        await settle(pilot)
        assert backend.calls == []
        assert len(backend.messages) == 60


async def test_skipped_ids_from_the_recheck_are_reported(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        gone = shown_ids(app)[0]
        await pilot.press("space", "space")
        # The message leaves the queue after the user saw and marked it.
        backend.messages = [m for m in backend.messages if m.queue_id != gone]
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        log = "\n".join(app.screen.query_one("#action-log").lines)
        assert f"skipped {gone}: no longer in the queue" in log
        assert "Held 1 of 2 messages; 1 had left the queue" in log


async def test_refresh_keeps_cursor_on_the_same_id_when_others_leave(
    backend: RecordedBackend,
) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down", "down", "space", "up")
        qlist = app.screen.query_one(QueueList)
        assert qlist.current is not None
        cursor_id = qlist.current.queue_id
        marked = set(queue_screen(app).marks.ids())
        above = shown_ids(app)[:2]
        backend.messages = [m for m in backend.messages if m.queue_id not in above]
        await pilot.press("g")
        await settle(pilot)
        assert qlist.current is not None and qlist.current.queue_id == cursor_id
        assert qlist.cursor == 2  # was 4; two rows above it left
        assert queue_screen(app).marks.ids() == marked


async def test_marks_drop_when_the_id_is_reused(backend: RecordedBackend) -> None:
    import msgspec

    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        qid = shown_ids(app)[0]
        await pilot.press("space")
        backend.messages = [
            msgspec.structs.replace(m, arrival_time=m.arrival_time + 5) if m.queue_id == qid else m
            for m in backend.messages
        ]
        await pilot.press("g")
        await settle(pilot)
        assert len(queue_screen(app).marks) == 0


async def test_ordinary_user_sees_actions_disabled_with_reason() -> None:
    backend = make_backend(privileges=ORDINARY_USER)
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = queue_screen(app)
        assert screen.check_action("operate", ("delete",)) is None
        assert screen.check_action("operate", ("flush-ids",)) is True
        assert "postsuper is reserved for the superuser" in screen.why(Op.DELETE)
        privs = str(screen.query_one("#privileges").render())
        assert "postsuper ✗" in privs and "reserved for the superuser" in privs
        await pilot.press("d", "h", "r")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert backend.calls == []
        footer_keys = {b.binding.key: b.enabled for b in screen.active_bindings.values()}
        assert "d" not in footer_keys and footer_keys["f"] is True  # forbidden: hidden


async def test_pause_and_backoff_of_live_refresh(backend: RecordedBackend) -> None:
    listings = ListingWatch(backend)
    app = make_app(backend, refresh_interval=0.3)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = queue_screen(app)
        await listings.beyond(listings.count)  # live refresh runs by itself
        await pilot.press("p")
        assert "PAUSED" in str(screen.query_one("#status").render())
        await settle(pilot)  # the listing already running, if one was
        paused_at = listings.count
        screen.last_refresh_end -= 100  # long overdue: only the pause holds a listing back
        for _ in range(3):  # what the refresh clock does on each tick
            screen._tick()
        await settle(pilot)
        assert listings.count == paused_at
        assert not screen.due(screen.last_refresh_end + 100)
        await pilot.press("p")
        assert not screen.paused
        # The backoff rule on fixed values, in one step (the clock cannot start a listing
        # in between, which would make the screen "refreshing" and so not due).
        screen.refreshing, screen.last_refresh_end = False, 1000.0
        screen.last_duration = 2.0  # a slow listing: wait 5x as long, not 0.3 s
        assert not screen.due(1009.0)
        assert screen.due(1010.0)
        # Reading an unchanged listing cost this process 1 s of CPU: wait 20 s (5% of a core).
        screen.last_read_cpu = 1.0
        assert not screen.due(1019.0)
        assert screen.due(1020.0)


async def test_reading_cpu_of_a_reused_listing_stretches_the_interval(
    backend: RecordedBackend,
) -> None:
    """The CPU this process spends reading a listing that reused the one before is what an
    unchanged queue costs per refresh; the first listing (everything decoded) does not count."""
    app = make_app(backend, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = queue_screen(app)
        assert screen.last_read_cpu == 0.0  # the first listing decoded everything
        ticks = iter(range(0, 1000, 3))  # each reading of the CPU clock: 3 s later
        screen.cpu_clock = lambda: float(next(ticks))
        await pilot.press("g")  # refresh now
        await settle(pilot)
        assert screen.last_read_cpu == 3.0
        screen.refresh_interval, screen.last_duration = 1.0, 0.0
        screen.refreshing, screen.last_refresh_end = False, 1000.0
        assert not screen.due(1059.0)
        assert screen.due(1060.0)


async def test_untrusted_text_is_shown_not_interpreted() -> None:
    backend = make_backend()
    backend.messages.insert(0, hostile_message())
    app = make_app(backend)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"ABCDEF1234", "enter")
        await settle(pilot)
        line = row_text(app, 0)
        assert "\x1b" not in line and "\u202e" not in line
        assert "\\x1b[31m[bold]red[/bold]" in line
        assert "[/etc/postfix]" in line


async def test_help_lists_every_binding(backend: RecordedBackend) -> None:
    from mailq_tui.ui.commands import QUEUE_COMMANDS
    from mailq_tui.ui.screens.help import HelpScreen

    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen_bindings = {b.id for b in QueueScreen.BINDINGS if hasattr(b, "id")}
        assert screen_bindings == {c.id for c in QUEUE_COMMANDS}
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_help_shows_binding_ids_only_where_they_fit(backend: RecordedBackend) -> None:
    """At 80 columns the keys and what they do fill the help, one line each for the short
    ones; the binding ids (for keymaps) appear on a wide terminal."""
    for width, ids in ((80, False), (120, True)):
        app = make_app(backend)
        async with app.run_test(size=(width, 40)) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause()
            text = screen_text(app)
            assert ("queue.delete" in text) == ids, width
            assert "Mark or unmark the message" in text


async def test_help_explains_the_query_language_within_80_columns(
    backend: RecordedBackend,
) -> None:
    """Below the keys, the help shows the query language (the text of ``mailq-tui help
    query``): every field and alias is there, and scrolling reaches the last example."""
    from rich.console import Console

    from mailq_tui.model.query import FIELDS
    from mailq_tui.query_help import EXAMPLES
    from mailq_tui.ui.screens.help import query_help

    console = Console(width=76, record=True, file=io.StringIO())
    console.print(query_help())
    text = console.export_text()
    assert all(f"{alias}:" in text for alias in FIELDS)
    assert "same recipient" in text and "--all" in text
    assert max(map(len, text.splitlines())) <= 76
    app = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "The query language" not in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        shown = screen_text(app)
        assert EXAMPLES[-1][0] in shown and EXAMPLES[-1][1] in shown
        assert max(len(line.rstrip()) for line in shown.splitlines()) <= 80


async def test_palette_offers_every_command(backend: RecordedBackend) -> None:
    from mailq_tui.ui.commands import QUEUE_COMMANDS, QueueCommands

    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        provider = QueueCommands(app.screen)
        titles = [hit.text async for hit in provider.discover()]
        assert len(titles) == len([cmd for cmd in QUEUE_COMMANDS if cmd.palette])
        found = [str(hit.text) async for hit in provider.search("flush")]
        assert {t.split(":")[0] for t in found} >= {"Flush", "Flush site", "Flush all"}
        helps = [str(hit.help) async for hit in provider.discover()]
        assert "key * a" in helps and not any("asterisk" in h for h in helps)


async def test_q_quits_from_the_list_but_is_a_letter_in_the_filter(
    backend: RecordedBackend,
) -> None:
    """q quits on the queue screen (as Ctrl+Q: nothing runs here, so without asking); typed
    into the filter bar it is just a letter."""
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "q")
        await settle(pilot)
        assert queue_screen(app).spec.query_text == "q"
        assert app.return_code is None  # still running
        await pilot.press("escape", "q")
        await pilot.pause()
        assert app.return_code == 0


async def test_list_shows_before_the_index_and_a_filter_waits_for_it(
    backend: RecordedBackend, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A huge listing is on screen before its search columns exist; typing meanwhile is not
    lost: the filter applies when the index is ready."""
    import threading

    from mailq_tui.model.index import QueueIndex

    release = threading.Event()
    build = QueueIndex.build_search_columns

    def slow_build(self: QueueIndex) -> None:
        release.wait(10)
        build(self)

    monkeypatch.setattr(QueueIndex, "build_search_columns", slow_build)
    import mailq_tui.ui.screens.queue as queue_module

    computed: list[str] = []
    compute_view = queue_module.compute_view

    def counting(index, spec):  # type: ignore[no-untyped-def]
        computed.append(spec.query_text)
        return compute_view(index, spec)

    monkeypatch.setattr(queue_module, "compute_view", counting)
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: queue_screen(app).state is not None, "the list is shown")
        screen = queue_screen(app)
        assert screen.state is not None and not screen.state.index.searchable
        assert len(shown_ids(app)) == 60
        assert "indexing…" in str(screen.query_one("#status").render())
        await pilot.press("slash", *"queue:hold", "enter")
        await pilot.pause(0.2)
        assert len(shown_ids(app)) == 60  # still waiting for the index
        assert computed == []
        release.set()
        await settle(pilot)
        assert computed == ["queue:hold"]  # each keystroke cancelled the previous wait
        held = {m.queue_id for m in backend.messages if m.queue_name == "hold"}
        assert set(shown_ids(app)) == held
        assert "indexing…" not in str(screen.query_one("#status").render())


def dialog_text(app: MailqApp) -> tuple[str, str]:
    dialog = app.screen
    assert isinstance(dialog, ConfirmScreen), dialog
    title = str(dialog.query_one("#confirm-title").render())
    return title, str(dialog.query_one("#confirm-body").render())


async def test_acting_on_the_whole_queue_needs_all_typed_not_y(backend: RecordedBackend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"-domain:hostlie.example", "enter")
        await settle(pilot)
        await pilot.press("a", "d")
        await pilot.pause()
        title, body = dialog_text(app)
        assert title == "Delete ALL 60 messages in the queue?"
        assert "Filter: -domain:hostlie.example" in body
        assert (
            "Warning: -domain:hostlie.example excludes nothing: "
            "no message matches domain:hostlie.example" in body
        )
        await pilot.press("y", "enter")  # a reflex: "y" lands in the input, Enter is refused
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and backend.calls == []
        await pilot.press("tab", "y")  # away from the input, "y" is not an answer either
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and backend.calls == []
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen) and backend.calls == []
        await pilot.press("d")
        await pilot.pause()
        await pilot.press(*"all", "enter")
        await settle(pilot)
        assert len(backend.calls) == 1 and len(backend.calls[0][1]) == 60
        assert backend.messages == []


async def test_confirm_says_how_many_marks_the_filter_hides(backend: RecordedBackend) -> None:
    held = sorted(m.queue_id for m in backend.messages if m.queue_name == "hold")
    app = make_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"queue:hold", "enter")
        await settle(pilot)
        await pilot.press("asterisk")
        await pilot.press("slash", *(["backspace"] * len("queue:hold")), *f"id:{held[0]}")
        await pilot.press("enter")
        await settle(pilot)
        assert shown_ids(app) == [held[0]]
        await pilot.press("h")
        await pilot.pause()
        title, body = dialog_text(app)
        assert title == f"Hold {len(held)} messages?"
        assert (
            f"{len(held)} marked, {len(held) - 1} of them not shown by the current filter." in body
        )
        assert f"Filter: id:{held[0].lower()}" in body
        assert "ALL" not in title
        await pilot.press("n")
        await settle(pilot)
        assert backend.calls == []
