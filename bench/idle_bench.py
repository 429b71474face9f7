"""Idle and refresh benchmark: what the app costs while the queue does not change, and what
one refresh costs when 0% or 1% of the messages changed.

    .venv/bin/python -m bench.idle_bench [--idle 30] [--old TREE] [100000 500000]

A synthetic ``postqueue -j`` listing (bench/synthetic.py) is written to a file, and a
stand-in ``postqueue`` (``sh -c 'cat FILE'``) prints it: it answers instantly, so what is
measured is the app. Each run is a fresh process running the app headless with its default
live refresh (3 s) through the real listing code (``list_queue``), and measures:

- "first": CPU seconds (all threads) from start until the first listing is shown, indexed,
  laid out oldest first and has its one-character masks: a full index;
- "idle": CPU of the app process over ``--idle`` seconds with the queue unchanged, as % of
  one core (psutil ``cpu_times`` delta), beside the stand-in's own (its reaped ``cat``
  processes) and the read floor: the CPU a bare reader of the same pipe spends on the
  listings the app took in that time (measured in the parent, per listing);
- "refresh 0%" / "refresh 1%": CPU seconds of one refresh (live refresh stopped, one asked
  for) until the screen settled (listing, index, masks), with the file unchanged, then with
  1% of its records changed (another message size: same ids, other bytes).

With ``--old TREE`` (a worktree of the old code, e.g. ``git worktree add /tmp/base main``)
the runs alternate old, new, new, old per size (ABBA); each run imports its tree's package.
The reference figure beside the table: a bare msgspec decode of the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

#: Where the synthetic listings are written.
WORK = Path("/tmp/mailq-idle-bench")
CHILD = "--child"


def write_listings(count: int) -> tuple[Path, Path]:
    """The listing of ``count`` messages and a copy with 1% of its records changed."""
    from bench.synthetic import synthetic_lines

    WORK.mkdir(exist_ok=True)
    same, changed = WORK / f"{count}.jsonl", WORK / f"{count}-1pct.jsonl"
    if not same.exists() or not changed.exists():
        data = synthetic_lines(count, now=1_800_000_000)
        same.write_bytes(data)
        lines = data.splitlines(keepends=True)
        for i in random.Random(7).sample(range(len(lines)), len(lines) // 100):
            lines[i] = lines[i].replace(b'"message_size": ', b'"message_size": 1', 1)
        changed.write_bytes(b"".join(lines))
    return same, changed


def floors(path: Path) -> tuple[float, float]:
    """(CPU s of a bare msgspec decode of ``path``, CPU s of reading it from ``cat`` through
    a pipe in 1 MiB chunks), best of three each."""
    import msgspec

    from mailq_tui.model.message import Message

    data = path.read_bytes()
    decoder = msgspec.json.Decoder(Message)
    decode = []
    for _ in range(3):
        t = time.process_time()
        decoder.decode_lines(data)
        decode.append(time.process_time() - t)
    del data
    read = []
    for _ in range(3):
        proc = subprocess.Popen(["cat", str(path)], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        t = time.process_time()
        while proc.stdout.read1(1 << 20):
            pass
        read.append(time.process_time() - t)
        proc.wait()
    return min(decode), min(read)


def run_child(tree: Path, count: int, same: Path, changed: Path, idle: float) -> dict[str, float]:
    """One measurement in a fresh process importing ``tree``'s package."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    argv = [sys.executable, __file__, CHILD, str(count), str(same), str(changed), str(idle)]
    out = subprocess.run(argv, cwd=tree, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print the table (ABBA against ``--old`` when given)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--old", type=Path, default=None)
    parser.add_argument("sizes", type=int, nargs="*", default=[100_000, 500_000])
    args = parser.parse_args()
    new = Path(__file__).resolve().parent.parent
    from bench.reference import print_header

    print_header()
    print(f"idle window {args.idle:g} s\n")  # the machine: print_header above
    print(
        "| messages | code | first listing+index CPU (s) | idle app CPU % | read floor % "
        "| app beyond floor % | stand-in % | listings | refresh 0% CPU (s) "
        "| refresh 1% CPU (s) | 1% / first | RSS (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for count in args.sizes:
        same, changed = write_listings(count)
        decode, read = floors(same)
        order = [("old", args.old), ("new", new), ("new", new), ("old", args.old)]
        for label, tree in order:
            if tree is None:
                continue
            r = run_child(tree, count, same, changed, args.idle)
            floor = 100 * r["listings"] * read / r["idle_wall"]
            print(
                f"| {count:,} | {label} | {r['first_cpu']:.2f} | {r['idle_pct']:.1f} "
                f"| {floor:.1f} | {r['idle_pct'] - floor:.1f} | {r['stand_in_pct']:.1f} "
                f"| {r['listings']:.0f} | {r['refresh_same_cpu']:.2f} "
                f"| {r['refresh_1pct_cpu']:.2f} | {r['refresh_1pct_cpu'] / r['first_cpu']:.1%} "
                f"| {r['rss_mb']:.0f} |",
                flush=True,
            )
        print(
            f"| {count:,} | floor | bare msgspec decode {decode:.2f} s CPU; "
            f"pipe read {read:.3f} s CPU per listing | | | | | | | | | |",
            flush=True,
        )


# ---------------------------------------------------------------------- the measured process


def child(count: int, same: Path, changed: Path, idle: float) -> None:
    """Run the app on a stand-in postqueue and print the figures as one JSON line."""
    import asyncio
    import inspect
    import shutil
    import tempfile
    from typing import Any, Optional

    import psutil

    import mailq_tui.ui  # noqa: F401  (sets Textual's frame rate before Textual is imported)
    from mailq_tui.model.snapshot import Snapshot
    from mailq_tui.postfix.commands import PostfixTools
    from mailq_tui.postfix.listing import list_queue
    from mailq_tui.ui.app import MailqApp
    from mailq_tui.ui.screens.queue import QueueScreen
    from tests.doubles import RecordedBackend

    listing = Path(tempfile.mkdtemp()) / "listing.jsonl"
    shutil.copyfile(same, listing)
    reusing = "previous" in inspect.signature(list_queue).parameters

    class StandIn(RecordedBackend):
        """Listings from ``list_queue`` over ``cat LISTING``."""

        tools = PostfixTools(prefix=("sh", "-c", 'cat "$0"', str(listing)))

        async def snapshot(
            self, previous: Optional[Snapshot] = None, *, reusable: bool = False, **more: Any
        ) -> Snapshot:
            self.listings += 1
            kwargs: dict[str, Any] = {"previous": previous, "reusable": reusable, **more}
            return await list_queue(self.tools, **(kwargs if reusing else {}))

    me = psutil.Process()

    def cpu() -> tuple[float, float]:
        t = me.cpu_times()
        return t.user + t.system, t.children_user + t.children_system

    async def measure() -> dict[str, float]:
        backend = StandIn([])
        app = MailqApp(backend, refresh_interval=3.0)
        start = cpu()[0]
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, QueueScreen)

            async def settled() -> None:
                while True:
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                    state = screen.state
                    busy = screen.refreshing or any(w.is_running for w in app.workers)
                    if state is not None and state.index.has_char_masks and not busy:
                        return

            await settled()
            first_cpu = cpu()[0] - start
            await asyncio.sleep(1.0)
            (app0, kids0), seen, t0 = cpu(), backend.listings, time.monotonic()
            await asyncio.sleep(idle)
            (app1, kids1), wall = cpu(), time.monotonic() - t0
            listings = backend.listings - seen
            screen.refresh_interval = 0  # the live refresh stops; one refresh at a time
            await settled()

            async def one_refresh() -> float:
                before, seen = cpu()[0], backend.listings
                screen.action_refresh_now()
                while backend.listings == seen:
                    await asyncio.sleep(0.01)
                await settled()
                return cpu()[0] - before

            same_cpu = await one_refresh()
            shutil.copyfile(changed, listing)
            changed_cpu = await one_refresh()
            rss = me.memory_info().rss / 1e6
        return {
            "first_cpu": first_cpu,
            "idle_wall": wall,
            "idle_pct": 100 * (app1 - app0) / wall,
            "stand_in_pct": 100 * (kids1 - kids0) / wall,
            "listings": listings,
            "refresh_same_cpu": same_cpu,
            "refresh_1pct_cpu": changed_cpu,
            "rss_mb": rss,
        }

    print(json.dumps(asyncio.run(measure())), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == CHILD:
        sys.path.insert(0, os.getcwd())  # the tree measured, before this file's directory
        child(int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), float(sys.argv[5]))
    else:
        main()
