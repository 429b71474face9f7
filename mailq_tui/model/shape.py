"""A qshape equivalent computed from listing data, so ordinary users get it too.

It follows ``/usr/sbin/qshape`` (Postfix 3.7): ages come from the arrival time; with the default
options bucket 1 is ``[0, t)`` minutes and bucket k >= 2 is ``[t·2^(k-2), t·2^(k-1))``, the last
bucket taking everything older; ``-l`` makes buckets linear (``[t·(k-1), t·k)``). Columns are
labelled by their upper bound (``T 5 10 20 … 1280 1280+``). Recipient domains count
recipients; sender domains (``-s``) count messages, the null sender as ``MAILER-DAEMON``.
Domains are lowercased, ``..`` collapsed and surrounding dots stripped. Rows are sorted by total,
then by domain length, like qshape (which leaves further ties in hash order).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Optional

from mailq_tui.model.message import Message
from mailq_tui.model.query import regex_literal
from mailq_tui.safe_text import has_unsafe, visible

DEFAULT_BUCKETS = 10
DEFAULT_WIDTH = 5.0
TOTAL = "TOTAL"


@dataclass
class Shape:
    """The table: ``headings`` (T and bucket labels) and, per domain, the counts
    ``[total, bucket1, …, bucketN]``; ``rows`` is sorted like qshape, TOTAL first."""

    headings: list[str]
    rows: list[tuple[str, list[int]]]
    #: Age range in minutes of each bucket (1-based, like the columns): (low, high or None).
    bounds: list[tuple[float, Optional[float]]] = field(default_factory=list)
    by: str = "rcpt"

    def counts(self) -> dict[str, list[int]]:
        """Domain -> counts, for comparisons and lookups."""
        return dict(self.rows)


def bucket_of(age_seconds: float, buckets: int, width: float, linear: bool) -> int:
    """The 1-based bucket of an age, as qshape's ``bucket()`` computes it."""
    m = age_seconds / (60 * width)
    if m < 1:
        return 1
    b = int(m + 1) if linear else 2 + int(math.log(m) / math.log(2))
    return b if b < buckets else buckets


def _labels(buckets: int, width: float, linear: bool) -> list[str]:
    """Column headings, computed the way qshape's ``results()`` does."""
    heads: list[str] = []
    t, label = 0.0, ""
    for i in range(buckets + 1):
        heads.append("T" if i == 0 else label)
        if i + 1 < buckets:
            t += t if (t and not linear) else width
            label = _fmt_minutes(t)
        elif i + 1 == buckets:
            label = f"{_fmt_minutes(t)}+"
    return heads


