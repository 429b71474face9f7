"""The operations on queued mail, named once, and the one rule for when each is available.

:class:`Op` is the vocabulary every layer shares: the engine's reports and audit lines name
an action by its value, the UI derives its Textual action string from it, and the confirm
texts and key tables are keyed by it. :func:`why_unavailable` is the single availability rule
the queue screen, the message screen and the command palette all ask. Pure Python: no
Textual, no Postfix commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Optional

from mailq_tui.reports import POSTSUPER_ACTIONS, Privileges

if TYPE_CHECKING:
    from mailq_tui.postfix.health import Health

#: The name of the Textual action every operation key runs (its parameter is the value).
ACTION_NAME = "operate"


class Op(str, Enum):
    """One operation on queued mail. The value is how reports, audit lines and the CLI's
    output name it."""

    DELETE = "delete"
    HOLD = "hold"
    RELEASE = "release"
    REQUEUE = "requeue"
    FLUSH_IDS = "flush-ids"
    FLUSH_SITE = "flush-site"
    FLUSH_ALL = "flush-all"

    def __str__(self) -> str:
        """The value, on every Python (3.12 formats a mixed-in enum with its member name)."""
        return self.value

    @property
    def action(self) -> str:
        """The Textual action string of this operation's key (``operate('delete')``)."""
        return f"{ACTION_NAME}({self.value!r})"

    @property
    def uses_postsuper(self) -> bool:
        """Done by ``postsuper`` (root or ``sudo -n``); every other operation is a flush
        (``postqueue``, which ``authorized_flush_users`` may allow anyone)."""
        return self.value in POSTSUPER_ACTIONS

    @property
    def needs_target(self) -> bool:
        """Acts on a selection (marks, a group or the cursor); flush all acts on the queue."""
        return self is not Op.FLUSH_ALL

    @classmethod
    def from_action(cls, action: str, parameters: Sequence[object]) -> Optional[Op]:
        """The operation a Textual action names (``operate`` with its parameter), else None."""
        if action != ACTION_NAME or not parameters:
            return None
        return cls(str(parameters[0]))


#: Why an operation on messages cannot run with nothing selected, and what to do.
NO_SELECTION = "no message selected: put the cursor on one, or mark some (Space)"
#: Why nothing can run while an action runs (one at a time), and what to do.
BUSY = "another action is running: wait for its report"

#: The operations that act on one message (the message screen offers these).
MESSAGE_OPS = (Op.DELETE, Op.HOLD, Op.RELEASE, Op.REQUEUE, Op.FLUSH_IDS)


def privilege_reason(op: Op, privileges: Optional[Privileges]) -> str:
    """Why this user may never run ``op`` ("" when they may): the part of the rule that
    hides a key from the footer instead of dimming it. None: still being checked."""
    if privileges is None:
        return "checking privileges"
    cap = privileges.postsuper if op.uses_postsuper else privileges.flush
    if cap.allowed:
        return ""
    return cap.reason or f"{'postsuper' if op.uses_postsuper else 'flush'} is not allowed"


def why_unavailable(
    op: Op,
    privileges: Optional[Privileges],
    health: Optional[Health],
    busy: bool,
    has_target: bool,
) -> str:
    """Why ``op`` cannot run now, "" when it can.

    In order: the user's privileges (for good), Postfix not running (a flush would only
    queue a request nobody serves; postsuper works on the files either way), another action
    running (one at a time: each re-checks the queue it found), nothing selected.
    """
    why = privilege_reason(op, privileges)
    if why:
        return why
    if not op.uses_postsuper and health is not None and not health.running and health.certain:
        return "Postfix is not running, so nothing would deliver the mail: start it first"
    if busy:
        return BUSY
    if op.needs_target and not has_target:
        return NO_SELECTION
    return ""
