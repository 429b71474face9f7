"""Untrusted mail text is made visible, never interpreted."""

from __future__ import annotations

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
