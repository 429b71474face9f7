"""The Textual user interface: screens and widgets that present and dispatch only.

Importing this package (before Textual is imported, as ``mailq-tui`` does) caps Textual's frame
rate at 240 instead of 60 unless ``TEXTUAL_FPS`` is set: a filtered list reaches the terminal
up to 12 ms sooner after a keystroke (Textual draws on a timer of that period). Frames are
only sent when something changed, so an idle screen costs nothing more over SSH.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Frames per second Textual may draw (its default is 60).
FRAME_RATE = "240"
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
