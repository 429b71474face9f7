"""Parse classic ``mailq`` / ``postqueue -p`` text into :class:`Message` records.

Only needed for Postfix < 3.1, which has no ``postqueue -j``. The format (verified on 3.7)::

    -Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
    A947420C261*     360 Wed Nov 25 02:56:49  dave@sender.test
                                             slow1@slow.test

    A733120C202     386 Wed Nov 25 02:56:49  alice@sender.test
    (delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:10599: Connection refused)
                                             c@remote.test

    -- 3 Kbytes in 10 Requests.

The id carries ``*`` (active) or ``!`` (hold), then ``#`` (forced to expire). A reason in
parentheses is printed before the first recipient it applies to and again only when it
changes; short reasons are indented, long ones start in column 0. Dates are local time
without a year. An empty queue prints ``Mail queue is empty``.

Limits of the text format: maildrop/incoming/deferred cannot be told apart when there is no
flag; a message without any reason is reported as ``incoming``, one with a reason as
``deferred``. Arrival times have one-second resolution in both formats.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Optional

from mailq_tui.model.message import Message, Recipient

_ENTRY_RE = re.compile(
    r"^(?P<id>[0-9A-Za-z]+)(?P<status>[*!]?)(?P<expire>#?)\s+(?P<size>\d+)\s+"
    r"(?P<date>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)\s+(?P<sender>.*)$"
)
_REASON_RE = re.compile(r"^ {0,24}\((?P<reason>.*)\)\s*$")
_TOTAL_RE = re.compile(r"^-- (?P<kbytes>\d+) Kbytes in (?P<count>\d+) Requests?\.$")
_EMPTY = "Mail queue is empty"

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def arrival_epoch(text: str, now: Optional[float] = None) -> int:
    """Epoch seconds for a ``mailq`` date like ``Wed Nov 25 02:56:49`` (local time, no year).

    The year is the latest one that puts the date not in the future (a day of clock skew is
    tolerated), preferring a year whose weekday matches the printed one.
    """
    now_ts = time.time() if now is None else now
    wday, mon, day, hms = text.split()
    hour, minute, second = (int(x) for x in hms.split(":"))
    limit = datetime.fromtimestamp(now_ts) + timedelta(days=1)
    fallback: Optional[datetime] = None
    for year in range(limit.year, limit.year - 8, -1):
        try:
            when = datetime(year, _MONTHS[mon], int(day), hour, minute, second)
        except ValueError:  # Feb 29 in a common year
            continue
        if when > limit:
            continue
        if _DAYS[when.weekday()] == wday:
            return int(time.mktime(when.timetuple()))
        if fallback is None:
            fallback = when
    if fallback is None:
        raise ValueError(f"unparsable mailq date: {text!r}")
    return int(time.mktime(fallback.timetuple()))


def parse_mailq(text: str, now: Optional[float] = None) -> tuple[list[Message], list[str]]:
    """Parse ``mailq`` text into messages; returns (messages, warnings). Never raises."""
    messages: list[Message] = []
    recipients: list[list[Recipient]] = []  # of each message, made a tuple at the end
    warnings: list[str] = []
    current: Optional[Message] = None
    reason = ""
    total: Optional[int] = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip():
            current = None
            continue
        if line.startswith("-") and "Queue ID" in line:
            continue
        if line.strip() == _EMPTY:
            total = 0
            continue
        m = _TOTAL_RE.match(line.strip())
        if m:
            total = int(m.group("count"))
            continue
        m = _ENTRY_RE.match(line)
        if m and current is None:
            try:
                arrival = arrival_epoch(m.group("date"), now)
            except (ValueError, KeyError):
                warnings.append(f"mailq line {lineno}: bad date {m.group('date')!r}; skipped")
                continue
            status = m.group("status")
            queue = "active" if status == "*" else "hold" if status == "!" else "incoming"
            current = Message(
                queue_name=queue,
                queue_id=m.group("id"),
                arrival_time=arrival,
                message_size=int(m.group("size")),
                sender=m.group("sender").strip(),
                forced_expire=m.group("expire") == "#",
            )
            reason = ""
            messages.append(current)
            recipients.append([])
            continue
        if current is None:
            warnings.append(f"mailq line {lineno}: unexpected text; skipped")
            continue
        m = _REASON_RE.match(line)
        if m:
            reason = m.group("reason")
            if current.queue_name == "incoming":
                current.queue_name = "deferred"
            if reason == "reason unavailable":
                reason = ""
            continue
        recipients[-1].append(Recipient(address=line.strip(), delay_reason=reason))
    for message, found in zip(messages, recipients):
        message.recipients = tuple(found)
    if total is not None and total != len(messages):
        warnings.append(f"mailq reported {total} requests but {len(messages)} were parsed")
    return messages, warnings
