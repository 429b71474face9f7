"""TUI benchmark: time to the first interactive queue screen, and filter keystroke latency.

    .venv/bin/python -m bench.tui_bench [100000 500000]

A synthetic ``postqueue -j`` listing is generated and decoded in-process (so the figures are
what the app adds on top of ``postqueue -j`` itself), served by a RecordedBackend, and the app
runs headless. "First screen": App start until the list shows every row. "Keystroke": one key
typed in the filter bar until the list shows the new filter's rows (median and worst of 6).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import msgspec

from bench.synthetic import synthetic_lines
from mailq_tui.model.message import Message
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.backend import RecordedBackend
from mailq_tui.ui.screens.queue import QueueScreen


async def measure(count: int) -> tuple[float, float, float]:
    """(first screen s, median keystroke ms, worst keystroke ms) at ``count`` messages."""
    messages = msgspec.json.Decoder(Message).decode_lines(synthetic_lines(count))
    app = MailqApp(RecordedBackend(messages), refresh_interval=0)
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        while True:
            screen = app.screen
            if isinstance(screen, QueueScreen) and screen.state is not None:
                break
            await asyncio.sleep(0.005)
        await pilot.pause()
        first = time.perf_counter() - start
        await pilot.press("slash")
        latencies = []
        for key in "gmail.":
            before = screen.state
            t0 = time.perf_counter()
            await pilot.press(key)
            while screen.state is before:
                await asyncio.sleep(0.001)
            await pilot.pause()
            latencies.append((time.perf_counter() - t0) * 1000)
    return first, statistics.median(latencies), max(latencies)


def main() -> None:
    """Print one table row per size."""
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 500_000]
    print("| messages | first screen (s) | filter keystroke median (ms) | worst (ms) |")
    print("|---|---|---|---|")
    for count in sizes:
        first, median, worst = asyncio.run(measure(count))
        print(f"| {count:,} | {first:.2f} | {median:.1f} | {worst:.1f} |", flush=True)


if __name__ == "__main__":
    main()
