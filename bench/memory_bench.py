"""Where the app's bytes go: a per-part memory table of the listing and its index.

    .venv/bin/python -m bench.memory_bench 100000 500000

Each size runs in its own process: a synthetic ``postqueue -j`` listing (bench/synthetic.py)
is decoded as the app decodes it (read in chunks, the reusing decoder, its strings shared
when the code has a store for them), indexed as the app's indexing worker does (oldest
first, search columns, one-character masks; a tree without ``oldest_first`` makes the
oldest-first copy as that app did), and the process's settled RSS (after a collection and
``malloc_trim``) and peak RSS (``ru_maxrss``) are taken. Only then is every part measured
with ``sys.getsizeof``, each object counted once (shared strings and small ints are not
counted twice). The table says, per part, how many objects and bytes it holds, and how many
of its strings are still repeats of an equal string elsewhere (what sharing more would
save). It runs on an older tree too (``--tree DIR``), for old/new comparisons.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Iterable
from typing import Any

#: Parts of the listing and the index, in the order of the table.
PARTS = (
    "Message structs",
    "recipient tuples",
    "Recipient structs",
    "message strings (id, queue, sender)",
    "recipient strings (address, reason)",
    "listing columns (queues, arrivals, sizes)",
    "search: hay strings",
    "search: offsets (addr_at, addr_end, rc_start, rc_row)",
    "search: rc_domain, senders, domains",
    "search: reason_pick",
    "one-character masks",
    "listing memo (line keys)",
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


def _numbers(column: Any) -> list[Any]:
    """A numeric column and, when it is a tuple, its int objects."""
    return [column] if isinstance(column, array) else [column, *column]


def _load(path: str) -> tuple[list[Any], Any]:
    """The listing at ``path`` decoded as the app decodes it, and the decoder's memo."""
    from mailq_tui.postfix import listing

    warnings: list[str] = []
    decoder: Any
    if hasattr(listing, "reusing_decoder"):
        from mailq_tui.model.shared_strings import StringStore

        try:
            store = StringStore(addresses=True)  # as the app's (reusable) listing
        except TypeError:  # a tree before the store shared addresses
            store = StringStore()
        decoder = listing.reusing_decoder(None, warnings, store)
    else:
        from mailq_tui.postfix.listing_reuse import ReusingDecoder, decode_all, decode_one

        decoder = ReusingDecoder(
            None, decode_one(listing._DECODER, warnings), decode_all(listing._DECODER)
        )
    with open(path, "rb") as listing_file:
        while chunk := listing_file.read(listing.CHUNK_SIZE):
            decoder.feed(chunk)
    decoder.flush()
    memo = decoder.finish()
    return listing.drop_superseded(memo.records), memo


def _index(messages: list[Any], now: float) -> Any:
    """The settled index of the app's indexing worker (see the module docstring)."""
    from mailq_tui.model import index as index_module

    oldest_first = getattr(index_module, "oldest_first", None)
    if oldest_first is not None:
        index = index_module.QueueIndex(oldest_first(messages), now=now)
        index.build_search_columns()
    else:  # the app before issue 13: index in listing order, then copy oldest first
        first = index_module.QueueIndex(messages, now=now)
        first.build_search_columns()
        index = first.in_arrival_order()
        del first
    index.build_char_masks()
    return index


def child(count: int, path: str, now: float) -> dict[str, Any]:
    """Measure one size in this process, reading the listing from ``path`` in chunks as the
    app reads ``postqueue -j`` (so the peak is the app's, not the generator's)."""
    import psutil

    from mailq_tui.ui.memory import release_free_heap

    started = time.process_time()
    messages, memo = _load(path)
    decoded = time.process_time()
    index = _index(messages, now)
    indexed = time.process_time()
    messages = list(index.messages)
    search = index.search_columns()
    gc.collect()
    release_free_heap()
    rss = psutil.Process().memory_info().rss
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

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
        "listing columns (queues, arrivals, sizes)": sizer.add(
            [
                listing.queues,
                *listing.queues,
                *_numbers(listing.arrivals),
                *_numbers(listing.sizes),
            ]
        ),
        "search: hay strings": sizer.add([search.hay, *search.hay]),
        "search: offsets (addr_at, addr_end, rc_start, rc_row)": sizer.add(
            [
                *_numbers(search.addr_at),
                *_numbers(search.addr_end),
                *_numbers(search.rc_start),
                *_numbers(search.rc_row),
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
        "one-character masks": sizer.add([index._char_masks, *index._char_masks.values()]),
        "listing memo (line keys)": sizer.add([memo.keys, memo.segments]),
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
        "peak_mb": peak / 2**20,
        "decode_s": decoded - started,
        "index_s": indexed - decoded,
    }


def print_table(result: dict[str, Any]) -> None:
    """One size's table."""
    total = sum(size for _, size in result["parts"].values())
    print(
        f"\n{result['messages']:,} messages, {result['recipients']:,} recipients: "
        f"measured {total / 2**20:,.0f} MiB; settled RSS {result['rss_mb']:,.0f} MiB, "
        f"peak RSS {result['peak_mb']:,.0f} MiB "
        f"({result['peak_mb'] / result['rss_mb']:.2f}x settled); CPU decode "
        f"{result['decode_s']:.2f} s, index (oldest first, search columns, masks) "
        f"{result['index_s']:.2f} s\n"
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 500_000])
    parser.add_argument("--tree", help="measure the mailq_tui of this checkout instead")
    args = parser.parse_args()
    from bench.reference import print_header
    from bench.synthetic import synthetic_lines

    print_header()
    env = dict(os.environ)
    tree = os.path.abspath(args.tree or os.path.dirname(os.path.dirname(__file__)))
    # The child is this file run as a script: only mailq_tui comes from the tree.
    env["PYTHONPATH"] = tree
    if args.tree:
        print(f"\ntree: {args.tree}")
    for count in args.sizes:
        now = time.time()
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as listing_file:
            listing_file.write(synthetic_lines(count, now=now))
            listing_file.flush()
            done = subprocess.run(
                [
                    sys.executable,
                    os.path.abspath(__file__),
                    "--child",
                    str(count),
                    listing_file.name,
                    str(now),
                ],
                capture_output=True,
                text=True,
                check=True,
                env=env,
                cwd=tree,
            )
        print_table(json.loads(done.stdout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
