"""The CLI on an ASCII terminal (``LC_ALL=C``, ``TERM=vt100``) against a real queue: it runs,
and what it prints itself holds none of the Unicode glyphs (mail text is the mail's)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mailq_tui.glyphs import UNICODE
from mailq_tui.sandbox.instance import Sandbox

#: Every glyph of the Unicode set (the ASCII set replaces each one).
UNICODE_GLYPHS = {
    c
    for value in vars(UNICODE).values()
    if isinstance(value, str)
    for c in value
    if not c.isascii()
}


@pytest.mark.parametrize("command", [["ls"], ["reasons"], ["shape"], ["groups"]])
def test_cli_under_the_c_locale_prints_no_unicode_glyph(
    sandbox: Sandbox, command: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env.update(LC_ALL="C", LANG="C", TERM="vt100")
    env.pop("MAILQ_TUI_GLYPHS", None)
    done = subprocess.run(
        [sys.executable, "-m", "mailq_tui", "-c", sandbox.config_dir, *command],
        env=env,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    out = done.stdout.decode("utf-8")
    assert out.strip()
    assert not UNICODE_GLYPHS & set(out), UNICODE_GLYPHS & set(out)
