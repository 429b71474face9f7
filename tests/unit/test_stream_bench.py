"""The streaming bench still runs: on a tiny listing, with this tree as "old" and "new", it
prints the machine header and one row per code with first rows, usable and the floor.

Functional checks only (what is printed); no timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_stream_bench_prints_its_table() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench.stream_bench", "--old", str(ROOT), "--rate", "0", "2000"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    assert out.startswith("machine: ")
    assert "| messages | stand-in rate | code | floor s | first rows s |" in out
    rows = [line for line in out.splitlines() if line.startswith("| 2,000 | unpaced |")]
    assert [row.split(" | ")[2] for row in rows] == ["old", "new"]
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        floor, first, usable = (float(c) for c in cells[3:6])
        assert 0 < first <= usable and floor >= 0
