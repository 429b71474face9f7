"""Insight views benchmark: what the reasons, shape and group-by views cost on a big queue.

    .venv/bin/python -m bench.insight_bench [100000 500000]

On a synthetic ``postqueue -j`` listing (``bench/synthetic.py``), with a full index: grouping
by each key (the first time, and again, as after a live refresh: normalised reasons are cached
across listings), the reasons screen's summary, the qshape table, and a ``cluster:`` filter on a
new listing (first) and on the same one (second). All of it runs in workers in the app.
"""

from __future__ import annotations

import sys
import time
from functools import partial
from typing import Callable

import msgspec

from bench.reference import print_header
from bench.synthetic import synthetic_lines
from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import Message
from mailq_tui.model.query import cluster_term
from mailq_tui.model.reasons import normalise_reason
from mailq_tui.model.shape import compute_shape
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.ui.screens.reasons import summarise
from mailq_tui.ui.view import ViewSpec, build_state, compute_view


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def measure(count: int) -> list[tuple[str, float]]:
    """(what, milliseconds) at ``count`` messages."""
    messages = msgspec.json.Decoder(Message).decode_lines(synthetic_lines(count))
    now = time.time()
    normalise_reason.cache_clear()
    index = QueueIndex(messages, now=now)
    index.build_search_columns()
    rows: list[tuple[str, float]] = []
    for by in ("domain", "sender_domain", "sender", "reason"):
        rows.append((f"group by {by}", _ms(partial(compute_view, index, ViewSpec(group_by=by)))))
    again = QueueIndex(messages, now=now)  # the next listing: caches of the model are warm
    again.build_search_columns()
    rows.append(
        (
            "group by reason, next listing",
            _ms(lambda: compute_view(again, ViewSpec(group_by="reason"))),
        )
    )
    state = build_state(Snapshot(messages, now, 0.0), now, ViewSpec())
    state.index.build_search_columns()  # as the app's indexing worker does first
    rows.append(("reasons screen summary", _ms(lambda: summarise(state))))
    rows.append(
        ("shape (deferred)", _ms(lambda: compute_shape(messages, now, queues=["deferred"])))
    )
    rows.append(
        ("shape (all queues, senders)", _ms(lambda: compute_shape(messages, now, "sender")))
    )
    top = next(r.delay_reason for m in messages for r in m.recipients if r.delay_reason)
    term = cluster_term(normalise_reason(top))
    fresh = QueueIndex(messages, now=now)
    fresh.build_search_columns()
    rows.append(("cluster: filter, new listing", _ms(lambda: fresh.filter(term))))
    fresh.forget_previous()
    rows.append(("cluster: filter, same listing", _ms(lambda: fresh.filter(term))))
    return rows


def main() -> None:
    """Print one table: a row per measurement, a column per size."""
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 500_000]
    print_header()
    results = {count: measure(count) for count in sizes}
    print("| measurement | " + " | ".join(f"{c:,} (ms)" for c in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    names = [name for name, _ in results[sizes[0]]]
    for i, name in enumerate(names):
        cells = " | ".join(f"{results[c][i][1]:,.0f}" for c in sizes)
        print(f"| {name} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
