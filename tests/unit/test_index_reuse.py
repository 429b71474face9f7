"""The index of a listing built from the previous one equals the index built from scratch
(laid out oldest first, with its masks), and indexes only the messages that changed."""

from __future__ import annotations

import random
from dataclasses import fields
from typing import Any

import pytest

from mailq_tui.model import index_reuse
from mailq_tui.model.index import MASK_CHARS, QueueIndex, laid_out
from mailq_tui.model.index_columns import SearchColumns
from mailq_tui.model.index_reuse import index_reusing
from mailq_tui.model.message import Message, Recipient

NOW = 1_800_000_000.0


def message(i: int, rng: random.Random) -> Message:
    """A message with 1-3 recipients, sometimes with two distinct reasons."""
    rcpts = tuple(
        Recipient(
            f"User{i}.{k}@Dest{(i + k) % 11}.example", f"reason {(i + k * rng.randint(0, 1)) % 7}"
        )
        for k in range(1 + i % 3)
    )
    return Message(
        queue_name=("deferred", "active", "hold")[i % 3],
        queue_id=f"{i * 7919:011X}",
        arrival_time=int(NOW) - rng.randint(0, 5000),  # ties happen
        message_size=1000 + i,
        sender=f"Sender{i % 17}@example.net",
        recipients=rcpts,
    )


def settled(messages: list[Message]) -> QueueIndex:
    """What the app ends with after a full build: laid out oldest first, masked."""
    index = QueueIndex(messages, NOW)
    index.build_search_columns()
    index = index.in_arrival_order()
    index.build_char_masks()
    return index


