"""The index against a plain reference implementation of the query semantics: every filter
path (columns, blocks, domain sets, per-recipient checks, narrowing, select) must give the
same rows as evaluating the documented rules message by message."""

from __future__ import annotations

import random
import re

import pytest

from mailq_tui.model import index as index_module
from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import NULL_SENDER, Message, Recipient
from mailq_tui.model.query import (
    RECIPIENT_FIELDS,
    Query,
    Term,
    cluster_term,
    domain_test,
    parse_query,
)
from mailq_tui.model.reasons import normalise_reason
from tests.unit.samples import NOW, REASONS, random_messages


def _reference_value(term: Term, text: str) -> bool:
    value = term.value
    if term.field == "domain":
        return domain_test(value)(text)
    if term.field == "cluster" and not isinstance(value, re.Pattern):
        return text == value
    if isinstance(value, re.Pattern):
        return value.search(text) is not None
    return str(value) in text


def _recipient_fields(rcpt: Recipient) -> dict[str, str]:
    address = rcpt.address.lower()
    return {
        "to": address,
        "domain": address.rpartition("@")[2],
        "reason": rcpt.delay_reason.lower(),
        "cluster": normalise_reason(rcpt.delay_reason).lower(),
    }


def _reference(messages: list[Message], query: Query) -> list[int]:
    """The documented semantics, written the slow obvious way."""
    out = []
    for row, m in enumerate(messages):
        fields = [m.queue_id.lower(), m.sender.lower()]
        for r in m.recipients:
            fields += [r.address.lower(), r.delay_reason.lower()]
        ok = True
        scoped = [t for t in query.terms if t.field in RECIPIENT_FIELDS]
        for t in query.terms:
            if t.field in RECIPIENT_FIELDS:
                continue
            if t.field == "text":
                hit = any(_reference_value(t, f) for f in fields)
            elif t.field == "from":
                hit = _reference_value(t, m.sender.lower())
            elif t.field == "id":
                hit = (
                    _reference_value(t, m.queue_id.lower())
                    if t.is_regex
                    else m.queue_id.lower().startswith(str(t.value))
                )
            elif t.field == "null_sender":
                hit = m.sender in (NULL_SENDER, "")
            elif t.field == "queue":
                hit = m.queue_name in t.value  # type: ignore[operator]
            else:
                rng = t.value
                v = NOW - m.arrival_time if t.field == "age" else m.message_size
                lo_ok = rng.low is None or (v >= rng.low if rng.include_low else v > rng.low)  # type: ignore[union-attr]
                hi_ok = rng.high is None or (v <= rng.high if rng.include_high else v < rng.high)  # type: ignore[union-attr]
                hit = lo_ok and hi_ok
            ok = ok and hit != t.negate
        if ok and scoped:
            positive = [t for t in scoped if not t.negate]
            rcpts = [_recipient_fields(r) for r in m.recipients]
            if positive:
                ok = any(
                    all(_reference_value(t, f[t.field]) != t.negate for t in scoped) for f in rcpts
                )
            else:
                ok = not any(_reference_value(t, f[t.field]) for t in scoped for f in rcpts)
        if ok:
            out.append(row)
    return out


QUERIES = [
    "",
    "gmail",
    "-gmail",
    "carol refused",
    "to:carol",
    "to:carol reason:refused",
    "to:carol -reason:refused",
    "-to:carol",
    "-to:carol -reason:greylisted",
    "domain:gmail.com",
    "domain:.gmail.com",
    "-domain:gmail.com",
    "domain:gmail.com reason:greylisted",
    "domain:gmail.com -domain:mx.gmail.com",
    "domain:i̇stanbul.tr",
    "reason:/^451/",
    "reason:/too many|refused/ to:bob",
    "-reason:/^$/",
    "to:/^dave@/ domain:ex.org",
    "/carol@.*gmail/",
    "/[A-Z]arol/",
    "from:<>",
    "-from:<>",
    "from:yahoo",
    "from:/^eve/",
    "id:000",
    "id:/^0001/",
    "queue:deferred,hold",
    "-queue:deferred",
    "age:>1d",
    "age:<2h",
    "age:1h..1d",
    "-age:1h..1d",
    "size:>1M",
    "size:<=100k",
    "size:1k..1M queue:hold to:bob",
    "age:>1h domain:yahoo.com reason:too -to:carol",
    'cluster:"connect to <host>: connection refused"',
    'cluster:"CONNECT to <host>: Connection refused" to:carol',
    '-cluster:"deferred transport"',
    'cluster:"" domain:gmail.com',
    "cluster:/^host <host> said/ -domain:yahoo.com",
    'domain:gmail.com -cluster:"451 4.7.1 greylisted, try again"',
    cluster_term('host <host> said: 550 "quoted" <addr> rejected'),
]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Message], QueueIndex]:
    messages = random_messages(600, seed=7)
    return messages, QueueIndex(messages, now=NOW)


