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


@pytest.mark.parametrize("command", [["ls"], ["ls", "--csv"], ["ls", "--json"], ["reasons"]])
def test_mail_text_a_latin1_terminal_cannot_encode_is_escaped_not_a_crash(
    sandbox: Sandbox, command: list[str]
) -> None:
    """On a terminal whose encoding cannot hold the mail's characters (an ISO-8859-1 locale;
    the sandbox has a 日本語@ sender), the CLI prints them as backslash escapes instead of
    dying with UnicodeEncodeError halfway through the listing."""
    env = dict(os.environ, PYTHONIOENCODING="latin-1")
    done = subprocess.run(
        [sys.executable, "-m", "mailq_tui", "-c", sandbox.config_dir, *command],
        env=env,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("latin-1")
    out = done.stdout.decode("latin-1")
    assert "Traceback" not in done.stderr.decode("latin-1")
    assert "\\u65e5\\u672c\\u8a9e" in out or command == ["reasons"], out[:500]
