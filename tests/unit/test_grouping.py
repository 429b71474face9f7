"""Grouping rows by domain, sender, sender domain, queue and normalised reason."""

from __future__ import annotations

import pytest

from mailq_tui.model.grouping import group_messages
from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import Message, Recipient

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
