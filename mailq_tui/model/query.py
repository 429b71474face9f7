"""The query language shared by the filter bar and the CLI.

==================  ==========================================================================
``word``            free text: case-insensitive substring of id, sender, a recipient or a reason
``"two words"``     a quoted free phrase
``/regex/``         free regex (case-insensitive; ``^``/``$`` anchor each field)
``from:x``          sender contains x (``sender:`` too); ``from:<>`` is the null sender
``to:x``            a recipient address contains x (``rcpt:`` too)
``domain:d``        a recipient domain is d or a subdomain of d; ``domain:.d`` subdomains only
``reason:x``        a recipient's delay reason contains x
``cluster:"k"``     a recipient's reason normalises to exactly k (the reasons screen's clusters)
``queue:a,b``       in one of these queues (deferred, active, incoming, hold, maildrop)
``age:>2h``         older than 2h; ``age:<30m`` younger; ``age:1h..1d`` between (units s m h d w)
``size:>1M``        bigger than 1 MiB; ``size:<10k``; ``size:1k..2M`` (units k M G, base 1024)
``id:ABC``          queue id starts with ABC (case-insensitive)
``-term``           negation of any term above
``field:/re/``      a regex instead of a substring (from, to, domain, reason, cluster, id)
``field:"a b"``     a quoted value
``@name``           a saved filter (from the config file): its terms, as if typed in its place
==================  ==========================================================================

The CLI joins its query words with single spaces and parses the result exactly like the filter
bar: ``mailq-tui ls 'to:gmail reason:greylist'`` (one shell word), ``mailq-tui ls to:gmail
reason:greylist`` (two) and the same text typed in the bar select the same messages. A phrase
keeps its quotes inside one shell word: ``mailq-tui ls 'reason:"too many connections"'``.
An empty phrase (``""``, ``to:""``) is an error: it would match every message.

``@name`` stands for the text of the saved filter ``name`` (:func:`parse_query`'s ``saved``):
``@stuck-gmail -queue:hold`` reads as ``domain:gmail.com age:>2h -queue:hold`` when
``stuck-gmail = "domain:gmail.com age:>2h"``, with the recipient rules below applied to the
whole. An unknown name, ``-@name`` (a negated set of terms is not a term of this language) and
a saved filter that refers to itself (directly or through others) are errors, never a
selection of everything. A free word starting with ``@`` is therefore always a saved filter:
quote it to search for the text (``"@example.com"``, or ``to:@example.com``).

Several terms must all hold. Recipient terms (``to:``, ``domain:``, ``reason:``, ``cluster:``) are
scoped to
ONE recipient: ``to:gmail reason:refused`` matches a message only when the same recipient
matches both. With at least one positive recipient term, negated recipient terms apply to that
same recipient (``domain:gmail.com -reason:greylisted``: a gmail recipient that is not
greylisted). With only negated recipient terms, they apply to the whole message:
``-domain:gmail.com`` keeps only messages with no recipient in gmail.com (the conservative
reading, since bulk actions act on whole messages).

Matching is on lowercase text. Substrings and regexes without an uppercase letter are matched
as typed against it; a regex with an uppercase letter (``/[A-Z]x/``) is compiled with
``re.IGNORECASE``. A free ``/regex/`` searches the fields of a message one per line
(``^``/``$`` anchor a field), so a regex that can match a line break could span two fields.
``cluster:`` compares a recipient's whole normalised reason (see
:func:`mailq_tui.model.reasons.normalise_reason`) with the value, case-insensitively; it is what
the reasons screen drills down with (:func:`cluster_term` writes such a term).
``from:<>`` (also ``sender:<>``) is the null sender, which ``postqueue -j`` prints as
``MAILER-DAEMON``; ``from:MAILER-DAEMON`` is a substring and so also finds
``MAILER-DAEMON@host`` senders. ``id:`` is a case-insensitive prefix (a whole id is its own
prefix). Sizes use base 1024 (``1k`` = 1024 bytes). ``age:A..B`` and ``size:A..B`` include both
ends; ``>``/``<`` exclude the bound and ``>=``/``<=`` include it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Optional, Union

from mailq_tui.model.queues import QUEUE_NAMES
from mailq_tui.safe_text import has_unsafe, is_unsafe, visible

#: Field aliases -> canonical field names.
FIELDS = {
    "from": "from",
    "sender": "from",
    "to": "to",
    "rcpt": "to",
    "recipient": "to",
    "domain": "domain",
    "reason": "reason",
    "cluster": "cluster",
    "queue": "queue",
    "q": "queue",
    "age": "age",
    "size": "size",
    "id": "id",
}
#: Fields matched per recipient.
RECIPIENT_FIELDS = frozenset({"to", "domain", "reason", "cluster"})
#: Fields whose value may be a /regex/.
REGEX_FIELDS = frozenset({"text", "from", "to", "domain", "reason", "cluster", "id"})

_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class QuerySyntaxError(ValueError):
    """A malformed query: ``message`` says what was expected, ``position`` where (0-based)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at column {position + 1})")
        self.message = message
        self.position = position


