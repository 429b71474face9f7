"""The queue-shape screen: the numbers shown are compute_shape's, keys change mode and queue set,
Enter drills down with a query that selects the cell's messages, live updates keep the cursor.

Two data sets: the recorded sandbox queue (every message is 60 minutes old, so one age column)
and SPREAD, the same messages with ages spread over every bucket plus two odd domains, for the
drill-down and the snapshots.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Optional

import msgspec
import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.shape import TOTAL, Shape, bucket_of, compute_shape
from mailq_tui.ui import styles_dir
from mailq_tui.ui.screens import shape as shape_module
from mailq_tui.ui.screens.shape import ShapeScreen, drill_query
from mailq_tui.ui.widgets.heatmap import HeatTable, fit_left, heat_level, peak_of

from .conftest import NOW, QUEUE_FILE

DEFAULT = ("deferred",)
RECORDED: list[Message] = msgspec.json.Decoder(Message).decode_lines(QUEUE_FILE.read_bytes())
LONG = "mx1.a-rather-long-cluster-name.mail-hosting-provider.example"
SPREAD: list[Message] = [
    # Ages from 1 minute to ~4 days, none on a bucket boundary (multiples of 5 min + 17 s).
    msgspec.structs.replace(m, arrival_time=int(NOW) - 60 - (i * i * 977) % 120000 // 300 * 317)
    for i, m in enumerate(RECORDED)
] + [
    Message("deferred", "LONG1", int(NOW) - 7000, 900, "a@b.example", [Recipient(f"u@{LONG}")]),
    Message("deferred", "ODD1", int(NOW) - 900, 900, "x@y.example", [Recipient("u@[bold]\x1b.x")]),
]


class Host(App[None]):
    """A bare app that shows a ShapeScreen and keeps what it is dismissed with."""

    CSS_PATH = [str(styles_dir() / "app.tcss"), str(styles_dir() / "shape.tcss")]

    def __init__(self, messages: Sequence[Message], **kwargs: int) -> None:
        super().__init__()
        self.screen_under_test = ShapeScreen(messages, NOW, **kwargs)
        self.results: list[Optional[str]] = []

    def compose(self) -> ComposeResult:
        yield Static("queue screen stand-in")

    def on_mount(self) -> None:
        self.push_screen(self.screen_under_test, callback=self.results.append)


async def settle(pilot: Pilot[None]) -> None:
    """Let the shape workers finish and the screen repaint (patiently, for a loaded machine)."""
    for _ in range(50):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        if not (isinstance(screen, ShapeScreen) and screen.computing):
            break
    await pilot.pause()


def rendered(screen: ShapeScreen) -> dict[str, list[int]]:
    """Domain -> counts, read back from the table's rendered lines (what the user sees)."""
    table = screen.query_one(HeatTable)
    rows = {}
    for y in range(1, table.scrollable_content_region.height):
        words = table.render_line(y).text.split()
        if len(words) > 11:
            rows[" ".join(words[:-11])] = [int(w) for w in words[-11:]]
    return rows


def header(screen: ShapeScreen) -> str:
    return str(screen.query_one("#shape-header", Static).render())


def expected(by: str = "rcpt", queues: Optional[Sequence[str]] = DEFAULT) -> dict[str, list[int]]:
    return compute_shape(RECORDED, NOW, by=by, queues=queues).counts()


async def test_numbers_are_qshape_defaults() -> None:
    app = Host(RECORDED)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen_under_test
        shown, want = rendered(screen), expected()
        assert shown[TOTAL] == want[TOTAL] == [82, 0, 0, 0, 0, 82, 0, 0, 0, 0, 0]
        assert shown["yahoo.com"] == want["yahoo.com"]
        assert shown["mail.example.net"] == want["mail.example.net"]
        assert shown == want
        assert "Recipient domains · deferred · 9 of 9 shown" in header(screen)
        first_line = screen.query_one(HeatTable).render_line(0).text.split()
        assert first_line == ["age", "in", "minutes", *compute_shape(RECORDED, NOW).headings]


