"""Messages the model tests share: five made by hand, and random ones from a seed."""

from __future__ import annotations

import random

from mailq_tui.model.message import NULL_SENDER, Message, Recipient

#: The clock of every sample: ages are counted back from it.
NOW = 1_700_000_000


def msg(qid, queue="deferred", age=3600, size=1000, sender="alice@example.org", rcpts=()):
    """A message ``age`` seconds old at :data:`NOW`; ``rcpts`` are (address, reason) pairs."""
    recipients = [Recipient(a, r) for a, r in rcpts] or [Recipient("bob@example.com", "")]
    return Message(queue, qid, NOW - age, size, sender, recipients)


#: Five hand-made messages: Gmail, Yahoo, hold, bounces, quoted and non-ASCII addresses.
MESSAGES = [
    msg("A1", rcpts=[("bob@gmail.com", "connect to 1.2.3.4[1.2.3.4]:25: Connection refused")]),
    msg(
        "B2",
        rcpts=[
            ("carol@gmail.com", "451 4.7.1 greylisted"),
            ("dave@mx.yahoo.com", "connect to x: Connection refused"),
        ],
    ),
    msg(
        "C3",
        queue="hold",
        age=60,
        size=5_000_000,
        sender="MAILER-DAEMON",
        rcpts=[("eve@sub.example.com", "")],
    ),
    msg(
        "D4",
        queue="active",
        age=7 * 86400,
        sender="MAILER-DAEMON@other.example",
        rcpts=[("frank@example.com", "")],
    ),
    msg("E5", sender='"john doe"@example.org', rcpts=[("josé@exämple.org", "try again later")]),
]


DOMAINS = ["gmail.com", "mx.gmail.com", "yahoo.com", "example.org", "ex.org", "İstanbul.tr"]
REASONS = [
    "",
    "connect to mx1.gmail.com[1.2.3.4]:25: Connection refused",
    "host mx.yahoo.com[5.6.7.8] said: 450 4.7.1 too many connections",
    "451 4.7.1 Greylisted, try again",
    "deferred transport",
    "connect to mx2.gmail.com[9.9.9.9]:25: Connection refused",
    'host mx.yahoo.com[5.6.7.8] said: 550 "quoted" <Bob@x.org> rejected',
]


def random_messages(count: int, seed: int) -> list[Message]:
    """``count`` messages drawn from :data:`DOMAINS`, :data:`REASONS`, every queue and the
    null sender, the same ones for the same ``seed``."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        recipients = [
            Recipient(f"{rng.choice(['bob', 'Carol', 'dave'])}@{rng.choice(DOMAINS)}", r)
            for r in (rng.choice(REASONS) for _ in range(rng.choice([1, 1, 1, 2, 3, 5])))
        ]
        if rng.random() < 0.05:
            recipients = []
        sender = rng.choice([NULL_SENDER, "alice@example.org", "Eve@Yahoo.com", ""])
        queue = rng.choice(["deferred", "deferred", "active", "hold", "incoming"])
        out.append(
            Message(
                queue,
                f"{n:05X}Q",
                NOW - rng.randint(0, 3 * 86400),
                rng.randint(100, 3_000_000),
                sender,
                recipients,
            )
        )
    return out
