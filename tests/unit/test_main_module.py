"""``python -m mailq_tui`` runs the ``mailq-tui`` command, from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mailq_tui import __version__

ROOT = Path(__file__).resolve().parent.parent.parent


def test_python_m_mailq_tui_prints_the_version(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "mailq_tui", "--version"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"mailq-tui {__version__}"


def test_python_m_mailq_tui_passes_on_the_exit_code(tmp_path: Path) -> None:
    """A usage error exits 2 (decided by the parser, before any Postfix command runs)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "mailq_tui", "ls", "--no-such-option"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "unrecognized arguments: --no-such-option" in done.stderr
