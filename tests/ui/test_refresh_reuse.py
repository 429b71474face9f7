"""A live refresh of an unchanged queue costs no index and no new view; one that changed
is indexed from the previous index (only its new messages), and marks of messages whose id
now names another message are dropped as before.

The app lists through the real listing code (``list_queue``) from a stand-in ``postqueue``
that prints a file the test rewrites; full index builds are counted by a spy on
``build_state``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest

from mailq_tui.model.snapshot import Snapshot
from mailq_tui.postfix.commands import PostfixTools
from mailq_tui.postfix.listing import list_queue
from mailq_tui.ui.screens import queue as queue_module
from mailq_tui.ui.view import totals
from tests.doubles import RecordedBackend
from tests.pilot import queue_screen, settle, shown_ids

from .conftest import NOW, QUEUE_FILE, ListingWatch, MailqApp


class StandInBackend(RecordedBackend):
    """Listings come from ``list_queue`` over a stand-in postqueue printing ``path``."""

    def __init__(self, path: Path) -> None:
        super().__init__([])
        self.path = path
        self.tools = PostfixTools(prefix=("sh", "-c", 'cat "$0"', str(path)))

    async def snapshot(
        self, previous: Optional[Snapshot] = None, *, reusable: bool = False, on_batch: Any = None
    ) -> Snapshot:
        self.listings += 1
        return await list_queue(self.tools, previous=previous, reusable=reusable, on_batch=on_batch)


class Clock:
    """A clock the test moves on."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def listing_file(tmp_path: Path) -> Path:
    path = tmp_path / "queue.jsonl"
    path.write_bytes(QUEUE_FILE.read_bytes())
    return path


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many listings the screen indexed whole (one entry per ``streamed_state`` call: the
    first listing)."""
    calls: list[int] = []
    build = queue_module.streamed_state

    def spy(*args: Any) -> Any:
        calls.append(1)
        return build(*args)

    monkeypatch.setattr(queue_module, "streamed_state", spy)
    return calls


async def test_an_unchanged_listing_keeps_the_view_marks_and_cursor(
    listing_file: Path, builds: list[int]
) -> None:
    backend = StandInBackend(listing_file)
    listings = ListingWatch(backend)
    clock = Clock()
    app = MailqApp(backend, clock=clock, refresh_interval=0)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = queue_screen(app)
        state = screen.state
        assert state is not None and state.index.searchable and builds == [1]
        await pilot.press("down", "space", "down", "down")
        marked, cursor = screen.marks.ids(), screen.queue_list.cursor
        taken = state.snapshot.taken_at
        clock.now += 60
        seen = listings.count
        screen.action_refresh_now()
        await listings.beyond(seen)
        await settle(pilot)
        assert screen.state is state and builds == [1]  # no new view, no index
        assert state.snapshot.same_as_previous and state.snapshot.taken_at >= taken
        assert screen.marks.ids() == marked and screen.queue_list.cursor == cursor
        assert state.index.now == NOW + 60 == screen.queue_list.now  # ages move on


async def test_an_age_filter_follows_the_clock_over_an_unchanged_listing(
    listing_file: Path, builds: list[int]
) -> None:
    backend = StandInBackend(listing_file)
    listings = ListingWatch(backend)
    clock = Clock()
    app = MailqApp(backend, clock=clock, refresh_interval=0)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = queue_screen(app)
        await pilot.press("slash", *"age:>90m", "enter")
        await settle(pilot)
        assert shown_ids(app) == []  # the recording arrived within seconds, an hour before NOW
        assert screen.state is not None
        everyone = {m.queue_id for m in screen.state.messages}
        clock.now += 86400
        seen = listings.count
        screen.action_refresh_now()
        await listings.beyond(seen)
        await settle(pilot)
        assert builds == [1] and set(shown_ids(app)) == everyone


async def test_a_changed_listing_rebuilds_and_drops_marks_of_reused_ids(
    listing_file: Path, builds: list[int]
) -> None:
    backend = StandInBackend(listing_file)
    listings = ListingWatch(backend)
    app = MailqApp(backend, clock=Clock(), refresh_interval=0)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = queue_screen(app)
        state = screen.state
        assert state is not None
        screen.marks.add_all(state.messages[:2])
        reused = state.messages[0]
        lines = listing_file.read_bytes().splitlines(keepends=True)
        at = next(i for i, line in enumerate(lines) if reused.queue_id.encode() in line)
        old = f'"arrival_time": {reused.arrival_time}'.encode()
        lines[at] = lines[at].replace(old, f'"arrival_time": {reused.arrival_time + 5}'.encode())
        listing_file.write_bytes(b"".join(lines))
        seen = listings.count
        screen.action_refresh_now()
        await listings.beyond(seen)
        await settle(pilot)
        new = screen.state
        assert new is not state and builds == [1]  # indexed from the previous index
        assert new.index.searchable and new.index.has_char_masks and new.index.arrival_ordered
        assert screen.marks.ids() == {state.messages[1].queue_id}
        assert not new.snapshot.same_as_previous
        changed = new.messages[new.index.row_of(reused.queue_id)]
        assert changed.arrival_time == reused.arrival_time + 5
        assert sorted(shown_ids(app)) == sorted(m.queue_id for m in state.messages)
        assert new.counts == totals(new.snapshot.messages)  # updated from the change alone
