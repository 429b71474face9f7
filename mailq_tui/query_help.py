"""The query language explained to the user, written once for every place that shows it:
``mailq-tui help query``, the app's help screen (``?``) and the man page.

The text is a small document (:class:`Section` of paragraphs and term/meaning entries) so each
place renders it in its own medium: :func:`as_text` for a terminal, :func:`as_roff` for the man
page, and the help screen builds rich renderables from the same sections. The field table is
generated from :data:`~mailq_tui.model.query.FIELDS` (aliases), ``RECIPIENT_FIELDS`` and
``REGEX_FIELDS``, so a field added to the parser without a description here fails loudly
(``KeyError`` in :func:`field_entries`, and the help tests).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Union

from mailq_tui.model.query import FIELDS, RECIPIENT_FIELDS, REGEX_FIELDS
from mailq_tui.model.queues import QUEUE_NAMES


@dataclass(frozen=True)
class Entry:
    """One term and what it means (a row of a definition list)."""

    term: str
    meaning: str


#: A paragraph, or a list of entries.
Block = Union[str, tuple[Entry, ...]]


@dataclass(frozen=True)
class Section:
    """A titled part of a help text."""

    title: str
    blocks: tuple[Block, ...]


#: Per canonical field: the value's placeholder and what the term selects.
_FIELD_MEANINGS: dict[str, tuple[str, str]] = {
    "from": (
        "TEXT",
        "The sender address contains TEXT. from:<> is the null sender (bounces and other "
        "notifications; postqueue prints it as MAILER-DAEMON); from:MAILER-DAEMON is a plain "
        "substring and also finds MAILER-DAEMON@host senders.",
    ),
    "to": ("TEXT", "A recipient address contains TEXT."),
    "domain": (
        "DOMAIN",
        "A recipient's domain is DOMAIN or a subdomain of it: domain:example.com matches "
        "example.com and mx1.example.com. domain:.example.com matches subdomains only (as in "
        "transport_maps).",
    ),
    "reason": (
        "TEXT",
        "A recipient's delay reason (why Postfix deferred it, as postqueue shows it) "
        "contains TEXT.",
    ),
    "cluster": (
        '"REASON"',
        "A recipient's reason, normalised the way the reasons screen and mailq-tui reasons "
        "group reasons (addresses, hosts, IPs, ids and numbers replaced by <addr>, <host>, "
        "<ip>, <id>, N), is exactly REASON (case-insensitive). Drilling down from the reasons "
        "screen writes this term for you.",
    ),
    "queue": (
        "NAMES",
        "The message is in one of the comma-separated queues: "
        + ", ".join(QUEUE_NAMES)
        + " (queue:all is every queue). Example: queue:deferred,hold.",
    ),
    "age": (
        "RANGE",
        "Time since the message arrived. age:>2h is older than two hours, age:<30m younger "
        "than 30 minutes, age:1h..1d between the two (both ends included); >= and <= include "
        "the bound, > and < do not. Units: s, m, h, d, w (seconds to weeks); decimals work "
        "(age:>1.5h).",
    ),
    "size": (
        "RANGE",
        "Message size, with the forms of age: size:>1m is bigger than 1 MiB, size:<10k "
        "smaller than 10 KiB, size:1k..2m between. Units: k, m, g in either case, base 1024; "
        "a bare number is bytes.",
    ),
    "id": (
        "PREFIX",
        "The queue id starts with PREFIX (case-insensitive); a whole id is its own prefix.",
    ),
}


def _canonical_fields() -> list[str]:
    """The canonical field names, in the order :data:`FIELDS` first names them."""
    return list(dict.fromkeys(FIELDS.values()))


def field_entries() -> tuple[Entry, ...]:
    """One entry per field of the parser, its aliases and whether it takes a regex or is
    matched per recipient, all read from the query module itself."""
    entries = []
    for field in _canonical_fields():
        placeholder, meaning = _FIELD_MEANINGS[field]
        names = [field] + [
            alias for alias, name in FIELDS.items() if name == field and alias != field
        ]
        term = ", ".join(f"{name}:{placeholder}" for name in names)
        notes = []
        if field in REGEX_FIELDS:
            notes.append(f"{field}:/regex/ takes a regular expression instead.")
        if field in RECIPIENT_FIELDS:
            notes.append("Matched per recipient (see Recipients).")
        entries.append(Entry(term, " ".join([meaning, *notes])))
    return tuple(entries)


def _regex_fields() -> str:
    """The fields that take a /regex/, as ``from:, to:, …`` in the parser's order."""
    return ", ".join(f"{f}:" for f in _canonical_fields() if f in REGEX_FIELDS)


