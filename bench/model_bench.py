"""Model-layer benchmark: index build, filter keystrokes, narrowing, sort, group and shape on
synthetic queues (``bench/synthetic.py``), one process per size so RSS is one queue's.

    .venv/bin/python -m bench.model_bench                   # 100k and 500k
    .venv/bin/python -m bench.model_bench --sizes 10000     # one size
    .venv/bin/python -m bench.model_bench --regroup-only    # just the grouped keystrokes

Times are medians (milliseconds); a keystroke is ``parse_query`` plus ``filter``. "Regroup
after a filter keystroke" types ``gmail.`` into the filter while the list is grouped by reason
or by recipient domain, on the index the app ends up with (arrival order, one-character
masks): each keystroke is the app's whole view computation (filter, sort by age, group),
typed three times with the bar emptied in between (wall time, and the process's CPU time,
steadier when other work shares the machine). The first grouping of an index, which
works out the group keys, is shown apart. The reference figure is a bare msgspec decode of
the same listing, to compare figures across machines.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Callable

from bench.reference import print_header
from mailq_tui.model.index import QueueIndex
from mailq_tui.model.query import parse_query

#: Typical full filters a postmaster types (each over the whole queue).
FULL_QUERIES = [
    "gmail",
    "user123",
    "-gmail",
    "domain:gmail.com",
    "to:yahoo reason:refused",
    "reason:refused age:>1h",
    "-queue:deferred",
    "from:<>",
    "size:>100k",
    "/mx[0-9]\\./",
    "reason:/too many/",
    "id:0A",
]
#: Keystroke sequences: each query narrows the previous one.
NARROWING = [
    ["g", "gm", "gma", "gmai", "gmail"],
    ["u", "us", "use", "user", "user1", "user12", "user123"],
    ["domain:gmail.c", "domain:gmail.co", "domain:gmail.com"],
    ["queue:deferred", "queue:deferred reason:refused", "queue:deferred reason:refused gmail"],
    ["age:>1h", "age:>1h to:y", "age:>1h to:ya", "age:>1h to:yah"],
]


def _median_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


#: What the regroup column types into the filter, one key at a time (as bench.tui_bench).
WORD = "gmail."
#: The groupings the regroup column measures.
REGROUP_BY = ("reason", "domain")


def regroup(count: int) -> dict[str, object]:
    """Grouped filter keystrokes at ``count`` messages (see the module docstring)."""
    import msgspec

    from bench.synthetic import synthetic_lines
    from mailq_tui.model.grouping import group_messages
    from mailq_tui.model.message import Message

    now = float(int(time.time()))
    data = synthetic_lines(count, now=now)
    decoder = msgspec.json.Decoder(Message)
    decode_ms = _median_ms(lambda: decoder.decode_lines(data), 3)
    messages = decoder.decode_lines(data)
    index = QueueIndex(messages, now=now).in_arrival_order()
    index.build_char_masks()
    out: dict[str, object] = {"messages": count, "decode_ms": decode_ms}
    for by in REGROUP_BY:
        start = time.perf_counter()
        group_messages(index, index.select(parse_query(""), "age", True), by)
        out[f"first_{by}_ms"] = (time.perf_counter() - start) * 1000
        times, cpu = [], []
        for _ in range(3):
            index.select(parse_query(""), "age", True)  # the bar emptied
            for end in range(1, len(WORD) + 1):
                start, start_cpu = time.perf_counter(), time.process_time()
                rows = index.select(parse_query(WORD[:end]), "age", True)
                group_messages(index, rows, by)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
        out[f"keystroke_{by}_ms"] = statistics.median(times)
        out[f"keystroke_{by}_cpu_ms"] = statistics.median(cpu)
        out[f"keystroke_{by}_max_ms"] = max(times)
    return out


def report_regroup(result: dict[str, object]) -> None:
    """Print one size's regroup figures as a Markdown table row."""
    cells = [f"{result['messages']:,}", f"{result['decode_ms']:.0f}"]
    for by in REGROUP_BY:
        cells.append(
            f"{result[f'keystroke_{by}_ms']:.1f} (CPU {result[f'keystroke_{by}_cpu_ms']:.1f}, "
            f"max {result[f'keystroke_{by}_max_ms']:.0f})"
        )
        cells.append(f"{result[f'first_{by}_ms']:.0f}")
    print("| " + " | ".join(cells) + " |")


