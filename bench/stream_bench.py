"""Streaming benchmark: first rows on screen and whole listing usable, beside the floor.

    .venv/bin/python -m bench.stream_bench --old TREE [--rate 20000] [--rate 0] [100000 500000]

A synthetic ``postqueue -j`` listing (bench/synthetic.py) is printed by cli_bench's stand-in
``postqueue`` (:data:`bench.cli_bench.STAND_IN`) at ``--rate`` messages per second (a real
102k queue lists at about 20,000/s), or as fast as it can (``--rate 0``). The app runs
headless in a fresh process on the real engine (``QueueEngine``; its PostfixTools find the
stand-in first on PATH; a stand-in ``postconf`` fails, so ``-j`` is used), and measures from
the app's start (after imports):

- "first rows": until the queue screen first shows rows (the first ``_show`` of a state with
  rows; the old code shows rows only once the whole listing is read);
- "usable": until a filter works on the whole listing: when the whole listing is shown, the
  query ``gmail.`` is applied (as if typed then), and the time is taken when its filtered
  rows of the whole listing are shown (the filter waits for the search columns).

The floor, ``postqueue -j > /dev/null`` of the same stand-in, is measured in the same rounds,
floor, old, new, new, old, floor (ABBA) per round; the table gives medians. ``TREE``: a
checkout of the code to compare with (``git worktree add --detach /work/wt/x-old main``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD = "--child"
WORK = Path("/tmp/mailq-stream-bench")
QUERY = "gmail."


def stand_ins(listing: Path, count: int, rate: float, where: Path) -> dict[str, str]:
    """Write a ``postqueue`` that prints ``listing`` for ``-j`` (cli_bench's stand-in, paced
    at ``rate`` messages/s) and answers anything else (the privilege probe ``-i``) with
    success, and a ``postconf`` that fails; return the environment that finds them."""
    from bench.cli_bench import STAND_IN

    where.mkdir(parents=True, exist_ok=True)
    byte_rate = 0 if not rate else listing.stat().st_size * rate / count
    lister = where / "postqueue-j"
    lister.write_text(STAND_IN.format(python=sys.executable, listing=str(listing), rate=byte_rate))
    postqueue = where / "postqueue"
    postqueue.write_text(
        f'#!/bin/sh\ncase " $* " in *" -j "*) exec {lister} ;; *) exit 0 ;; esac\n'
    )
    postconf = where / "postconf"
    postconf.write_text("#!/bin/sh\nexit 1\n")
    for tool in (lister, postqueue, postconf):
        tool.chmod(0o755)
    return {**os.environ, "PATH": f"{where}:{os.environ.get('PATH', '')}"}


def floor_seconds(env: dict[str, str]) -> float:
    """Wall seconds of ``postqueue -j > /dev/null`` (the stand-in)."""
    start = time.perf_counter()
    subprocess.run(["/bin/sh", "-c", "postqueue -j > /dev/null"], env=env, check=True)
    return time.perf_counter() - start


def run_child(tree: Path, env: dict[str, str], count: int) -> dict[str, float]:
    """One measurement in a fresh process importing ``tree``'s package."""
    child_env = {**env, "PYTHONPATH": str(tree)}
    argv = [sys.executable, __file__, CHILD, str(count)]
    out = subprocess.run(argv, cwd=tree, env=child_env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print the table: per size and rate, old and new medians beside the floor."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--rate", type=float, action="append", help="messages/s (0: unpaced)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("sizes", type=int, nargs="*", default=[100_000, 500_000])
    args = parser.parse_args()
    rates = args.rate or [20_000.0, 0.0]
    new = Path(__file__).resolve().parent.parent
    from bench.reference import print_header
    from bench.synthetic import write_synthetic

    print_header()
    print(f"rounds {args.rounds} (floor, old, new, new, old, floor each); medians\n")
    print(
        "| messages | stand-in rate | code | floor s | first rows s | listing usable s "
        "| usable - floor s |"
    )
    print("|---|---|---|---|---|---|---|")
    WORK.mkdir(exist_ok=True)
    for count in args.sizes:
        listing = WORK / f"{count}.jsonl"
        write_synthetic(listing, count, now=time.time())
        for rate in rates:
            env = stand_ins(listing, count, rate, WORK / f"bin-{count}-{rate:g}")
            floors: list[float] = []
            runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
            for _ in range(args.rounds):
                for which in ("floor", "old", "new", "new", "old", "floor"):
                    if which == "floor":
                        floors.append(floor_seconds(env))
                    else:
                        tree = args.old if which == "old" else new
                        runs[which].append(run_child(tree, env, count))
            floor = statistics.median(floors)
            paced = f"{rate:,.0f}/s" if rate else "unpaced"
            for which in ("old", "new"):
                first = statistics.median(r["first_rows"] for r in runs[which])
                usable = statistics.median(r["usable"] for r in runs[which])
                print(
                    f"| {count:,} | {paced} | {which} | {floor:.2f} | {first:.2f} "
                    f"| {usable:.2f} | {usable - floor:+.2f} |",
                    flush=True,
                )


# ---------------------------------------------------------------------- the measured process


def child(count: int) -> None:
    """Run the app on the stand-in and print the figures as one JSON line."""
    import asyncio
    from dataclasses import replace
    from typing import Any

    import mailq_tui.ui  # noqa: F401  (sets Textual's frame rate before Textual is imported)
    from mailq_tui.engine import QueueEngine
    from mailq_tui.ui.app import MailqApp
    from mailq_tui.ui.screens.queue import QueueScreen

    marks: dict[str, float] = {}
    started = 0.0
    show = QueueScreen._show

    def spy(self: QueueScreen, state: Any) -> None:
        show(self, state)
        now = time.perf_counter() - started
        if state.rows and "first_rows" not in marks:
            marks["first_rows"] = now
        whole = not getattr(state, "partial", False) and len(state.messages) == count
        if whole and "whole" not in marks:
            marks["whole"] = now
            self.change_view(replace(self.spec, query_text=QUERY))
        elif whole and state.spec.query_text == QUERY and "usable" not in marks:
            marks["usable"] = now

    QueueScreen._show = spy  # type: ignore[method-assign]

    async def measure() -> None:
        nonlocal started
        engine = QueueEngine(audit_log="/dev/null")
        app = MailqApp(engine, refresh_interval=0)
        started = time.perf_counter()
        async with app.run_test(size=(120, 40)):
            while "usable" not in marks:
                await asyncio.sleep(0.01)

    asyncio.run(measure())
    print(json.dumps(marks), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == CHILD:
        sys.path.insert(0, os.getcwd())  # the tree measured, before this file's directory
        child(int(sys.argv[2]))
    else:
        main()
