"""Synthetic ``postqueue -j`` output: realistic, deterministic, any size.

Used by the benchmarks to measure parsing, indexing and filtering at 10k-1M messages
without waiting for a real queue of that size. The same ``count``, ``seed`` and ``now`` give
the same bytes on any machine, which is what lets ``bench/reference.py`` time one fixed
workload everywhere.

Records are produced one line at a time (:func:`synthetic_records`), so a million-message
stream (about 570 MB) can be written to a file (:func:`write_synthetic`) without holding it,
or built in memory with one copy of the bytes (:func:`synthetic_lines`) rather than a list of
a million strings plus their join and its encoding.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

DOMAINS = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "aol.com",
    "example.org",
    "mail.example.net",
    "orange.fr",
    "t-online.de",
    "web.de",
    "qq.com",
    "163.com",
    "comcast.net",
    "verizon.net",
    "att.net",
    "icloud.com",
    "gmx.de",
    "libero.it",
]
REASONS = [
    "connect to {h}[{ip}]:25: Connection refused",
    "connect to {h}[{ip}]:25: Connection timed out",
    "host {h}[{ip}] said: 450 4.7.1 <{a}>: too many connections from your IP "
    "(in reply to RCPT TO command)",
    "host {h}[{ip}] said: 421 4.7.0 try again later (in reply to MAIL FROM command)",
    "host {h}[{ip}] said: 451 4.7.1 greylisted, please try again in 300 seconds "
    "(in reply to RCPT TO command)",
    "Host or domain name not found. Name service error for name={d} type=MX: Host not found, "
    "try again",
    "deferred transport",
    "TLS is required, but was not offered by host {h}[{ip}]",
]
QUEUES = ["deferred"] * 88 + ["active"] * 5 + ["incoming"] * 3 + ["hold"] * 4


def synthetic_records(count: int, seed: int = 1, now: Optional[float] = None) -> Iterator[bytes]:
    """Yield ``count`` ``postqueue -j`` lines, each ending in a newline, one at a time."""
    rng = random.Random(seed)
    now = now or time.time()
    for n in range(count):
        queue = rng.choice(QUEUES)
        nrcpt = 1 if rng.random() < 0.9 else rng.randint(2, 40)
        recipients = []
        for _ in range(nrcpt):
            d = rng.choice(DOMAINS)
            a = f"user{rng.randint(1, 50000)}@{d}"
            entry: dict[str, str] = {"address": a}
            if queue in ("deferred", "hold"):
                ip = f"192.0.2.{rng.randint(1, 254)}"
                h = f"mx{rng.randint(1, 4)}.{d}"
                entry["delay_reason"] = rng.choice(REASONS).format(h=h, ip=ip, a=a, d=d)
            recipients.append(entry)
        sender = (
            "MAILER-DAEMON"
            if rng.random() < 0.05
            else f"sender{rng.randint(1, 3000)}@{rng.choice(DOMAINS)}"
        )
        record = {
            "queue_name": queue,
            "queue_id": f"{n:05X}{rng.randint(0, 0xFFFFFF):X}",
            "arrival_time": int(now - rng.expovariate(1 / 20000.0)),
            "message_size": int(rng.lognormvariate(8.5, 1.2)),
            "forced_expire": False,
            "sender": sender,
            "recipients": recipients,
        }
        yield json.dumps(record).encode() + b"\n"


def synthetic_lines(count: int, seed: int = 1, now: Optional[float] = None) -> bytes:
    """Return ``count`` newline-terminated ``postqueue -j`` lines."""
    out = io.BytesIO()
    for line in synthetic_records(count, seed, now):
        out.write(line)
    return out.getvalue()


def write_synthetic(path: Path, count: int, seed: int = 1, now: Optional[float] = None) -> int:
    """Write ``count`` lines to ``path`` (streamed, never all in memory); return its size."""
    size = 0
    with open(path, "wb") as out:
        for line in synthetic_records(count, seed, now):
            size += out.write(line)
    return size
