"""CLI benchmark: ``mailq-tui ls QUERY --ids``, ``reasons``, ``shape`` and ``groups`` against the
floor (``postqueue -j > /dev/null``) on a synthetic listing served by a stand-in ``postqueue``.

Run as any user from the repository (``OLD``: a checkout of the code to compare with, e.g.
``git worktree add /work/wt/tmp-base-cli main``)::

    .venv/bin/python -m bench.cli_bench --old /work/wt/tmp-base-cli            # 100k, paced
    .venv/bin/python -m bench.cli_bench --old OLD --sizes 100000,500000 --rounds 2
    .venv/bin/python -m bench.cli_bench --old OLD --rate 0                    # unpaced

The stand-in ``postqueue`` (first on PATH; a stand-in ``postconf`` fails, so the CLI uses
``-j``) writes the recorded listing at ``--rate`` messages per second, as showq does while it
reads the queue files (a real 51k queue listed in 1.12 s, a real 102k one in 5.1 s: 20-46k/s;
default 50k/s), or as fast as it can with ``--rate 0`` (then the floor is a bare copy and the
figures show the CLI's own CPU cost). Each command runs in a fresh process; wall time and
peak RSS (``ru_maxrss`` of that child, from ``wait4``) are taken per run. Runs are interleaved
floor, old, new, new, old, floor per round (ABBA); the table gives medians and ratios to the
floor of the same rounds. The CPU model and a bare msgspec decode of the same bytes are printed
as a reference figure for comparing machines. Both trees' bytecode is compiled first
(``compileall``), as a wheel install has it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: (label, CLI arguments) measured.
COMMANDS = [
    ("ls --ids", ["ls", "--ids"]),
    ("ls domain:gmail.com --ids", ["ls", "domain:gmail.com", "--ids"]),
    ("ls reason:refused -queue:hold --ids", ["ls", "--ids", "--", "reason:refused", "-queue:hold"]),
    ("reasons", ["reasons"]),
    ("shape", ["shape"]),
    ("groups --by domain", ["groups", "--by", "domain"]),
]

#: The stand-in postqueue: copies LISTING to stdout at RATE bytes per second (0: at once),
#: reading it a block at a time, so that it stays small (``wait4`` reports the peak RSS of the
#: CLI process and of the children it waited for, this stand-in included).
STAND_IN = """#!{python}
import sys, time
rate = {rate}
out = sys.stdout.buffer
start = time.perf_counter()
at = 0
with open({listing!r}, "rb") as listing:
    while True:
        block = listing.read(1 << 16)
        if not block:
            break
        if rate:
            wait = start + at / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        out.write(block)
        at += len(block)
out.flush()
"""


def prepare(listing: str, count: int) -> None:
    """Write a synthetic listing of ``count`` messages to ``listing`` and print the time of a
    bare msgspec decode of it into the app's Message records (ms, median of 3). Run in a
    child process: the parent stays small, so the ``ru_maxrss`` of the commands it starts
    is theirs (a forked child's peak starts at its parent's size)."""
    import msgspec

    from bench.synthetic import synthetic_lines
    from mailq_tui.model.message import Message

    data = synthetic_lines(count, now=time.time())
    Path(listing).write_bytes(data)
    decoder = msgspec.json.Decoder(Message)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        decoder.decode_lines(data)
        times.append((time.perf_counter() - start) * 1000)
    print(f"{statistics.median(times):.0f}")


def run(argv: list[str], cwd: str, env: dict[str, str]) -> tuple[float, float]:
    """Run ``argv`` (output to /dev/null); (wall seconds, peak RSS in MiB: the child's
    ``ru_maxrss`` from ``wait4``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{argv} in {cwd} failed ({proc.returncode}): {err}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="checkout of the code to compare with")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument(
        "--sizes", default="", help="comma list of message counts, e.g. 100000,500000 (--count)"
    )
    parser.add_argument("--rate", type=float, default=50_000, help="messages/s (0: unpaced)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="measure only commands with this text")
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.count)
        return

    # In a child: the reference decode would grow this process, and a forked command's
    # ru_maxrss starts at its parent's size.
    subprocess.run(
        [sys.executable, "-c", "from bench.reference import print_header; print_header()"],
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
    )
    new = str(Path(__file__).resolve().parent.parent)
    old = str(Path(args.old).resolve())
    # As installed from a wheel: bytecode compiled once, not at every start (an editable
    # install under PYTHONDONTWRITEBYTECODE=1 compiled every changed module at each run, before
    # postqueue starts for the modules imported first: ~0.06 s, and a few MB of peak RSS).
    for tree in (old, new):
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "mailq_tui"], cwd=tree, check=True
        )
    print("bytecode: both trees precompiled (python -m compileall -q mailq_tui)")
    for count in [int(n) for n in args.sizes.split(",") if n] or [args.count]:
        measure(args, count, old, new)


def measure(args: argparse.Namespace, count: int, old: str, new: str) -> None:
    """One table: every command at ``count`` messages."""
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp, "listing.jsonl")
        decode_ms = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.cli_bench",
                "--old",
                old,
                "--count",
                str(count),
                "--prepare",
                str(listing),
            ],
            cwd=new,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        size = listing.stat().st_size
        byte_rate = 0 if not args.rate else size * args.rate / count
        stand_in = Path(tmp, "postqueue")
        stand_in.write_text(
            STAND_IN.format(python=sys.executable, listing=str(listing), rate=byte_rate)
        )
        postconf = Path(tmp, "postconf")
        postconf.write_text("#!/bin/sh\nexit 1\n")
        for tool in (stand_in, postconf):
            tool.chmod(0o755)
        env = {**os.environ, "PATH": f"{tmp}:{os.environ.get('PATH', '')}"}
        floor_argv = ["/bin/sh", "-c", f"{stand_in} -j > /dev/null"]

        print(
            f"{count:,} messages, {size / 2**20:.0f} MiB of postqueue -j; stand-in "
            f"rate {'unpaced' if not args.rate else f'{args.rate:,.0f} messages/s'}; "
            f"reference: bare msgspec decode {decode_ms} ms"
        )
        print()
        print("| command | floor s | old s | new s | old / floor | new / floor | old MB | new MB |")
        print("|---|---|---|---|---|---|---|---|")
        for label, cli in COMMANDS:
            if args.only and args.only not in label:
                continue
            argv = [sys.executable, "-m", "mailq_tui", *cli]
            floor: list[float] = []
            times: dict[str, list[float]] = {"old": [], "new": []}
            rss: dict[str, list[float]] = {"old": [], "new": []}
            for _ in range(args.rounds):
                for which in ("floor", "old", "new", "new", "old", "floor"):
                    if which == "floor":
                        floor.append(run(floor_argv, new, env)[0])
                        continue
                    wall, peak = run(argv, old if which == "old" else new, env)
                    times[which].append(wall)
                    rss[which].append(peak)
            f = statistics.median(floor)
            o, n = statistics.median(times["old"]), statistics.median(times["new"])
            print(
                f"| `{label}` | {f:.2f} | {o:.2f} | {n:.2f} | {o / f:.2f}× | {n / f:.2f}× | "
                f"{max(rss['old']):.0f} | {max(rss['new']):.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
