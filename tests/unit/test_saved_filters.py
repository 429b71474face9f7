"""``@name`` in the query language: a saved filter reads as its text typed in its place, and
every way it could select the wrong messages (unknown name, negation, a cycle) is an error."""

from __future__ import annotations

import pytest

from mailq_tui.model.index import QueueIndex
from mailq_tui.model.query import QuerySyntaxError, parse_query
from tests.unit.samples import MESSAGES, NOW

SAVED = {
    "gmail": "domain:gmail.com",
    "refused": 'reason:"connection refused"',
    "gmail-refused": "@gmail @refused",
    "held": "queue:hold",
}


def ids(text: str) -> list[str]:
    index = QueueIndex(MESSAGES, now=NOW)
    return [index.messages[r].queue_id for r in index.filter(parse_query(text, SAVED))]


@pytest.mark.parametrize(
    ("with_saved", "typed"),
    [
        ("@gmail", "domain:gmail.com"),
        ("@gmail -from:<>", "domain:gmail.com -from:<>"),
        ("from:alice @refused", 'from:alice reason:"connection refused"'),
        ("@gmail-refused", 'domain:gmail.com reason:"connection refused"'),
        # Recipient terms stay coupled across the saved text and the rest (B2's gmail
        # recipient is greylisted, its yahoo one refused).
        ("@gmail -reason:greylisted", "domain:gmail.com -reason:greylisted"),
    ],
)
def test_a_saved_filter_selects_what_its_text_typed_in_its_place_selects(
    with_saved: str, typed: str
) -> None:
    query = parse_query(with_saved, SAVED)
    assert query.terms == parse_query(typed).terms
    assert ids(with_saved) == ids(typed)
    assert ids(with_saved), "the sample must select something"
    # The expanded text reads back to the same terms without the saved filters.
    assert parse_query(query.text).terms == query.terms
    assert "@" not in query.text


def test_a_query_without_saved_filters_keeps_its_text() -> None:
    assert parse_query("  to:bob   x ", SAVED).text == "  to:bob   x "


@pytest.mark.parametrize(
    ("text", "saved", "says", "column"),
    [
        ("@nope", SAVED, "unknown saved filter @nope (saved: @gmail, @gmail-refused", 1),
        ("to:x @nope", {}, "unknown saved filter @nope (saved: none are configured", 6),
        ("@gmail.com", SAVED, 'quote it: "@gmail.com"', 1),
        ("-@gmail", SAVED, "-@gmail: a saved filter cannot be negated", 1),
        ("x @", SAVED, "expected a saved filter's name after @", 3),
        ('@"gmail"', SAVED, "expected a saved filter's name after @", 1),
        ("@a", {"a": "@a"}, "saved filter @a refers to itself: @a -> @a", 1),
        ("x @a", {"a": "@b", "b": "to:x @c", "c": "@a"}, "@a -> @b -> @c -> @a", 3),
        ("@a", {"a": "age:>2x"}, "in saved filter @a: age: expected a number", 1),
        ("@a", {"a": "@b", "b": "@zz"}, "in saved filter @a: in saved filter @b: unknown", 1),
    ],
)
def test_a_saved_filter_that_cannot_be_read_is_an_error_not_a_selection(
    text: str, saved: dict[str, str], says: str, column: int
) -> None:
    with pytest.raises(QuerySyntaxError) as error:
        parse_query(text, saved)
    assert says in str(error.value)
    assert error.value.position == column - 1


def test_a_quoted_at_word_is_still_free_text() -> None:
    assert ids('"@gmail.com"') == ["A1", "B2"]
    assert ids("to:@gmail.com") == ["A1", "B2"]
