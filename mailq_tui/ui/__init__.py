"""The Textual user interface: screens and widgets that present and dispatch only.

Importing this package (before Textual is imported, as ``mailq-tui`` does) caps Textual's frame
rate at 1000 instead of 60 unless ``TEXTUAL_FPS`` is set: a change is drawn at most 1 ms after
it was asked for instead of 16 ms (Textual draws on a timer of that period; 240 left a filter
keystroke's rows waiting 2 ms on average, `bench.tui_bench` 15.3-16.2 ms against 14.3-14.9 ms
at 100k). Frames are only drawn when something changed and the timer stops when nothing did,
so an idle screen costs nothing more, over SSH or not; under a stream of changes (a wheel
scrolling the list) drawing a frame, ~3 ms at 120x40, is what bounds the rate, at either cap.
Textual's animations keep their own 60 frames a second.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Frames per second Textual may draw (its default is 60).
FRAME_RATE = "1000"
os.environ.setdefault("TEXTUAL_FPS", FRAME_RATE)


def styles_dir() -> Path:
    """Where the ``.tcss`` files are.

    Installed from a wheel they are inside the package (``mailq_tui/styles``); in a source
    checkout (editable install) they are in the repository's top-level ``styles/``.
    """
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "styles", package_dir.parent / "styles"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mailq-tui styles not found next to {package_dir}")
