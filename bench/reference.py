"""The machine a benchmark ran on, and one fixed figure measured in the same run.

Machines of the same class differ (the same TUI bench gave a 14 ms keystroke median on one
2-core machine and 22-30 ms on another), and a shared machine is slower while others work on
it. Every bench script prints :func:`print_header` above its tables: the CPU model, core count,
Python, msgspec and Postfix versions, the load average, and a reference figure, the time of a
bare msgspec decode of the same synthetic ``postqueue -j`` records on every machine
(``bench/synthetic.py`` with a fixed seed and clock; the sha256 prefix printed shows the bytes
were the same). A table's figure divided by the reference figure of its run can be compared
across machines and runs.

The reference decodes into structs defined here, not the app's :class:`Message`, so the figure
stays the same workload when the app's model changes.
"""

from __future__ import annotations

import hashlib
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import msgspec

from bench.synthetic import synthetic_lines

#: The fixed workload: this many records, this seed, this clock.
REFERENCE_COUNT = 100_000
REFERENCE_SEED = 1
REFERENCE_NOW = 1_700_000_000.0
#: Decodes timed; the best is the figure (least disturbed by other work on the machine).
REFERENCE_REPEAT = 5


class _Recipient(msgspec.Struct, frozen=True, gc=False):
    """A recipient as ``postqueue -j`` prints it (fixed here; see the module docstring)."""

    address: str
    delay_reason: str = ""


class _Record(msgspec.Struct, gc=False):
    """A ``postqueue -j`` record (fixed here; see the module docstring)."""

    queue_name: str
    queue_id: str
    arrival_time: int
    message_size: int
    sender: str
    recipients: tuple[_Recipient, ...] = ()
    forced_expire: bool = False


_DECODER = msgspec.json.Decoder(_Record)


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's "model name" from /proc/cpuinfo (the machine's architecture if absent)."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.machine() or "unknown CPU"


def postfix_version() -> str:
    """Postfix's ``mail_version``, or why it is unknown."""
    try:
        proc = subprocess.run(
            ["postconf", "-d", "-h", "mail_version"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "not found"
    return proc.stdout.strip() or "unknown"


def decode_seconds(data: bytes, repeat: int = REFERENCE_REPEAT) -> list[float]:
    """Times (s) of ``repeat`` bare decodes of ``postqueue -j`` lines into plain structs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        records = _DECODER.decode_lines(data)
        times.append(time.perf_counter() - start)
        del records
    return times


def machine_line() -> str:
    """CPU, cores, versions and the load average, on one line."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {cpu_model()}, {os.cpu_count()} cores · Python {platform.python_version()} "
        f"· msgspec {msgspec.__version__} · Postfix {postfix_version()} · load average {load}"
    )


def reference_line(count: int = REFERENCE_COUNT) -> str:
    """The fixed reference figure, measured now."""
    data = synthetic_lines(count, seed=REFERENCE_SEED, now=REFERENCE_NOW)
    digest = hashlib.sha256(data).hexdigest()[:12]
    times = decode_seconds(data)
    return (
        f"reference: msgspec decode of {count:,} synthetic records "
        f"({len(data) / 1e6:.1f} MB, sha256 {digest}) = {min(times):.3f} s "
        f"(best of {len(times)}; median {statistics.median(times):.3f} s)"
    )


def print_header(count: int = REFERENCE_COUNT) -> None:
    """Print the machine line and the reference figure, then a blank line."""
    print(machine_line())
    print(reference_line(count))
    print(flush=True)