def _fmt_minutes(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _bounds(buckets: int, width: float, linear: bool) -> list[tuple[float, Optional[float]]]:
    out: list[tuple[float, Optional[float]]] = []
    for b in range(1, buckets + 1):
        if linear:
            low, high = width * (b - 1), width * b
        else:
            low = 0.0 if b == 1 else width * 2 ** (b - 2)
            high = width * 2 ** (b - 1) if b > 1 else width
        out.append((low, None if b == buckets else high))
    return out


def _clean_domain(address: str) -> str:
    """qshape's domain clean-up: after the last ``@``, ``..`` -> ``.``, one dot trimmed each end."""
    domain = address[address.rfind("@") + 1 :]
    domain = domain.replace("..", ".")
    if len(domain) > 1 and domain.startswith("."):
        domain = domain[1:]
    if len(domain) > 1 and domain.endswith("."):
        domain = domain[:-1]
    return domain


def shape_domains(msg: Message, by: str) -> list[str]:
    """The domains ``msg`` counts under: each recipient's (``rcpt``), or its sender's
    (``sender``; the null sender as ``MAILER-DAEMON``)."""
    if by == "sender":
        return ["MAILER-DAEMON" if msg.is_null_sender else _clean_domain(msg.sender.lower())]
    return [_clean_domain(r.address.lower()) for r in msg.recipients]


def compute_shape(
    messages: Sequence[Message],
    now: float,
    by: str = "rcpt",
    queues: Optional[Sequence[str]] = None,
    buckets: int = DEFAULT_BUCKETS,
    first_width: float = DEFAULT_WIDTH,
    linear: bool = False,
) -> Shape:
    """The qshape table of ``messages`` (only those in ``queues`` when given)."""
    if by not in ("rcpt", "sender"):
        raise ValueError("by must be 'rcpt' or 'sender'")
    wanted = set(queues) if queues else None
    buckets = max(1, buckets)
    entries = (
        (bucket_of(now - msg.arrival_time, buckets, first_width, linear), shape_domains(msg, by))
        for msg in messages
        if wanted is None or msg.queue_name in wanted
    )
    return shape_of(entries, by, buckets, first_width, linear)


def shape_of(
    entries: Iterable[tuple[int, Sequence[str]]],
    by: str = "rcpt",
    buckets: int = DEFAULT_BUCKETS,
    first_width: float = DEFAULT_WIDTH,
    linear: bool = False,
) -> Shape:
    """The qshape table of ``entries``: (its 1-based age bucket, the domains it counts under)
    per message (:func:`bucket_of`, :func:`shape_domains`), in listing order."""
    buckets = max(1, buckets)
    table: dict[str, list[int]] = {TOTAL: [0] * (buckets + 1)}
    total = table[TOTAL]
    for b, domains in entries:
        for domain in domains:
            counts = table.get(domain)
            if counts is None:
                counts = table[domain] = [0] * (buckets + 1)
            counts[0] += 1
            counts[b] += 1
            total[0] += 1
            total[b] += 1
    rows = sorted(table.items(), key=lambda kv: (-kv[1][0], len(kv[0])))
    return Shape(
        _labels(buckets, first_width, linear), rows, _bounds(buckets, first_width, linear), by
    )


def format_shape(shape: Shape, top: Optional[int] = None, width: int = 80) -> str:
    """The table laid out exactly as qshape prints it (``top``: at most that many domains),
    except that a domain's control and bidi characters are shown as escapes."""
    total = shape.counts().get(TOTAL, [0] * len(shape.headings))
    col_widths = []
    dw = max(width, 80)
    for i, head in enumerate(shape.headings):
        w = max(len(str(total[i])), len(head))
        w = w + 1 if w > 2 else 3
        col_widths.append(w)
        dw -= w
    dw = max(dw, 18)

    def line(name: str, cells: Sequence[object]) -> str:
        name = visible(name)  # a domain from a stranger: control and bidi characters as escapes
        if len(name) > dw:
            shown = (
                ".+" + name[len(name) - dw + 2 :]
                if name.startswith(".")
                else "+" + name[len(name) - dw + 1 :]
            )
        else:
            shown = name.rjust(dw)
        return shown + "".join(str(c).rjust(w) for c, w in zip(cells, col_widths)) + "\n"

    out = [line("", shape.headings)]
    domains = shape.rows if top is None else shape.rows[: top + 1]
    out.extend(line(name, counts) for name, counts in domains)
    return "".join(out)


def cell_query(shape: Shape, domain: str, bucket: int) -> str:
    """A query selecting the messages of one cell (``bucket`` 0 = the whole row)."""
    parts = []
    plain = not (_UNSAFE_VALUE.search(domain) or domain.startswith("/") or has_unsafe(domain))
    if domain == TOTAL:
        pass
    elif shape.by == "sender" and domain == "MAILER-DAEMON":
        parts.append("from:<>")
    elif shape.by == "sender":
        parts.append(f"from:@{domain}" if plain else f"from:/@{regex_literal(domain)}$/")
    else:
        parts.append(f"domain:{domain}" if plain else f"domain:/^{regex_literal(domain)}$/")
    if bucket > 0:
        low, high = shape.bounds[bucket - 1]
        low_s = f"{_fmt_minutes(low)}m"
        parts.append(f"age:>={low_s}" if high is None else f"age:{low_s}..{_fmt_minutes(high)}m")
    return " ".join(parts)


#: Characters that end or quote a bare query value (control and bidi characters are written
#: as escapes inside a regex, see :func:`regex_literal`).
_UNSAFE_VALUE = re.compile(r'[\s"]')