def changed_listing(old: list[Message], rng: random.Random) -> tuple[list[Message], int]:
    """``old`` with 1% replaced, a few gone and a few new; and how many are new objects."""
    new = list(old)
    for i in rng.sample(range(len(new)), len(new) // 100):
        new[i] = message(10_000 + i, rng)
    for i in sorted(rng.sample(range(len(new)), 5), reverse=True):
        del new[i]
    fresh = [message(20_000 + k, rng) for k in range(7)]
    for m in fresh:
        new.insert(rng.randrange(len(new)), m)
    return new, len(old) // 100 + len(fresh)


def changed_round(old: list[Message], rng: random.Random, round: int) -> list[Message]:
    """``old`` with 1% replaced, a few gone and a few new, ids unique (as in a listing:
    ``round`` keeps them apart from earlier rounds')."""
    new = list(old)
    first = 100_000 * (round + 1)
    for k, i in enumerate(rng.sample(range(len(new)), len(new) // 100)):
        new[i] = message(first + k, rng)
    for i in sorted(rng.sample(range(len(new)), 5), reverse=True):
        del new[i]
    for k in range(7):
        new.insert(rng.randrange(len(new)), message(first + 50_000 + k, rng))
    return new


def test_reused_index_equals_the_index_built_from_scratch() -> None:
    rng = random.Random(4)
    old_messages = [message(i, rng) for i in range(3000)]
    old = settled(old_messages)
    new_messages, _ = changed_listing(old_messages, rng)
    reused = index_reusing(old, new_messages, NOW + 5)
    scratch = settled(new_messages)
    assert reused is not None and reused.now == NOW + 5
    assert reused.arrival_ordered and reused.searchable and reused.has_char_masks
    assert all(a is b for a, b in zip(reused.messages, scratch.messages))
    assert len(reused.messages) == len(scratch.messages)
    for f in fields(reused.listing):
        assert getattr(reused.listing, f.name) == getattr(scratch.listing, f.name), f.name
    assert reused.search is not None and scratch.search is not None
    for f in fields(reused.search):
        got, want = getattr(reused.search, f.name), getattr(scratch.search, f.name)
        assert got == want, f.name
    assert reused.search.reason_pick  # the case of several reasons per message is covered
    for char in MASK_CHARS:
        assert reused._char_masks[char] == scratch._char_masks[char], char
    for query in ("dest3", "domain:dest4.example", "reason:'reason 2'", "-queue:hold user1", "e"):
        assert reused.select(query, "age", True) == scratch.select(query, "age", True), query


def test_only_the_changed_messages_are_indexed(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(9)
    old_messages = [message(i, rng) for i in range(3000)]
    old = settled(old_messages)
    new_messages, changed = changed_listing(old_messages, rng)
    indexed: list[int] = []
    build = SearchColumns.build.__func__  # type: ignore[attr-defined]

    def spy(cls: Any, messages: Any) -> SearchColumns:
        indexed.append(len(messages))
        return build(cls, messages)

    monkeypatch.setattr(SearchColumns, "build", classmethod(spy))
    assert index_reusing(old, new_messages, NOW) is not None
    assert indexed == [changed]


def test_an_unsettled_index_or_a_big_change_is_built_from_scratch() -> None:
    rng = random.Random(1)
    messages = [message(i, rng) for i in range(400)]
    assert index_reusing(QueueIndex(messages, NOW), messages, NOW) is None  # not laid out
    old = settled(messages)
    fresh = int(400 * index_reuse.MAX_NEW_SHARE) + 10
    others = [message(5000 + i, rng) for i in range(fresh)]
    assert index_reusing(old, messages[fresh:] + others, NOW) is None
    assert index_reusing(old, messages[20:] + others[:20], NOW) is not None


def test_a_new_newest_message_after_the_old_newest() -> None:
    """The usual change: mail arrived. Its row follows the old newest row directly."""
    rng = random.Random(2)
    old_messages = [message(i, rng) for i in range(300)]
    old = settled(old_messages)
    arrived = message(999, rng)
    arrived.arrival_time = int(NOW) + 10
    new_messages = [*old_messages, arrived]
    reused = index_reusing(old, new_messages, NOW)
    scratch = settled(new_messages)
    assert reused is not None and reused.search is not None and scratch.search is not None
    assert reused.messages[-1] is arrived
    assert reused.sort(range(len(reused)), "id") == scratch.sort(range(len(scratch)), "id")
    assert reused.search.hay == scratch.search.hay
    assert reused.search.rc_domain == scratch.search.rc_domain
    assert reused._char_masks == scratch._char_masks


def assert_same_index(reused: QueueIndex, scratch: QueueIndex) -> None:
    """Every column, mask and message of ``reused`` equals ``scratch``'s."""
    assert reused.arrival_ordered and reused.searchable and reused.has_char_masks
    assert len(reused.messages) == len(scratch.messages)
    assert all(a is b for a, b in zip(reused.messages, scratch.messages))
    for f in fields(reused.listing):
        assert getattr(reused.listing, f.name) == getattr(scratch.listing, f.name), f.name
    assert reused.search is not None and scratch.search is not None
    for f in fields(reused.search):
        got, want = getattr(reused.search, f.name), getattr(scratch.search, f.name)
        assert got == want, f.name
    assert reused._char_masks == scratch._char_masks


def test_new_messages_are_merged_in_without_sorting_every_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Changed messages with the arrival time of many others (ties), gone ones at the
    ends and in runs, new ones before the oldest and after the newest: the merge gives
    the full build's rows exactly, ties in listing order."""
    rng = random.Random(11)
    old_messages = [message(i, rng) for i in range(2000)]
    for m in old_messages:
        m.arrival_time = int(NOW) - rng.randint(0, 40)  # many ties
    old = settled(old_messages)
    new_messages = list(old_messages)
    for i in rng.sample(range(len(new_messages)), 60):
        changed = message(30_000 + i, rng)
        changed.arrival_time = new_messages[i].arrival_time  # a tie with its neighbours
        new_messages[i] = changed
    oldest, newest = old.messages[0], old.messages[-1]
    new_messages = [m for m in new_messages if m is not oldest and m is not newest]
    del new_messages[500:530]  # a run of gone rows
    first, last = message(40_000, rng), message(40_001, rng)
    first.arrival_time, last.arrival_time = int(NOW) - 100, int(NOW) + 100
    new_messages.insert(700, first)
    new_messages.insert(3, last)
    monkeypatch.setattr(index_reuse, "_sorted", None)  # the merge must do it alone
    reused = index_reuse.reuse_index(old, new_messages, NOW)
    assert reused is not None
    assert_same_index(reused.index, settled(new_messages))
    kept = {id(m) for m in new_messages}
    assert {id(m) for m in reused.gone} == {id(m) for m in old_messages if id(m) not in kept}
    assert {id(m) for m in reused.fresh} == kept - {id(m) for m in old_messages}


def test_kept_rows_listed_in_another_order_are_sorted_again() -> None:
    """When the listing orders equal arrival times of kept messages differently, the
    merge cannot keep the old ties: every row is sorted, as a full build does."""
    rng = random.Random(12)
    old_messages = [message(i, rng) for i in range(1000)]
    for m in old_messages:
        m.arrival_time = int(NOW) - rng.randint(0, 20)
    old = settled(old_messages)
    new_messages = old_messages[::-1]
    new_messages[10] = message(50_000, rng)
    assert index_reuse._merged(old, new_messages) is None
    reused = index_reusing(old, new_messages, NOW)
    assert reused is not None
    assert_same_index(reused, settled(new_messages))


def listed_index(messages: list[Message]) -> QueueIndex:
    """What the app builds from a listing (:func:`laid_out`: rows know their listing
    positions), searchable and masked."""
    ordered, rows = laid_out(messages)
    index = QueueIndex(ordered, NOW, listing_rows=rows)
    index.build_search_columns()
    index.build_char_masks()
    return index


def test_the_listings_walked_side_by_side_give_the_full_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Refresh after refresh, the kept messages are found by walking the previous listing
    beside the new one (no other way is tried), and the index equals the full build's,
    listing positions included."""
    rng = random.Random(21)
    messages = [message(i, rng) for i in range(3000)]
    index = listed_index(messages)
    monkeypatch.setattr(index_reuse, "_merged", None)
    monkeypatch.setattr(index_reuse, "_sorted", None)
    for round in range(3):
        new_messages = changed_round(messages, rng, round)
        reused = index_reuse.reuse_index(index, new_messages, NOW, messages)
        assert reused is not None
        scratch = listed_index(new_messages)
        assert_same_index(reused.index, scratch)
        assert reused.index.listing_rows == scratch.listing_rows
        index, messages = reused.index, new_messages


def test_a_listing_in_another_order_is_not_walked_side_by_side() -> None:
    rng = random.Random(22)
    messages = [message(i, rng) for i in range(500)]
    index = listed_index(messages)
    swapped = list(messages)
    swapped[10], swapped[400] = swapped[400], swapped[10]
    assert index_reuse._aligned(index, messages, swapped) is None
    reused = index_reuse.reuse_index(index, swapped, NOW, messages)
    assert reused is not None
    assert_same_index(reused.index, listed_index(swapped))


def test_walking_side_by_side_handles_both_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first and last listed messages gone, new ones listed first and last."""
    rng = random.Random(23)
    messages = [message(i, rng) for i in range(400)]
    index = listed_index(messages)
    monkeypatch.setattr(index_reuse, "_merged", None)
    monkeypatch.setattr(index_reuse, "_sorted", None)
    for new_messages in (
        [message(900, rng), *messages[1:-1], message(901, rng), message(902, rng)],
        [*messages[:-3]],
        [message(903, rng), *messages],
    ):
        reused = index_reuse.reuse_index(index, new_messages, NOW, messages)
        assert reused is not None
        scratch = listed_index(new_messages)
        assert_same_index(reused.index, scratch)
        assert reused.index.listing_rows == scratch.listing_rows
