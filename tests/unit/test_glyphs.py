"""The glyph set follows the terminal: ASCII under a non-UTF-8 locale or on a console without
these glyphs, Unicode otherwise; and the ASCII set really is ASCII."""

from __future__ import annotations

import dataclasses

import pytest

from mailq_tui import glyphs
from mailq_tui.glyphs import ASCII, UNICODE, choose
from mailq_tui.safe_text import visible

UTF8_XTERM = {"LANG": "en_US.UTF-8", "TERM": "xterm-256color"}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (UTF8_XTERM, UNICODE),
        ({"LANG": "C.utf8", "TERM": "xterm"}, UNICODE),
        ({"LANG": "C", "TERM": "xterm-256color"}, ASCII),
        ({"LC_ALL": "C", "LANG": "en_US.UTF-8", "TERM": "xterm-256color"}, ASCII),
        ({"LC_ALL": "C.UTF-8", "LANG": "C", "TERM": "xterm-256color"}, UNICODE),
        ({"LC_CTYPE": "POSIX", "LANG": "en_US.UTF-8", "TERM": "xterm"}, ASCII),
        ({"LANG": "de_DE.ISO-8859-1", "TERM": "xterm"}, ASCII),
        ({"LANG": "de_DE@euro", "TERM": "xterm"}, ASCII),
        ({"TERM": "xterm-256color"}, ASCII),  # no locale at all is the POSIX locale
        ({"LANG": "en_US.UTF-8", "TERM": "linux"}, ASCII),
        ({"LANG": "en_US.UTF-8", "TERM": "vt100"}, ASCII),
        ({"LANG": "en_US.UTF-8", "TERM": "vt220-am"}, ASCII),
        ({"LANG": "en_US.UTF-8", "TERM": "dumb"}, ASCII),
        ({"LANG": "en_US.UTF-8", "TERM": "screen-256color"}, UNICODE),
        ({"LANG": "C", "TERM": "xterm", "MAILQ_TUI_GLYPHS": "unicode"}, UNICODE),
        ({**UTF8_XTERM, "MAILQ_TUI_GLYPHS": "ASCII"}, ASCII),
    ],
)
def test_glyph_set_follows_locale_and_term(environ: dict[str, str], expected: object) -> None:
    assert choose(environ) is expected


def test_the_ascii_set_is_ascii_and_the_cut_mark_one_cell() -> None:
    for field in dataclasses.fields(ASCII):
        value = getattr(ASCII, field.name)
        texts = list(value.values()) if isinstance(value, dict) else [value]
        for text in texts:
            if isinstance(text, str):
                assert text.isascii(), (field.name, text)
    assert len(ASCII.cut) == len(UNICODE.cut) == 1
    assert len(ASCII.levels) == len(UNICODE.levels)


def test_current_is_chosen_from_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    glyphs.use(None)
    monkeypatch.setenv("LANG", "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
    monkeypatch.delenv("MAILQ_TUI_GLYPHS", raising=False)
    assert glyphs.current() is ASCII
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert glyphs.current() is ASCII  # decided once: a running app does not change its mind


def test_visible_cuts_with_the_glyph_sets_mark() -> None:
    assert visible("abcdef", 4) == "abc…"
    glyphs.use(ASCII)
    assert visible("abcdef", 4) == "abc~"
    assert visible("a\x1b[2J\u202eb") == "a\\x1b[2J\\u202eb"
