"""The bench scripts still run: a tiny engine bench prints the machine header and its table.

Functional checks only (what is printed, that the synthetic bytes are fixed); no timing.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

from bench.reference import REFERENCE_NOW, REFERENCE_SEED, cpu_model, reference_line
from bench.synthetic import synthetic_lines, write_synthetic

ROOT = Path(__file__).resolve().parent.parent.parent

ENGINE_COLUMNS = [
    "messages",
    "bare decode",
    "parse -j",
    "index",
    "filter (worst)",
    "narrowing (worst)",
    "group by reason",
    "group by domain",
    "sort by size",
    "settled RSS",
    "peak RSS",
    "peak / settled",
]


def test_reference_workload_is_the_same_bytes_on_every_machine() -> None:
    # The reference figure is only comparable across machines if the records are the same:
    # a change to the generator must show up here (and in the printed sha256 prefix).
    data = synthetic_lines(2000, seed=REFERENCE_SEED, now=REFERENCE_NOW)
    assert hashlib.sha256(data).hexdigest()[:12] == "c147bb55650e"


def test_written_listing_is_the_in_memory_one(tmp_path: Path) -> None:
    path = tmp_path / "listing.jsonl"
    size = write_synthetic(path, 500, seed=7, now=REFERENCE_NOW)
    data = synthetic_lines(500, seed=7, now=REFERENCE_NOW)
    assert path.read_bytes() == data
    assert size == len(data)
    assert data.count(b"\n") == 500


def test_cpu_model_comes_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Example CPU @ 2.00GHz\nflags\t: fpu\n")
    assert cpu_model(cpuinfo) == "Example CPU @ 2.00GHz"


def test_reference_line_names_the_workload_and_its_time() -> None:
    line = reference_line(2000)
    assert re.fullmatch(
        r"reference: msgspec decode of 2,000 synthetic records \(1\.2 MB, sha256 c147bb55650e\)"
        r" = \d+\.\d{3} s \(best of 5; median \d+\.\d{3} s\)",
        line,
    ), line


def test_engine_bench_prints_the_machine_header_and_its_table() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.engine_bench",
            "--sizes",
            "2000",
            "--reference-count",
            "2000",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("machine: "), lines
    assert "cores · Python " in lines[0] and "Postfix " in lines[0], lines[0]
    assert lines[1].startswith("reference: msgspec decode of 2,000 synthetic records "), lines
    header = next(line for line in lines if line.startswith("| messages |"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == ENGINE_COLUMNS
    rows = [line for line in lines if line.startswith("| 2,000 |")]
    assert len(rows) == 1, lines
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert len(cells) == len(ENGINE_COLUMNS)
    assert all(cell for cell in cells), cells
