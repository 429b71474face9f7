"""A listing again decodes only what changed: unchanged segments and records keep their
decoded messages, a byte-identical listing is reported as such, and nothing else changes
(duplicates, reused ids, malformed lines behave as in a full decode).

A stand-in ``postqueue`` prints a file the test rewrites between listings; decodes are
counted by a spy in place of the listing's decoder.
"""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any, Optional

import msgspec
import pytest

from mailq_tui.model.message import Message
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.postfix import listing
from mailq_tui.postfix.commands import PostfixTools
from mailq_tui.postfix.listing import decode_batch, list_queue
from mailq_tui.postfix.listing_reuse import SEGMENT_MAX, SegmentSplitter
from mailq_tui.ui.view import Marks

FIX = Path(__file__).parent / "fixtures"
#: How many messages the synthetic listings have (some hundred segments).
COUNT = 3000


def record(i: int, *, arrival: int = 1_790_000_000, size: int = 0, sender: str = "") -> bytes:
    """One ``postqueue -j`` line, laid out as Postfix prints it (``", "`` and ``": "``)."""
    return (
        json.dumps(
            {
                "queue_name": "deferred",
                "queue_id": f"{i * 7919:011X}",
                "arrival_time": arrival + i,
                "message_size": size or 1000 + i,
                "forced_expire": False,
                "sender": sender or f"sender{i % 97}@example.net",
                "recipients": [
                    {
                        "address": f"user{i}@dest{i % 13}.example",
                        "delay_reason": f"connect to mx{i % 5}.example: Connection timed out",
                    }
                ],
            }
        ).encode()
        + b"\n"
    )


class DecodeSpy:
    """Counts the lines decoded (through either decoder method) and delegates."""

    def __init__(self) -> None:
        self.lines = 0
        self._inner = msgspec.json.Decoder(Message)

    def decode(self, line: bytes) -> Any:
        self.lines += 1
        return self._inner.decode(line)

    def decode_lines(self, data: bytes) -> Any:
        self.lines += data.count(b"\n") + (not data.endswith(b"\n"))
        return self._inner.decode_lines(data)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> DecodeSpy:
    spy = DecodeSpy()
    monkeypatch.setattr(listing, "_DECODER", spy)
    return spy