class SavedFilterCycle(QuerySyntaxError):
    """A saved filter that refers to itself, directly or through others (its message names
    the whole chain, so it is not prefixed again by each saved filter it passes through)."""


@dataclass(frozen=True)
class Range:
    """A numeric interval; either end may be open (None)."""

    low: Optional[float] = None
    high: Optional[float] = None
    include_low: bool = True
    include_high: bool = False

    def within(self, other: Range) -> bool:
        """True when every value in this range is in ``other``."""
        if other.low is not None:
            if self.low is None or self.low < other.low:
                return False
            if self.low == other.low and self.include_low and not other.include_low:
                return False
        if other.high is not None:
            if self.high is None or self.high > other.high:
                return False
            if self.high == other.high and self.include_high and not other.include_high:
                return False
        return True


@dataclass(frozen=True)
class Term:
    """One query term. ``value`` is a lowercase string, a compiled regex, a Range or a
    frozenset of queue names, depending on ``field``."""

    field: str
    value: Union[str, re.Pattern[str], Range, frozenset[str]]
    negate: bool = False
    #: The term as typed (for messages and narrowing checks).
    source: str = ""

    @property
    def is_regex(self) -> bool:
        """True when the value is a compiled regular expression."""
        return isinstance(self.value, re.Pattern)

    def implies(self, other: Term) -> bool:
        """True when every message (or recipient, for recipient terms) matching self also
        matches ``other``: a cheap check that is never wrong when it says True."""
        if self == other:
            return True
        if self.negate and other.negate:
            # not-A implies not-B when B implies A.
            return _value_implies(other.field, other.value, self.field, self.value)
        if self.negate or other.negate:
            return False
        return _value_implies(self.field, self.value, other.field, other.value)


#: Fields whose (positive, substring) value is also found by a free word with that value.
_IN_HAYSTACK = frozenset({"from", "to", "reason", "id"})


def _value_implies(field: str, value: object, other_field: str, other_value: object) -> bool:
    """Whether matching (field, value) implies matching (other_field, other_value)."""
    if isinstance(value, re.Pattern) or isinstance(other_value, re.Pattern):
        return field == other_field and value == other_value
    if other_field == "text" and field in _IN_HAYSTACK | {"text"}:
        return str(other_value) in str(value)
    if field != other_field:
        return False
    if field == "id":
        return str(value).startswith(str(other_value))
    if field in ("from", "to", "reason"):
        return str(other_value) in str(value)
    if field == "domain":
        mine, theirs = str(value), str(other_value)
        if mine.lstrip(".") == theirs.lstrip("."):
            return mine.startswith(".") or not theirs.startswith(".")
        return mine.lstrip(".").endswith("." + theirs.lstrip("."))
    if field == "queue" and isinstance(value, frozenset) and isinstance(other_value, frozenset):
        return value <= other_value
    if field in ("age", "size") and isinstance(value, Range) and isinstance(other_value, Range):
        return value.within(other_value)
    return field == "null_sender"


@dataclass(frozen=True)
class Query:
    """A parsed query: all ``terms`` must hold (see the module docstring).

    ``text``: the text parsed, with every ``@name`` replaced by its saved filter's text (so
    ``parse_query(query.text)`` gives the same terms without the saved filters); the text as
    given when it has no ``@name``.
    """

    terms: tuple[Term, ...] = ()
    text: str = ""

    @property
    def is_empty(self) -> bool:
        """True for the query that matches everything."""
        return not self.terms

    def narrows(self, previous: Query) -> bool:
        """True when this query can only match a subset of what ``previous`` matched, so
        filtering may start from ``previous``'s result instead of the whole queue.

        Recipient terms are only compared when both queries have the same recipient terms
        apart from extended substrings (their per-recipient coupling makes anything else
        unsafe to reason about cheaply).
        """
        if previous.is_empty:
            return True
        return all(any(t.implies(p) for t in self.terms) for p in previous.terms) and (
            _recipient_shape(self) == _recipient_shape(previous)
        )


def _recipient_shape(query: Query) -> tuple[tuple[str, bool], ...]:
    return tuple(sorted((t.field, t.negate) for t in query.terms if t.field in RECIPIENT_FIELDS))


_TOKEN = re.compile(r"\s+")


