"""The themes the app offers, by name: what the config file's ``theme`` may say.

Its own module so that checking a config imports only Textual's theme table, not the app.
The app registers no theme of its own, so these are Textual's built-in themes.
"""

from __future__ import annotations


def theme_names() -> frozenset[str]:
    """The names of the themes the app can show (``textual-dark``, ``nord``, ...)."""
    from textual.theme import BUILTIN_THEMES

    return frozenset(BUILTIN_THEMES)
