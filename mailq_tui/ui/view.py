"""The queue screen's data state, without Textual: index, visible rows, sort, marks, counts.

Building an index and filtering are done off the UI thread (see the queue screen's workers);
this module only computes. Marks are held by queue id together with the identity the user saw
(arrival time, sender): a mark survives refresh, sort and filter, and is dropped when its
message left the queue or Postfix reused the id for another message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any, Optional

from mailq_tui.model.grouping import Group, group_messages
from mailq_tui.model.index import QueueIndex, laid_out
from mailq_tui.model.index_reuse import reuse_index
from mailq_tui.model.message import Message
from mailq_tui.model.query import parse_query
from mailq_tui.model.queues import QUEUE_NAMES
from mailq_tui.model.selection import per_queue
from mailq_tui.model.snapshot import Snapshot

_SIZE = attrgetter("message_size")


@dataclass(frozen=True)
class Totals:
    """Counts for the status bar."""

    per_queue: dict[str, int]
    total: int
    bytes: int


@dataclass(frozen=True)
class ViewSpec:
    """What the user asked to see: filter, sort, grouping and the expanded groups."""

    query_text: str = ""
    sort_key: str = "age"
    reverse: bool = True
    #: None, or one of GROUP_BY_CHOICES.
    group_by: Optional[str] = None
    #: Keys of the groups whose messages are shown under their header.
    expanded: frozenset[str] = frozenset()


#: What the group-by toggle cycles through (the model's names).
GROUP_BY_CHOICES = ("domain", "sender_domain", "sender", "reason")
#: How they read in the status bar and group headers.
GROUP_BY_LABELS = {
    "domain": "recipient domain",
    "sender_domain": "sender domain",
    "sender": "sender",
    "reason": "reason",
}


@dataclass
class ViewState:
    """One consistent picture: an index over a snapshot, the rows the filter/sort select and,
    when grouped, the groups and the display lines.

    ``lines`` is what the list shows: message rows (``>= 0``) and, when grouped, group headers
    encoded as ``-(g + 1)`` for ``groups[g]``, each followed by its messages when expanded.
    """

    index: QueueIndex
    snapshot: Snapshot
    rows: list[int]
    spec: ViewSpec = ViewSpec()
    #: Per-queue counts of the whole snapshot (computed once per snapshot, off the UI thread).
    counts: Optional[Totals] = None
    groups: Optional[list[Group]] = None
    grouped_lines: Optional[list[int]] = None
    #: True for a listing still being read (:mod:`mailq_tui.ui.preview`): shown, not acted on.
    partial: bool = False

    @property
    def query_text(self) -> str:
        """The filter this state was computed with."""
        return self.spec.query_text

    @property
    def messages(self) -> Sequence[Message]:
        """All messages of the snapshot (rows index into this)."""
        return self.index.messages

    @property
    def lines(self) -> list[int]:
        """What the list shows (see the class docstring)."""
        return self.rows if self.grouped_lines is None else self.grouped_lines

    def message_at(self, pos: int) -> Optional[Message]:
        """The message shown at list position ``pos`` (None on a group header)."""
        lines = self.lines
        if 0 <= pos < len(lines) and lines[pos] >= 0:
            return self.index.messages[lines[pos]]
        return None

    def group_at(self, pos: int) -> Optional[Group]:
        """The group whose header is at list position ``pos``."""
        lines = self.lines
        if self.groups is not None and 0 <= pos < len(lines) and lines[pos] < 0:
            return self.groups[-lines[pos] - 1]
        return None

    def position_of(self, queue_id: str) -> Optional[int]:
        """List position of ``queue_id`` (its first, when grouped), None when not shown."""
        row = self.index.row_of(queue_id)
        if row is None:
            return None
        try:
            return self.lines.index(row)
        except ValueError:
            return None

    def position_of_group(self, key: str) -> Optional[int]:
        """List position of the header of group ``key``."""
        if self.groups is None:
            return None
        for g, group in enumerate(self.groups):
            if group.key == key:
                return self.lines.index(-g - 1)
        return None

    def with_view(self, view: View) -> ViewState:
        """The same snapshot and index with another filter, sort or grouping."""
        return ViewState(
            self.index,
            self.snapshot,
            view.rows,
            view.spec,
            self.counts,
            view.groups,
            view.lines,
            self.partial,
        )

    def visible_messages(self) -> list[Message]:
        """Every message the filter selects, in list order."""
        msgs = self.index.messages
        return [msgs[r] for r in self.rows]


@dataclass(frozen=True)
class View:
    """The result of applying a :class:`ViewSpec` to an index."""

    spec: ViewSpec
    rows: list[int]
    groups: Optional[list[Group]] = None
    lines: Optional[list[int]] = None


def compute_rows(index: QueueIndex, query_text: str, sort_key: str, reverse: bool) -> list[int]:
    """Filter ``index`` with ``query_text`` (raises QuerySyntaxError) and sort the result."""
    return index.select(parse_query(query_text), sort_key, reverse)


def grouped_lines(groups: Sequence[Group], expanded: frozenset[str]) -> list[int]:
    """Group headers (``-(g + 1)``), each followed by its rows when expanded."""
    lines: list[int] = []
    for g, group in enumerate(groups):
        lines.append(-g - 1)
        if group.key in expanded:
            lines.extend(group.rows)
    return lines


def compute_view(index: QueueIndex, spec: ViewSpec) -> View:
    """Filter, sort and group (raises QuerySyntaxError); slow on a huge queue: use a thread."""
    rows = compute_rows(index, spec.query_text, spec.sort_key, spec.reverse)
    if spec.group_by is None:
        return View(spec, rows)
    groups = group_messages(index, rows, spec.group_by)
    return View(spec, rows, groups, grouped_lines(groups, spec.expanded))


def build_state(snapshot: Snapshot, now: float, spec: ViewSpec) -> ViewState:
    """Index ``snapshot`` oldest first (:func:`~mailq_tui.model.index.oldest_first`: the
    index is laid out for the default view from the start, never copied into that order)
    and select its rows (slow at 500k: call from a thread)."""
    messages, rows = laid_out(snapshot.messages)
    index = QueueIndex(messages, now=now, listing_rows=rows)
    return _state(index, snapshot, totals(snapshot.messages), spec)


def build_state_reusing(
    previous: ViewState, snapshot: Snapshot, now: float, spec: ViewSpec
) -> ViewState:
    """Like :func:`build_state`, indexing only the messages ``previous``'s index does not
    have (:func:`~mailq_tui.model.index_reuse.index_reusing`); the index comes laid out
    oldest first, searchable and masked. Falls back to :func:`build_state` when
    ``previous``'s index is not settled yet or much has changed (call from a thread)."""
    reused = reuse_index(previous.index, snapshot.messages, now, previous.snapshot.messages)
    if reused is None:
        return build_state(snapshot, now, spec)
    counts = None
    if previous.counts is not None and previous.counts.total == len(previous.index):
        counts = totals_after(previous.counts, reused.gone, reused.fresh)
    if counts is None or counts.total != len(snapshot.messages):
        counts = totals(snapshot.messages)
    return _state(reused.index, snapshot, counts, spec)


