"""The key footer: Textual's ``Footer`` that shows whole keys only, and no leak of rebuilds.

Two things differ from Textual 8.2's footer:

* **Whole keys only.** Textual's footer is a row that scrolls sideways, so on an 80-column
  terminal the last visible key is cut mid-word (``H Rel``) and the keys after it are out of
  sight. This footer shows the keys that fit whole, the most important first (the screen
  ranks its actions: ``rank``), in their usual order, and always the palette key (docked
  right) and the keys ranked :data:`ALWAYS` (the help, which lists every key). A hidden key
  still works: bindings belong to the screen, not to the footer.
* **No leak.** Each time the bindings change (focus moves, an action becomes available)
  Textual's footer rebuilds its keys, and every new key binds itself to the footer's
  ``compact`` reactive. The footer keeps watching the removed keys until ``compact`` changes,
  which it never does, so each rebuild keeps ~18 widgets and their styles alive (32 per trip to
  the filter bar and back). Pruning before each rebuild drops them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from textual import events
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

#: The rank of a key that stays in the footer however narrow the terminal.
ALWAYS = -1
#: The rank of an action the screen did not rank: after every ranked one.
UNRANKED = 1_000


def _units(children: list[Widget]) -> list[list[Widget]]:
    """The footer's children in the units that are shown or hidden together: a key, or a key
    group with the label that follows it (``f t F Flush id/site/all``)."""
    units: list[list[Widget]] = []
    for child in children:
        if isinstance(child, FooterLabel) and units and isinstance(units[-1][0], KeyGroup):
            units[-1].append(child)
        else:
            units.append([child])
    return units


def _action(unit: list[Widget]) -> str:
    """The action of a unit's (first) key."""
    head = unit[0]
    if isinstance(head, KeyGroup):
        keys = list(head.query_children(FooterKey))
        return keys[0].action if keys else ""
    return head.action if isinstance(head, FooterKey) else ""


class Footer(TextualFooter):
    """Textual's footer that shows whole keys only and drops its removed keys before each
    rebuild. ``rank``: action -> importance (lower first; :data:`ALWAYS`: always shown)."""

    def __init__(self, rank: Optional[Mapping[str, int]] = None) -> None:
        super().__init__()
        self.rank: Mapping[str, int] = rank or {}
        #: The width the keys were last fitted to (a Resize to the same width, as when a
        #: dialog opens over the screen, changes nothing).
        self._fitted_width = -1

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild for the new bindings, first pruning the keys of the last rebuild
        (running the ``compact`` watchers drops those of removed widgets)."""
        self.mutate_reactive(TextualFooter.compact)
        super().bindings_changed(screen)

    def on_resize(self, event: events.Resize) -> None:
        """Fit the keys again for a new width (a wider footer may show hidden keys)."""
        if event.size.width != self._fitted_width:
            self._show_all_then_fit()

    def _show_all_then_fit(self) -> None:
        for child in self.children:
            child.display = True
        self.call_after_refresh(self.fit_keys)

    async def recompose(self) -> None:
        """Rebuild the keys, then fit them once they are laid out."""
        await super().recompose()
        self.call_after_refresh(self.fit_keys)

    def fit_keys(self, retries: int = 3) -> None:
        """Show the most important keys that fit whole, hide the others (keys not laid out
        yet, as in a screen under a dialog, are measured after the next refreshes)."""
        units = _units(list(self.children))
        if not units:
            return

        def rank(unit: list[Widget]) -> int:
            if unit[0].has_class("-command-palette"):
                return ALWAYS
            return self.rank.get(_action(unit), UNRANKED)

        if any(w.display and not w.outer_size.width for unit in units for w in unit):
            if retries:
                self.call_after_refresh(self.fit_keys, retries - 1)
            return
        self._fitted_width = room = self.size.width
        shown: set[int] = set()
        by_importance = sorted(
            range(len(units)), key=lambda i: (rank(units[i]) != ALWAYS, rank(units[i]), i)
        )
        for i in by_importance:
            need = sum(w.outer_size.width for w in units[i])
            if need <= room or rank(units[i]) == ALWAYS:
                shown.add(i)
                room -= need
        for i, unit in enumerate(units):
            for widget in unit:
                widget.display = i in shown
