"""``python -m mailq_tui`` runs the ``mailq-tui`` command, from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mailq_tui import __version__

ROOT = Path(__file__).resolve().parent.parent.parent


def _run_module(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m mailq_tui ARGS`` from ``cwd``, with this checkout importable."""
    return subprocess.run(
        [sys.executable, "-m", "mailq_tui", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_python_m_mailq_tui_prints_the_version(tmp_path: Path) -> None:
    done = _run_module(tmp_path, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"mailq-tui {__version__}"


def test_python_m_mailq_tui_passes_on_the_exit_code(tmp_path: Path) -> None:
    """A usage error exits 2 (decided by the parser, before any Postfix command runs)."""
    done = _run_module(tmp_path, "ls", "--no-such-option")
    assert done.returncode == 2, done.stderr
    assert "unrecognized arguments: --no-such-option" in done.stderr
