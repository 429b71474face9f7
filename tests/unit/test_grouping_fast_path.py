"""The grouping's fast path (keys worked out once per index, counts from the filtered rows)
gives exactly what the plain definition gives: the same groups in the same order, with the
same rows, counts, sizes, ages and top destinations (ties included), keystroke after
keystroke on one index."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import astuple

import pytest

from mailq_tui.model.grouping import GROUP_BY, Group, group_messages, sender_key
from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.reasons import normalise_reason

NOW = 1_700_000_000
DOMAINS = ["gmail.com", "Yahoo.com", "mx.gmail.com", "example.org", "a.b.c", "nodomain"]
REASONS = [
    "connect to mx1.gmail.com[1.2.3.4]:25: Connection refused",
    "connect to mx2.yahoo.com[5.6.7.8]:25: Connection refused",
    "host mx[9.9.9.9] said: 451 4.7.1 greylisted (in reply to RCPT TO command)",
    "Host or domain name not found. Name service error for name=a.b.c type=MX",
    "",
    "deferred transport",
]


def corpus(count: int, seed: int, distinct_ages: bool = False) -> list[Message]:
    """Messages with one to many recipients, often in several domains and with several
    reasons, some with none; senders, queues, sizes and ages drawn from small sets so that
    groups and top-destination ties are common (``distinct_ages``: no two messages of the
    same age, so that a list sorted by age either way is in row order or its reverse over
    an index in arrival order)."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        recipients = [
            Recipient(
                f"user{rng.randint(1, 9)}@{rng.choice(DOMAINS)}"
                if rng.random() < 0.95
                else "postmaster",
                rng.choice(REASONS),
            )
            for _ in range(rng.choice([0, 1, 1, 1, 1, 2, 3, 7]))
        ]
        sender = rng.choice(["", "MAILER-DAEMON", "a@x.org", "B@X.org", "c@y.net", "nobody"])
        queue = rng.choice(["deferred", "deferred", "active", "hold", "incoming"])
        out.append(
            Message(
                queue,
                f"{n:06X}",
                NOW - (count - n if distinct_ages else rng.randint(0, 30) * 60),
                rng.choice([100, 2000, 40000]),
                sender,
                recipients,
            )
        )
    return out


def plain_groups(index: QueueIndex, rows: Sequence[int], by: str) -> list[Group]:
    """The definition, one recipient at a time over the messages themselves."""
    members: dict[str, list[int]] = {}
    recipients: Counter[str] = Counter()
    destinations: dict[str, Counter[str]] = {}
    for row in rows:
        msg = index.messages[row]
        seen: set[str] = set()
        for rcpt in msg.recipients:
            domain = rcpt.address.lower().rpartition("@")[2]
            if by == "domain":
                key = domain
            elif by == "reason":
                key = normalise_reason(rcpt.delay_reason)
            elif by == "queue":
                key = msg.queue_name
            else:
                key = sender_key(msg.sender.lower(), by == "sender_domain")
            recipients[key] += 1
            destinations.setdefault(key, Counter())[domain] += 1
            if key not in seen:
                seen.add(key)
                members.setdefault(key, []).append(row)
        if by in ("queue", "sender", "sender_domain") and not msg.recipients:
            key = (
                msg.queue_name
                if by == "queue"
                else sender_key(msg.sender.lower(), by == "sender_domain")
            )
            members.setdefault(key, []).append(row)
            destinations.setdefault(key, Counter())
    out = []
    for key, group_rows in members.items():
        times = [index.messages[r].arrival_time for r in group_rows]
        out.append(
            Group(
                key=key,
                count=len(group_rows),
                recipients=recipients[key],
                bytes=sum(index.messages[r].message_size for r in group_rows),
                oldest=min(times),
                newest=max(times),
                top_destinations=destinations[key].most_common(5),
                rows=group_rows,
            )
        )
    out.sort(key=lambda g: (-g.count, g.key))
    return out


@pytest.mark.parametrize("by", GROUP_BY)
@pytest.mark.parametrize("seed", [1, 2])
def test_fast_path_agrees_with_the_plain_definition(by: str, seed: int) -> None:
    index = QueueIndex(corpus(1500, seed), now=NOW)
    arrival = index.in_arrival_order()
    for idx in (index, arrival):
        for text in ("", "g", "gm", "gmail.", "-queue:hold", "domain:gmail.com", "to:user7"):
            for key, reverse in (("age", True), ("age", False), ("size", False), ("id", True)):
                rows = idx.select(text, key, reverse)
                got = [astuple(g) for g in group_messages(idx, rows, by)]
                assert got == [astuple(g) for g in plain_groups(idx, rows, by)], (text, key)


def test_a_message_in_two_domains_is_in_both_groups_with_its_own_recipients() -> None:
    msg = Message(
        "deferred",
        "AB12",
        NOW,
        500,
        "a@x.org",
        [
            Recipient("u1@gmail.com", "refused"),
            Recipient("u2@yahoo.com", "refused"),
            Recipient("u3@gmail.com", "refused"),
        ],
    )
    index = QueueIndex([msg], now=NOW)
    got = {
        g.key: (g.rows, g.count, g.recipients, g.top_destinations)
        for g in group_messages(index, [0], "domain")
    }
    assert got == {
        "gmail.com": ([0], 1, 2, [("gmail.com", 2)]),
        "yahoo.com": ([0], 1, 1, [("yahoo.com", 1)]),
    }


@pytest.mark.parametrize("by", GROUP_BY)
def test_rows_in_row_order_either_way_agree_with_the_plain_definition(by: str) -> None:
    """Sorted by age either way over an index in arrival order (the default view), the
    rows of messages in several groups are set apart and put in their groups when read."""
    index = QueueIndex(corpus(1500, 3, distinct_ages=True), now=NOW).in_arrival_order()
    for text in ("", "g", "gmail.", "-queue:hold", "to:user7"):
        for reverse in (True, False):
            rows = index.select(text, "age", reverse)
            assert rows == sorted(rows, reverse=not reverse)
            got = group_messages(index, rows, by)
            assert [astuple(g) for g in got] == [astuple(g) for g in plain_groups(index, rows, by)]
            for group in got:  # read again: the same rows
                members = set(group.rows)
                assert list(group.rows) == [r for r in rows if r in members]
