"""Making untrusted mail text safe to show: control characters become visible escapes.

Senders, recipients, reasons and headers come from strangers. They may carry terminal escape
sequences (ESC ...), carriage returns that overwrite a line, bidirectional overrides that
reorder what is shown, and any length. :func:`visible` turns each such character into a
visible ``\\xNN`` / ``\\u202e`` escape so it is displayed, never interpreted. Markup is not this
module's business: the UI renders strings as plain ``Text``, never as markup.
"""

from __future__ import annotations

from typing import Optional

from mailq_tui.glyphs import current as glyphs


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_CONTROL_CODES = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
#: Bidirectional embeddings/overrides/isolates and the line/paragraph separators.
_FORMAT_CODES = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029, 0x200E, 0x200F]
_TABLE = {code: _escape(code) for code in (*_CONTROL_CODES, *_FORMAT_CODES)}
_UNSAFE = frozenset(chr(code) for code in _TABLE)


def is_unsafe(char: str) -> bool:
    """True when the one character ``char`` is shown as an escape by :func:`visible`."""
    return char in _UNSAFE


def has_unsafe(text: str) -> bool:
    """True when ``text`` holds a character that :func:`visible` would escape."""
    return not _UNSAFE.isdisjoint(text)


def visible_lines(text: str) -> str:
    """:func:`visible` applied to each line of ``text``: its line breaks are kept (for
    multi-line messages: notifications, dialogs), every other unsafe character is escaped."""
    return "\n".join(visible(line) for line in text.split("\n"))


def visible(text: str, limit: Optional[int] = None) -> str:
    """``text`` with control and bidi-format characters shown as escapes, cut to ``limit``.

    A string with nothing to escape is returned as it is (the common case, kept fast).
    """
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + glyphs().cut
    if _UNSAFE.isdisjoint(text):
        return text
    return text.translate(_TABLE)
