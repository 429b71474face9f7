"""The audit log: one JSON line per action, in a file the user can find.

Location: ``$MAILQ_TUI_AUDIT_LOG`` when set; else ``/var/log/mailq-tui/audit.log`` for root;
else ``$XDG_STATE_HOME/mailq-tui/audit.log`` (``~/.local/state/mailq-tui/audit.log``).
Writing never fails an action: a problem comes back as a note for the report.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Union

from mailq_tui.reports import ActionReport, exit_status

ENV_VAR = "MAILQ_TUI_AUDIT_LOG"


def default_audit_path() -> Path:
    """Where the audit log goes for this user (see the module docstring)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    if os.geteuid() == 0:
        return Path("/var/log/mailq-tui/audit.log")
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mailq-tui" / "audit.log"


def audit_record(
    report: ActionReport,
    *,
    user: str,
    uid: int,
    config_dir: Optional[str],
    requested_ids: Sequence[str],
    extra: Optional[dict[str, Any]] = None,
) -> dict[str, Any]:
    """The JSON object written for one action. ``exit_code`` is mailq-tui's exit status for
    it (:func:`~mailq_tui.reports.exit_status`); ``postfix_exit_code`` the Postfix tool's."""
    record: dict[str, Any] = {
        "time": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "user": user,
        "uid": uid,
        "pid": os.getpid(),
        "action": report.action,
        "config_dir": config_dir,
        "requested": report.requested,
        "requested_ids": list(requested_ids),
        "done": report.done,
        "outcomes": dict(report.outcomes),
        "skipped": [list(s) for s in report.skipped],
        "errors": list(report.errors),
        "notes": list(report.notes),
        "interrupted": report.interrupted,
        # mailq-tui's exit status for this action (what the CLI exits with), and the status
        # of the Postfix tool it ran (postsuper exits 0 even when ids were not found).
        "exit_code": exit_status(report),
        "postfix_exit_code": report.postfix_exit_code,
    }
    if extra:
        record.update(extra)
    return record


def write_audit(
    record: dict[str, Any], path: Optional[Union[str, os.PathLike[str]]] = None
) -> Optional[str]:
    """Append ``record`` as one line; return a note when it could not be written, else None."""
    target = Path(path) if path else default_audit_path()
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8", "replace"))
        finally:
            os.close(fd)
    except OSError as exc:
        return f"audit log not written ({target}: {exc.strerror or exc})"
    return None
