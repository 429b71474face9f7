"""scripts/setup.sh reports the Postfix version also on a "No configuration" install (no
main.cf), where ``postconf -h mail_version`` fails: without ``-d`` the version would be
empty."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_sandbox

SETUP = Path(__file__).parent.parent / "scripts" / "setup.sh"


@pytest.mark.sandbox
def test_setup_reports_the_postfix_version_without_main_cf(tmp_path: Path) -> None:
    require_sandbox()  # needs Postfix installed
    (line,) = [x for x in SETUP.read_text().splitlines() if x.startswith('echo "setup: ready')]
    match = re.search(r"\$\((/usr/sbin/postconf [^)|]*?)\s*\|", line)
    assert match, line
    # MAIL_CONFIG names the configuration directory, like -c: an empty one has no main.cf.
    env = {**os.environ, "MAIL_CONFIG": str(tmp_path)}
    res = subprocess.run(["bash", "-c", match.group(1)], env=env, capture_output=True, text=True)
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", res.stdout.strip()), (res.stdout, res.stderr)