def _recipient_fields() -> str:
    """The recipient-scoped fields, as ``to:, domain:, …`` in the parser's order."""
    return ", ".join(f"{f}:" for f in _canonical_fields() if f in RECIPIENT_FIELDS)


#: Incident examples: (command line, what it is for). Tests run every query through the parser.
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("mailq-tui reasons queue:deferred", "What is failing, counted: the first look."),
    (
        "mailq-tui groups --by domain queue:deferred 'age:>1h'",
        "Which destinations have been stuck for more than an hour.",
    ),
    (
        "mailq-tui ls domain:gmail.com 'reason:/rate.limit|too many/'",
        "Mail to Gmail deferred by its rate limits (one recipient must match both terms).",
    ),
    (
        "mailq-tui ls --ids 'reason:\"connection timed out\" age:>4h'",
        "Queue ids of mail a dead host has held up for four hours, for other tools.",
    ),
    (
        "mailq-tui hold --dry-run from:newsletter@example.com",
        "What holding a runaway sender's mail would catch; drop --dry-run to do it.",
    ),
    (
        "mailq-tui delete --dry-run 'from:<> reason:\"user unknown\"'",
        "Bounces to unknown users (backscatter) that will never be delivered.",
    ),
    (
        "mailq-tui hold --dry-run -- -domain:example.com queue:deferred",
        "Deferred mail with no recipient at example.com: a negated word follows --.",
    ),
    (
        "mailq-tui requeue domain:example.net",
        "After fixing DNS or a transport for example.net: requeue its mail.",
    ),
    ("mailq-tui release queue:hold 'age:<1h'", "Release what was put on hold in the last hour."),
    ("mailq-tui ls 'size:>10m' --sort size", "Big messages, biggest last."),
    ("mailq-tui flush --site example.org", "Try the deferred mail for example.org now."),
)


SECTIONS: tuple[Section, ...] = (
    Section(
        "The query language",
        (
            "One language selects messages in the app's filter bar (/) and in the commands "
            "that take a QUERY (ls, reasons, groups, shape, delete, hold, release, requeue). "
            "A query is a list of terms separated by spaces; a message is selected when "
            "every term holds (there is no OR: use a regex alternation /a|b/ or a queue "
            "list). Matching ignores case.",
        ),
    ),
    Section(
        "Words and phrases",
        (
            (
                Entry(
                    "word",
                    "A word without a field matches a substring of the queue id, the sender, "
                    "any recipient address or any delay reason.",
                ),
                Entry(
                    '"two words"',
                    "Double quotes keep spaces in one term, bare or after a field: "
                    'reason:"too many connections". The phrase ends at the next double quote; '
                    'an empty "" is an error (it would match every message).',
                ),
                Entry(
                    "/regex/",
                    "A regular expression (Python syntax) searched in the id, sender, "
                    "recipients and reasons, each on its own line, so ^ and $ anchor one "
                    "field. Write a slash inside as \\/.",
                ),
                Entry(
                    "@name",
                    'A saved filter: the query saved as name = "..." under [filters] in '
                    "~/.config/mailq-tui/config.toml or /etc/mailq-tui/config.toml, as if "
                    "typed in its place (@stuck-gmail -queue:hold). An unknown name, -@name "
                    "and a filter that refers to itself are errors. To search for text "
                    'starting with @, quote it ("@example.com") or give a field '
                    "(to:@example.com).",
                ),
                Entry(
                    "-term",
                    "Negation: any term with a leading minus (-reason:greylisted, -/regex/, "
                    "-word). On the command line, put -- before the query when one of its "
                    "words starts with a minus: mailq-tui ls -- -reason:greylisted.",
                ),
            ),
        ),
    ),
    Section("Fields", ("A field name, a colon and a value, with no space after the colon.",)),
    Section(
        "Recipients",
        (
            "A message has one sender and one or more recipients, each with its own delay "
            f"reason. The recipient terms ({_recipient_fields()}) are scoped to ONE "
            "recipient: to:gmail reason:refused selects a message only when the same "
            "recipient matches both, not when one recipient is at gmail and another was "
            "refused.",
            "With at least one positive recipient term, the negated recipient terms apply "
            "to that same recipient: domain:gmail.com -reason:greylisted selects a message "
            "with a gmail.com recipient that was not greylisted.",
            "With only negated recipient terms, they apply to the whole message: "
            "-domain:gmail.com selects messages with no recipient in gmail.com. This is the "
            "careful reading, since actions act on whole messages.",
            "The other terms (from:, queue:, age:, size:, id: and free words) are about the "
            "whole message.",
        ),
    ),
    Section(
        "On the command line",
        (
            "The QUERY words are joined with single spaces and read exactly like the filter "
            "bar: mailq-tui ls 'to:gmail reason:greylist' (one shell word), mailq-tui ls "
            "to:gmail reason:greylist (two words) and the same text typed after / select the "
            "same messages. Keep a phrase's quotes inside one shell word: mailq-tui hold "
            "'reason:\"too many connections\"'. Quote every term with a shell character: "
            "age:>2h unquoted is age: with the output sent to a file named 2h, so write "
            "'age:>2h', 'size:<10k', 'from:<>' and '/a|b/'.",
            "delete, hold, release and requeue refuse (exit status 2) when the query is empty "
            "or selects every message in the queue (two or more): pass --all when you mean "
            "the whole queue. --all never widens a query; it only allows one that happens to "
            "select everything. Before acting they print how the query was read and how many "
            "messages it selects; --dry-run stops there and prints the ids. In the app, "
            "every action asks first and shows the same count.",
        ),
    ),
    Section("Examples", (tuple(Entry(command, what) for command, what in EXAMPLES),)),
)