async def test_sender_mode_and_queue_sets() -> None:
    app = Host(RECORDED)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen_under_test
        await pilot.press("s")
        await settle(pilot)
        assert rendered(screen) == expected("sender")
        assert rendered(screen)["corp.example.com"] == [19, 0, 0, 0, 0, 19, 0, 0, 0, 0, 0]
        assert header(screen).startswith("Sender domains")
        await pilot.press("s", "q")
        await settle(pilot)
        assert "· incoming active ·" in header(screen)  # qshape's default
        assert rendered(screen) == expected(queues=("incoming", "active"))
        await pilot.press("q", "q", "q")  # active, incoming (both empty here), hold
        await settle(pilot)
        assert "· hold ·" in header(screen)
        assert rendered(screen)[TOTAL][0] == 13 != expected()[TOTAL][0]
        assert rendered(screen) == expected(queues=("hold",))
        await pilot.press("q")
        await settle(pilot)
        assert "· all queues ·" in header(screen)
        assert rendered(screen) == expected(queues=None)
        await pilot.press("q")
        await settle(pilot)
        assert rendered(screen) == expected()


async def test_enter_dismisses_with_the_cell_query() -> None:
    app = Host(RECORDED)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen_under_test.query_one(HeatTable)
        await pilot.press("h", "home")  # the domain column is not a cell to stand on
        assert table.cursor_cell() == (TOTAL, 0)
        await pilot.press("j", "down", *"lllll")  # yahoo.com, outlook.com; T, 5 … 80
        assert table.cursor_cell() == ("outlook.com", 5)
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["domain:outlook.com age:40m..80m queue:deferred"]


async def test_drill_queries_of_total_sender_and_all_queues() -> None:
    app = Host(RECORDED)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen_under_test
        assert screen.shape is not None
        assert drill_query(screen.shape, TOTAL, 0, DEFAULT) == "queue:deferred"
        await pilot.press("s", *"qqqqq")  # sender mode, all queues
        await settle(pilot)
        await pilot.press("down", "end")  # corp.example.com, 1280+
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["from:@corp.example.com age:>=1280m"]


async def test_escape_gives_none() -> None:
    app = Host(RECORDED)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
        assert not isinstance(app.screen, ShapeScreen)


async def test_update_snapshot_keeps_the_cursor_domain() -> None:
    app = Host(RECORDED)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen_under_test
        table = screen.query_one(HeatTable)
        await pilot.press("down", "down", "down", "right")  # mail.example.net, row 3
        assert table.cursor_cell() == ("mail.example.net", 1)
        fewer = [m for m in RECORDED if not any("yahoo" in r.address for r in m.recipients)]
        screen.update_snapshot(fewer, NOW + 60)
        await settle(pilot)
        assert "yahoo.com" not in rendered(screen)
        assert rendered(screen)[TOTAL][0] < expected()[TOTAL][0]
        assert table.cursor_cell() == ("mail.example.net", 1)
        assert table.cursor_coordinate.row != 3  # it moved with its domain
        gone = [m for m in fewer if not any("example.net" in r.address for r in m.recipients)]
        screen.update_snapshot(gone, NOW + 120)
        await settle(pilot)
        cell = table.cursor_cell()
        assert cell is not None and cell[1] == 1  # same column


async def test_more_shows_more_domains() -> None:
    app = Host(RECORDED, page=3)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen_under_test
        assert len(rendered(screen)) == 1 + 3
        assert "3 of 9 shown" in header(screen)
        await pilot.press("m")
        assert "6 of 9 shown" in header(screen)
        await pilot.press("m")
        assert "9 of 9 shown" in header(screen)
        assert rendered(screen) == expected()
        assert screen.check_action("more", ()) is None  # nothing left: shown disabled


