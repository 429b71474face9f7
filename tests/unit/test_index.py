"""The index against a plain reference implementation of the query semantics: every filter
path (columns, blocks, domain sets, per-recipient checks, narrowing, select) must give the
same rows as evaluating the documented rules message by message."""

from __future__ import annotations

import dataclasses
import random
import re
from array import array

import pytest

from mailq_tui.model import index as index_module
from mailq_tui.model import index_columns
from mailq_tui.model.index import SORT_KEYS, QueueIndex
from mailq_tui.model.index_columns import SearchColumns
from mailq_tui.model.message import NULL_SENDER, Message, Recipient
from mailq_tui.model.query import (
    FIELDS,
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
    "id:/1q$/",
    "-id:0001",
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
    "cluster:/refused/",
    "-cluster:/refused/",
    "domain:/^mx\\./",
    "-domain:/yahoo/",
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
    index._previous = index_module._Previous(parse_query("gmail"), None, first[:3])
    assert index.filter(parse_query("gmail refused")) == [
        r for r in first[:3] if "refused" in index.search_columns().hay[r]
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
    assert index.search_columns().senders == ("İİİ@x.org".lower(),)


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
    threads = [
        threading.Thread(target=lambda: seen.append(id(index.search_columns()))) for _ in range(4)
    ] + [threading.Thread(target=index.build_search_columns) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1 and id(index.search) == seen[0]
    _assert_same_columns(index.search, QueueIndex(messages, now=NOW).search_columns())


def _assert_same_columns(got: object, expected: object) -> None:
    """Two column records (:mod:`~mailq_tui.model.index_columns`) hold equal columns."""
    assert type(got) is type(expected)
    for field in dataclasses.fields(expected):  # type: ignore[arg-type]
        assert getattr(got, field.name) == getattr(expected, field.name), field.name


def test_building_the_search_columns_assigns_one_whole_record() -> None:
    """No hidden attributes: before the build the index says it has no search columns;
    the build adds nothing to the index but that one immutable record, so a reader on
    another thread sees all of the columns or none."""
    index = QueueIndex(random_messages(50, seed=2), now=NOW)
    assert index.search is None and not index.searchable
    before = dict(vars(index))
    index.build_search_columns()
    assert isinstance(index.search, SearchColumns) and index.searchable
    assert set(vars(index)) == set(before)
    assert {name for name, value in vars(index).items() if value is not before[name]} == {"search"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        index.search.hay = ()  # type: ignore[misc]
    assert "SearchColumns of 50 rows" in repr(index.search)


@pytest.mark.parametrize("text", QUERIES)
def test_an_index_without_search_columns_answers_as_one_with_them(text: str) -> None:
    """Queries that need the search columns build them on the way; the answers are those
    of an index whose columns were built first, through filter() and select()."""
    messages = random_messages(200, seed=6)
    built = QueueIndex(messages, now=NOW)
    built.build_search_columns()
    for order in (("age", True), ("size", False), ("sender", False)):
        lazy = QueueIndex(messages, now=NOW)
        assert lazy.search is None
        assert lazy.select(text, *order) == built.select(text, *order), order
    lazy = QueueIndex(messages, now=NOW)
    assert lazy.filter(text) == built.filter(text) == _reference(messages, parse_query(text))


def test_the_field_table_answers_every_field_of_the_query_language() -> None:
    """One record per field: every field a query can hold, and per-recipient tests for
    exactly the recipient-scoped ones."""
    table = index_module._FIELDS
    assert set(table) == {*FIELDS.values(), "text", "null_sender"}
    assert {name for name, f in table.items() if f.values and f.truth} == RECIPIENT_FIELDS
    with pytest.raises(ValueError, match="cannot filter on 'colour'"):
        QueueIndex(random_messages(5, seed=1), now=NOW).filter(Query((Term("colour", "red"),)))


def _sort_reference(m: Message, key: str) -> object:
    first = m.recipients[0].address.lower() if m.recipients else ""
    return {
        "id": m.queue_id.lower(),
        "queue": m.queue_name,
        "age": -m.arrival_time,
        "size": m.message_size,
        "sender": m.sender.lower(),
        "recipient": first,
        "domain": first.rpartition("@")[2],
        "reason": m.first_reason.lower(),
        "recipients": len(m.recipients),
    }[key]


@pytest.mark.parametrize("key", SORT_KEYS)
@pytest.mark.parametrize("reverse", [False, True])
def test_every_sort_key_orders_as_documented(key: str, reverse: bool) -> None:
    messages = random_messages(300, seed=8)
    index = QueueIndex(messages, now=NOW)
    expected = sorted(
        range(len(messages)), key=lambda r: _sort_reference(messages[r], key), reverse=reverse
    )
    assert index.sort(range(len(messages)), key, reverse) == expected
    assert index.select("", key, reverse) == expected


def test_the_sort_cycle_of_the_list_is_made_of_model_sort_keys() -> None:
    from mailq_tui.ui.columns import SORT_CYCLE

    assert SORT_CYCLE[0] == "age" and set(SORT_CYCLE) <= set(SORT_KEYS)


def test_filter_and_select_do_not_answer_from_each_others_results() -> None:
    """One remembered result serves both, but only a query in the same order may start
    from it: a select() in size order is not narrowed into row order, nor the reverse."""
    messages = random_messages(300, seed=10)
    index = QueueIndex(messages, now=NOW)
    fresh = QueueIndex(messages, now=NOW)
    expected = fresh.filter("gmail refused")
    index.filter("gmail")
    assert index.select("gmail refused", "size") == fresh.sort(expected, "size")
    assert index.filter("gmail refused to:carol") == fresh.filter("gmail refused to:carol")
    index.select("gmail", "size", True)
    assert index.filter("gmail refused") == expected
    assert index.select_cost("gmail refused", "size", True) == 300


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


def test_oldest_first_orders_by_arrival_ties_in_listing_order() -> None:
    messages = random_messages(400, seed=3)
    for m in messages[::2]:  # many ties: arrivals to the hour
        m.arrival_time -= m.arrival_time % 3600
    ordered = index_module.oldest_first(messages)
    assert ordered == sorted(messages, key=lambda m: m.arrival_time)  # sorted() is stable
    assert index_module.oldest_first(ordered) is ordered  # already in order: no copy
    assert index_module.oldest_first([]) == []


def test_an_index_of_messages_oldest_first_is_laid_out_for_the_default_view() -> None:
    """Indexed oldest first (as the app indexes a listing), the default view (oldest first)
    is the row order itself: no sort, and one-character masks answer without picking rows;
    ``in_arrival_order`` (for tests and benches) indexes an unordered index anew so."""
    messages = random_messages(400, seed=3)
    for m in messages[::2]:
        m.arrival_time -= m.arrival_time % 3600
    unordered = QueueIndex(messages, now=NOW)
    assert not unordered.arrival_ordered
    index = QueueIndex(index_module.oldest_first(messages), now=NOW)
    assert index.arrival_ordered and index._orders[("age", True)] == tuple(range(400))
    assert index.select("", "age", reverse=True) == list(range(len(messages)))
    assert index.sort(range(400), "age", reverse=True) == list(range(400))
    copy = unordered.in_arrival_order()
    assert copy is not unordered and copy.searchable
    assert list(copy.messages) == list(index.messages)
    _assert_same_columns(copy.listing, index.listing)
    _assert_same_columns(copy.search, index.search_columns())
    assert index.row_of(index.messages[7].queue_id) == 7
    # The original is untouched.
    assert list(unordered.messages) == messages and unordered.row_of(messages[7].queue_id) == 7


def test_numeric_columns_are_compact_arrays_and_senders_are_shared() -> None:
    messages = random_messages(300, seed=5)
    index = QueueIndex(messages, now=NOW)
    search = index.search_columns()
    for column in (index.listing.arrivals, index.listing.sizes, search.addr_at):
        assert isinstance(column, array)
    for column in (search.addr_end, search.rc_start, search.rc_row):
        assert isinstance(column, array)
    assert list(index.listing.arrivals) == [m.arrival_time for m in messages]
    assert list(index.listing.sizes) == [m.message_size for m in messages]
    assert list(search.senders) == [m.sender.lower() for m in messages]
    for row, sender in enumerate(search.senders):  # the sender block of the haystack
        start = len(messages[row].queue_id) + 1
        assert search.hay[row][start : search.addr_at[row] - 1] == sender
    by_value: dict[str, int] = {}
    for sender in search.senders:  # equal senders are one string
        assert by_value.setdefault(sender, id(sender)) == id(sender)
    assert len(by_value) < len(messages)


def test_an_index_already_in_arrival_order_is_its_own_ordered_copy() -> None:
    messages = sorted(random_messages(50, seed=4), key=lambda m: m.arrival_time)
    index = QueueIndex(messages, now=NOW)
    assert index.arrival_ordered and index.in_arrival_order() is index
    assert index.searchable


@pytest.mark.parametrize("text", QUERIES)
def test_an_oldest_first_index_filters_equal_the_reference(text: str) -> None:
    messages = random_messages(300, seed=9)
    original = QueueIndex(messages, now=NOW)
    ordered = original.in_arrival_order()
    query = parse_query(text)
    expected = _reference(ordered.messages, query)
    assert ordered.filter(query) == expected
    assert ordered.select(query, "age", reverse=True) == expected
    assert ordered.select(query, "size") == ordered.sort(expected, "size")
    # The same messages as the original answers, in the same order for every view.
    assert sorted(_ids(ordered, ordered.filter(query))) == sorted(
        _ids(original, original.filter(query))
    )
    for key, reverse in (("age", True), ("age", False), ("id", False), ("id", True)):
        assert _ids(ordered, ordered.select(query, key, reverse)) == _ids(
            original, original.select(query, key, reverse)
        ), (key, reverse)


def _ids(index: QueueIndex, rows: list[int]) -> list[str]:
    return [index.messages[r].queue_id for r in rows]


@pytest.mark.parametrize("ordered", [False, True], ids=["listing order", "arrival order"])
def test_character_masks_give_the_rows_a_scan_gives(
    ordered: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One-character free-text terms (a filter's first key) are answered from the masks:
    same rows as scanning, negated too, in every order; other terms still scan."""
    monkeypatch.setattr(index_columns, "STEP", 64)  # several steps per mask
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
    # A bare @ starts a saved filter (@name): the character itself is searched quoted.
    for text in ["b", "-b", '"@"', "9", "-.", "x", "İ", "bo"]:
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


def test_a_first_key_after_the_whole_list_is_answered_from_its_mask_without_picking_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After an empty query the cached order itself is remembered; on an oldest-first
    index a one-character filter narrowing it reads the mask alone (no row picking)."""
    messages = index_module.oldest_first(random_messages(300, seed=8))
    index = QueueIndex(messages, now=NOW)
    index.build_char_masks()
    assert index.select("", "age", True) == list(range(300))
    picked: list[object] = []
    masked = index._masked

    def spy(mask: bytes, negate: bool, rows: object) -> list[int]:
        picked.append(rows)
        return masked(mask, negate, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(index, "_masked", spy)
    rows = index.select("b", "age", True)
    assert picked == [index._orders[("age", True)]]  # the identity order: compress(range)
    assert rows == [i for i, hay in enumerate(index.search_columns().hay) if "b" in hay]


@pytest.mark.parametrize("count", [0, 1, 7, 8, 9, 64, 1001])
def test_masks_pack_one_bit_per_row(count: int) -> None:
    """A mask keeps one bit per row (an eighth of a byte per row) and unpacks to the flags
    it was packed from, whatever the count and the pattern."""
    rng = random.Random(count)
    for flags in (bytes(count), bytes([1]) * count, bytes(rng.randint(0, 1) for _ in range(count))):
        bits = index_columns.packed(flags)
        assert len(bits) == (count + 7) // 8
        assert index_columns.unpacked(bits, count) == flags
    hay = [f"row{i}" + ("@" if i % 3 == 0 else "") for i in range(count)]
    masks = index_columns.char_masks(hay, "@z")
    assert len(masks["@"]) == (count + 7) // 8
    assert index_columns.unpacked(masks["@"], count) == bytes(i % 3 == 0 for i in range(count))
    assert index_columns.unpacked(masks["z"], count) == bytes(count)
