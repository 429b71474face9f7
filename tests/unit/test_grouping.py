"""Grouping rows by domain, sender, sender domain, queue and normalised reason."""

from __future__ import annotations

from collections import Counter

import pytest

from mailq_tui.model.grouping import group_messages
from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import Message, Recipient
from tests.unit.samples import NOW as SAMPLES_NOW
from tests.unit.samples import random_messages

NOW = 1_700_000_000
MESSAGES = [
    Message(
        "deferred",
        "A1",
        NOW - 100,
        1000,
        "a@x.org",
        [
            Recipient("u1@gmail.com", "connect to mx1[1.1.1.1]:25: Connection refused"),
            Recipient("u2@yahoo.com", "connect to mx2[2.2.2.2]:25: Connection refused"),
        ],
    ),
    Message(
        "deferred",
        "B2",
        NOW - 500,
        2000,
        "b@x.org",
        [
            Recipient("u3@gmail.com", "451 4.7.1 greylisted"),
        ],
    ),
    Message("hold", "C3", NOW - 50, 4000, "MAILER-DAEMON", [Recipient("u4@gmail.com", "")]),
]


def groups(by: str) -> dict[str, tuple[int, int, int]]:
    index = QueueIndex(MESSAGES, now=NOW)
    return {
        g.key: (g.count, g.recipients, g.bytes) for g in group_messages(index, index.filter(""), by)
    }


def test_by_domain_counts_each_message_once_per_domain() -> None:
    assert groups("domain") == {"gmail.com": (3, 3, 7000), "yahoo.com": (1, 1, 1000)}


def test_by_reason_clusters_normalised_reasons() -> None:
    got = groups("reason")
    assert got["connect to <host>: Connection refused"] == (1, 2, 1000)
    assert got["451 4.7.1 greylisted"] == (1, 1, 2000)
    assert got[""] == (1, 1, 4000)


def test_by_sender_queue_and_sender_domain() -> None:
    assert groups("sender") == {
        "a@x.org": (1, 2, 1000),
        "b@x.org": (1, 1, 2000),
        "<>": (1, 1, 4000),
    }
    assert groups("sender_domain") == {"x.org": (2, 3, 3000), "<>": (1, 1, 4000)}
    assert groups("queue") == {"deferred": (2, 3, 3000), "hold": (1, 1, 4000)}


def test_group_details_and_order() -> None:
    index = QueueIndex(MESSAGES, now=NOW)
    first = group_messages(index, index.filter(""), "domain")[0]
    assert first.key == "gmail.com"
    assert (first.oldest, first.newest) == (NOW - 500, NOW - 50)
    assert first.rows == [0, 1, 2]
    assert first.top_destinations[0] == ("gmail.com", 3)


def test_unknown_grouping_is_refused() -> None:
    index = QueueIndex(MESSAGES, now=NOW)
    with pytest.raises(ValueError, match="cannot group by"):
        group_messages(index, [], "colour")


def _reference(messages: list[Message], rows: list[int], by: str) -> dict[str, tuple]:
    """The documented grouping, the slow obvious way: key -> (rows in view order, recipients,
    bytes, destinations)."""
    from collections import Counter

    from mailq_tui.model.grouping import sender_key
    from mailq_tui.model.reasons import normalise_reason

    out: dict[str, tuple[list[int], int, Counter[str]]] = {}
    for row in rows:
        m = messages[row]
        per_rcpt = []
        for r in m.recipients:
            domain = r.address.lower().rpartition("@")[2]
            if by == "domain":
                key = domain
            elif by == "reason":
                key = normalise_reason(r.delay_reason)
            elif by == "queue":
                key = m.queue_name
            else:
                key = sender_key(m.sender.lower(), by == "sender_domain")
            per_rcpt.append((key, domain))
        if by in ("queue", "sender", "sender_domain"):
            key = (
                m.queue_name
                if by == "queue"
                else sender_key(m.sender.lower(), by == "sender_domain")
            )
            keys = {key}
        else:
            keys = {k for k, _ in per_rcpt}
        for key in keys:
            entry = out.setdefault(key, ([], 0, Counter()))
            entry[0].append(row)
            n = sum(1 for k, _ in per_rcpt if k == key)
            entry[2].update(d for k, d in per_rcpt if k == key)
            out[key] = (entry[0], entry[1] + n, entry[2])
    return {
        k: (rws, n, sum(messages[r].message_size for r in rws), dict(dest))
        for k, (rws, n, dest) in out.items()
    }


@pytest.mark.parametrize("by", ["domain", "reason", "sender", "sender_domain", "queue"])
@pytest.mark.parametrize("subset", ["all", "sorted-subset"])
def test_grouping_equals_the_reference(by: str, subset: str) -> None:
    messages = random_messages(500, seed=11)
    index = QueueIndex(messages, now=SAMPLES_NOW)
    if subset == "all":
        rows = index.sort(range(len(messages)), "size", reverse=True)
    else:
        rows = index.sort(index.filter("-queue:hold"), "age")[::2]
    got = group_messages(index, rows, by)
    want = _reference(messages, rows, by)
    assert {g.key for g in got} == set(want)
    for g in got:
        rws, n, size, dest = want[g.key]
        assert (g.rows, g.count, g.recipients, g.bytes) == (rws, len(rws), n, size), g.key
        assert dict(g.top_destinations) == dict(Counter(dest).most_common(5)) or (
            sorted(n for _, n in g.top_destinations) == sorted(dest.values())[-5:]
        )
        assert g.oldest == min(messages[r].arrival_time for r in rws)
    counts = [g.count for g in got]
    assert counts == sorted(counts, reverse=True)
