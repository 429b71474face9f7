"""How a selection was read, before anything acts on it: the query in one canonical spelling,
how many messages it selects in which queues, whether that is the whole queue, and warnings;
and which messages a site flush covers (:func:`site_flush_candidates`).

One home for the CLI's bulk actions and the app's confirm dialog. A query's normalised text
shows the operator how their words were parsed: ``-domain:"hostile.example queue:deferred"``
reveals one term where two were meant. A negated term that matches no message excludes
nothing, so a typo (``-domain:hostlie.example``) silently selects everything: that is a
warning.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from mailq_tui.formatting import breakdown_text, plural
from mailq_tui.model.index import QueueIndex
from mailq_tui.model.message import QUEUE_NAMES, Message
from mailq_tui.model.query import Query, Range, Term
from mailq_tui.safe_text import visible

#: Longest query text or warning shown (mail-derived text can be long).
SHOWN_LIMIT = 200


@dataclass(frozen=True)
class SelectionSummary:
    """What a query selected out of a listing (texts already made visible)."""

    #: The query in canonical spelling ("" for the empty query).
    query_text: str
    #: How many messages are selected, of how many listed.
    selected: int
    total: int
    #: Selected messages per queue, in Postfix's queue order.
    per_queue: dict[str, int]
    #: True when the query has no term (it matches every message).
    empty_query: bool = False
    #: One line per suspicious term.
    warnings: tuple[str, ...] = ()

    @property
    def whole_queue(self) -> bool:
        """True when every listed message is selected and there is more than one (a single
        message is always shown by its id before anything acts on it)."""
        return self.total > 1 and self.selected == self.total

    @property
    def needs_all(self) -> bool:
        """True when a bulk action on this selection needs the operator's explicit ``--all``."""
        return self.empty_query or self.whole_queue


def summarise(index: QueueIndex, query: Query, rows: Sequence[int]) -> SelectionSummary:
    """The summary of ``rows`` (selected by ``query``) out of everything in ``index``."""
    return SelectionSummary(
        query_text=visible(normalise(query), SHOWN_LIMIT),
        selected=len(rows),
        total=len(index),
        per_queue=per_queue(index.messages[r] for r in rows),
        empty_query=query.is_empty,
        warnings=tuple(_warnings(index, query)),
    )


def streamed_summary(
    query: Query, selected: Sequence[Message], total: int, probed: Sequence[bool]
) -> SelectionSummary:
    """The summary of ``selected`` out of ``total`` listed messages, made while the listing
    streamed (:class:`~mailq_tui.model.streamed.StreamedSelection`); ``probed``: for each
    query of :func:`negation_probes`, whether any listed message matched it. The same
    summary as :func:`summarise` gives for the same listing."""
    unmatched = [t for t, hit in zip(_negated(query), probed) if not hit]
    return SelectionSummary(
        query_text=visible(normalise(query), SHOWN_LIMIT),
        selected=len(selected),
        total=total,
        per_queue=per_queue(selected),
        empty_query=query.is_empty,
        warnings=tuple(_excludes_nothing(t) for t in unmatched),
    )


def negation_probes(query: Query) -> list[Query]:
    """For each negated term of ``query``, the query of its positive form: a negated term
    that matches no listed message excludes nothing (a likely typo, see the warnings)."""
    return [Query((t,)) for t in _negated(query)]


def _negated(query: Query) -> list[Term]:
    """The positive form of each negated term of ``query``."""
    return [replace(term, negate=False) for term in query.terms if term.negate]


def _excludes_nothing(positive: Term) -> str:
    text = visible(term_text(positive), SHOWN_LIMIT)
    return f"-{text} excludes nothing: no message matches {text}"


def per_queue(messages: Iterable[Message]) -> dict[str, int]:
    """How many of ``messages`` are in each queue, in Postfix's queue order."""
    counts = Counter(m.queue_name for m in messages)
    ordered = {q: counts[q] for q in QUEUE_NAMES if counts.get(q)}
    for q, n in counts.items():
        ordered.setdefault(q, n)
    return ordered


def queue_breakdown(messages: Iterable[Message]) -> str:
    """``30 deferred, 7 hold``: how many of ``messages`` are in each queue."""
    return breakdown_text(per_queue(messages))


