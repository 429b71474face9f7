"""TUI benchmark: time to the first interactive queue screen, and filter keystroke latency.

    .venv/bin/python -m bench.tui_bench [100000 500000]
    PYTHONPATH=OLD .venv/bin/python bench/tui_bench.py 100000    # another checkout's app

A synthetic ``postqueue -j`` listing is generated and decoded in-process (so the figures are
what the app adds on top of ``postqueue -j`` itself), served by a RecordedBackend, and the app
runs headless. "First screen": App start until the first frame with the list (sorted by age; the
search columns of the index are built next, in a worker). "Filter ready": until they are.
"Laid out": until the index (oldest first from the start, ``oldest_first``; before issue 13
a copy laid out so replaced the first one) has its one-character masks
(``QueueIndex.build_char_masks``). "Keystroke" (typed then): one key
typed in the filter bar (delivered through the driver, as a terminal would) until the first
frame written whose list lines were rendered from the new filter's rows (median and worst of
18: ``gmail.`` typed three times, the bar emptied in between). "RSS": the process's resident
size after the typing (the synthetic listing, the app and its index); "peak RSS": the
highest resident size sampled every 10 ms from the app's start to then. Each size runs in a
process of its own, started as this one was, as the app runs once per process: run in one
process, the apps of the sizes before stayed resident (``gc.freeze`` after each listing
keeps them from the collector), 110 MB of the 880 MB once measured at 500k after 100k.
Pilot's ``press`` is not used for the keystroke: it waits until the process has been idle for
two 20 ms windows, which measures Pilot rather than the app.
"""

from __future__ import annotations

# First, as in the app: mailq_tui.ui sets Textual's frame rate before Textual is imported.
import mailq_tui.ui  # noqa: F401

# isort: split
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time

import msgspec
import psutil
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Input

from bench.reference import print_header
from bench.synthetic import synthetic_lines
from mailq_tui.model.message import Message
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.queue import QueueScreen
from mailq_tui.ui.view import ViewState
from mailq_tui.ui.widgets.queue_list import QueueList
from tests.doubles import RecordedBackend


def decode(data: bytes) -> list[Message]:
    """``data`` decoded as the app decodes a listing: segment by segment, the strings (and
    numbers) of each shared as it is decoded (``reusing_decoder``, since issue 13; a tree
    before it, run as ``PYTHONPATH=OLD python bench/tui_bench.py``, decodes the lines at
    once)."""
    try:
        from mailq_tui.model.shared_strings import StringStore
        from mailq_tui.postfix.listing import CHUNK_SIZE, reusing_decoder
    except ImportError:
        return msgspec.json.Decoder(Message).decode_lines(data)
    try:
        store = StringStore(addresses=True)  # as the app's listing (a reusable one)
    except TypeError:  # before the store shared addresses
        store = StringStore()
    decoder = reusing_decoder(None, [], store)
    for at in range(0, len(data), CHUNK_SIZE):
        decoder.feed(data[at : at + CHUNK_SIZE])
    decoder.flush()
    return decoder.finish().records


#: What is typed, and how many times.
WORD = "gmail."
ROUNDS = 3


class PeakSampler:
    """The highest resident size of this process, sampled every 10 ms in a thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        process = psutil.Process()
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, process.memory_info().rss)

    def stop(self) -> int:
        """Stop sampling; the peak in bytes."""
        self._stop.set()
        self._thread.join()
        return self.peak


async def measure(count: int) -> tuple[float, float, float, float, float, float, float]:
    """(first screen s, filter ready s, laid out s, median keystroke ms, worst keystroke ms,
    resident MB at the end, peak resident MB) at ``count`` messages."""
    app = MailqApp(RecordedBackend(decode(synthetic_lines(count))), refresh_interval=0)
    # (when, id of the state the rows were drawn from) of each frame written; ids, so that
    # the bench does not keep old listings (and their indexes) alive.
    shown: list[tuple[float, int]] = []
    drawn: list[ViewState] = []  # the state the list's lines were last rendered from
    render_line = QueueList.render_line

    def spy_render_line(self: QueueList, y: int) -> Strip:
        if self.state is not None:
            drawn[:] = [self.state]
        return render_line(self, y)

    QueueList.render_line = spy_render_line  # type: ignore[method-assign]
    sampler = PeakSampler()
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        display = app._display

        def spy(screen: Screen[object], renderable: object) -> None:
            display(screen, renderable)  # type: ignore[arg-type]
            if drawn:
                # A frame belongs to a keystroke once the list's lines in it were rendered
                # from the state computed for that keystroke.
                shown.append((time.perf_counter(), id(drawn[0])))

        app._display = spy  # type: ignore[method-assign]
        while not shown:
            await asyncio.sleep(0.001)
        first = shown[0][0] - start
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.state is not None
        while not screen.state.index.searchable:
            await asyncio.sleep(0.005)
        ready = time.perf_counter() - start
        while not (screen.state.index.arrival_ordered and screen.state.index.has_char_masks):
            await asyncio.sleep(0.005)
        laid_out = time.perf_counter() - start
        await pilot.press("slash")
        await asyncio.sleep(0.3)
        driver = app._driver
        assert driver is not None
        latencies = []
        bar = screen.query_one("#filter", Input)
        for _ in range(ROUNDS):
            for key in WORD:
                before = screen.state
                seen = len(shown)
                t0 = time.perf_counter()
                driver.send_message(events.Key(key, key))
                painted = None
                while painted is None:
                    await asyncio.sleep(0.0005)
                    painted = next((t for t, st in shown[seen:] if st != id(before)), None)
                latencies.append((painted - t0) * 1000)
                await asyncio.sleep(0.3)  # a fast typist, not a paste
            bar.value = ""  # back to the whole queue for the next round
            while screen.state.query_text:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.5)
        rss = psutil.Process().memory_info().rss / 1e6
        peak = sampler.stop() / 1e6
    QueueList.render_line = render_line  # type: ignore[method-assign]
    return first, ready, laid_out, statistics.median(latencies), max(latencies), rss, peak


def _row(count: int) -> str:
    """The table row of ``count`` messages, measured in this process."""
    first, ready, laid_out, median, worst, rss, peak = asyncio.run(measure(count))
    return (
        f"| {count:,} | {first:.2f} | {ready:.2f} | {laid_out:.2f} "
        f"| {median:.1f} | {worst:.1f} | {rss:.0f} | {peak:.0f} | {peak / rss:.2f} |"
    )


def main() -> None:
    """Print one table row per size, each measured in a process of its own."""
    if sys.argv[1:2] == ["--one"]:
        print(_row(int(sys.argv[2])), flush=True)
        return
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 500_000]
    print_header()
    print(
        "| messages | first screen (s) | filter ready (s) | laid out (s) "
        "| filter keystroke median (ms) | worst (ms) | RSS (MB) | peak RSS (MB) | peak / RSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    # Started as this process was: ``-m bench.tui_bench``, or this file as a script.
    how = ["-m", "bench.tui_bench"] if __spec__ is not None else [os.path.abspath(sys.argv[0])]
    for count in sizes:
        subprocess.run([sys.executable, *how, "--one", str(count)], check=True)


if __name__ == "__main__":
    main()