def child(count: int) -> dict[str, object]:
    """Measure one size in this process."""
    import msgspec
    import psutil

    from bench.synthetic import synthetic_lines
    from mailq_tui.model.grouping import GROUP_BY, group_messages
    from mailq_tui.model.index import SORT_KEYS
    from mailq_tui.model.message import Message
    from mailq_tui.model.shape import compute_shape

    now = float(int(time.time()))
    messages = msgspec.json.Decoder(Message).decode_lines(synthetic_lines(count, now=now))
    recipients = sum(len(m.recipients) for m in messages)
    rss_before = psutil.Process().memory_info().rss
    index_ms = []
    start = time.perf_counter()
    index = QueueIndex(messages, now=now)
    index.build_search_columns()  # the whole index, as a filter needs it
    index_ms.append((time.perf_counter() - start) * 1000)
    rss_after = psutil.Process().memory_info().rss
    for _ in range(2):
        start = time.perf_counter()
        QueueIndex(messages, now=now).build_search_columns()
        index_ms.append((time.perf_counter() - start) * 1000)

    full = {}
    for text in FULL_QUERIES:
        full[text] = _median_ms(lambda text=text: _fresh_filter(index, text))
    narrowing = {}
    for chain in NARROWING:
        steps = []
        for _ in range(5):
            _fresh_filter(index, chain[0])
            times = []
            for text in chain[1:]:
                start = time.perf_counter()
                index.filter(parse_query(text))
                times.append((time.perf_counter() - start) * 1000)
            steps.append(times)
        narrowing[" > ".join(chain)] = [statistics.median(col) for col in zip(*steps)]
    rows = list(range(len(index)))
    sort = {key: _median_ms(lambda key=key: index.sort(rows, key), 3) for key in SORT_KEYS}
    group = {by: _median_ms(lambda by=by: group_messages(index, rows, by), 3) for by in GROUP_BY}
    shape = {
        "rcpt": _median_ms(lambda: compute_shape(messages, now), 3),
        "sender": _median_ms(lambda: compute_shape(messages, now, by="sender"), 3),
    }
    return {
        "messages": count,
        "recipients": recipients,
        "index_ms": statistics.median(index_ms),
        "index_rss_mb": (rss_after - rss_before) / 2**20,
        "rss_mb": rss_after / 2**20,
        "filter_ms": full,
        "narrowing_ms": narrowing,
        "sort_ms": sort,
        "group_ms": group,
        "shape_ms": shape,
    }


def _fresh_filter(index: QueueIndex, text: str) -> list[int]:
    """A keystroke that cannot reuse the previous result."""
    index.forget_previous()
    return index.filter(parse_query(text))


def report(result: dict[str, object]) -> None:
    """Print one size's figures as Markdown."""
    print(f"\n### {result['messages']:,} messages, {result['recipients']:,} recipients\n")
    print(f"- index build: {result['index_ms']:.0f} ms")
    print(
        f"- RSS: {result['rss_mb']:.0f} MB (messages + index); the index adds "
        f"{result['index_rss_mb']:.0f} MB"
    )
    print("\n| filter (full) | ms |\n|---|---|")
    for text, ms in result["filter_ms"].items():  # type: ignore[attr-defined]
        print(f"| `{text}` | {ms:.1f} |")
    print("\n| narrowing chain | ms per step after the first |\n|---|---|")
    for text, steps in result["narrowing_ms"].items():  # type: ignore[attr-defined]
        print(f"| `{text}` | {' / '.join(f'{s:.2f}' for s in steps)} |")
    for title, key in (("sort", "sort_ms"), ("group", "group_ms"), ("shape", "shape_ms")):
        cells = ", ".join(f"{k} {v:.0f}" for k, v in result[key].items())  # type: ignore[attr-defined]
        print(f"\n{title} (ms): {cells}")


def main() -> int:
    """Run each size in a child process and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,500000")
    parser.add_argument("--regroup-only", action="store_true", help="only the regroup column")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(regroup(args.child) if args.regroup_only else child(args.child)))
        return 0
    print_header()
    print(
        "\n| messages | decode (ms, reference) | regroup keystroke by reason, median ms "
        "| first grouping by reason | by domain, median ms | first grouping by domain |"
        "\n|---|---|---|---|---|---|"
    )
    for size in (int(s) for s in args.sizes.split(",") if s):
        proc = subprocess.run(
            [sys.executable, "-m", "bench.model_bench", "--regroup-only", "--child", str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        report_regroup(json.loads(proc.stdout.strip().splitlines()[-1]))
    if args.regroup_only:
        return 0
    for size in (int(s) for s in args.sizes.split(",") if s):
        proc = subprocess.run(
            [sys.executable, "-m", "bench.model_bench", "--child", str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        report(json.loads(proc.stdout.strip().splitlines()[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