def _state(
    index: QueueIndex, snapshot: Snapshot, counts: Optional[Totals], spec: ViewSpec
) -> ViewState:
    """The state showing ``spec`` over ``index`` (a malformed query shows everything)."""
    index.row_of("")  # builds the id -> row map here, not on the UI thread at the first keystroke
    try:
        view = compute_view(index, spec)
    except Exception:  # a query that no longer parses: show everything, the bar says why
        view = replace(compute_view(index, replace(spec, query_text="")), spec=spec)
    return ViewState(index, snapshot, [], counts=counts).with_view(view)


#: The state showing a spec over an index made elsewhere (the streamed listing's).
state_of = _state


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
    return Totals(per_queue(messages), len(messages), sum(map(_SIZE, messages)))


def totals_after(
    before: Totals, gone: Sequence[Message], fresh: Sequence[Message]
) -> Optional[Totals]:
    """:func:`totals` of a listing that is ``before``'s without ``gone`` and with ``fresh``
    (what a refresh changed: no pass over the unchanged messages); None when a queue outside
    :data:`QUEUE_NAMES` is involved (its place in the order depends on the whole listing)."""
    counts = Counter(before.per_queue)
    counts.subtract(per_queue(gone))
    counts.update(per_queue(fresh))
    if not set(counts) <= set(QUEUE_NAMES) or min(counts.values(), default=0) < 0:
        return None
    size = before.bytes - sum(map(_SIZE, gone)) + sum(map(_SIZE, fresh))
    return Totals(
        {q: counts[q] for q in QUEUE_NAMES if counts[q]},
        before.total - len(gone) + len(fresh),
        size,
    )
