"""The queue screen's data state, without Textual: index, visible rows, sort, marks, counts.

Building an index and filtering are done off the UI thread (see the queue screen's workers);
this module only computes. Marks are held by queue id together with the identity the user saw
(arrival time, sender): a mark survives refresh, sort and filter, and is dropped when its
message left the queue or Postfix reused the id for another message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import QUEUE_NAMES, Message
from mailq_tui.model.query import parse_query
from mailq_tui.model.snapshot import Snapshot


@dataclass(frozen=True)
class Totals:
    """Counts for the status bar."""

    per_queue: dict[str, int]
    total: int
    bytes: int


@dataclass
class ViewState:
    """One consistent picture: an index over a snapshot and the rows the filter/sort select."""

    index: QueueIndex
    snapshot: Snapshot
    rows: list[int]
    query_text: str = ""
    sort_key: str = "age"
    reverse: bool = True
    #: Per-queue counts of the whole snapshot (computed once per snapshot, off the UI thread).
    counts: Optional[Totals] = None

    @property
    def messages(self) -> list[Message]:
        """All messages of the snapshot (rows index into this)."""
        return self.index.messages

    def message_at(self, pos: int) -> Optional[Message]:
        """The message shown at list position ``pos``."""
        if 0 <= pos < len(self.rows):
            return self.index.messages[self.rows[pos]]
        return None

    def position_of(self, queue_id: str) -> Optional[int]:
        """List position of ``queue_id`` in the current rows (None when filtered out or gone)."""
        row = self.index.row_of(queue_id)
        if row is None:
            return None
        try:
            return self.rows.index(row)
        except ValueError:
            return None

    def with_rows(
        self, rows: list[int], query_text: str, sort_key: str, reverse: bool
    ) -> ViewState:
        """The same snapshot and index with other rows (after filtering or sorting)."""
        return ViewState(
            self.index, self.snapshot, rows, query_text, sort_key, reverse, self.counts
        )

    def visible_messages(self) -> list[Message]:
        """Every message the filter selects, in list order."""
        msgs = self.index.messages
        return [msgs[r] for r in self.rows]


def compute_rows(index: QueueIndex, query_text: str, sort_key: str, reverse: bool) -> list[int]:
    """Filter ``index`` with ``query_text`` (raises QuerySyntaxError) and sort the result."""
    return index.select(parse_query(query_text), sort_key, reverse)


def build_state(
    snapshot: Snapshot, now: float, query_text: str, sort_key: str, reverse: bool
) -> ViewState:
    """Index ``snapshot`` and select its rows (slow at 500k: call from a thread)."""
    index = QueueIndex(snapshot.messages, now=now)
    try:
        rows = compute_rows(index, query_text, sort_key, reverse)
    except Exception:  # a query that no longer parses: show everything, the bar says why
        rows = compute_rows(index, "", sort_key, reverse)
    counts = totals(snapshot.messages)
    return ViewState(index, snapshot, rows, query_text, sort_key, reverse, counts)


class Marks:
    """Marked messages by queue id, remembering the identity the user saw."""

    def __init__(self) -> None:
        self._marks: dict[str, tuple[Any, ...]] = {}

    def __len__(self) -> int:
        return len(self._marks)

    def __contains__(self, queue_id: object) -> bool:
        return queue_id in self._marks

    def toggle(self, msg: Message) -> bool:
        """Mark or unmark ``msg``; True when it is marked now."""
        if msg.queue_id in self._marks:
            del self._marks[msg.queue_id]
            return False
        self._marks[msg.queue_id] = msg.identity()
        return True

    def add_all(self, messages: Iterable[Message]) -> None:
        """Mark every message in ``messages``."""
        for msg in messages:
            self._marks[msg.queue_id] = msg.identity()

    def discard(self, queue_ids: Iterable[str]) -> None:
        """Unmark these ids (e.g. the ones an action just handled)."""
        for qid in queue_ids:
            self._marks.pop(qid, None)

    def clear(self) -> None:
        """Unmark everything."""
        self._marks.clear()

    def prune(self, messages: Sequence[Message]) -> int:
        """Keep only marks whose id is still there with the same identity; return how many
        were dropped (left the queue, or the id now names another message)."""
        if not self._marks:
            return 0
        alive = {
            m.queue_id
            for m in messages
            if m.queue_id in self._marks and self._marks[m.queue_id] == m.identity()
        }
        dropped = len(self._marks) - len(alive)
        self._marks = {qid: ident for qid, ident in self._marks.items() if qid in alive}
        return dropped

    def ids(self) -> set[str]:
        """The marked queue ids."""
        return set(self._marks)

    def resolve(self, messages: Sequence[Message]) -> list[Message]:
        """The marked messages as the user saw them, in the snapshot's order."""
        return [
            m
            for m in messages
            if m.queue_id in self._marks and self._marks[m.queue_id] == m.identity()
        ]


def totals(messages: Sequence[Message]) -> Totals:
    """Messages per queue (in Postfix's queue order) and total bytes."""
    counts = Counter(m.queue_name for m in messages)
    ordered = {q: counts[q] for q in QUEUE_NAMES if counts.get(q)}
    for q, n in counts.items():
        ordered.setdefault(q, n)
    return Totals(ordered, len(messages), sum(m.message_size for m in messages))


def queue_breakdown(messages: Sequence[Message]) -> str:
    """``30 deferred, 7 hold``: how many of ``messages`` are in each queue."""
    t = totals(messages)
    return ", ".join(f"{n} {q}" for q, n in t.per_queue.items())