async def test_computing_happens_off_the_ui_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    release, threads = threading.Event(), []

    def slow(*args: object, **kwargs: object) -> Shape:
        threads.append(threading.current_thread())
        release.wait(5)
        return compute_shape(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shape_module, "compute_shape", slow)
    app = Host(RECORDED)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen_under_test
        assert "computing…" in header(screen)
        await pilot.press("s")  # the UI answers while the first computation runs
        await pilot.press("enter")  # nothing to open yet
        assert app.results == []
        release.set()
        await settle(pilot)
        assert threads and all(t is not threading.main_thread() for t in threads)
        assert rendered(screen) == expected("sender")  # the older result was never shown
        release.clear()
        screen.update_snapshot(RECORDED[:10], NOW)  # a live update keeps the table usable
        await pilot.pause()
        assert "updating…" in header(screen)
        assert rendered(screen) == expected("sender")
        await pilot.press("enter")
        assert app.results == ["queue:deferred"]  # TOTAL, T of what is shown
        release.set()


@pytest.mark.parametrize("by", ["rcpt", "sender"])
def test_drill_down_selects_exactly_the_cell(by: str) -> None:
    """QueueIndex(messages).filter(drill query) == the messages counted in the cell.

    Two differences from qshape are excluded by the data, not ignored: ``domain:d`` also matches
    subdomains of d (no domain here is a subdomain of another), and ``age:A..B`` includes both
    ends while qshape's buckets are ``[A, B)`` (no age here falls on a bucket boundary).
    """
    domains = {r.address.rsplit("@", 1)[1] for m in SPREAD for r in m.recipients}
    assert not any(d.endswith("." + e) for d in domains for e in domains)
    bounds = {low * 60 for b in range(2, 11) for low in [5 * 2 ** (b - 2)]}
    assert not any(NOW - m.arrival_time in bounds for m in SPREAD)
    index = QueueIndex(SPREAD, NOW)
    shape = compute_shape(SPREAD, NOW, by=by, queues=DEFAULT)
    checked = 0
    for domain, counts in shape.rows:
        if domain == TOTAL or domain.startswith("["):
            continue
        for bucket, count in enumerate(counts):
            query = drill_query(shape, domain, bucket, DEFAULT)
            got = {SPREAD[row].queue_id for row in index.filter(query)}
            want = {m.queue_id for m in SPREAD if in_cell(m, by, domain, bucket)}
            assert got == want, query
            assert (count > 0) == bool(want)
            checked += count > 0
    assert checked > 20  # the spread data really fills many cells


def in_cell(msg: Message, by: str, domain: str, bucket: int) -> bool:
    if msg.queue_name not in DEFAULT:
        return False
    if bucket and bucket_of(NOW - msg.arrival_time, 10, 5.0, False) != bucket:
        return False
    if by == "sender":
        return (msg.sender.rsplit("@", 1)[-1] if not msg.is_null_sender else "MAILER-DAEMON") == (
            domain
        )
    return any(r.address.lower().rsplit("@", 1)[1] == domain for r in msg.recipients)


def test_heat_scale_and_domain_fitting() -> None:
    assert [heat_level(n, 100) for n in (0, 1, 3, 10, 31, 99, 100, 500)] == [0, 1, 1, 3, 3, 4, 4, 4]
    assert heat_level(1, 1) == 4
    assert fit_left("gmail.com", 12) == "   gmail.com"
    assert fit_left(LONG, 20) == "…ng-provider.example"


async def test_hostile_domain_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = Host(SPREAD)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen_under_test.query_one(HeatTable)
        labels = [table.get_row(key)[0].plain for key in table.rows]
        assert any(label.endswith("[bold]\\x1b.x") for label in labels)
        cells = [cell for key in table.rows for cell in table.get_row(key)[2:]]
        hottest = [c for c in cells if isinstance(c.style, Style) and c.style.reverse]
        assert all(isinstance(c.style, Style) and c.style.bold for c in hottest)
        assert app.screen_under_test.shape is not None
        peak = str(peak_of(app.screen_under_test.shape))
        assert peak in {c.plain.strip() for c in hottest}
        assert not {"0", "1"} & {c.plain.strip() for c in hottest}


@pytest.mark.parametrize("size", [(100, 30), (80, 24), (60, 20)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("down", "down", "end", "left", "left")

    assert snap_compare(Host(SPREAD), terminal_size=size, run_before=run_before)
