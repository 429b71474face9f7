"""The qshape equivalent: buckets, headings, domain clean-up and layout."""

from __future__ import annotations

import pytest

from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.shape import bucket_of, cell_query, compute_shape, format_shape

NOW = 1_700_000_000


def m(age_min: float, rcpts: list[str], sender: str = "s@Send.Example", queue: str = "deferred"):
    return Message(queue, "A", int(NOW - age_min * 60), 100, sender, [Recipient(r) for r in rcpts])


def test_buckets_follow_qshape() -> None:
    # [0,5) [5,10) [10,20) [20,40) ... last bucket open-ended
    assert [
        bucket_of(a * 60, 10, 5, False) for a in (0, 4.9, 5, 9.9, 10, 19, 20, 1279, 1280, 99999)
    ] == [
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        9,
        10,
        10,
    ]
    assert [bucket_of(a * 60, 5, 5, True) for a in (0, 5, 10, 15, 20, 500)] == [1, 2, 3, 4, 5, 5]


def test_table_counts_recipients_and_cleans_domains() -> None:
    shape = compute_shape(
        [m(1, ["a@Gmail.COM", "b@gmail.com."]), m(30, ["c@x..org"]), m(3000, ["d@gmail.com"])],
        now=NOW,
    )
    counts = shape.counts()
    assert shape.headings == [
        "T",
        "5",
        "10",
        "20",
        "40",
        "80",
        "160",
        "320",
        "640",
        "1280",
        "1280+",
    ]
    assert counts["gmail.com"] == [3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert counts["x.org"] == [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert counts["TOTAL"][0] == 4
    assert [name for name, _ in shape.rows] == ["TOTAL", "gmail.com", "x.org"]


def test_sender_mode_counts_messages_and_names_the_null_sender() -> None:
    shape = compute_shape(
        [m(1, ["a@a", "b@b"]), m(1, ["c@c"], sender="MAILER-DAEMON")], now=NOW, by="sender"
    )
    assert shape.counts()["send.example"][0] == 1
    assert shape.counts()["MAILER-DAEMON"][0] == 1


def test_queue_filter() -> None:
    shape = compute_shape(
        [m(1, ["a@a.com"]), m(1, ["b@b.com"], queue="hold")], NOW, queues=["hold"]
    )
    assert set(shape.counts()) == {"TOTAL", "b.com"}


def test_layout_matches_qshape() -> None:
    text = format_shape(compute_shape([m(1, ["a@gmail.com"])], now=NOW))
    lines = text.splitlines()
    # 80 columns: 39 for the domain, then 3,3,3,3,3,3,4,4,4,5,6 for the counts.
    assert lines[0] == " " * 41 + "T  5 10 20 40 80 160 320 640 1280 1280+"
    assert lines[1] == " " * 34 + "TOTAL  1  1  0  0  0  0   0   0   0    0     0"
    assert lines[2].endswith("gmail.com  1  1  0  0  0  0   0   0   0    0     0")
    assert len(lines[1]) == 80


def test_cell_query_selects_the_cell() -> None:
    shape = compute_shape([m(1, ["a@gmail.com"])], now=NOW)
    assert cell_query(shape, "gmail.com", 3) == "domain:gmail.com age:10m..20m"
    assert cell_query(shape, "gmail.com", 10) == "domain:gmail.com age:>=1280m"
    assert cell_query(shape, "TOTAL", 0) == ""


@pytest.mark.parametrize("domain", ["odd domain.example", 'q"uote.example', "/slash.example"])
def test_cell_query_of_an_odd_domain_parses_and_selects_it(domain: str) -> None:
    from mailq_tui.model.index import QueueIndex
    from mailq_tui.model.message import Message, Recipient
    from mailq_tui.model.query import parse_query

    messages = [
        Message("deferred", "AAAAA1", NOW - 60, 10, f"s@{domain}", [Recipient(f"u@{domain}")]),
        Message(
            "deferred", "AAAAA2", NOW - 60, 10, "s@other.example", [Recipient("u@other.example")]
        ),
    ]
    index = QueueIndex(messages, now=NOW)
    for by in ("rcpt", "sender"):
        shape = compute_shape(messages, NOW, by=by)
        query = cell_query(shape, domain, 0)
        parse_query(query)
        assert index.filter(query) == [0], (by, query)


def test_cell_query_of_a_domain_with_control_and_bidi_characters_is_visible_and_exact() -> None:
    """The shape screen's drill-down puts this query in the filter bar: no raw U+202E or ESC."""
    from mailq_tui.model.index import QueueIndex

    hostile = "\u202eelpmaxe.evil\x1b[2j"
    messages = [
        Message("deferred", "AAAAA1", NOW - 60, 10, f"s@{hostile}", [Recipient(f"u@{hostile}")]),
        Message(
            "deferred", "AAAAA2", NOW - 60, 10, "s@x.example", [Recipient("u@?elpmaxe.evil?[2j")]
        ),
    ]
    index = QueueIndex(messages, now=NOW)
    for by in ("rcpt", "sender"):
        query = cell_query(compute_shape(messages, NOW, by=by), hostile, 0)
        assert "\u202e" not in query and "\x1b" not in query, query
        assert index.filter(query) == [0], (by, query)


def test_format_shape_shows_control_and_bidi_characters_of_a_domain_as_escapes() -> None:
    hostile = "\u202eelpmaxe.evil\x1b[2j"
    msgs = [
        Message("deferred", "A", int(NOW - 60), 100, "s@x.example", [Recipient(f"u@{hostile}")])
    ]
    text = format_shape(compute_shape(msgs, NOW))
    assert "\u202e" not in text and "\x1b" not in text
    assert "\\u202eelpmaxe.evil\\x1b[2j" in text
