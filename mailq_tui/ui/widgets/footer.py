"""The key footer: Textual's ``Footer`` without the leak of its rebuilds.

Each time the bindings change (focus moves, an action becomes available) Textual 8.2's footer
rebuilds its keys, and every new key binds itself to the footer's ``compact`` reactive. The
footer keeps watching the removed keys until ``compact`` changes, which it never does, so each
rebuild keeps ~18 widgets and their styles alive (32 per trip to the filter bar and back).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """Textual's footer that drops its removed keys before each rebuild."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild for the new bindings, first pruning the keys of the last rebuild
        (running the ``compact`` watchers drops those of removed widgets)."""
        self.mutate_reactive(TextualFooter.compact)
        super().bindings_changed(screen)
