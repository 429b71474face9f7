"""The per-message matcher (the CLI's streaming path) against the index (the app's): the same
query text must select the same messages, on every field, negation, regex and the
recipient-scoping rule, over a generated corpus and generated queries."""

from __future__ import annotations

import random

import pytest

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.matcher import message_matcher
from mailq_tui.model.message import Message, Recipient
from mailq_tui.model.query import QuerySyntaxError, parse_query
from tests.unit.samples import NOW, random_messages
from tests.unit.test_index import QUERIES

#: Term pieces the generated queries are drawn from: every field, substrings, regexes,
#: ranges, prefixes, quoted phrases, and values that hit one recipient but not another.
PIECES = [
    "gmail",
    "carol",
    "bob@",
    "refused",
    "q",
    "0001",
    "/^dave@/",
    "/yahoo|gmail/",
    "/[A-Z]arol/",
    "/^$/",
    "/\\n/",
    "to:carol",
    "to:bob",
    "to:/^bob@.*org$/",
    "to:@",
    "domain:gmail.com",
    "domain:.gmail.com",
    "domain:yahoo.com",
    "domain:ex.org",
    "domain:/^mx/",
    "domain:i̇stanbul.tr",
    "reason:refused",
    "reason:greylisted",
    "reason:/^451/",
    "reason:/too many|refused/",
    'reason:"try again"',
    'cluster:"connect to <host>: connection refused"',
    'cluster:"deferred transport"',
    "cluster:/refused/",
    'cluster:""',
    "from:<>",
    "from:yahoo",
    "from:/^eve/",
    "from:alice",
    "id:000",
    "id:/1q$/",
    "queue:deferred",
    "queue:hold,active",
    "age:>1d",
    "age:<2h",
    "age:1h..1d",
    "size:>1M",
    "size:<=100k",
    "size:1k..1M",
]


def _random_query(rng: random.Random) -> str:
    terms = rng.sample(PIECES, rng.choice([1, 1, 2, 2, 3, 4]))
    return " ".join(("-" if rng.random() < 0.35 else "") + t for t in terms)


def _odd_messages() -> list[Message]:
    """Edge cases the random corpus rarely draws: no recipient, a reason with a line break,
    an upper-case dotted I that grows when lowercased, repeated and differing reasons."""
    return [
        Message("deferred", "ODD1", int(NOW) - 10, 10, "x@y", ()),
        Message(
            "hold",
            "ODD2",
            int(NOW) - 7200,
            5000,
            "MAILER-DAEMON",
            (Recipient("A@İstanbul.TR", "line one\nline two"), Recipient("b@c.d", "")),
        ),
        Message(
            "deferred",
            "ODD3",
            int(NOW) - 90000,
            2 << 20,
            "",
            (
                Recipient("carol@gmail.com", "Refused"),
                Recipient("carol@gmail.com", "refused"),
                Recipient("bob@mx.gmail.com", "greylisted"),
            ),
        ),
        Message(
            "active",
            "odd4",
            int(NOW) - 3600,
            1024,
            "İ@x",
            (Recipient("noat", "deferred transport"),),
        ),
    ]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Message], QueueIndex]:
    messages = random_messages(500, seed=11) + _odd_messages()
    return messages, QueueIndex(messages, now=NOW)


def _matched(messages: list[Message], text: str) -> list[int]:
    test = message_matcher(parse_query(text), NOW)
    return [row for row, msg in enumerate(messages) if test(msg)]


#: Terms whose value is also in another field of the message: each field searches its own.
CROSS_FIELD = ["to:@", "to:alice", "to:/^eve/", "reason:carol", "-reason:gmail", "from:bob", "id:b"]
#: Free text across the index's two strings per message (haystack, reason block), which the
#: matcher reads as one: a regex spanning the line break between them, line anchors at their
#: edges, words found only in the reasons.
ACROSS_BLOCKS = [
    "/@[a-z.]+\\n(connect|host)/",
    "/^connect/",
    "-/^connect/",
    "/\\.org$/",
    "/org$/ refused",
    "refused",
    "-refused",
    "-/refused/",
]


@pytest.mark.parametrize("text", QUERIES + CROSS_FIELD + ACROSS_BLOCKS)
def test_matcher_agrees_with_the_index_on_the_documented_queries(
    corpus: tuple[list[Message], QueueIndex], text: str
) -> None:
    messages, index = corpus
    index.forget_previous()
    assert _matched(messages, text) == index.filter(parse_query(text))


@pytest.mark.parametrize("seed", range(8))
def test_matcher_agrees_with_the_index_on_generated_queries(
    corpus: tuple[list[Message], QueueIndex], seed: int
) -> None:
    """150 generated queries per seed (every field, negations, regexes, several recipient
    terms at once): the same rows, and not only the trivial empty or full selections."""
    messages, index = corpus
    rng = random.Random(seed)
    sizes = []
    for _ in range(150):
        text = _random_query(rng)
        try:
            query = parse_query(text)
        except QuerySyntaxError:
            continue
        index.forget_previous()
        expected = index.filter(query)
        assert _matched(messages, text) == expected, text
        sizes.append(len(expected))
    assert any(0 < n < len(messages) for n in sizes)
    assert len(set(sizes)) > 10
