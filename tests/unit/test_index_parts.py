"""The index joined from a streamed listing's per-batch parts equals the index built from
scratch (oldest first, with its search columns and id map), whatever the batches."""

from __future__ import annotations

import random
from dataclasses import fields

from mailq_tui.model.index import QueueIndex, oldest_first
from mailq_tui.model.index_parts import LEAST, SHARE, Assembly, assemble, batch_parts
from mailq_tui.model.message import Message, Recipient

NOW = 1_800_000_000.0
#: Lowercasing these grows them (U+0130 -> "i" + U+0307), or changes them.
ODD = ("İstanbul", "STRASSE", "Ünïcode", "ΣΑΣ", "")


def message(i: int, rng: random.Random) -> Message:
    """0-4 recipients with 1-3 distinct reasons, mixed case and non-ASCII text, arrival
    ties, a null sender now and then."""
    rcpts = tuple(
        Recipient(
            f"{rng.choice(ODD)}User{i}.{k}@{rng.choice(ODD)}Dest{rng.randint(0, 9)}.EXAMPLE",
            f"Reason {rng.randint(0, 2)} {rng.choice(ODD)}",
        )
        for k in range(rng.choice((1, 1, 1, 2, 3, 4, 0)))
    )
    return Message(
        queue_name=rng.choice(("deferred", "active", "hold", "incoming")),
        queue_id=f"{rng.getrandbits(40):010X}",
        arrival_time=int(NOW) - rng.randint(0, 300),  # ties happen
        message_size=rng.randint(300, 90_000),
        sender=rng.choice(("", f"Sender{i % 13}@Example.NET", f"{rng.choice(ODD)}@x.example")),
        recipients=rcpts,
    )


def batches_of(messages: list[Message], rng: random.Random) -> list[list[Message]]:
    """``messages`` cut into batches of random sizes."""
    cuts = sorted(rng.sample(range(1, len(messages)), rng.randint(0, 12)))
    return [messages[a:b] for a, b in zip([0, *cuts], [*cuts, len(messages)])]


def scratch(messages: list[Message]) -> QueueIndex:
    """What the app builds without the parts (build_state, then warm_index)."""
    index = QueueIndex(oldest_first(messages), NOW)
    index.build_search_columns()
    return index


def assert_same(joined: QueueIndex, full: QueueIndex) -> None:
    assert len(joined.messages) == len(full.messages)
    assert all(a is b for a, b in zip(joined.messages, full.messages))
    assert joined.arrival_ordered == full.arrival_ordered
    for f in fields(joined.listing):
        assert getattr(joined.listing, f.name) == getattr(full.listing, f.name), f.name
    assert joined.search is not None and full.search is not None
    for f in fields(joined.search):
        got, want = getattr(joined.search, f.name), getattr(full.search, f.name)
        assert got == want, f.name
        assert type(got) is type(want), f.name
    full.row_of("")
    assert isinstance(full._row_of, dict)
    assert {i: joined.row_of(i) for i in full._row_of} == full._row_of
    assert joined.row_of("NOSUCHID") is None
    joined.map_every_id()
    assert joined._row_of == full._row_of


def test_joined_parts_equal_the_full_build() -> None:
    for seed in range(40):
        rng = random.Random(seed)
        messages = [message(i, rng) for i in range(rng.randint(1, 400))]
        if seed % 4 == 0:
            messages.sort(key=lambda m: m.arrival_time)  # already oldest first
        batches = batches_of(messages, rng)
        memo: dict[str, str] = {}  # the app's: one per listing, shared by its batches
        parts = [batch_parts(b, memo if seed % 2 else None) for b in batches]
        # Merged as the batches come (each one, or some), or all at the end.
        for share, least in ((0.0, 1), (0.5, 7), (SHARE, LEAST)):
            joined = assemble(parts, messages, NOW, share, least)
            assert joined is not None
            assert_same(joined, scratch(messages))
            for query in ("dest3", "domain:dest4.example", "reason:'reason 2'", "-queue:hold i̇"):
                want = scratch(messages).select(query, "age", True)
                assert joined.select(query, "age", True) == want


def test_merged_batch_by_batch_with_empty_batches() -> None:
    rng = random.Random(5)
    messages = [message(i, rng) for i in range(200)]
    batches = [[], *batches_of(messages, rng), []]
    assembly = Assembly()
    for b in batches:
        assembly.add(batch_parts(b), 0.0, 1)
    joined = assembly.index(messages, NOW)
    assert joined is not None
    assert_same(joined, scratch(messages))


def test_several_reasons_and_non_ascii_growth_are_covered() -> None:
    rng = random.Random(7)
    messages = [message(i, rng) for i in range(300)]
    joined = assemble([batch_parts(b) for b in batches_of(messages, rng)], messages, NOW)
    assert joined is not None and joined.search is not None
    assert joined.search.reason_pick
    assert any("i̇" in hay for hay in joined.search.hay)


def test_a_listing_that_dropped_a_duplicate_is_not_joined() -> None:
    rng = random.Random(3)
    messages = [message(i, rng) for i in range(50)]
    copy = Message(**{**{f: getattr(messages[3], f) for f in messages[3].__struct_fields__}})
    listed = [*messages[:10], copy, *messages[10:]]  # showq listed one id twice
    parts = [batch_parts(listed[:20]), batch_parts(listed[20:])]
    kept = [m for m in listed if m is not messages[3]]  # drop_superseded keeps the later
    assert assemble(parts, kept, NOW) is None
    # Not with the duplicate kept either (the ids found through listing positions would be
    # ambiguous; drop_superseded never leaves one).
    assert assemble(parts, listed, NOW) is None
    assert assemble(parts[1:], listed[20:], NOW) is not None


def test_empty_listing() -> None:
    joined = assemble([], [], NOW)
    assert joined is not None and len(joined) == 0 and joined.search is not None
    assert_same(joined, scratch([]))


def test_haystacks_are_copied_into_row_order_once() -> None:
    rng = random.Random(11)
    messages = [message(i, rng) for i in range(500)]
    joined = assemble([batch_parts(b) for b in batches_of(messages, rng)], messages, NOW)
    assert joined is not None and joined.scattered and joined.search is not None
    before = joined.search.hay
    joined.lay_out_haystacks()
    assert not joined.scattered
    assert joined.search.hay == before
    assert any(a is not b for a, b in zip(joined.search.hay, before) if a)
    assert_same(joined, scratch(messages))
    kept = joined.search
    joined.lay_out_haystacks()
    assert joined.search is kept
