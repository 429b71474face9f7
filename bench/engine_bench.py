"""Engine benchmark: parse, index, filter, group, sort and RSS at 10k/100k/500k messages,
and, with ``--real N``, a real sandbox: listing and bulk delete vs bare ``postsuper -d -``.

Run as root from the repository::

    .venv/bin/python -m bench.engine_bench                      # synthetic 10k/100k/500k
    .venv/bin/python -m bench.engine_bench --sizes 100000       # one size
    .venv/bin/python -m bench.engine_bench --real 50000         # + a real sandbox of 50k

Each synthetic size runs in its own process so RSS is that of one queue in memory.
Times are medians of several runs, in milliseconds unless marked.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Callable

#: Filter keystrokes measured on the full set (typical things a postmaster types).
FULL_QUERIES = [
    "gmail",
    "domain:gmail.com",
    "reason:refused age:>1h",
    "-queue:deferred",
    "/mx[0-9]\\./",
]
#: (previous, next) pairs: typing one more character narrows the previous result.
NARROWING = [("gmai", "gmail"), ("domain:gmail.co", "domain:gmail.com"), ("user1", "user12")]


def _median_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def child(count: int) -> dict[str, float]:
    """Measure one size in this process and return the figures."""
    import psutil

    from bench.synthetic import synthetic_lines
    from mailq_tui.model.grouping import group_messages
    from mailq_tui.model.index import QueueIndex
    from mailq_tui.model.query import parse_query
    from mailq_tui.postfix.listing import CHUNK_SIZE, LineSplitter, decode_batch

    now = time.time()
    data = synthetic_lines(count, now=now)
    base_rss = psutil.Process().memory_info().rss

    def parse(data: bytes) -> list:
        splitter, warnings, messages = LineSplitter(), [], []
        for start in range(0, len(data), CHUNK_SIZE):
            messages.extend(decode_batch(splitter.feed(data[start : start + CHUNK_SIZE]), warnings))
        messages.extend(decode_batch(splitter.flush(), warnings))
        return messages

    start = time.perf_counter()
    messages = parse(data)
    parse_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    index = QueueIndex(messages, now=now)
    index.build_search_columns()  # the whole index, as a filter needs it
    index_ms = (time.perf_counter() - start) * 1000
    del data
    rss = psutil.Process().memory_info().rss

    filter_ms = max(_median_ms(lambda q=q: index.filter(parse_query(q))) for q in FULL_QUERIES)
    narrow = []
    for before, after in NARROWING:
        rows = index.filter(parse_query(before))
        query = parse_query(after)
        narrow.append(_median_ms(lambda rows=rows, query=query: index.filter(query, within=rows)))
    all_rows = index.filter(parse_query(""))
    return {
        "messages": count,
        "parse_ms": parse_ms,
        "index_ms": index_ms,
        "filter_ms": filter_ms,
        "narrow_ms": max(narrow),
        "group_reason_ms": _median_ms(lambda: group_messages(index, all_rows, "reason"), 3),
        "group_domain_ms": _median_ms(lambda: group_messages(index, all_rows, "domain"), 3),
        "sort_ms": _median_ms(lambda: index.sort(all_rows, "size"), 3),
        "rss_mb": rss / 2**20,
        "rss_queue_mb": (rss - base_rss) / 2**20,
    }


def print_table(rows: list[dict[str, float]]) -> None:
    """Print the synthetic figures as a Markdown table."""
    cols = [
        ("messages", "messages", "{:,.0f}"),
        ("parse_ms", "parse -j", "{:,.0f} ms"),
        ("index_ms", "index", "{:,.0f} ms"),
        ("filter_ms", "filter (worst)", "{:,.1f} ms"),
        ("narrow_ms", "narrowing (worst)", "{:,.2f} ms"),
        ("group_reason_ms", "group by reason", "{:,.0f} ms"),
        ("group_domain_ms", "group by domain", "{:,.0f} ms"),
        ("sort_ms", "sort by size", "{:,.0f} ms"),
        ("rss_mb", "RSS", "{:,.0f} MB"),
    ]
    print("| " + " | ".join(title for _, title, _ in cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(fmt.format(row[key]) for key, _, fmt in cols) + " |")


def main() -> int:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,500000")
    parser.add_argument("--real", type=int, default=0, help="also a real sandbox of N messages")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    results = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        proc = subprocess.run(
            [sys.executable, "-m", "bench.engine_bench", "--child", str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print("Synthetic postqueue -j streams (bench/synthetic.py):\n")
    print_table(results)
    if args.real:
        from bench.real_bench import run_real

        print()
        run_real(args.real)
    return 0


if __name__ == "__main__":
    sys.exit(main())
