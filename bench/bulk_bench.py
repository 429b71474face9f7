"""Bulk delete of half a real queue: ``mailq-tui delete QUERY --yes`` against the bare pipeline
``postqueue -j | jq 'select(...) | .queue_id' | postsuper -d -`` (the issue's floor: it lists,
selects and deletes, like the CLI).

Command line (root, Debian ``postfix`` and ``jq`` installed: ``apt-get install postfix jq``)::

    python -m bench.bulk_bench --real 50000 [--rounds 2]

A scenario sandbox is filled once (:func:`mailq_tui.sandbox.populate.populate`; retries are
pushed hours away so the queue stays still between rounds), its queue directories copied with
Postfix stopped. Each round is an ABBA pair (bare, mailq-tui, mailq-tui, bare); before every
run the same copy is restored (then ``sync``, then Postfix started and the queue listed, so
both sides start from the same files with a warm cache). Both sides delete the messages whose
sender is at ``shop.example`` or ``corp.example`` (about half: populate spreads senders over
four domains). After each run the queue is listed again: exactly the selected messages must be
gone and every other one still there (mail Postfix creates meanwhile, e.g. a bounce, is
neither: it is counted, not an error).

The CLI runs as ``python -m mailq_tui`` from the current directory (so this checkout's code is
measured), with its audit log in the sandbox. Times are wall clock of the whole command; the
CPU column is user+system time of the command's child processes (postsuper included; showq,
which Postfix's master runs for ``postqueue``, is not).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.real_bench import _restore_dirs, _snapshot_dirs
from mailq_tui.sandbox.instance import Sandbox
from mailq_tui.sandbox.populate import populate, scenario_sandbox, upstream_rules
from mailq_tui.sandbox.upstream import Upstream

#: The selection, three ways: Python (the check), jq (the floor), mailq-tui's query.
SENDER_RE = re.compile(r"@(shop\.example|corp\.example)$", re.IGNORECASE)
JQ_FILTER = r'select(.sender | test("@(shop\\.example|corp\\.example)$"; "i")) | .queue_id'
QUERY = r"from:/@(shop\.example|corp\.example)$/"

#: Keep the filled queue still: no retry during the bench (the first attempts, which put the
#: mail in the deferred queue with its reason, happen during the fill as usual).
QUIET_MAIN_CF = {
    "queue_run_delay": "4h",
    "minimal_backoff_time": "4h",
    "maximal_backoff_time": "8h",
}


@dataclass
class Run:
    """One timed delete."""

    side: str
    wall: float
    cpu: float
    listed: int
    selected: int
    deleted: int
    said: str


def _bare_argv(config_dir: str) -> list[str]:
    pipeline = (
        f"postqueue -c {config_dir} -j | jq -r '{JQ_FILTER}' | postsuper -c {config_dir} -d -"
    )
    return ["bash", "-o", "pipefail", "-c", pipeline]


def _cli_argv(config_dir: str) -> list[str]:
    return [sys.executable, "-m", "mailq_tui", "-c", config_dir, "delete", QUERY, "--yes"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _one(sandbox: Sandbox, backup: Path, side: str, env: dict[str, str]) -> Run:
    spool = Path(sandbox.queue_dir)
    sandbox.stop()
    _restore_dirs(spool, backup)
    subprocess.run(["sync"], check=True)
    sandbox.start()
    before = {m.queue_id: m.sender for m in sandbox.listing()}
    selected = {q for q, s in before.items() if SENDER_RE.search(s)}
    argv = _bare_argv(sandbox.config_dir) if side == "bare" else _cli_argv(sandbox.config_dir)
    cpu0, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"{side} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    after = {m.queue_id for m in sandbox.listing()}
    remain, gone = selected & after, set(before) - selected - after
    if remain or gone:
        raise SystemExit(
            f"{side}: wrong messages deleted: {len(remain)} selected remain, "
            f"{len(gone)} unselected gone"
        )
    text = proc.stderr if side == "bare" else proc.stdout
    said = text.strip().splitlines()[-1] if text.strip() else "?"
    new = after - set(before)  # mail Postfix created meanwhile (not deleted, not selected)
    if new:
        said += f"; {len(new)} new in the queue since the listing"
    return Run(side, wall, cpu, len(before), len(selected), len(selected - after), said)


def run_bulk(count: int, rounds: int, keep: bool = False) -> None:
    """Fill a sandbox with ``count`` messages, then ``rounds`` ABBA pairs of half deletes;
    ``keep`` leaves the sandbox (stopped, with its copy in ``bench-backup``) for profiling."""
    if shutil.which("jq") is None:
        raise SystemExit("jq is missing: apt-get install jq")
    env = dict(os.environ)
    upstream = Upstream(upstream_rules())
    sandbox = scenario_sandbox(upstream, main_cf=QUIET_MAIN_CF)
    upstream.start()
    runs: list[Run] = []
    try:
        sandbox.start()
        t0 = time.monotonic()
        res = populate(sandbox, count)
        fill = time.monotonic() - t0
        env["MAILQ_TUI_AUDIT_LOG"] = str(Path(sandbox.root) / "audit.log")
        backup = Path(sandbox.root) / "bench-backup"
        sandbox.stop()
        _snapshot_dirs(Path(sandbox.queue_dir), backup)
        print(
            f"filled {res.injected:,} messages ({res.recipients:,} recipients, "
            f"{res.held:,} held) in {fill:.0f} s",
            flush=True,
        )
        for r in range(rounds):
            for side in ("bare", "mailq-tui", "mailq-tui", "bare"):
                run = _one(sandbox, backup, side, env)
                runs.append(run)
                print(
                    f"round {r + 1} {side:9} {run.wall:6.2f} s  cpu {run.cpu:5.2f} s  "
                    f"{run.deleted:,}/{run.listed:,} deleted  ({run.said})",
                    flush=True,
                )
    finally:
        if keep:
            sandbox.stop()
            print(f"kept: {sandbox.config_dir} (copy: {sandbox.root}/bench-backup)")
        else:
            sandbox.destroy()
        upstream.stop()
    _table(runs, fill)


def _table(runs: list[Run], fill: float) -> None:
    bare = [r for r in runs if r.side == "bare"]
    cli = [r for r in runs if r.side == "mailq-tui"]
    print(f"\nfill: {fill:.0f} s; selection: `{QUERY}` / jq `{JQ_FILTER}`\n")
    print("| round | side | messages | deleted | wall | CPU (children) |")
    print("|---|---|---|---|---|---|")
    for i, r in enumerate(runs):
        print(
            f"| {i // 4 + 1} | {r.side} | {r.listed:,} | {r.deleted:,} "
            f"| {r.wall:.2f} s | {r.cpu:.2f} s |"
        )
    bw, cw = statistics.median(r.wall for r in bare), statistics.median(r.wall for r in cli)
    bc, cc = statistics.median(r.cpu for r in bare), statistics.median(r.cpu for r in cli)
    print(
        f"\nmedian wall: bare {bw:.2f} s, mailq-tui {cw:.2f} s: {cw / bw:.2f}× "
        f"(target ≤ 1.1×); median CPU: bare {bc:.2f} s, mailq-tui {cc:.2f} s"
    )
    pairs = [
        (runs[i + 1].wall + runs[i + 2].wall) / (runs[i].wall + runs[i + 3].wall)
        for i in range(0, len(runs), 4)
    ]
    print("per ABBA round, mailq-tui / bare: " + ", ".join(f"{p:.2f}×" for p in pairs))


def main() -> None:
    """``python -m bench.bulk_bench --real N [--rounds R]``."""
    ap = argparse.ArgumentParser(prog="python -m bench.bulk_bench", description=__doc__)
    ap.add_argument("--real", type=int, required=True, metavar="N", help="messages to fill")
    ap.add_argument("--rounds", type=int, default=2, help="ABBA pairs (default 2)")
    ap.add_argument("--keep", action="store_true", help="leave the sandbox, for profiling")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bulk_bench needs root (it runs its own Postfix instance)")
    run_bulk(args.real, args.rounds, args.keep)


if __name__ == "__main__":
    main()