@pytest.mark.parametrize("text", QUERIES)
def test_filter_equals_reference(corpus: tuple[list[Message], QueueIndex], text: str) -> None:
    messages, index = corpus
    query = parse_query(text)
    expected = _reference(messages, query)
    index.forget_previous()
    assert index.filter(query) == expected
    # Within a subset, in that subset's order.
    subset = list(range(len(messages)))[::-3]
    assert index.filter(query, within=subset) == [r for r in subset if r in set(expected)]


def test_reference_is_not_trivial(corpus: tuple[list[Message], QueueIndex]) -> None:
    messages, _ = corpus
    sizes = {text: len(_reference(messages, parse_query(text))) for text in QUERIES}
    assert all(0 < n < len(messages) for text, n in sizes.items() if text), sizes


@pytest.mark.parametrize("seed", range(6))
def test_random_narrowing_chains_equal_full_filters(seed: int) -> None:
    """Typing a query character by character (each step may narrow the previous one) gives
    exactly the full filter's rows at every step, through filter() and select()."""
    messages = random_messages(300, seed=seed)
    index = QueueIndex(messages, now=NOW)
    fresh = QueueIndex(messages, now=NOW)
    rng = random.Random(seed)
    for _ in range(6):
        target = " ".join(rng.sample(QUERIES[1:], 2))
        for end in range(1, len(target) + 1):
            try:
                query = parse_query(target[:end])
            except Exception:
                continue
            fresh.forget_previous()
            assert index.filter(query) == fresh.filter(query), target[:end]
            expected_sorted = fresh.sort(fresh.filter(query), "size")
            assert index.select(query, "size") == expected_sorted, target[:end]


def test_narrowing_reuses_the_previous_result(corpus: tuple[list[Message], QueueIndex]) -> None:
    """A narrowing query searches only the previous result (seen by planting a row that the
    previous result excluded: it must not come back)."""
    _, index = corpus
    first = index.filter(parse_query("gmail"))
    index._last = (parse_query("gmail"), first[:3])
    assert index.filter(parse_query("gmail refused")) == [
        r for r in first[:3] if "refused" in index.hay[r]
    ]
    index.forget_previous()


def test_within_does_not_poison_the_narrowing_cache(
    corpus: tuple[list[Message], QueueIndex],
) -> None:
    messages, index = corpus
    index.forget_previous()
    index.filter(parse_query("gmail"), within=[0, 1, 2])
    assert index.filter(parse_query("gmail refused")) == _reference(
        messages, parse_query("gmail refused")
    )


def test_unicode_that_grows_when_lowercased_keeps_fields_apart() -> None:
    m = Message("deferred", "AB1", NOW, 10, "İİİ@x.org", [Recipient("bob@y.org", "Refused")])
    index = QueueIndex([m], now=NOW)
    assert index.filter(parse_query("to:bob")) == [0]
    assert index.filter(parse_query("from:x.org")) == [0]
    assert index.filter(parse_query("to:x.org")) == []
    assert index.filter(parse_query("reason:refused")) == [0]
    assert index.senders == ("İİİ@x.org".lower(),)


def test_sort_keys_and_stability(corpus: tuple[list[Message], QueueIndex]) -> None:
    messages, index = corpus
    rows = list(range(len(messages)))
    by_size = index.sort(rows, "size")
    assert [messages[r].message_size for r in by_size] == sorted(m.message_size for m in messages)
    oldest_first = index.sort(rows, "age", reverse=True)
    assert messages[oldest_first[0]].arrival_time == min(m.arrival_time for m in messages)
    counts = [len(messages[r].recipients) for r in index.sort(rows, "recipients")]
    assert counts == sorted(counts)
    firsts = [
        messages[r].recipients[0].address.lower() if messages[r].recipients else ""
        for r in index.sort(rows, "recipient")
    ]
    assert firsts == sorted(firsts)
    # Ties keep row order.
    same_queue = [r for r in index.sort(rows, "queue") if messages[r].queue_name == "hold"]
    assert same_queue == sorted(same_queue)
    with pytest.raises(ValueError, match="unknown sort key"):
        index.sort(rows, "colour")


