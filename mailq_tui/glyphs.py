"""The few non-ASCII glyphs mailq-tui draws itself, and the ASCII set used where they would
show as garbage.

A terminal whose locale is not UTF-8 (``LANG=C``, ``LC_ALL=POSIX``, ``en_US.ISO-8859-1``) or
whose console font lacks these glyphs (``TERM=linux``, ``vt100``) gets :data:`ASCII`; every
other terminal gets :data:`UNICODE`. The choice reads the environment variables, not
``locale.getpreferredencoding()``: Python switches itself to UTF-8 under the C locale (PEP 538,
PEP 540), which says nothing about what the terminal can draw. ``MAILQ_TUI_GLYPHS=ascii`` or
``unicode`` overrides the guess.

Decided once (:func:`current`, on first use) and replaceable for tests (:func:`use`). Mail text
is not ours: it goes through :func:`mailq_tui.safe_text.visible`, whose escapes are ASCII already.
No Textual and no rich here: the CLI, the postfix layer and the UI share it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Optional


@dataclass(frozen=True)
class Glyphs:
    """One set of glyphs; every field is a string of the same meaning in both sets."""

    ascii: bool
    #: Marks a cut inside a fixed-width cell: one cell wide in both sets.
    cut: str
    #: Ends a phrase that goes on ("reading the queue…").
    dots: str
    sort_up: str
    sort_down: str
    #: A marked message.
    mark: str
    expanded: str
    collapsed: str
    allowed: str
    denied: str
    #: Between the parts of the status bar.
    bar: str
    #: Between the items of a short list ("load 0.5 · smtp 3").
    dot: str
    #: Before an afterthought ("Postfix is NOT running: … — flush will not work").
    dash: str
    #: From one value to another ("60 → 80").
    arrow: str
    #: A list item.
    bullet: str
    #: Shown while the queue is being read.
    busy: str
    #: The sparkline's levels, lowest first.
    levels: str
    #: Key names the footer shows for arrows and Enter (Textual draws ``⏎ ↑ ↓``).
    keys: Mapping[str, str]
    #: The command palette's search icon (two cells wide).
    search: str
    #: How a line too long for its widget ends: rich's ``…``, or simply cut.
    overflow: Literal["ellipsis", "crop"]


UNICODE = Glyphs(
    ascii=False,
    cut="…",
    dots="…",
    sort_up="▲",
    sort_down="▼",
    mark="●",
    expanded="▾",
    collapsed="▸",
    allowed="✓",
    denied="✗",
    bar="│",
    dot="·",
    dash="—",
    arrow="→",
    bullet="•",
    busy="⟳",
    levels="▁▂▃▄▅▆▇█",
    keys={},
    search="🔎",
    overflow="ellipsis",
)

ASCII = Glyphs(
    ascii=True,
    cut="~",
    dots="...",
    sort_up="^",
    sort_down="v",
    mark="*",
    expanded="-",
    collapsed="+",
    allowed="yes",
    denied="no",
    bar="|",
    dot="-",
    dash="-",
    arrow="->",
    bullet="-",
    busy="*",
    levels="_.-=+*#@",
    keys={
        "enter": "Enter",
        "up": "Up",
        "down": "Down",
        "left": "Left",
        "right": "Right",
        "backspace": "BkSp",
    },
    search="> ",
    overflow="crop",
)

#: Terminal types whose fonts draw no more than ASCII (and line drawing, which Textual handles).
_ASCII_TERMS = frozenset({"linux", "dumb", "ansi", "cons25"})


def _locale_is_utf8(environ: Mapping[str, str]) -> bool:
    """Whether the locale that decides the character set (``LC_ALL``, else ``LC_CTYPE``, else
    ``LANG``; none set is the POSIX locale) names UTF-8 as its codeset."""
    name = next((environ[v] for v in ("LC_ALL", "LC_CTYPE", "LANG") if environ.get(v)), "C")
    codeset = name.partition(".")[2].partition("@")[0]
    return codeset.lower().replace("-", "").replace("_", "") == "utf8"


def _term_is_ascii(term: str) -> bool:
    """``linux``, ``vt100``, ``vt220-am``, ``dumb``: consoles without these glyphs."""
    base = term.split("-", 1)[0].lower()
    return base in _ASCII_TERMS or (base.startswith("vt") and base[2:].isdigit())


def choose(environ: Mapping[str, str]) -> Glyphs:
    """The glyph set for a terminal described by ``environ`` (``os.environ`` in the app)."""
    forced = environ.get("MAILQ_TUI_GLYPHS", "").lower()
    if forced in ("ascii", "unicode"):
        return ASCII if forced == "ascii" else UNICODE
    if not _locale_is_utf8(environ) or _term_is_ascii(environ.get("TERM", "")):
        return ASCII
    return UNICODE


_current: Optional[Glyphs] = None


def current() -> Glyphs:
    """The glyph set of this process: chosen from the environment on first use."""
    global _current
    if _current is None:
        _current = choose(os.environ)
    return _current


def use(glyphs: Optional[Glyphs]) -> None:
    """Use ``glyphs`` from now on (None: choose again from the environment on next use)."""
    global _current
    _current = glyphs
