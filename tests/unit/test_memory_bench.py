"""The memory bench runs and accounts for every part (a functional check, not a measurement:
the figures themselves are the bench's business)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.memory_bench import PARTS

ROOT = Path(__file__).resolve().parents[2]


def test_the_memory_bench_prints_a_row_per_part() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.memory_bench", "2000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    out = done.stdout
    assert "2,000 messages" in out and "peak RSS" in out, out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split(" | ")[0][2:] for row in rows[1:]] == list(PARTS), rows
    for row in rows[1:]:
        objects = int(row.split(" | ")[1].replace(",", ""))
        assert objects > 0, row
