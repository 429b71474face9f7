"""The query language: parsing, errors with positions, and matching through the index."""

from __future__ import annotations

import re

import pytest

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.query import QuerySyntaxError, parse_query
from tests.unit.samples import MESSAGES, NOW


def ids(query: str) -> list[str]:
    index = QueueIndex(MESSAGES, now=NOW)
    return [index.messages[r].queue_id for r in index.filter(parse_query(query))]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["A1", "B2", "C3", "D4", "E5"]),
        ("gmail", ["A1", "B2"]),
        ("GMAIL refused", ["A1", "B2"]),
        ('"connection refused"', ["A1", "B2"]),
        ("from:alice", ["A1", "B2"]),
        ("from:<>", ["C3"]),
        ("sender:mailer-daemon@other", ["D4"]),
        ("-from:<>", ["A1", "B2", "D4", "E5"]),
        ("to:carol", ["B2"]),
        ("domain:example.com", ["C3", "D4"]),
        ("domain:.example.com", ["C3"]),
        ("domain:yahoo.com", ["B2"]),
        ("domain:ahoo.com", []),
        ("queue:hold,active", ["C3", "D4"]),
        ("-queue:deferred", ["C3", "D4"]),
        ("age:>1d", ["D4"]),
        ("age:<5m", ["C3"]),
        ("age:30m..2h", ["A1", "B2", "E5"]),
        ("size:>1M", ["C3"]),
        ("size:<1k", ["A1", "B2", "D4", "E5"]),
        ("size:<1000", []),
        ("size:<=1000", ["A1", "B2", "D4", "E5"]),
        ("id:b", ["B2"]),
        ("id:/^[ab]/", ["A1", "B2"]),
        ("/^carol@/", ["B2"]),
        ("reason:/greylist|refused/", ["A1", "B2"]),
        ('reason:"try again"', ["E5"]),
        ("josé", ["E5"]),
        ('from:"john doe"', ["E5"]),
        ("-gmail -queue:hold", ["D4", "E5"]),
        ("hold", []),
    ],
)
def test_matching(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


def test_recipient_terms_must_hold_for_the_same_recipient() -> None:
    # B2's gmail recipient is greylisted; its refused recipient is at yahoo.
    assert ids("to:gmail reason:refused") == ["A1"]
    assert ids("domain:gmail.com reason:greylisted") == ["B2"]
    assert ids("domain:yahoo.com reason:greylisted") == []


def test_negated_recipient_terms() -> None:
    # With a positive recipient term: the same recipient must not match the negated one.
    assert ids("domain:gmail.com -reason:greylisted") == ["A1"]
    # Alone: no recipient of the message may match (whole-message exclusion).
    assert ids("-domain:gmail.com") == ["C3", "D4", "E5"]
    assert ids("-reason:refused") == ["C3", "D4", "E5"]


@pytest.mark.parametrize(
    ("query", "column", "fragment"),
    [
        ("age:2h", 5, "age:>2h"),
        ("gmail age:>2x", 12, "unit"),
        ("foo:bar", 1, 'unknown field "foo:"'),
        ('reason:"abc', 8, "closing"),
        ("/ab(/", 1, "invalid regex"),
        ("queue:nope", 7, "not nope"),
        ("size:>1Q", 7, "size"),
        ("to:", 4, "expected a value"),
        ("age:/x/", 5, "regex"),
    ],
)
def test_errors_say_where_and_what(query: str, column: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert caught.value.position + 1 == column
    assert fragment in str(caught.value)


def test_narrowing_is_detected_only_when_safe() -> None:
    assert parse_query("gmail").narrows(parse_query("gmai"))
    assert parse_query("gmail age:>1h").narrows(parse_query("gmail"))
    assert parse_query("id:ab").narrows(parse_query("id:a"))
    assert not parse_query("gmai").narrows(parse_query("gmail"))
    assert not parse_query("-gmail").narrows(parse_query("-gmai"))
    assert not parse_query("domain:gmail.com").narrows(parse_query("domain:gmail.co"))
    assert not parse_query("to:a reason:b").narrows(parse_query("to:a -reason:b"))


@pytest.mark.parametrize(
    ("first", "second"),
    [("gma", "gmail"), ("gmail", "gmail age:>1h"), ("to:g", "to:gm reason:re"), ("", "x")],
)
def test_narrowed_filter_equals_full_filter(first: str, second: str) -> None:
    index = QueueIndex(MESSAGES, now=NOW)
    index.filter(parse_query(first))
    narrowed = index.filter(parse_query(second))
    fresh = QueueIndex(MESSAGES, now=NOW).filter(parse_query(second))
    assert narrowed == fresh


def test_sort_keys() -> None:
    index = QueueIndex(MESSAGES, now=NOW)
    rows = index.filter(parse_query(""))
    order = lambda key, rev=False: [index.messages[r].queue_id for r in index.sort(rows, key, rev)]  # noqa: E731
    assert order("age") == ["C3", "A1", "B2", "E5", "D4"]
    assert order("age", True)[0] == "D4"
    assert order("size", True)[0] == "C3"
    assert order("recipients", True)[0] == "B2"
    assert order("domain")[0] == "D4"
    with pytest.raises(ValueError, match="unknown sort key"):
        index.sort(rows, "colour")


def test_row_of() -> None:
    index = QueueIndex(MESSAGES, now=NOW)
    assert index.row_of("C3") == 2
    assert index.row_of("ZZ") is None


@pytest.mark.parametrize("key", ["age", "size", "id", "domain"])
@pytest.mark.parametrize("typed", [["", "g", "gm", "gmail", "gmai", "from:alice"]])
def test_select_equals_filter_then_sort(key: str, typed: list[str]) -> None:
    index = QueueIndex(MESSAGES, now=NOW)
    for reverse in (False, True):
        for text in typed:
            query = parse_query(text)
            expected = index.sort(QueueIndex(MESSAGES, now=NOW).filter(query), key, reverse)
            assert index.select(query, key, reverse) == expected


@pytest.mark.parametrize(
    ("previous", "current", "narrows"),
    [
        ("age:>1h", "age:>2h", True),
        ("age:>2h", "age:>1h", False),
        ("age:1h..1d", "age:2h..3h", True),
        ("size:<1M", "size:<=1M", False),
        ("queue:deferred,hold", "queue:hold", True),
        ("queue:hold", "queue:deferred,hold", False),
        ("domain:gmail.com", "domain:mx.gmail.com", True),
        ("domain:gmail.com", "domain:.gmail.com", True),
        ("domain:.gmail.com", "domain:gmail.com", False),
        ("domain:gmail.co", "domain:gmail.com", False),
        ("gmail", "from:gmail", True),
        ("-gmail", "-gmai", True),
        ("-gmai", "-gmail", False),
        ("reason:/x/", "reason:/x/ age:>1h", True),
        ("reason:/x/", "reason:/xy/", False),
        ("-domain:gmail.com", "-domain:gmail.com to:bob", False),
    ],
)
def test_narrows(previous: str, current: str, narrows: bool) -> None:
    assert parse_query(current).narrows(parse_query(previous)) is narrows


def test_regex_case() -> None:
    assert not parse_query("/gmail/").terms[0].value.flags & re.IGNORECASE
    assert not parse_query(r"/\S+@\D/").terms[0].value.flags & re.IGNORECASE
    assert parse_query("/[A-Z]mail/").terms[0].value.flags & re.IGNORECASE
    assert ids("/GMAIL/") == ["A1", "B2"]