def test_row_of_and_recipient_count(corpus: tuple[list[Message], QueueIndex]) -> None:
    messages, index = corpus
    assert index.row_of(messages[42].queue_id) == 42
    assert index.row_of("NOPE") is None
    assert index.recipient_count(42) == len(messages[42].recipients)


@pytest.mark.parametrize("reason", REASONS)
def test_cluster_term_selects_exactly_its_cluster(
    corpus: tuple[list[Message], QueueIndex], reason: str
) -> None:
    """What the reasons screen drills down with: every message with a recipient in that
    cluster and nothing else, quotes and slashes in the reason included."""
    messages, index = corpus
    cluster = normalise_reason(reason)
    expected = [
        row
        for row, m in enumerate(messages)
        if any(normalise_reason(r.delay_reason) == cluster for r in m.recipients)
    ]
    index.forget_previous()
    assert expected and index.filter(cluster_term(cluster)) == expected


def test_cluster_term_survives_quotes_slashes_and_regex_characters() -> None:
    hostile = 'said: 550 "no" a/b (x+y)* [z] \\d $1 ^'
    messages = [
        Message("deferred", "AAAAA1", NOW, 10, "a@b.c", [Recipient("x@y.z", hostile)]),
        Message("deferred", "AAAAA2", NOW, 10, "a@b.c", [Recipient("x@y.z", hostile + "!")]),
    ]
    index = QueueIndex(messages, now=NOW)
    assert index.filter(cluster_term(normalise_reason(hostile))) == [0]


def test_search_columns_are_built_on_first_use_only() -> None:
    messages = random_messages(200, seed=3)
    index = QueueIndex(messages, now=NOW)
    assert not index.searchable
    rows = index.select(parse_query(""), "age", reverse=True)
    assert rows == sorted(range(200), key=lambda r: -messages[r].arrival_time, reverse=True)
    assert index.row_of(messages[5].queue_id) == 5
    assert not index.searchable  # listing in age order needs none of them
    assert index.filter("gmail") == _reference(messages, parse_query("gmail"))
    assert index.searchable


