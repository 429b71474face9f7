"""Where the app's bytes go: a per-part memory table of the listing and its index.

    .venv/bin/python -m bench.memory_bench 100000 500000

Each size runs in its own process: a synthetic ``postqueue -j`` listing (bench/synthetic.py)
is decoded as the app decodes it, indexed with its search columns (what the first filter
needs), then every part is measured with ``sys.getsizeof``, each object counted once (shared
strings and small ints are not counted twice). The table says, per part, how many objects
and bytes it holds, and how many of its strings are repeats of an equal string elsewhere
(what one shared store for repeated strings would save). Settled RSS and peak RSS
(``ru_maxrss``) of the process are printed beside it.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from typing import Any

#: Parts of the listing and the index, in the order of the table.
PARTS = (
    "Message structs",
    "recipient tuples",
    "Recipient structs",
    "message strings (id, queue, sender)",
    "recipient strings (address, reason)",
    "listing columns (ids, queues, arrivals, sizes)",
    "search: hay strings",
    "search: offsets (addr_at, addr_end, rc_start, rc_row)",
    "search: rc_domain, senders, domains",
    "search: reason_pick",
)


class Sizer:
    """Sums ``sys.getsizeof`` over objects, each object once across every part."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def add(self, objects: Iterable[Any]) -> tuple[int, int]:
        """(objects newly counted, their bytes)."""
        count = size = 0
        for obj in objects:
            key = id(obj)
            if key in self.seen:
                continue
            self.seen.add(key)
            count += 1
            size += sys.getsizeof(obj)
        return count, size


def _strings_repeated(strings: Iterable[str]) -> tuple[int, int]:
    """(strings equal to one seen before, their bytes): what interning would save."""
    first: dict[str, int] = {}
    repeats = repeated_bytes = 0
    for text in strings:
        owner = first.setdefault(text, id(text))
        if owner != id(text):
            repeats += 1
            repeated_bytes += sys.getsizeof(text)
    return repeats, repeated_bytes


def child(count: int, path: str, now: float) -> dict[str, Any]:
    """Measure one size in this process, reading the listing from ``path`` in chunks as the
    app reads ``postqueue -j`` (so the peak is the app's, not the generator's)."""
    import psutil

    from mailq_tui.model.index import QueueIndex
    from mailq_tui.postfix.listing import CHUNK_SIZE, LineSplitter, decode_batch

    splitter, warnings, messages = LineSplitter(), [], []  # type: ignore[var-annotated]
    with open(path, "rb") as listing_file:
        while chunk := listing_file.read(CHUNK_SIZE):
            messages.extend(decode_batch(splitter.feed(chunk), warnings))
    messages.extend(decode_batch(splitter.flush(), warnings))
    index = QueueIndex(messages, now=now)
    search = index.search_columns()
    rss = psutil.Process().memory_info().rss

    sizer = Sizer()
    recipients = [r for m in messages for r in m.recipients]
    message_strings = [s for m in messages for s in (m.queue_id, m.queue_name, m.sender)]
    recipient_strings = [s for r in recipients for s in (r.address, r.delay_reason)]
    listing = index.listing
    parts = {
        "Message structs": sizer.add(messages),
        "recipient tuples": sizer.add(m.recipients for m in messages),
        "Recipient structs": sizer.add(recipients),
        "message strings (id, queue, sender)": sizer.add(message_strings),
        "recipient strings (address, reason)": sizer.add(recipient_strings),
        "listing columns (ids, queues, arrivals, sizes)": sizer.add(
            [
                listing.ids,
                listing.queues,
                listing.arrivals,
                listing.sizes,
                *listing.arrivals,
                *listing.sizes,
                *listing.queues,
            ]
        ),
        "search: hay strings": sizer.add([search.hay, *search.hay]),
        "search: offsets (addr_at, addr_end, rc_start, rc_row)": sizer.add(
            [
                search.addr_at,
                search.addr_end,
                search.rc_start,
                search.rc_row,
                *search.addr_at,
                *search.addr_end,
                *search.rc_start,
                *search.rc_row,
            ]
        ),
        "search: rc_domain, senders, domains": sizer.add(
            [
                search.rc_domain,
                search.senders,
                search.domains,
                *search.rc_domain,
                *search.senders,
                *search.domains,
            ]
        ),
        "search: reason_pick": sizer.add(
            [search.reason_pick, *search.reason_pick.values(), *search.reason_pick]
        ),
    }
    repeats = {
        "message strings (id, queue, sender)": _strings_repeated(message_strings),
        "recipient strings (address, reason)": _strings_repeated(recipient_strings),
        "search: rc_domain, senders, domains": _strings_repeated(
            [*search.rc_domain, *search.senders]
        ),
    }
    return {
        "messages": count,
        "recipients": len(recipients),
        "parts": {name: parts[name] for name in PARTS},
        "repeats": repeats,
        "rss_mb": rss / 2**20,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def print_table(result: dict[str, Any]) -> None:
    """One size's table."""
    total = sum(size for _, size in result["parts"].values())
    print(
        f"\n{result['messages']:,} messages, {result['recipients']:,} recipients: "
        f"measured {total / 2**20:,.0f} MiB; settled RSS {result['rss_mb']:,.0f} MiB, "
        f"peak RSS {result['peak_mb']:,.0f} MiB\n"
    )
    print("| part | objects | MiB | bytes per message | repeated strings (MiB) |")
    print("|---|---|---|---|---|")
    for name, (objects, size) in result["parts"].items():
        repeats = result["repeats"].get(name)
        saved = f"{repeats[0]:,} ({repeats[1] / 2**20:,.1f})" if repeats else ""
        per_message = size / result["messages"]
        print(f"| {name} | {objects:,} | {size / 2**20:,.1f} | {per_message:,.0f} | {saved} |")


def main() -> int:
    """Run each size in a fresh process and print its table."""
    if len(sys.argv) > 4 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))))
        return 0
    from bench.reference import print_header
    from bench.synthetic import synthetic_lines

    print_header()
    sizes = [int(arg) for arg in sys.argv[1:]] or [100_000, 500_000]
    for count in sizes:
        now = time.time()
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as listing_file:
            listing_file.write(synthetic_lines(count, now=now))
            listing_file.flush()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.memory_bench",
                    "--child",
                    str(count),
                    listing_file.name,
                    str(now),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
        print_table(json.loads(done.stdout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