def sections() -> tuple[Section, ...]:
    """The whole query help, with the field table (generated) in its section."""
    return tuple(
        Section(s.title, (*s.blocks, field_entries())) if s.title == "Fields" else s
        for s in SECTIONS
    )


#: Terms this short share a line with their meaning in plain text (like argparse's options).
_SAME_LINE = 3


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` in lines of ``width``, indented; never split inside a word such as
    ``from:MAILER-DAEMON``, where a hyphen is part of what the user types."""
    return textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def as_text(parts: Sequence[Section], width: int = 80) -> str:
    """``parts`` as plain text for a terminal ``width`` columns wide: titles in capitals,
    paragraphs indented by 2, each entry's meaning by 6 under its term (beside a short one)."""
    width = max(width, 40)
    lines: list[str] = []
    for section in parts:
        if lines:
            lines.append("")
        lines.append(section.title.upper())
        for block in section.blocks:
            if isinstance(block, str):
                lines.extend(wrap(block, width, "  "))
                lines.append("")
                continue
            for entry in block:
                meaning = wrap(entry.meaning, width, " " * 6)
                if len(entry.term) <= _SAME_LINE:
                    # A short term (an exit status) heads its meaning's first line.
                    meaning[0] = "  " + entry.term.ljust(4) + meaning[0][6:]
                else:
                    lines.append("  " + entry.term)
                lines.extend(meaning)
        while lines and not lines[-1]:
            lines.pop()
    return "\n".join(lines) + "\n"


def _roff_escape(text: str) -> str:
    """``text`` safe on a roff text line: backslashes and hyphens escaped (``\\-`` prints a
    real minus, which commands and options need), a leading dot or quote made literal."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def as_roff(parts: Iterable[Section]) -> str:
    """``parts`` as man(7) markup: a ``.SS`` per titled section, ``.PP`` paragraphs and
    ``.TP`` entries with the term in bold. (The man page puts it under its own ``.SH``.)"""
    lines: list[str] = []
    for section in parts:
        if section.title:
            lines.append(".SS " + _roff_escape(section.title))
        for block in section.blocks:
            if isinstance(block, str):
                lines += [".PP", _roff_escape(block)]
                continue
            for entry in block:
                lines += [
                    ".TP",
                    "\\fB" + _roff_escape(entry.term) + "\\fR",
                    _roff_escape(entry.meaning),
                ]
    return "\n".join(lines)
