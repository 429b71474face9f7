"""How the CLI prints messages, groups and reports: tables, ``--json``, ``--csv``, ``--ids``.

Mail-derived text (addresses, reasons) is untrusted: control characters are made visible
before anything reaches a terminal (:func:`mailq_tui.safe_text.visible`), and ``--csv`` cells
that a spreadsheet would run as a formula are neutralised (:func:`csv_cell`). ``--json`` stays
exact: it is data for programs, which must treat it as untrusted text themselves.
"""

from __future__ import annotations

import csv
import io
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Optional, TextIO

import msgspec

from mailq_tui.formatting import short_age, short_size
from mailq_tui.model.message import Message
from mailq_tui.report_text import report_summary
from mailq_tui.reports import ActionReport
from mailq_tui.safe_text import visible

CSV_FIELDS = ("queue_id", "queue", "arrival_time", "size", "sender", "recipient", "delay_reason")


def sender_text(msg: Message) -> str:
    """The envelope sender, ``<>`` for the null sender."""
    return "<>" if msg.is_null_sender else visible(msg.sender)


def print_ids(messages: Iterable[Message], out: Optional[TextIO] = None) -> None:
    """One queue id per line (feeds ``postsuper -d -`` and friends)."""
    print_id_lines((m.queue_id for m in messages), out)


def print_id_lines(ids: Iterable[str], out: Optional[TextIO] = None) -> None:
    """One queue id per line."""
    out = out or sys.stdout
    out.writelines(f"{qid}\n" for qid in ids)


def print_json(messages: Iterable[Message], out: Optional[TextIO] = None) -> None:
    """One ``postqueue -j`` style JSON object per line (JSON Lines)."""
    out = out or sys.stdout
    encoder = msgspec.json.Encoder()
    for msg in messages:
        out.write(encoder.encode(msg).decode())
        out.write("\n")


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
#: A leading tab or CR (OWASP lists them too) is already an escape after :func:`visible`.
FORMULA_STARTS = ("=", "+", "-", "@")


def csv_cell(text: str) -> str:
    """``text`` made inert for whoever reads the file: control and bidi characters shown as
    escapes (:func:`visible`: the CSV may be read on a terminal; a tab or CR becomes
    ``\\x09`` / ``\\x0d``), and a cell starting with ``= + - @`` gets a leading single quote
    (``'=cmd|...``), as OWASP advises against formula injection."""
    text = visible(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def print_csv(messages: Iterable[Message], out: Optional[TextIO] = None) -> None:
    """CSV with one row per (message, recipient); mail-derived cells go through
    :func:`csv_cell` (``--json`` stays exact: it is data, not a sheet)."""
    out = out or sys.stdout
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for msg in messages:
        sender = "<>" if msg.is_null_sender else csv_cell(msg.sender)
        for rcpt in msg.recipients or ():
            writer.writerow(
                (
                    csv_cell(msg.queue_id),
                    msg.queue_name,
                    msg.arrival_time,
                    msg.message_size,
                    sender,
                    csv_cell(rcpt.address),
                    csv_cell(rcpt.delay_reason),
                )
            )


def print_table(
    messages: Sequence[Message],
    now: Optional[float] = None,
    out: Optional[TextIO] = None,
    width: int = 120,
) -> None:
    """A ``mailq``-like table, one line per message, cut to ``width`` columns."""
    out = out or sys.stdout
    now = time.time() if now is None else now
    out.write(f"{'QUEUE ID':<16} {'QUEUE':<8} {'AGE':>5} {'SIZE':>6}  SENDER -> RECIPIENTS\n")
    for msg in messages:
        rcpts = msg.recipients
        first = visible(rcpts[0].address) if rcpts else "-"
        more = f" (+{len(rcpts) - 1})" if len(rcpts) > 1 else ""
        reason = msg.first_reason
        line = (
            f"{msg.queue_id:<16} {msg.queue_name:<8} {short_age(now - msg.arrival_time):>5} "
            f"{short_size(msg.message_size):>6}  {sender_text(msg)} -> {first}{more}"
        )
        if reason:
            line += f"  [{visible(reason)}]"
        out.write(line[:width] + "\n")


def format_report(report: ActionReport, verbose: bool = False) -> str:
    """A report as text lines: the summary, then skipped ids, errors and notes."""
    buf = io.StringIO()
    buf.write(visible(report_summary(report)) + "\n")
    for qid, why in report.skipped:
        buf.write(f"  skipped {visible(qid)}: {visible(why)}\n")
    for err in report.errors:
        buf.write(f"  error: {visible(err)}\n")
    if verbose:
        for qid, outcome in sorted(report.outcomes.items()):
            buf.write(f"  {qid}: {outcome}\n")
    return buf.getvalue()
