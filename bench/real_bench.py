"""Benchmark on a real sandbox: listing, parse+index overhead, and a bulk delete through the
engine (re-check listing + one ``postsuper -d -``) against a bare ``postsuper -d -``.

Called by ``python -m bench.engine_bench --real N`` (root, Debian postfix). The queue is filled
once, its queue directories are copied with Postfix stopped, and restored before the second
delete, so both deletes face the same N messages.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from mailq_tui.engine import QueueEngine
from mailq_tui.model.index import QueueIndex
from mailq_tui.sandbox.populate import populate, scenario_sandbox, upstream_rules
from mailq_tui.sandbox.upstream import Upstream

QUEUE_DIRS = ("incoming", "active", "deferred", "defer", "hold", "bounce", "maildrop", "trace")


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _snapshot_dirs(spool: Path, backup: Path) -> None:
    backup.mkdir()
    for name in QUEUE_DIRS:
        if (spool / name).is_dir():
            subprocess.run(["cp", "-a", str(spool / name), str(backup / name)], check=True)


def _restore_dirs(spool: Path, backup: Path) -> None:
    for name in QUEUE_DIRS:
        if (backup / name).is_dir():
            shutil.rmtree(spool / name, ignore_errors=True)
            subprocess.run(["cp", "-a", str(backup / name), str(spool / name)], check=True)
    (spool / "quick-start").touch()


def run_real(count: int) -> None:
    """Fill a sandbox with ``count`` messages and print the real-Postfix table."""
    upstream = Upstream(upstream_rules())
    sandbox = scenario_sandbox(upstream)
    upstream.start()
    try:
        sandbox.start()
        t0 = time.monotonic()
        res = populate(sandbox, count, hold_ratio=0.0)
        fill = time.monotonic() - t0
        engine = QueueEngine(config_dir=sandbox.config_dir, audit_log="/dev/null")
        postqueue = ["postqueue", "-c", sandbox.config_dir, "-j"]
        bare_list = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(postqueue, check=True, capture_output=True)
            bare_list.append(time.perf_counter() - start)
        engine_list, index_times = [], []
        snapshot = None
        for _ in range(3):
            start = time.perf_counter()
            snapshot = asyncio.run(engine.snapshot())
            engine_list.append(time.perf_counter() - start)
            start = time.perf_counter()
            QueueIndex(snapshot.messages, now=time.time()).build_search_columns()
            index_times.append(time.perf_counter() - start)
        assert snapshot is not None
        spool = Path(sandbox.queue_dir)
        backup = Path(sandbox.root) / "bench-backup"
        sandbox.stop()
        _snapshot_dirs(spool, backup)
        # Both deletes start from the same restored copy of the queue, right after a start.
        _restore_dirs(spool, backup)
        sandbox.start()
        # Restored files have new inodes, so Postfix may have renamed them: list again.
        ids = "".join(f"{m.queue_id}\n" for m in sandbox.listing())
        start = time.perf_counter()
        bare = subprocess.run(
            ["postsuper", "-c", sandbox.config_dir, "-d", "-"],
            input=ids,
            capture_output=True,
            text=True,
            check=True,
        )
        bare_delete = time.perf_counter() - start
        bare_done = bare.stderr.strip().splitlines()[-1] if bare.stderr.strip() else "?"
        sandbox.stop()
        _restore_dirs(spool, backup)
        sandbox.start()
        messages = sandbox.listing()
        start = time.perf_counter()
        report = asyncio.run(engine.act("delete", messages))
        engine_delete = time.perf_counter() - start
    finally:
        sandbox.destroy()
        upstream.stop()
    n = len(snapshot.messages)
    overhead = _median(engine_list) + _median(index_times) - _median(bare_list)
    print(
        f"Real sandbox: {n:,} queued messages "
        f"(filled in {fill:.0f} s, {res.recipients:,} recipients)\n"
    )
    print("| measurement | time |")
    print("|---|---|")
    print(f"| `postqueue -j` alone (median of 3) | {_median(bare_list):.2f} s |")
    print(f"| engine snapshot: stream + decode (median of 3) | {_median(engine_list):.2f} s |")
    print(f"| index build (median of 3) | {_median(index_times):.2f} s |")
    print(f"| parse + index beyond `postqueue -j` | {overhead:.2f} s |")
    print(f"| bare `postsuper -d -` of {n:,} ids ({bare_done}) | {bare_delete:.2f} s |")
    print(
        f"| engine delete of {n:,} (re-check listing + one postsuper; "
        f"{report.done:,} done, {len(report.skipped)} skipped) | {engine_delete:.2f} s "
        f"({engine_delete / bare_delete:.2f}×) |"
    )