class StandIn:
    """A ``postqueue`` that prints whatever :meth:`write` last stored."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "listing.jsonl"
        self.tools = PostfixTools(prefix=("sh", "-c", 'cat "$0"', str(self.path)))

    def write(self, lines: list[bytes]) -> None:
        self.path.write_bytes(b"".join(lines))

    def list(self, previous: Optional[Snapshot] = None) -> Snapshot:
        return asyncio.run(list_queue(self.tools, previous=previous, reusable=True))


def full_decode(lines: list[bytes]) -> list[Message]:
    return decode_batch(b"".join(lines), [])


def test_segments_do_not_depend_on_how_the_pipe_cut_the_stream() -> None:
    data = b"".join(record(i) for i in range(COUNT))

    def segments(chunk: int) -> list[bytes]:
        splitter, out = SegmentSplitter(), []
        for at in range(0, len(data), chunk):
            out += [bytes(s) for s in splitter.feed(data[at : at + chunk])]
        return [*out, splitter.flush()]

    whole = segments(len(data))
    assert len(whole) > 50 and b"".join(whole) == data
    assert all(s.endswith(b"\n") for s in whole)
    for chunk in (1, 977, 4096, 65536, SEGMENT_MAX + 13):
        assert segments(chunk) == whole


def test_an_unchanged_listing_decodes_nothing_and_is_the_same_listing(
    tmp_path: Path, spy: DecodeSpy
) -> None:
    stand_in = StandIn(tmp_path)
    lines = [record(i) for i in range(COUNT)]
    stand_in.write(lines)
    first = stand_in.list()
    assert spy.lines == COUNT and not first.same_as_previous
    assert first.messages == full_decode(lines)
    spy.lines = 0
    again = stand_in.list(first)
    assert spy.lines == 0
    assert again.same_as_previous and again.messages is first.messages
    third = stand_in.list(again)  # the memo carries on from listing to listing
    assert spy.lines == 0 and third.same_as_previous and third.messages is first.messages


def test_one_percent_changed_decodes_only_the_changed_records(
    tmp_path: Path, spy: DecodeSpy
) -> None:
    stand_in = StandIn(tmp_path)
    lines = [record(i) for i in range(COUNT)]
    stand_in.write(lines)
    first = stand_in.list()
    changed = random.Random(13).sample(range(COUNT), COUNT // 100)
    for i in changed:  # a new delay reason, size, ... : other bytes, same queue id
        lines[i] = record(i, size=5)
    lines.insert(0, record(COUNT + 1))  # a new message before all the others
    del lines[COUNT // 2]  # one left the queue
    stand_in.write(lines)
    spy.lines = 0
    second = stand_in.list(first)
    assert spy.lines == len(changed) + 1
    assert not second.same_as_previous
    assert second.messages == full_decode(lines)
    old = {id(m) for m in first.messages}
    kept = [m for m in second.messages if id(m) in old]
    assert len(kept) == len(second.messages) - len(changed) - 1  # the rest: the same objects


def test_a_reused_queue_id_is_a_new_message(tmp_path: Path, spy: DecodeSpy) -> None:
    """Same queue id, another arrival time or sender: decoded afresh, so a mark on the old
    message is dropped as today."""
    stand_in = StandIn(tmp_path)
    lines = [record(i) for i in range(COUNT)]
    stand_in.write(lines)
    first = stand_in.list()
    marks = Marks()
    marks.add_all([first.messages[10], first.messages[20], first.messages[30]])
    lines[10] = record(10, arrival=1_790_000_500)
    lines[20] = record(20, sender="someone.else@example.org")
    stand_in.write(lines)
    second = stand_in.list(first)
    assert [m.queue_id for m in second.messages] == [m.queue_id for m in first.messages]
    assert second.messages[10].arrival_time == 1_790_000_510
    assert second.messages[20].sender == "someone.else@example.org"
    assert second.messages[30] is first.messages[30]
    assert marks.prune(second.messages) == 2 and marks.ids() == {first.messages[30].queue_id}


def test_a_message_listed_twice_keeps_its_later_copy_when_reused(tmp_path: Path) -> None:
    stand_in = StandIn(tmp_path)
    lines = (FIX / "queue-duplicate.jsonl").read_bytes().splitlines(keepends=True)
    stand_in.write(lines)
    first = stand_in.list()
    again = stand_in.list(first)
    for snapshot in (first, again):
        assert len(snapshot.messages) == 6
        queues = {m.queue_id: m.queue_name for m in snapshot.messages}
        assert queues["544BD20C410"] == "deferred" and queues["774F220C134"] == "hold"
    assert again.same_as_previous
    stand_in.write([*lines[:-1], lines[-1].replace(b'"hold"', b'"deferred"', 1)])
    moved = stand_in.list(again)
    assert not moved.same_as_previous and len(moved.messages) == 6


def test_a_malformed_line_in_a_changed_listing_is_skipped_with_a_warning(
    tmp_path: Path,
) -> None:
    stand_in = StandIn(tmp_path)
    lines = [record(i) for i in range(COUNT)]
    stand_in.write(lines)
    first = stand_in.list()
    lines[100] = b'{"queue_name": "deferred", "queue_id": \n'
    stand_in.write(lines)
    second = stand_in.list(first)
    assert len(second.messages) == COUNT - 1
    assert any("malformed" in w for w in second.warnings)
    assert second.messages == [m for i, m in enumerate(first.messages) if i != 100]


def test_a_one_shot_listing_keeps_no_memo(tmp_path: Path) -> None:
    stand_in = StandIn(tmp_path)
    stand_in.write([record(i) for i in range(10)])
    snapshot = asyncio.run(list_queue(stand_in.tools))
    assert snapshot.memo is None and len(snapshot.messages) == 10


def test_known_segments_in_another_order_are_not_the_same_listing(
    tmp_path: Path, spy: DecodeSpy
) -> None:
    stand_in = StandIn(tmp_path)
    lines = [record(i) for i in range(COUNT)]
    stand_in.write(lines)
    first = stand_in.list()
    splitter = SegmentSplitter()
    segments = [bytes(s) for s in splitter.feed(b"".join(lines))]
    segments.append(splitter.flush())
    swapped = [segments[0], segments[2], segments[1], *segments[3:]]
    stand_in.write(swapped)
    spy.lines = 0
    second = stand_in.list(first)
    assert spy.lines == 0  # every segment was known
    assert not second.same_as_previous
    assert second.messages == full_decode(swapped) != first.messages


def _split(data: bytes, chunk: int, expect: Any = None) -> list[bytes]:
    """``data`` cut by a :class:`SegmentSplitter` fed ``chunk`` bytes at a time;
    ``expect(n)``: the length to expect for the n-th segment (None: none)."""
    splitter, out = SegmentSplitter(), []
    splitter.expected = expect(0) if expect else None
    for at in range(0, len(data), chunk):
        for segment in splitter.feed(data[at : at + chunk]):
            out.append(bytes(segment))
            splitter.expected = expect(len(out)) if expect else None
    return [*out, splitter.flush()]


def test_expected_lengths_give_the_same_segments_and_any_length_gives_whole_lines() -> None:
    data = b"".join(record(i) for i in range(COUNT))
    canonical = _split(data, len(data))
    lengths = [len(s) for s in canonical]
    rng = random.Random(5)
    for chunk in (977, 65536, len(data)):
        # The previous listing's lengths (what ReusingDecoder expects): the same cuts.
        assert _split(data, chunk, lambda n: lengths[n] if n < len(lengths) else None) == (
            canonical
        )
        # Wrong expectations (another segment's length, a length ending mid-line): whole
        # lines still, every byte once; the cuts come back to the canonical ones.
        wrong = _split(data, chunk, lambda n: rng.choice([*lengths, 1, 12345, 10**6]))
        assert b"".join(wrong) == data and all(s.endswith(b"\n") for s in wrong)
        assert len(set(wrong) & set(canonical)) > len(canonical) // 2


def test_an_unchanged_listing_searches_for_no_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in = StandIn(tmp_path)
    stand_in.write([record(i) for i in range(COUNT)])
    first = stand_in.list()
    searched: list[int] = []
    search = SegmentSplitter._cut

    def counting(self: SegmentSplitter, start: int) -> int:
        cut = search(self, start)
        if cut:
            searched.append(cut)
        return cut

    monkeypatch.setattr(SegmentSplitter, "_cut", counting)
    again = stand_in.list(first)
    assert again.same_as_previous and len(first.memo.segments) > 50  # type: ignore[union-attr]
    assert searched == []  # every cut was the previous listing's, checked on one line
