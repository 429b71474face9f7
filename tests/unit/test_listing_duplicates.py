"""A message showq lists twice (moved between queue directories while it scanned them) is
one message: the listing layer keeps its later copy, on the JSON and the mailq-text paths.

The fixtures were recorded from a real sandbox whose queue had a deferred file hard-linked into
active/ and a held one into incoming/ (Postfix stopped, so showq ran directly): showq listed
both twice, in its scan order maildrop, active, incoming, deferred, hold.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mailq_tui.postfix.commands import PostfixTools
from mailq_tui.postfix.listing import decode_batch, drop_superseded, find_current, list_queue
from mailq_tui.postfix.mailq_text import parse_mailq
from mailq_tui.ui.view import ViewSpec, build_state

FIX = Path(__file__).parent / "fixtures"
JSONL = FIX / "queue-duplicate.jsonl"
MAILQ = FIX / "queue-duplicate.mailq.txt"
#: The two ids showq listed twice, and the queue of their later copy.
MOVED = {"544BD20C410": "deferred", "774F220C134": "hold"}


def _fake_postqueue(recording: Path) -> PostfixTools:
    """Tools whose postqueue prints ``recording`` (whatever its arguments)."""
    return PostfixTools(prefix=("sh", "-c", 'cat "$0"', str(recording)))


def test_the_recordings_really_list_two_messages_twice() -> None:
    raw = decode_batch(JSONL.read_bytes(), [])
    ids = [m.queue_id for m in raw]
    assert len(ids) == 8 and len(set(ids)) == 6
    assert [m.queue_name for m in raw if m.queue_id == "544BD20C410"] == ["active", "deferred"]


def test_drop_superseded_keeps_the_later_copy_in_order() -> None:
    raw = decode_batch(JSONL.read_bytes(), [])
    kept = drop_superseded(raw)
    assert len(kept) == 6 and len({m.queue_id for m in kept}) == 6
    assert {m.queue_id: m.queue_name for m in kept if m.queue_id in MOVED} == MOVED
    assert [m.queue_name for m in kept] == ["deferred"] * 5 + ["hold"]
    assert drop_superseded(kept) is kept  # nothing repeats: the same list, no copy


def test_mailq_text_duplicates_keep_the_later_copy() -> None:
    raw, warnings = parse_mailq(MAILQ.read_text())
    assert not warnings and len(raw) == 8
    kept = drop_superseded(raw)
    assert len(kept) == 6
    assert {m.queue_id: m.queue_name for m in kept if m.queue_id in MOVED} == MOVED


@pytest.mark.parametrize(("recording", "use_json"), [(JSONL, True), (MAILQ, False)])
def test_listing_and_status_counts_count_each_message_once(recording: Path, use_json: bool) -> None:
    snapshot = asyncio.run(list_queue(_fake_postqueue(recording), use_json=use_json))
    assert sorted(m.queue_id for m in snapshot.messages) == sorted(
        {m.queue_id for m in snapshot.messages}
    )
    state = build_state(snapshot, snapshot.taken_at, ViewSpec())
    assert state.counts.total == 6 == len(state.rows) == len(state.index.messages)
    assert state.counts.per_queue.get("hold") == 1
    assert state.counts.per_queue.get("active") is None


def test_the_re_check_before_an_action_sees_the_later_copy() -> None:
    found = asyncio.run(find_current(_fake_postqueue(JSONL), set(MOVED)))
    assert {qid: m.queue_name for qid, m in found.items()} == MOVED