def site_flush_candidates(messages: Iterable[Message], site: str) -> list[Message]:
    """The messages ``postqueue -s SITE`` covers: in the deferred queue, with at least one
    recipient whose domain (the text after the last ``@``) is ``site`` exactly,
    case-insensitively; a subdomain is another site.

    That is what Postfix's fast-flush log holds: a deferral appends the recipient's domain and
    the queue id, and ``postqueue -s`` asks the flush daemon to deliver those. Held mail is never
    flushed (release it first), and mail in maildrop/incoming/active is already on its way. The
    engine's per-message fallback (``postqueue -i``) flushes exactly these.
    """
    wanted = site.lower()
    if not wanted or "@" in wanted:  # no domain after the last @ can be empty or hold an @
        return []
    # The domain is `wanted` exactly when the lowercased address ends with "@" + wanted (it
    # holds no @): one string test per recipient (a listing may hold 500k messages).
    suffix = "@" + wanted
    return [
        m
        for m in messages
        if m.queue_name == "deferred"
        and any(r.address.lower().endswith(suffix) for r in m.recipients)
    ]


def site_flush_line(site: str, candidates: Sequence[Message]) -> str:
    """``3 deferred messages with a recipient at example.com``: what a site flush covers, said
    the same way by the confirm dialog and the CLI."""
    return f"{plural(len(candidates), 'deferred message')} with a recipient at {visible(site, 60)}"


def _warnings(index: QueueIndex, query: Query) -> Iterable[str]:
    """A line for each negated term that matches no message of the listing at all."""
    for positive in _negated(query):
        if not index.filter(Query((positive,)), remember=False):
            yield _excludes_nothing(positive)


def describe(summary: SelectionSummary, label: str = "Query") -> list[str]:
    """The summary as lines: the query as read, the counts, then the warnings."""
    return [query_line(summary, label), count_line(summary), *warning_lines(summary)]


def query_line(summary: SelectionSummary, label: str = "Query") -> str:
    """``Query: domain:example.com -reason:greylisted`` (or says it is empty)."""
    return f"{label}: {summary.query_text or '(empty: matches every message)'}"


def count_line(summary: SelectionSummary) -> str:
    """``Selects 140 of 231 messages (120 deferred, 20 hold).``, or ALL of them."""
    queues = f" ({breakdown_text(summary.per_queue)})" if summary.per_queue else ""
    if summary.whole_queue:
        return f"Selects ALL {summary.total} messages in the queue{queues}."
    return f"Selects {summary.selected} of {summary.total} messages{queues}."


def warning_lines(summary: SelectionSummary) -> list[str]:
    """``Warning: …`` for each warning."""
    return [f"Warning: {w}" for w in summary.warnings]


# ---------------------------------------------------------------------- canonical spelling


def normalise(query: Query) -> str:
    """The query with every term in one canonical spelling, separated by single spaces.

    Parsing the result gives the same terms (field aliases resolved, values as matched).
    """
    return " ".join(("-" if t.negate else "") + term_text(t) for t in query.terms)


def term_text(term: Term) -> str:
    """One term, without its negation, in canonical spelling: ``domain:example.com``,
    ``reason:"too many connections"``, ``from:<>``, ``age:>2h``, ``queue:deferred,hold``."""
    value = term.value
    if term.field == "null_sender":
        return "from:<>"
    prefix = "" if term.field == "text" else f"{term.field}:"
    if isinstance(value, re.Pattern):
        return f"{prefix}/{value.pattern}/"
    if isinstance(value, Range):
        return prefix + _range_text(term.field, value)
    if isinstance(value, frozenset):
        return prefix + _queues_text(value)
    return prefix + _quoted(term.field, value)


_FIELD_LIKE = re.compile(r"^[A-Za-z]+:")


def _quoted(field: str, value: str) -> str:
    """``value`` as the parser reads it back: quoted when it is empty, holds white space,
    or would read as a quote, a regex, a negation, another field or a saved filter."""
    needs = not value or any(c.isspace() for c in value) or value[0] in '"/'
    if field == "text":
        needs = needs or value[0] in "-@" or bool(_FIELD_LIKE.match(value))
    return f'"{value}"' if needs else value


def _queues_text(names: frozenset[str]) -> str:
    if names >= frozenset(QUEUE_NAMES):
        return "all"
    return ",".join(q for q in QUEUE_NAMES if q in names)


_AGE_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_SIZE_UNITS = (("G", 1024**3), ("M", 1024**2), ("k", 1024), ("", 1))


def _amount_text(field: str, amount: float) -> str:
    """The largest unit that writes ``amount`` as a whole number (``7200`` -> ``2h``)."""
    units = _AGE_UNITS if field == "age" else _SIZE_UNITS
    for unit, size in units:
        if amount >= size and amount % size == 0:
            return f"{int(amount // size)}{unit}"
    return f"{amount:g}{units[-1][0]}"


def _range_text(field: str, bounds: Range) -> str:
    low = None if bounds.low is None else _amount_text(field, bounds.low)
    high = None if bounds.high is None else _amount_text(field, bounds.high)
    if low is not None and high is not None:
        return f"{low}..{high}"
    if low is not None:
        return (">=" if bounds.include_low else ">") + low
    return ("<=" if bounds.include_high else "<") + str(high)
