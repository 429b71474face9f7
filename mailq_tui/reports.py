"""Result types shared by the engine, the CLI and the UI: capabilities and action reports.

Plain dataclasses, no behaviour beyond the exit-status rule, so every layer may import them;
:func:`mailq_tui.report_text.report_summary` says a report in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

#: Bulk postsuper actions the engine knows, with the postsuper flag each one uses.
POSTSUPER_ACTIONS = {"delete": "-d", "hold": "-h", "release": "-H", "requeue": "-r"}

#: ``progress(done, total)``: how a long action reports how far it got (the postsuper batch
#: and the per-message flushes call it from the event loop; the app moves its progress bar).
ProgressCallback = Callable[[int, int], None]

#: Why an action left a message alone (stable strings: the UI, the CLI and the audit log show
#: them as they are). The re-check (:mod:`mailq_tui.model.recheck`) decides them.
SKIP_INVALID = "not a valid queue id"
SKIP_VANISHED = "no longer in the queue"
SKIP_NOT_FOUND = "not in the queue"
SKIP_REUSED = "the id now names another message (Postfix reused it)"
SKIP_NOT_HELD = "not on hold any more"
SKIP_ALREADY_HELD = "already on hold"

#: The skip reasons that mean "already in the state the action asks for" (a hold of held mail,
#: a release of mail not on hold), with what each means. Like ``kubectl apply``,
#: such a skip is reported but is not a failure: the user's intent holds, so a script that
#: re-runs ``hold --yes`` must not see exit status 1. A vanished, reused or invalid id is.
ALREADY_IN_STATE = {
    SKIP_ALREADY_HELD: "already on hold",
    SKIP_NOT_HELD: "not on hold (nothing to release)",
}

#: mailq-tui exit statuses: all done (or already so); something failed or was skipped; the
#: command line was wrong; an action was interrupted (SIGINT/SIGTERM/SIGHUP or quit) and
#: stopped cleanly (128 + SIGINT, as shells do).
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
    or now names another message: Postfix reuses queue ids; or the message is already in the
    state asked for, :data:`ALREADY_IN_STATE`, which is no failure).
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
    #: A site flush's destination ("" for other actions); the summary names it.
    site: str = ""
    #: A flush made as ONE ``postqueue -s`` request: how many deferred messages of the listing
    #: it concerns (Postfix does not say). None when ``requested``/``done`` count messages.
    covers: Optional[int] = None

    @property
    def already(self) -> list[tuple[str, str]]:
        """The skipped ids that are already in the state asked for (:data:`ALREADY_IN_STATE`)."""
        return [s for s in self.skipped if s[1] in ALREADY_IN_STATE]

    @property
    def failed_skips(self) -> list[tuple[str, str]]:
        """The skipped ids that count as failures (vanished, reused, invalid, not found)."""
        return [s for s in self.skipped if s[1] not in ALREADY_IN_STATE]

    @property
    def ok(self) -> bool:
        """True when nothing failed: every id requested was done or already in the state
        asked for, no other id was skipped, and there was no error."""
        already = len(self.already)
        return (
            not self.errors
            and already == len(self.skipped)
            and self.done + already == self.requested
        )


def exit_status(report: ActionReport) -> int:
    """The mailq-tui exit status for an action that produced ``report``: 130 when it was
    interrupted, 0 when everything asked for was done or already so (``report.ok``), else 1.
    The CLI exits with it and the audit log records it, so the two always agree."""
    if report.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if report.ok else EXIT_FAILED
