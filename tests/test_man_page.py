"""The man page: scripts/build_man.py builds it from the parser, the committed copy is the one
it builds, and man(1)'s formatter renders it without a warning, with every command and every
query field in it. (tests/test_wheel.py checks that the wheel installs it.)"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from mailq_tui.cli import build_parser
from mailq_tui.model.query import FIELDS

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_man.py"
PAGE = ROOT / "man" / "mailq-tui.1"


def _build(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_the_committed_man_page_is_the_one_the_script_builds(tmp_path: Path) -> None:
    built = tmp_path / "mailq-tui.1"
    done = _build("-o", str(built))
    assert done.returncode == 0, done.stderr
    assert built.read_text() == PAGE.read_text(), "stale: run scripts/build_man.py"
    assert _build("--check").returncode == 0
    built.write_text(built.read_text().replace("QUERY LANGUAGE", "QUERIES"))
    stale = _build("--check", "-o", str(built))
    assert stale.returncode == 1 and "stale" in stale.stderr


def test_the_man_page_renders_without_warnings_with_every_command_and_field() -> None:
    # -ww: every warning; -z: only check. Then the text as man shows it, unformatted.
    check = subprocess.run(
        ["groff", "-man", "-Tutf8", "-ww", "-z", str(PAGE)], capture_output=True, text=True
    )
    assert check.returncode == 0 and check.stderr == "", check.stderr
    shown = subprocess.run(
        ["groff", "-man", "-Tutf8", "-P-cbou", str(PAGE)],
        capture_output=True,
        text=True,
        env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout
    text = " ".join(shown.split())
    for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "QUERY LANGUAGE"):
        assert f"\n{heading}\n" in shown, heading
    assert "\nEXIT STATUS\n" in shown and "\nSEE ALSO\n" in shown
    assert "mailq-tui - browse and operate a Postfix mail queue" in text
    assert "With no COMMAND, mailq-tui opens the interactive app" in text
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for name in commands.choices:
        assert f"mailq-tui {name}" in text, name
    for alias in FIELDS:
        assert f"{alias}:" in text, alias
    # Options print with real minus signs (\-), as typed, and nothing is hyphenated.
    assert "--dry-run" in text and "‐" not in shown
