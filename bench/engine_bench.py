"""Engine benchmark: parse, index, filter, group, sort and RSS at 10k/100k/500k/1M messages,
and, with ``--real N``, a real sandbox: listing and bulk delete vs bare ``postsuper -d -``.

Run as root from the repository::

    .venv/bin/python -m bench.engine_bench                      # synthetic 10k/100k/500k/1M
    .venv/bin/python -m bench.engine_bench --sizes 100000       # one size
    .venv/bin/python -m bench.engine_bench --real 50000         # + a real sandbox of 50k

Each size's listing is written to a temporary file first (``bench/synthetic.py``), and each
size runs in its own process, which reads that file in the chunks the app reads ``postqueue``
in: so the RSS figures are those of one queue in memory, never of the bench's own copy of the
listing. "parse -j" is that read plus the decode; "bare decode" beside it is the floor, a
bare msgspec decode of the same bytes (``bench/reference.py``), timed in this run.
"Settled RSS" is the process's resident size after the filters, groups and sorts (and a
garbage collection); "peak RSS" its ``ru_maxrss``, the most it held at any moment.
Times are medians of several runs, in milliseconds unless marked.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from bench.reference import REFERENCE_COUNT, decode_seconds, print_header
from bench.synthetic import write_synthetic

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


def child(path: Path, count: int, now: float) -> dict[str, float]:
    """Measure one size (the listing in ``path``) in this process and return the figures."""
    import psutil

    from mailq_tui.model.grouping import group_messages
    from mailq_tui.model.index import QueueIndex
    from mailq_tui.model.query import parse_query
    from mailq_tui.postfix.listing import CHUNK_SIZE, LineSplitter, decode_batch

    base_rss = psutil.Process().memory_info().rss

    def parse() -> list:
        splitter, warnings, messages = LineSplitter(), [], []
        with open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
                messages.extend(decode_batch(splitter.feed(chunk), warnings))
        messages.extend(decode_batch(splitter.flush(), warnings))
        return messages

    start = time.perf_counter()
    messages = parse()
    parse_ms = (time.perf_counter() - start) * 1000
    if len(messages) != count:
        raise RuntimeError(f"decoded {len(messages):,} messages of {count:,}")
    start = time.perf_counter()
    index = QueueIndex(messages, now=now)
    index.build_search_columns()  # the whole index, as a filter needs it
    index_ms = (time.perf_counter() - start) * 1000
    del messages

    filter_ms = max(_median_ms(lambda q=q: index.filter(parse_query(q))) for q in FULL_QUERIES)
    narrow = []
    for before, after in NARROWING:
        rows = index.filter(parse_query(before))
        query = parse_query(after)
        narrow.append(_median_ms(lambda rows=rows, query=query: index.filter(query, within=rows)))
    all_rows = index.filter(parse_query(""))
    figures = {
        "messages": count,
        "parse_ms": parse_ms,
        "index_ms": index_ms,
        "filter_ms": filter_ms,
        "narrow_ms": max(narrow),
        "group_reason_ms": _median_ms(lambda: group_messages(index, all_rows, "reason"), 3),
        "group_domain_ms": _median_ms(lambda: group_messages(index, all_rows, "domain"), 3),
        "sort_ms": _median_ms(lambda: index.sort(all_rows, "size"), 3),
    }
    gc.collect()
    settled = psutil.Process().memory_info().rss
    # ru_maxrss is in KiB on Linux. The kernel's per-thread RSS counters are folded in
    # lazily, so it can read a few hundred KiB under the current size: never below it.
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, settled)
    figures.update(
        {
            "settled_rss_mb": settled / 2**20,
            "peak_rss_mb": peak / 2**20,
            "peak_ratio": peak / settled,
            "rss_queue_mb": (settled - base_rss) / 2**20,
        }
    )
    return figures


def run_size(directory: Path, count: int) -> dict[str, float]:
    """Write ``count`` messages' listing, time the floor on it, measure it in a fresh process."""
    now = time.time()
    path = directory / f"postqueue-j-{count}.jsonl"
    write_synthetic(path, count, now=now)
    data = path.read_bytes()
    floor_ms = statistics.median(decode_seconds(data, repeat=3)) * 1000
    del data
    gc.collect()
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "bench.engine_bench", "--child", str(count)),
            *("--data", str(path), "--now", repr(now)),
        ],
        capture_output=True,
        text=True,
    )
    path.unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"the {count:,} messages child failed:\n{proc.stderr}")
    figures: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["floor_ms"] = floor_ms
    return figures


def print_table(rows: list[dict[str, float]]) -> None:
    """Print the synthetic figures as a Markdown table."""
    cols = [
        ("messages", "messages", "{:,.0f}"),
        ("floor_ms", "bare decode", "{:,.0f} ms"),
        ("parse_ms", "parse -j", "{:,.0f} ms"),
        ("index_ms", "index", "{:,.0f} ms"),
        ("filter_ms", "filter (worst)", "{:,.1f} ms"),
        ("narrow_ms", "narrowing (worst)", "{:,.2f} ms"),
        ("group_reason_ms", "group by reason", "{:,.0f} ms"),
        ("group_domain_ms", "group by domain", "{:,.0f} ms"),
        ("sort_ms", "sort by size", "{:,.0f} ms"),
        ("settled_rss_mb", "settled RSS", "{:,.0f} MiB"),
        ("peak_rss_mb", "peak RSS", "{:,.0f} MiB"),
        ("peak_ratio", "peak / settled", "{:.2f}"),
    ]
    print("| " + " | ".join(title for _, title, _ in cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(fmt.format(row[key]) for key, _, fmt in cols) + " |")


def main() -> int:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,500000,1000000")
    parser.add_argument("--real", type=int, default=0, help="also a real sandbox of N messages")
    parser.add_argument(
        "--reference-count",
        type=int,
        default=REFERENCE_COUNT,
        help="records in the reference decode (a smaller one is not comparable)",
    )
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--now", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.data, args.child, args.now)))
        return 0
    print_header(args.reference_count)
    with tempfile.TemporaryDirectory(prefix="mailq-tui-bench-") as directory:
        results = [run_size(Path(directory), int(size)) for size in args.sizes.split(",") if size]
    print("Synthetic postqueue -j streams (bench/synthetic.py):\n")
    print_table(results)
    if args.real:
        from bench.real_bench import run_real

        print()
        run_real(args.real)
    return 0


if __name__ == "__main__":
    sys.exit(main())
