"""``mailq-tui demo``: a throwaway Postfix sandbox full of stuck mail, the app on it, teardown.

:func:`run_demo` needs root and the Debian ``postfix`` package. It starts the fake upstream and
a scenario sandbox (:mod:`mailq_tui.sandbox.populate`), queues ``count`` messages, hands the
sandbox's config dir and its audit log path to ``open_app`` and removes everything afterwards,
also on Ctrl+C and SIGTERM. The machine's own Postfix instance is never touched, and neither is
the host's audit log: what the operator does to throwaway mail is recorded inside the sandbox
(:func:`demo_audit_log`) and goes with it.
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
from mailq_tui.sandbox.populate import populate, scenario_sandbox, upstream_rules
from mailq_tui.sandbox.upstream import Upstream


class DemoError(Exception):
    """The demo cannot run here (not root, Postfix missing, sandbox failure)."""


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
    SIGTERM)."""
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
    try:
        upstream.start()
        try:
            sandbox.start()
            if count:
                print(f"Queueing {count} messages in a throwaway Postfix...", file=sys.stderr)
                res = populate(sandbox, count)
                print(
                    f"Queued {res.injected} messages in {res.total_seconds:.1f}s "
                    f"({sandbox.config_dir})",
                    file=sys.stderr,
                )
        except (SandboxError, OSError) as exc:
            raise DemoError(str(exc)) from exc
        open_app(sandbox.config_dir, demo_audit_log(sandbox))
    except KeyboardInterrupt:
        pass
    finally:
        # Teardown must not be interrupted by a second Ctrl+C / SIGTERM.
        old_int = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        if in_main:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            sandbox.destroy()
            upstream.stop()
        finally:
            if in_main:
                signal.signal(signal.SIGINT, old_int)
                signal.signal(signal.SIGTERM, previous)
