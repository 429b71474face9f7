"""``python -m mailq_tui``: the same as the ``mailq-tui`` command, for a checkout or a venv
whose scripts directory is not on PATH."""

from __future__ import annotations

import sys

from mailq_tui.cli import main

if __name__ == "__main__":
    sys.exit(main())