def test_concurrent_builds_build_once() -> None:
    import threading

    messages = random_messages(3000, seed=4)
    index = QueueIndex(messages, now=NOW)
    seen: list[int] = []
    threads = [threading.Thread(target=lambda: seen.append(id(index.hay))) for _ in range(4)] + [
        threading.Thread(target=index.build_search_columns) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1 and id(index.hay) == seen[0]
    fresh = QueueIndex(messages, now=NOW)
    assert index.hay == fresh.hay and index.rc_domain == fresh.rc_domain
    assert index.senders == fresh.senders


def test_unknown_attributes_still_raise() -> None:
    index = QueueIndex([], now=NOW)
    with pytest.raises(AttributeError):
        index.no_such_column  # noqa: B018


def test_select_cost_says_how_many_rows_a_selection_searches() -> None:
    messages = random_messages(400, seed=5)
    index = QueueIndex(messages, now=NOW)
    assert index.select_cost("gmail", "age", True) == 400  # nothing sorted or indexed yet
    index.build_search_columns()
    index.select("", "age", True)
    assert index.select_cost("", "age", True) == 0
    assert index.select_cost("gmail", "age", True) == 400
    first = index.select("gmail", "age", True)
    assert 0 < len(first) < 400
    assert index.select_cost("gmail.com", "age", True) == len(first)  # narrows
    assert index.select_cost("yahoo", "age", True) == 400  # does not narrow
    assert index.select_cost("gmail.com", "size", False) == 400  # other order, not sorted yet


#: Every column an index has once it is searchable (the reordered copy must rebuild each).
_COLUMNS = [
    *("ids", "queues", "arrivals", "sizes", "hay", "addr_at", "addr_end", "rc_start"),
    *("rc_domain", "rc_row", "domains", "senders", "_reason_pick", "rc_reason", "rc_cluster"),
]


@pytest.mark.parametrize("step", [7, 10_000])
def test_arrival_ordered_copy_has_the_columns_of_an_index_built_in_that_order(
    step: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy renumbers rows oldest first (ties in listing order) and permutes every
    column: exactly what indexing the messages in that order gives, haystacks copied. It
    is built in steps (the GIL is free between them): step boundaries must not show."""
    monkeypatch.setattr(index_module, "_STEP", step)
    messages = random_messages(400, seed=3)
    for m in messages[::2]:  # many ties: arrivals to the hour
        m.arrival_time -= m.arrival_time % 3600
    index = QueueIndex(messages, now=NOW)
    assert not index.arrival_ordered
    ordered = index.in_arrival_order()
    oldest_first = sorted(messages, key=lambda m: m.arrival_time)
    fresh = QueueIndex(oldest_first, now=NOW)
    assert list(ordered.messages) == oldest_first and ordered.now == NOW
    assert ordered.arrival_ordered and fresh.arrival_ordered
    for name in _COLUMNS:
        assert getattr(ordered, name) == getattr(fresh, name), name
    originals = set(map(id, index.hay))
    assert not any(id(h) in originals for h in ordered.hay)  # laid out anew, in row order
    assert ordered.row_of(oldest_first[7].queue_id) == 7
    assert ordered.select("", "age", reverse=True) == list(range(len(messages)))
    # The original is untouched.
    assert list(index.messages) == messages and index.row_of(messages[7].queue_id) == 7


def test_an_index_already_in_arrival_order_is_its_own_ordered_copy() -> None:
    messages = sorted(random_messages(50, seed=4), key=lambda m: m.arrival_time)
    index = QueueIndex(messages, now=NOW)
    assert index.arrival_ordered and index.in_arrival_order() is index
    assert index.searchable


@pytest.mark.parametrize("text", QUERIES)
def test_arrival_ordered_copy_filters_equal_the_reference(text: str) -> None:
    messages = random_messages(300, seed=9)
    ordered = QueueIndex(messages, now=NOW).in_arrival_order()
    query = parse_query(text)
    expected = _reference(ordered.messages, query)
    assert ordered.filter(query) == expected
    assert ordered.select(query, "age", reverse=True) == expected
    assert ordered.select(query, "size") == ordered.sort(expected, "size")


@pytest.mark.parametrize("ordered", [False, True], ids=["listing order", "arrival order"])
def test_character_masks_give_the_rows_a_scan_gives(
    ordered: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One-character free-text terms (a filter's first key) are answered from the masks:
    same rows as scanning, negated too, in every order; other terms still scan."""
    monkeypatch.setattr(index_module, "_STEP", 64)  # several steps per mask
    messages = random_messages(500, seed=12)
    plain = QueueIndex(messages, now=NOW)
    masked = QueueIndex(messages, now=NOW)
    if ordered:
        plain, masked = plain.in_arrival_order(), masked.in_arrival_order()
    assert not masked.has_char_masks
    masked.build_char_masks()
    assert masked.has_char_masks and set(masked._char_masks) == set(index_module.MASK_CHARS)
    scans: list[str] = []
    contains = index_module._contains

    def counted(hay, needle, negate, rows):  # type: ignore[no-untyped-def]
        scans.append(needle)
        return contains(hay, needle, negate, rows)

    monkeypatch.setattr(index_module, "_contains", counted)
    subset = list(range(len(messages)))[::-3]
    for text in ["b", "-b", "@", "9", "-.", "x", "İ", "bo"]:
        query = parse_query(text)
        for index in (plain, masked):
            index.forget_previous()
        assert masked.filter(query) == plain.filter(query), text
        assert masked.filter(query, within=subset) == plain.filter(query, within=subset)
        for key, reverse in (("age", True), ("size", False)):
            masked.forget_previous()
            plain.forget_previous()
            assert masked.select(query, key, reverse) == plain.select(query, key, reverse)
    # Single characters of MASK_CHARS: only the plain index scanned (4 calls per text,
    # "b" and "-b"); longer needles and other characters: both did.
    assert scans.count("b") == 8 and scans.count("@") == 4 and scans.count(".") == 4
    assert scans.count("bo") == 8 and scans.count("i̇") == 8


def test_cluster_term_of_a_reason_with_control_and_bidi_characters_is_visible_and_exact() -> None:
    """The reasons screen's drill-down puts this term in the filter bar: no raw U+202E or
    ESC in it (they are written as regex escapes), and it still selects exactly the cluster,
    not the look-alike that has ``?`` where the hidden characters are."""
    hostile = "said: 451 \u202egnp \x1b[2J [bold red]x[/] slow down"
    lookalike = "said: 451 ?gnp ?[2J [bold red]x[/] slow down"
    messages = [
        Message("deferred", "AAAAA1", NOW, 10, "a@b.c", [Recipient("x@y.z", hostile)]),
        Message("deferred", "AAAAA2", NOW, 10, "a@b.c", [Recipient("x@y.z", lookalike)]),
        Message("deferred", "AAAAA3", NOW, 10, "a@b.c", [Recipient("q@y.z", hostile)]),
    ]
    term = cluster_term(normalise_reason(hostile))
    assert "\u202e" not in term and "\x1b" not in term
    assert "\\u202e" in term and "\\x1b" in term
    assert QueueIndex(messages, now=NOW).filter(term) == [0, 2]