def _read_value(text: str, pos: int) -> tuple[str, str, int]:
    """Read one value at ``pos``: ``("quoted"|"regex"|"bare", value, end)``."""
    if pos < len(text) and text[pos] == '"':
        end = text.find('"', pos + 1)
        if end < 0:
            raise QuerySyntaxError('unterminated quote: expected a closing "', pos)
        return "quoted", text[pos + 1 : end], end + 1
    if pos < len(text) and text[pos] == "/":
        end = pos + 1
        while end < len(text):
            if text[end] == "\\":
                end += 2
                continue
            if text[end] == "/":
                return "regex", text[pos + 1 : end], end + 1
            end += 1
        raise QuerySyntaxError("unterminated regex: expected a closing /", pos)
    match = _TOKEN.search(text, pos)
    end = match.start() if match else len(text)
    return "bare", text[pos:end], end


_ESCAPE = re.compile(r"\\.")


def _compile_regex(pattern: str, pos: int) -> re.Pattern[str]:
    """Compile a user regex for lowercase text: case-insensitive matching is had for free
    when the pattern has no uppercase letter (``re.IGNORECASE`` makes searches ~4x slower)."""
    flags = re.MULTILINE
    if _ESCAPE.sub("", pattern) != _ESCAPE.sub("", pattern).lower():
        flags |= re.IGNORECASE
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise QuerySyntaxError(f"invalid regex /{pattern}/: {exc.msg}", pos) from exc


def domain_test(value: object) -> Callable[[str], bool]:
    """A test of one lowercase domain for a ``domain:`` value: ``d`` is d or a subdomain,
    ``.d`` only a subdomain (transport_maps semantics), a regex searches the domain."""
    if isinstance(value, re.Pattern):
        search = value.search
        return lambda domain: search(domain) is not None
    text = str(value)
    if text.startswith("."):
        return lambda domain: domain.endswith(text)
    dotted = "." + text
    return lambda domain: domain == text or domain.endswith(dotted)


_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)([a-zA-Z]*)$")


def _amount(text: str, units: dict[str, int], what: str, pos: int) -> float:
    match = _NUMBER.match(text.strip())
    unit = match.group(2).lower() if match else ""
    if not match or unit not in units:
        raise QuerySyntaxError(
            f"{what}: expected a number with a unit ({'/'.join(u for u in units if u)}), "
            f'got "{text}"',  # shown through visible() by the filter bar and the CLI
            pos,
        )
    return float(match.group(1)) * units[unit]


def _range(field: str, value: str, pos: int) -> Range:
    units = _AGE_UNITS if field == "age" else _SIZE_UNITS
    example = (
        "age:>2h, age:<30m or age:1h..1d"
        if field == "age"
        else "size:>1M, size:<10k or size:1k..2M"
    )
    if ".." in value:
        low, _, high = value.partition("..")
        if not low or not high:
            raise QuerySyntaxError(f"{field}: expected {example}", pos)
        lo, hi = _amount(low, units, field, pos), _amount(high, units, field, pos)
        return Range(min(lo, hi), max(lo, hi), include_high=True)
    for op in (">=", "<=", ">", "<"):
        if value.startswith(op):
            amount = _amount(value[len(op) :], units, field, pos + len(op))
            if op[0] == ">":
                return Range(low=amount, include_low=op == ">=")
            return Range(high=amount, include_high=op == "<=")
    raise QuerySyntaxError(f"{field}: expected {example}", pos)


def _make_term(field: str, kind: str, value: str, negate: bool, pos: int, source: str) -> Term:
    if kind == "regex":
        if field not in REGEX_FIELDS:
            raise QuerySyntaxError(f"{field}: does not take a /regex/", pos)
        return Term(field, _compile_regex(value, pos), negate, source)
    if field in ("age", "size"):
        return Term(field, _range(field, value, pos), negate, source)
    if field == "queue":
        names = frozenset(v.strip().lower() for v in value.split(",") if v.strip())
        unknown = sorted(names - set(QUEUE_NAMES) - {"all"})
        if not names or unknown:
            raise QuerySyntaxError(
                f"queue: expected a comma list of {', '.join(QUEUE_NAMES)}"
                + (f", not {', '.join(unknown)}" if unknown else ""),
                pos,
            )
        return Term(field, frozenset(QUEUE_NAMES) if "all" in names else names, negate, source)
    if field == "from" and value.strip() in ("<>", '""', ""):
        if value.strip() == "" and kind == "bare":
            raise QuerySyntaxError("from: expected a value (from:<> is the null sender)", pos)
        return Term("null_sender", "", negate, source)
    if not value and kind == "bare":
        raise QuerySyntaxError(f"{field}: expected a value after the colon", pos)
    if not value and field != "cluster":
        # An empty substring is in every text: the term would select everything unseen.
        raise QuerySyntaxError(
            'an empty "" matches every message: put text between the quotes', pos
        )
    if field == "domain":
        return Term(field, value.lower().rstrip("."), negate, source)
    return Term(field, value.lower(), negate, source)


