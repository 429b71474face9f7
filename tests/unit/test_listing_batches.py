"""``list_queue`` hands each batch to ``on_batch`` as it is decoded (the app shows the first
rows from them) and produces the same snapshot as without it: with and without reuse, and
for a listing byte for byte the previous one.

A stand-in ``postqueue`` prints a synthetic listing file.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Optional

import pytest

from mailq_tui.model.message import Message
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.postfix.commands import PostfixTools
from mailq_tui.postfix.listing import list_queue
from tests.unit.test_listing_reuse import record

COUNT = 3000


@pytest.fixture
def tools(tmp_path: Path) -> PostfixTools:
    path = tmp_path / "queue.jsonl"
    path.write_bytes(b"".join(record(i) for i in range(COUNT)))
    return PostfixTools(prefix=("sh", "-c", 'cat "$0"', str(path)))


def listed(
    tools: PostfixTools, previous: Optional[Snapshot] = None, reusable: bool = False
) -> tuple[Snapshot, list[list[Message]]]:
    batches: list[list[Message]] = []
    snap = asyncio.run(
        list_queue(tools, previous=previous, reusable=reusable, on_batch=batches.append)
    )
    return snap, batches


@pytest.mark.parametrize("reusable", [False, True])
def test_batches_are_the_snapshot_as_read(tools: PostfixTools, reusable: bool) -> None:
    plain = asyncio.run(list_queue(tools))
    snap, batches = listed(tools, reusable=reusable)
    streamed = [m for batch in batches for m in batch]
    assert [m.queue_id for m in streamed] == [m.queue_id for m in snap.messages]
    assert snap.messages == plain.messages
    assert all(a is b for a, b in zip(streamed, snap.messages))  # the same objects, no copies


def test_an_unchanged_listing_still_streams_and_is_reused(tools: PostfixTools) -> None:
    first, _ = listed(tools, reusable=True)
    again, batches = listed(tools, previous=first, reusable=True)
    assert again.same_as_previous and again.messages is first.messages
    assert sum(map(len, batches)) == COUNT


def test_a_reusable_listing_shares_addresses_and_numbers(tmp_path: Path) -> None:
    """The app's (reusable) listing stays in memory: its repeated addresses are one string;
    a one-shot listing does not spend the look-ups. Both share arrival times and sizes."""
    path = tmp_path / "queue.jsonl"
    again = record(2, size=5000).replace(b"user2@dest2", b"user1@dest1")
    path.write_bytes(record(1, size=5000) + again)
    tools = PostfixTools(prefix=("sh", "-c", 'cat "$0"', str(path)))
    for reusable in (False, True):
        first, second = asyncio.run(list_queue(tools, reusable=reusable)).messages
        assert first.message_size is second.message_size
        a, b = first.recipients[0].address, second.recipients[0].address
        assert a == b == "user1@dest1.example"
        assert (a is b) is reusable
