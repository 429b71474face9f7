"""One shared store for repeated strings: equal values become one string, nothing else
changes; the app's decoder shares them as it decodes."""

from __future__ import annotations

import json

import msgspec
import pytest

from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.shared_strings import StringStore
from mailq_tui.postfix.listing import reusing_decoder

REASON = "connect to mx.example.com[192.0.2.1]:25: Connection refused"


def _line(qid: str, sender: str, rcpts: list[tuple[str, str]], queue: str = "deferred") -> bytes:
    record = {
        "queue_name": queue,
        "queue_id": qid,
        "arrival_time": 1_700_000_000,
        "message_size": 1234,
        "sender": sender,
        "recipients": [{"address": a, "delay_reason": r} for a, r in rcpts],
    }
    return json.dumps(record).encode() + b"\n"


def _decoded(data: bytes) -> list[Message]:
    decoder = msgspec.json.Decoder(Message)
    return [decoder.decode(line) for line in data.splitlines()]


LISTING = b"".join(
    [
        _line("A1", "alice@example.org", [("bob@gmail.com", REASON), ("c@gmail.com", REASON)]),
        _line("B2", "alice@example.org", [("dave@yahoo.com", REASON + " ")]),
        _line("C3", "MAILER-DAEMON", [("bob@gmail.com", "")], queue="hold"),
        _line("D4", "bob@example.net", [("eve@example.com", REASON)], queue="hold"),
    ]
)


def test_equal_strings_become_one_and_values_do_not_change() -> None:
    messages = _decoded(LISTING)
    before = [msgspec.to_builtins(m) for m in messages]
    reasons = [r.delay_reason for m in messages for r in m.recipients]
    assert reasons[0] == reasons[1] and reasons[0] is not reasons[1]  # the decoder's copies
    store = StringStore()
    assert store.share(messages) is messages
    assert [msgspec.to_builtins(m) for m in messages] == before  # equal-valued
    a1, b2, c3, d4 = messages
    assert a1.recipients[0].delay_reason is a1.recipients[1].delay_reason
    assert a1.recipients[0].delay_reason is d4.recipients[0].delay_reason
    assert b2.recipients[0].delay_reason != REASON  # a different value stays different
    assert a1.sender is b2.sender
    assert c3.queue_name is d4.queue_name
    # Frozen recipients stay frozen, hashable, equal to a fresh decode.
    with pytest.raises(AttributeError):
        a1.recipients[0].delay_reason = "x"  # type: ignore[misc]
    assert a1.recipients[0] == Recipient("bob@gmail.com", REASON)
    assert hash(a1.recipients[0]) == hash(Recipient("bob@gmail.com", REASON))


def test_a_store_shares_across_batches() -> None:
    first, second = _decoded(LISTING), _decoded(LISTING)
    store = StringStore()
    store.share(first)
    store.share(second)
    assert second[3].recipients[0].delay_reason is first[0].recipients[0].delay_reason
    assert second[0].sender is first[0].sender
    assert store.share([]) == []


def test_the_apps_decoder_shares_strings_of_whole_segments_and_single_lines() -> None:
    """The reusing decoder decodes a first listing segment by segment and a changed
    listing line by line; both share the listing's store."""
    store = StringStore()
    decoder = reusing_decoder(None, [], store)
    decoder.feed(LISTING)
    decoder.flush()
    memo = decoder.finish()
    a1, _, _, d4 = memo.records
    assert a1.recipients[0].delay_reason is d4.recipients[0].delay_reason
    changed = LISTING.replace(b'"D4"', b'"E5"')
    warnings: list[str] = []
    again = reusing_decoder(memo, warnings, store)
    again.feed(changed)
    again.flush()
    records = again.finish().records
    assert records[0] is a1  # unchanged: taken over
    assert records[3].queue_id == "E5" and records[3] is not d4
    assert records[3].recipients[0].delay_reason is a1.recipients[0].delay_reason
    assert warnings == []


def test_numbers_are_shared_and_addresses_only_when_asked_for() -> None:
    """Arrival times and sizes (int objects) repeat like strings; addresses are shared by
    the app's store (``addresses=True``), not by a one-shot command's."""
    messages = _decoded(LISTING)
    times = [m.arrival_time for m in messages]
    assert times[0] == times[1] and times[0] is not times[1]  # the decoder's objects
    before = [msgspec.to_builtins(m) for m in messages]
    StringStore().share(messages)
    a1, b2, c3, d4 = messages
    assert a1.arrival_time is b2.arrival_time is d4.arrival_time
    assert a1.message_size is c3.message_size
    assert a1.recipients[0].address == c3.recipients[0].address
    assert a1.recipients[0].address is not c3.recipients[0].address
    StringStore(addresses=True).share(messages)
    assert a1.recipients[0].address is c3.recipients[0].address
    assert [msgspec.to_builtins(m) for m in messages] == before
    assert a1.recipients[0] == Recipient("bob@gmail.com", REASON)
