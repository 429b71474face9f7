"""Untrusted mail text is made visible, never interpreted (also by a spreadsheet opening
``ls --csv``)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from mailq_tui.cli_output import csv_cell, print_csv, print_json
from mailq_tui.safe_text import has_unsafe, is_unsafe, visible, visible_lines


def test_plain_text_is_returned_unchanged() -> None:
    text = "bob@example.org: 450 4.7.1 greylisted [see https://x]"
    assert visible(text) is text


def test_escape_sequences_and_carriage_returns_become_visible() -> None:
    shown = visible("a\x1b[2J\x1b]0;pwned\x07b\rc\nd")
    assert "\x1b" not in shown and "\r" not in shown and "\n" not in shown and "\x07" not in shown
    assert shown == "a\\x1b[2J\\x1b]0;pwned\\x07b\\x0dc\\x0ad"


def test_c1_controls_and_bidi_overrides_become_visible() -> None:
    shown = visible("x\x9b31my\u202egnp.exe\u2066")
    assert shown == "x\\x9b31my\\u202egnp.exe\\u2066"


def test_utf8_letters_are_kept() -> None:
    assert visible("josé@exämple.org ✉ 日本") == "josé@exämple.org ✉ 日本"


def test_limit_cuts_long_text_with_an_ellipsis() -> None:
    assert visible("a" * 10_000, limit=20) == "a" * 19 + "…"
    assert len(visible("\x1b" * 100, limit=10)) == 9 * 4 + 1


def test_visible_lines_keeps_line_breaks_and_escapes_the_rest() -> None:
    assert visible_lines("a\u202eb\nc\x1b[2J\r") == "a\\u202eb\nc\\x1b[2J\\x0d"


def test_unsafe_tests_agree_with_visible() -> None:
    for char in ("\x1b", "\u202e", "\x9b", "\u2066", "\n"):
        assert is_unsafe(char) and has_unsafe(f"x{char}y") and visible(char) != char
    assert not is_unsafe("é") and not has_unsafe("josé [b]x[/b]")


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_cells_that_a_spreadsheet_would_run_get_a_leading_quote(start: str) -> None:
    assert csv_cell(start + "cmd|'/Ccalc'!A0") == "'" + start + "cmd|'/Ccalc'!A0"


def test_csv_neutralises_every_mail_derived_cell_and_json_stays_exact() -> None:
    from mailq_tui.model.message import Message, Recipient

    evil = Message(
        "deferred",
        "ABC123",
        1_700_000_000,
        100,
        "=cmd|'/Ccalc'!A0@evil.example",
        [Recipient("+1@x.example", "-2 host said: =HYPERLINK()"), Recipient("ok@x.example", "")],
    )
    out = io.StringIO()
    print_csv([evil], out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["sender"] for r in rows] == ["'=cmd|'/Ccalc'!A0@evil.example"] * 2
    assert [r["recipient"] for r in rows] == ["'+1@x.example", "ok@x.example"]
    assert rows[0]["delay_reason"] == "'-2 host said: =HYPERLINK()"
    assert rows[0]["queue_id"] == "ABC123" and rows[0]["size"] == "100"
    out = io.StringIO()
    print_json([evil], out)
    assert json.loads(out.getvalue())["sender"] == "=cmd|'/Ccalc'!A0@evil.example"


def test_csv_cells_show_control_and_bidi_characters_as_escapes() -> None:
    """A CSV is often read with cat or less: no raw ESC or U+202E reaches the terminal."""
    assert csv_cell("host said: \x1b[2J\u202egnp") == "host said: \\x1b[2J\\u202egnp"
    # A leading tab or CR (which a spreadsheet would also act on) is an escape, no formula.
    assert csv_cell("\t=cmd") == "\\x09=cmd"
    assert csv_cell("\r=cmd") == "\\x0d=cmd"
