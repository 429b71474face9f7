"""Saying why when a key asks for something that cannot be done, and showing what can.

:class:`ExplainingScreen` is the base of the screens whose keys act on mail: an unavailable
action's key shows the reason in a notification instead of doing nothing, and the footer
shows what this user can do: keys their privileges forbid are hidden (their room goes to
"spare" keys such as flush site and flush all), keys unavailable for now (nothing selected, an
action running) are dimmed. The rule itself is :func:`mailq_tui.operations.why_unavailable`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, TypeVar

from textual.actions import parse
from textual.binding import ActiveBinding
from textual.screen import Screen

from mailq_tui.operations import Op, privilege_reason
from mailq_tui.report_text import VERBS
from mailq_tui.reports import Privileges

ResultT = TypeVar("ResultT")


def action_text(action: str, parameters: tuple[object, ...]) -> str:
    """``operate('delete')``: an action as a binding spells it."""
    if not parameters:
        return action
    return f"{action}({', '.join(repr(p) for p in parameters)})"


class ExplainingScreen(Screen[ResultT]):
    """A screen whose unavailable actions say why when their key is pressed.

    Subclasses say why an action cannot run (:meth:`unavailable_reason`) and which footer
    keys stand in for forbidden ones (:meth:`spare_binding_ids`); an operation the user's
    ``privileges`` never allow is forbidden (hidden from the footer).
    """

    #: What this user may do (None while it is being checked).
    privileges: Optional[Privileges] = None

    #: True while Textual asks ``check_action`` to draw the footer, not to run an action.
    _describing = False

    def unavailable_reason(self, action: str, parameters: tuple[object, ...] = ()) -> str:
        """Why ``action`` cannot run now ("" when it can)."""
        return ""

    def forbidden(self, action: str, parameters: tuple[object, ...]) -> bool:
        """True when ``action`` is an operation the user's privileges (once known) forbid:
        its key leaves the footer."""
        op = Op.from_action(action, parameters)
        if op is None or self.privileges is None:
            return False
        return bool(privilege_reason(op, self.privileges))

    def action_label(self, action: str, parameters: tuple[object, ...]) -> str:
        """How the notification names ``action`` (its footer description)."""
        spelled = action_text(action, parameters)
        for _, binding in self._bindings:
            if binding.action == spelled and binding.description:
                return binding.description
        op = Op.from_action(action, parameters)
        return VERBS[op].title if op is not None else action.replace("_", " ").capitalize()

    def spare_binding_ids(self) -> frozenset[str]:
        """Ids of bindings shown in the footer only when a forbidden key left room."""
        return frozenset()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> Optional[bool]:
        """Textual asks this before running an action (a key, the palette) and to draw the
        footer. Before running: an unavailable action is refused and a notification says
        why. For the footer: forbidden actions are hidden, unavailable ones dimmed."""
        if not self.is_mounted:
            return True
        why = self.unavailable_reason(action, parameters)
        if not why:
            return True
        if self._describing:
            return False if self.forbidden(action, parameters) else None
        self.notify(
            f"{self.action_label(action, parameters)}: {why}",
            title="Unavailable",
            severity="warning",
            markup=False,
        )
        return None

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys the footer shows (``check_action`` stays quiet while they are listed);
        when a key is hidden because it is forbidden, the spare keys are shown."""
        self._describing = True
        try:
            bindings = super().active_bindings
        finally:
            self._describing = False
        spare = self.spare_binding_ids()
        hidden = any(self.forbidden(*parse(binding.action)[1:]) for _, binding in self._bindings)
        if not spare or not hidden:
            return bindings
        return {
            key: active._replace(binding=replace(active.binding, show=True))
            if active.binding.id in spare
            else active
            for key, active in bindings.items()
        }
