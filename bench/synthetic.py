"""Synthetic ``postqueue -j`` output: realistic, deterministic, any size.

Used by the benchmarks to measure parsing, indexing and filtering at 10k-500k messages
without waiting for a real queue of that size.
"""

from __future__ import annotations

import json
import random
import time

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


def synthetic_lines(count: int, seed: int = 1, now: float | None = None) -> bytes:
    """Return ``count`` newline-terminated ``postqueue -j`` lines."""
    rng = random.Random(seed)
    now = now or time.time()
    out = []
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
        out.append(json.dumps(record))
    return ("\n".join(out) + "\n").encode()
