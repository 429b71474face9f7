"""Result types shared by the engine, the CLI and the UI: capabilities and action reports.

Plain dataclasses, no behaviour beyond formatting, so every layer may import them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

#: Bulk postsuper actions the engine knows, with the postsuper flag each one uses.
POSTSUPER_ACTIONS = {"delete": "-d", "hold": "-h", "release": "-H", "requeue": "-r"}

#: ``progress(done, total)``: how a long action reports how far it got (the postsuper batch
#: and the per-message flushes call it from the event loop; the app moves its progress bar).
ProgressCallback = Callable[[int, int], None]

#: mailq-tui exit statuses: all done; something failed or was skipped; an action was
#: interrupted (SIGINT/SIGTERM/SIGHUP or quit) and stopped cleanly (128 + SIGINT, as shells do).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True)
class Capability:
    """Whether this user may do one kind of thing, and why not when they may not."""

    allowed: bool
    reason: str = ""


@dataclass(frozen=True)
class Privileges:
    """What the current user may do with this Postfix instance."""

    user: str
    is_root: bool
    #: List the queue (``postqueue -j``; ``authorized_mailq_users``).
    list: Capability
    #: Flush (``postqueue -f/-s/-i``; ``authorized_flush_users``, mail system running).
    flush: Capability
    #: delete/hold/release/requeue (``postsuper``: root, or ``sudo -n`` when opted in).
    postsuper: Capability
    #: Read message content (``postcat -q``: root or the mail owner).
    postcat: Capability
    #: True when postsuper/postcat run through ``sudo -n``.
    via_sudo: bool = False


@dataclass
class ActionReport:
    """What one action really did, from what Postfix said.

    ``done`` is the count Postfix itself printed (e.g. ``Deleted: 12 messages``), never the
    number requested. ``skipped`` lists ids dropped before acting, with why (the id vanished,
    or now names another message: Postfix reuses queue ids).
    """

    action: str
    requested: int
    done: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: Per queue id outcome lines Postfix printed (``ID: removed``), id -> outcome.
    outcomes: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    #: Extra facts worth telling the user (e.g. "site flush refused; flushed 40 ids one by one").
    notes: list[str] = field(default_factory=list)
    #: Exit status of the last Postfix command run, if any (the Postfix tool's, not ours).
    postfix_exit_code: Optional[int] = None
    #: True when a stop was requested (Ctrl+C, SIGTERM, hangup, quit) while the action ran:
    #: ids not yet given to Postfix were not, and ``done`` is what Postfix did before it stopped.
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """True only when nothing failed and nothing was skipped."""
        return not self.errors and not self.skipped and self.done == self.requested

    def summary(self) -> str:
        """One line for a notification or the CLI."""
        stopped = "interrupted: " if self.interrupted else ""
        parts = [f"{self.action}: {stopped}{self.done} of {self.requested} done"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.errors:
            parts.append(f"{len(self.errors)} error(s): {self.errors[0]}")
        parts.extend(self.notes)
        return "; ".join(parts)


def exit_status(report: ActionReport) -> int:
    """The mailq-tui exit status for an action that produced ``report``: 130 when it was
    interrupted, 0 when everything asked for was done, else 1. The CLI exits with it and the
    audit log records it, so the two always agree."""
    if report.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if report.ok else EXIT_FAILED