def regex_literal(text: str) -> str:
    """``text`` as a regex matching it literally, written to sit inside a query's ``/…/``:
    regex characters and ``/`` escaped, and every control or bidi character written as the
    ``\\xNN`` / ``\\uNNNN`` escape :func:`~mailq_tui.safe_text.visible` shows (``re``
    reads both), so the query is safe to show in the filter bar and still selects the same."""
    return "".join(
        visible(char) if is_unsafe(char) else re.escape(char).replace("/", "\\/") for char in text
    )


def cluster_term(cluster: str) -> str:
    """The query term selecting recipients whose reason normalises to ``cluster`` exactly:
    ``cluster:"…"``, or an anchored :func:`regex_literal` when the text holds a double quote
    or a character that is not safe to show (a control or bidi character)."""
    if '"' not in cluster and not has_unsafe(cluster):
        return f'cluster:"{cluster}"'
    return "cluster:/^" + regex_literal(cluster) + "$/"


#: What a saved filter may be called (``@name`` in a query; a key of the config's ``[filters]``).
SAVED_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")


def parse_query(text: str, saved: Optional[Mapping[str, str]] = None) -> Query:
    """Parse ``text``; raise :class:`QuerySyntaxError` with a position when malformed.

    ``saved``: the saved filters ``@name`` may refer to (name -> query text); without it any
    ``@name`` is an error.
    """
    return _parse(text, saved or {}, ())


def parse_saved_filter(name: str, saved: Mapping[str, str]) -> Query:
    """Parse the saved filter ``name`` of ``saved`` as ``@name`` would read it (a reference
    back to ``name`` is a cycle); errors are positioned in its own text."""
    return _parse(saved[name], saved, (name,))


def _parse(text: str, saved: Mapping[str, str], expanding: tuple[str, ...]) -> Query:
    """Parse ``text`` inside the saved filters ``expanding`` (outermost first)."""
    terms: list[Term] = []
    #: The text of each term, a saved filter's as its expanded text (see ``Query.text``).
    pieces: list[str] = []
    used_saved = False
    pos = 0
    length = len(text)
    while pos < length:
        if text[pos].isspace():
            pos += 1
            continue
        start = pos
        negate = False
        if text[pos] == "-" and pos + 1 < length and not text[pos + 1].isspace():
            negate = True
            pos += 1
        if text[pos] == "@":
            sub, end = _saved_filter(text, pos, negate, saved, expanding)
            terms.extend(sub.terms)
            pieces.append(sub.text)
            used_saved = True
            pos = end
            continue
        field = "text"
        colon = re.match(r"([A-Za-z]+):", text[pos:])
        if colon:
            name = colon.group(1).lower()
            if name not in FIELDS:
                known = ", ".join(sorted(set(FIELDS.values())))
                raise QuerySyntaxError(
                    f'unknown field "{name}:": expected one of {known} '
                    f'(quote text that contains a colon: "{name}:...")',
                    pos,
                )
            field = FIELDS[name]
            pos += colon.end()
        kind, value, end = _read_value(text, pos)
        if field == "text" and kind == "bare" and not value:
            raise QuerySyntaxError("expected a term after '-'", pos)
        terms.append(_make_term(field, kind, value, negate, pos, text[start:end]))
        pieces.append(text[start:end])
        pos = end
    return Query(tuple(terms), " ".join(pieces) if used_saved else text)


def _saved_filter(
    text: str, pos: int, negate: bool, saved: Mapping[str, str], expanding: tuple[str, ...]
) -> tuple[Query, int]:
    """The saved filter ``@name`` at ``pos``, parsed, and where its name ends."""
    _, word, end = _read_value(text, pos + 1)
    name = word if text[pos + 1 : pos + 2] not in ('"', "/") else ""
    known = ", ".join(f"@{n}" for n in sorted(saved)) or "none are configured"
    if not name:
        raise QuerySyntaxError(f"expected a saved filter's name after @ (saved: {known})", pos)
    if negate:
        raise QuerySyntaxError(
            f"-@{name}: a saved filter cannot be negated (negate its terms one by one)", pos - 1
        )
    if name not in saved:
        raise QuerySyntaxError(
            f"unknown saved filter @{name} (saved: {known}; "
            f'to search for the text, quote it: "@{name}")',
            pos,
        )
    if name in expanding:
        chain = " -> ".join(f"@{n}" for n in (*expanding, name))
        raise SavedFilterCycle(f"saved filter @{name} refers to itself: {chain}", pos)
    try:
        return _parse(saved[name], saved, (*expanding, name)), end
    except SavedFilterCycle as exc:
        raise SavedFilterCycle(exc.message, pos) from exc
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(f"in saved filter @{name}: {exc}", pos) from exc
