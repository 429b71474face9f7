"""``mailq-tui demo``: a throwaway Postfix sandbox full of stuck mail, the app on it, teardown.

:func:`run_demo` needs root and the Debian ``postfix`` package. It starts the fake upstream and
a scenario sandbox (:mod:`mailq_tui.sandbox.populate`), queues ``count`` messages, hands the
sandbox's config dir and its audit log path to ``open_app`` and removes everything afterwards,
also on Ctrl+C and SIGTERM. Queueing shows its progress on stderr
(:class:`~mailq_tui.sandbox.progress.QueueingProgress`); an interrupt before the app opens is
not a normal end and raises :class:`DemoInterrupted` once everything is removed. The machine's
own Postfix instance is never touched, and neither is the host's audit log: what the operator
does to throwaway mail is recorded inside the sandbox (:func:`demo_audit_log`) and goes with it.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, Optional

from mailq_tui.sandbox.instance import Sandbox, SandboxError, is_root, postfix_installed
from mailq_tui.sandbox.populate import populate, scenario_sandbox, upstream_rules, wait_settled
from mailq_tui.sandbox.progress import QueueingProgress
from mailq_tui.sandbox.upstream import Upstream


class DemoError(Exception):
    """The demo cannot run here (not root, Postfix missing, sandbox failure)."""


class DemoInterrupted(Exception):
    """Ctrl+C or SIGTERM before the app opened; raised after the teardown.

    ``queued`` of ``total`` messages had been queued (0 when it came while Postfix started).
    """

    def __init__(self, queued: int, total: int) -> None:
        super().__init__(
            f"interrupted while queueing ({queued:,} of {total:,} queued); "
            "the demo Postfix was stopped and removed"
        )
        self.queued = queued
        self.total = total


def check_demo_possible() -> None:
    """Raise :class:`DemoError` with a clear message unless root with Postfix installed."""
    if not is_root():
        raise DemoError(
            "the demo runs its own throwaway Postfix instance and needs root "
            "(try: sudo mailq-tui demo)"
        )
    if not postfix_installed():
        raise DemoError(
            "Postfix is not installed; on Debian: "
            "DEBIAN_FRONTEND=noninteractive apt-get install -y postfix"
        )


def demo_audit_log(sandbox: Sandbox) -> Path:
    """Where the demo's actions are audited: in the sandbox's log directory, next to its
    maillog, so they never reach the host's ``/var/log/mailq-tui/audit.log``."""
    return Path(sandbox.maillog).parent / "mailq-tui-audit.log"


def run_demo(count: int, open_app: Callable[[str, Path], None]) -> None:
    """Start a sandbox with ``count`` queued messages, call ``open_app(config_dir,
    audit_log)``, then stop and remove the sandbox and the upstream (also on Ctrl+C /
    SIGTERM). An interrupt while the app runs ends the demo normally; one before it opened
    raises :class:`DemoInterrupted` after the teardown (the user did not get their demo)."""
    check_demo_possible()
    if count < 0:
        raise DemoError("--count must not be negative")

    def on_term(signum: int, frame: Optional[FrameType]) -> None:
        raise KeyboardInterrupt

    previous: Any = None
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        previous = signal.signal(signal.SIGTERM, on_term)
    upstream = Upstream(upstream_rules())
    sandbox = scenario_sandbox(upstream)
    progress = QueueingProgress(count)
    app_opened = interrupted = False
    try:
        upstream.start()
        try:
            sandbox.start()
            if count:
                print(
                    f"Queueing {count:,} messages in a throwaway Postfix ({sandbox.config_dir})",
                    file=sys.stderr,
                    flush=True,
                )
                with progress:
                    res = populate(sandbox, count, settle=False, progress=progress.advance)
                print("Waiting for Postfix to try them once...", file=sys.stderr, flush=True)
                wait_settled(sandbox, in_active=res.tarpit)
                print(f"Queued {res.injected:,} messages", file=sys.stderr, flush=True)
        except (SandboxError, OSError) as exc:
            raise DemoError(str(exc)) from exc
        app_opened = True
        open_app(sandbox.config_dir, demo_audit_log(sandbox))
    except KeyboardInterrupt:
        interrupted = not app_opened
    finally:
        # Teardown must not be interrupted by a second Ctrl+C / SIGTERM.
        old_int = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        if in_main:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            progress.stop()  # an interrupt may have come before the bar's own exit ran
            sandbox.destroy()
            upstream.stop()
        finally:
            if in_main:
                signal.signal(signal.SIGINT, old_int)
                signal.signal(signal.SIGTERM, previous)
    if interrupted:
        raise DemoInterrupted(progress.done, count)
