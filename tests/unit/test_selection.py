"""How a selection is read: the CLI's one joining rule, the empty phrase, the canonical
spelling of a query, the summary (counts, whole queue, warnings) and the confirm notes."""

from __future__ import annotations

import pytest

from mailq_tui.cli_commands import join_query
from mailq_tui.model.index import QueueIndex
from mailq_tui.model.query import Query, QuerySyntaxError, Term, parse_query
from mailq_tui.model.selection import count_line, describe, normalise, summarise
from mailq_tui.operations import Op
from mailq_tui.ui import plans
from tests.unit.samples import MESSAGES, NOW, msg


def shape(query: Query) -> list[tuple[str, object, bool]]:
    """The terms as matched (field, value, negation), without the typed source."""
    return [(t.field, t.value, t.negate) for t in query.terms]


@pytest.mark.parametrize(
    ("one_word", "words"),
    [
        ("-domain:hostile.example queue:deferred", ["-domain:hostile.example", "queue:deferred"]),
        ("to:gmail reason:greylist", ["to:gmail", "reason:greylist"]),
        ('reason:"too many connections" -from:<>', ['reason:"too many connections"', "-from:<>"]),
    ],
)
def test_one_shell_word_reads_like_several_and_like_the_filter_bar(
    one_word: str, words: list[str]
) -> None:
    typed = parse_query(one_word)  # the filter bar parses the text as typed
    assert parse_query(join_query([one_word])).terms == typed.terms
    assert shape(parse_query(join_query(words))) == shape(typed)
    assert len(typed.terms) == len(words)


def test_a_phrase_in_one_shell_word_stays_one_term() -> None:
    query = parse_query(join_query(['reason:"too many connections"']))
    assert shape(query) == [("reason", "too many connections", False)]


@pytest.mark.parametrize("words", [[], [""], [" "], ["", "  "]])
def test_blank_words_are_the_empty_query(words: list[str]) -> None:
    assert parse_query(join_query(words)).is_empty


@pytest.mark.parametrize("text", ['""', 'to:""', 'reason:""', '-""', 'id:""', 'domain:""'])
def test_an_empty_phrase_is_an_error_not_everything(text: str) -> None:
    with pytest.raises(QuerySyntaxError, match="matches every message"):
        parse_query(text)


def test_empty_quotes_keep_their_exact_meanings() -> None:
    assert shape(parse_query('from:""')) == [("null_sender", "", False)]
    assert shape(parse_query('cluster:""')) == [("cluster", "", False)]


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("FROM:Alice  rcpt:Bob", "from:alice to:bob"),
        ('-domain:"hostile.example queue:deferred"', '-domain:"hostile.example queue:deferred"'),
        ("-domain:hostile.example queue:deferred", "-domain:hostile.example queue:deferred"),
        ('reason:"Too many connections"', 'reason:"too many connections"'),
        ("age:>7200s age:<=1w", "age:>2h age:<=1w"),
        ("age:90m..1.5d", "age:90m..36h"),
        ("size:1024..2M size:>=1536", "size:1k..2M size:>=1536"),
        ("q:hold,deferred -queue:all", "queue:deferred,hold -queue:all"),
        ("sender:<> -from:MAILER-DAEMON", "from:<> -from:mailer-daemon"),
        ('"-x" "foo:bar" "/x" "a b" plain', '"-x" "foo:bar" "/x" "a b" plain'),
        ('"@home" to:@home', '"@home" to:@home'),
        ("/a b/ to:/^x\\/y/ domain:Example.COM.", "/a b/ to:/^x\\/y/ domain:example.com"),
        (
            'id:ABC cluster:"deferred transport" from:a"b',
            'id:abc cluster:"deferred transport" from:a"b',
        ),
    ],
)
def test_normalised_text_is_canonical_and_reads_back_the_same(typed: str, canonical: str) -> None:
    query = parse_query(typed)
    assert normalise(query) == canonical
    assert shape(parse_query(canonical)) == shape(query)


def summary_of(text: str, messages=MESSAGES):  # type: ignore[no-untyped-def]
    index = QueueIndex(messages, now=NOW)
    query = parse_query(text)
    return summarise(index, query, index.filter(query))


def test_a_negated_typo_warns_that_it_excludes_nothing() -> None:
    summary = summary_of("-domain:hostlie.example")
    assert summary.whole_queue and summary.needs_all and not summary.empty_query
    assert summary.warnings == (
        "-domain:hostlie.example excludes nothing: no message matches domain:hostlie.example",
    )
    assert summary_of("-domain:gmail.com").warnings == ()
    assert summary_of("gmail -reason:nowhere").warnings == (
        "-reason:nowhere excludes nothing: no message matches reason:nowhere",
    )


def test_counts_per_queue_and_the_whole_queue() -> None:
    some = summary_of("-queue:active")
    assert (some.selected, some.total) == (4, 5)
    assert some.per_queue == {"deferred": 3, "hold": 1}
    assert not some.needs_all
    assert count_line(some) == "Selects 4 of 5 messages (3 deferred, 1 hold)."
    everything = summary_of("")
    assert everything.empty_query and everything.whole_queue and everything.needs_all
    assert describe(everything) == [
        "Query: (empty: matches every message)",
        "Selects ALL 5 messages in the queue (1 active, 3 deferred, 1 hold).",
    ]


def test_one_message_alone_is_not_the_whole_queue_but_the_empty_query_still_is_refused() -> None:
    alone = [msg("Z9")]
    assert not summary_of("id:z9", alone).whole_queue
    assert summary_of("id:z9", alone).needs_all is False
    assert summary_of("", alone).needs_all


def test_mail_derived_text_in_the_summary_is_made_visible() -> None:
    summary = summary_of('-reason:"x\u202egnp"')
    assert "\u202e" not in summary.query_text and "\\u202e" in summary.query_text
    assert all("\u202e" not in w for w in summary.warnings) and summary.warnings


def test_remember_false_leaves_the_filter_bar_query_alone() -> None:
    index = QueueIndex(MESSAGES, now=NOW)
    index.filter(parse_query("gmail"))
    remembered = index._previous
    index.filter(Query((Term("domain", "nowhere.example"),)), remember=False)
    assert index._previous is remembered


def test_confirm_text_for_the_whole_queue_and_hidden_marks() -> None:
    summary = summary_of("-domain:hostlie.example")
    title, body = plans.confirm_text(
        Op.DELETE, MESSAGES, whole_queue=True, notes=plans.selection_notes(summary, 5, 4)
    )
    assert title == "Delete ALL 5 messages in the queue?"
    assert "5 marked, 4 of them not shown by the current filter." in body
    assert "Filter: -domain:hostlie.example" in body
    assert "Warning: -domain:hostlie.example excludes nothing" in body
    title, body = plans.confirm_text(Op.HOLD, MESSAGES[:2], notes=["Extra: a warning line"])
    assert title == "Hold 2 messages?" and "Extra: a warning line" in body
