"""The Textual user interface: screens and widgets that present and dispatch only."""

from __future__ import annotations

from pathlib import Path


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
