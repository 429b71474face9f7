"""Fill a sandbox with realistic stuck mail, fast (pipelined SMTP over parallel connections).

The scenario: recipient domains grouped by what happens to their mail (:data:`DOMAINS`):

=====================  =====================================================================
kind                   where it is routed / the delay reason it ends with
=====================  =====================================================================
``refused``            a closed 127.0.0.1 port: ``connect to ...: Connection refused``
``too_many``           upstream ``rules``: ``450 4.7.1 <rcpt>: ... too many connections ...``
``try_later``          upstream ``greet421`` / ``mail421``: ``421 4.7.0 ... try again later``
``greylist``           upstream ``rules``: ``451 4.7.1 Greylisted, please try again ...``
``deferred_transport`` the ``defer_transports`` transport: ``deferred transport``
``unknown``            upstream ``rules``: ``550 5.1.1 ... user unknown`` (bounced)
``tarpit``             upstream ``tarpit``: never answers, mail stays in the active queue
=====================  =====================================================================

Bounces (from the null sender) go to the senders' domains (:data:`SENDER_DOMAINS`), which
the upstream greylists, so they stay queued too. Senders include ``<>``, UTF-8 addresses
(SMTPUTF8) and a quoted local part; sizes range from 300 bytes to a few MB; a few messages
have hundreds of recipients; some are put on hold with one ``postsuper -h -`` batch.

Command line::

    python -m mailq_tui.sandbox.populate --count 10000 [--keep] [--seed 1]
    python -m mailq_tui.sandbox.populate --stop CONFIG_DIR
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from mailq_tui.sandbox.instance import DEFERRED_TRANSPORT, Sandbox, SandboxError
from mailq_tui.sandbox.upstream import Upstream

#: Recipient domains by the kind of trouble their mail meets.
DOMAINS: dict[str, list[str]] = {
    "refused": [
        "acme-corp.example",
        "oldserver.example.net",
        "intranet.example.org",
        "legacy-mx.example.com",
        "bücher.example",
        "shut-down.example.net",
    ],
    "too_many": ["bigmail.example.com", "freemail.example.net", "webpost.example.org"],
    "try_later": ["mailhost.example.com", "isp-mx.example.net", "telco.example.de"],
    "greylist": ["grey.example.org", "careful.example.com", "lists.example.net"],
    "deferred_transport": ["partner.example.de", "slow-lane.example.com"],
    "unknown": ["gone.example.org"],
    "tarpit": ["tarpit.example.net"],
}

#: Expected text in ``delay_reason`` per kind (``unknown`` bounces, ``tarpit`` has none).
REASON_TEXT = {
    "refused": "Connection refused",
    "too_many": "too many connections",
    "try_later": "try again later",
    "greylist": "Greylisted",
    "deferred_transport": "deferred transport",
}

#: Senders' domains: where bounces go; the upstream greylists them.
SENDER_DOMAINS = ["shop.example", "news.example.com", "corp.example", "example.org"]

_WEIGHTS = {
    "refused": 30,
    "too_many": 15,
    "try_later": 15,
    "greylist": 15,
    "deferred_transport": 12,
    "unknown": 3,
}
_LOCALS = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "oscar", "peggy", "trent", "victor", "walter", "info", "sales", "support",
    "billing", "noreply", "newsletter", "jobs", "admin",
]  # fmt: skip
_UTF8_LOCALS = ["josé", "zoë", "müller", "ñandú", "søren", "日本語", "пользователь"]
_QUOTED = '"john doe"'
_SUBJECTS = [
    "Invoice", "Your order", "Weekly newsletter", "Meeting notes", "Password reset",
    "Shipping update", "Re: question", "Report", "Welcome", "Reminder",
]  # fmt: skip
_FILLER = b"".join(
    (f"Line {i:05d} lorem ipsum dolor sit amet, consectetur adipiscing elit sed do.\r\n").encode()
    for i in range(20000)
)


def upstream_rules() -> dict[str, str]:
    """Upstream ``rules`` mode: recipient domain -> reply kind."""
    rules = {d: "too_many" for d in DOMAINS["too_many"]}
    rules.update({d: "greylist" for d in DOMAINS["greylist"] + SENDER_DOMAINS})
    rules.update({d: "unknown" for d in DOMAINS["unknown"]})
    return rules


def scenario_transport(upstream: Upstream) -> dict[str, str]:
    """The sandbox transport map of the scenario (anything unlisted: a closed port)."""
    routes: dict[str, str] = {}
    for d in DOMAINS["too_many"] + DOMAINS["greylist"] + DOMAINS["unknown"] + SENDER_DOMAINS:
        routes[d] = upstream.nexthop("rules")
    for i, d in enumerate(DOMAINS["try_later"]):
        routes[d] = upstream.nexthop("greet421" if i % 2 == 0 else "mail421")
    for d in DOMAINS["deferred_transport"]:
        routes[d] = upstream.nexthop("rules", DEFERRED_TRANSPORT)
    for d in DOMAINS["tarpit"]:
        routes[d] = upstream.nexthop("tarpit", "tarpit")
    return routes


def scenario_sandbox(
    upstream: Upstream,
    root: Union[str, Path, None] = None,
    *,
    main_cf: Optional[Mapping[str, str]] = None,
) -> Sandbox:
    """A (not yet started) :class:`Sandbox` routed for the scenario through ``upstream``."""
    return Sandbox(
        root,
        transport=scenario_transport(upstream),
        main_cf=main_cf,
        # tarpit mail waits up to an hour for a greeting: it stays in the active queue.
        master_cf=["tarpit unix - - n - - smtp -o smtp_helo_timeout=3600s"],
    )


@dataclass
class Spec:
    """One message to inject."""

    sender: str
    recipients: list[str]
    size: int
    subject: str
    hold: bool = False


@dataclass
class PopulateResult:
    """What :func:`populate` did, with timings in seconds."""

    injected: int = 0
    held: int = 0
    recipients: int = 0
    #: Messages to the tarpit, which stay in the active queue (what "settled" allows).
    tarpit: int = 0
    queue_ids: list[str] = field(default_factory=list)
    inject_seconds: float = 0.0
    settle_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        """Inject plus settle time."""
        return self.inject_seconds + self.settle_seconds


def _pick_domain(rng: random.Random, kinds: list[str], weights: list[int]) -> str:
    kind = rng.choices(kinds, weights)[0]
    return rng.choice(DOMAINS[kind])


def plan(count: int, seed: int = 1, *, hold_ratio: float = 0.03) -> list[Spec]:
    """The deterministic list of messages ``populate`` injects for ``count`` and ``seed``.

    Small counts still contain every kind: the first messages cycle through them.
    """
    rng = random.Random(seed)
    kinds, weights = list(_WEIGHTS), list(_WEIGHTS.values())
    tarpit = min(20, max(2, count // 100))
    big = min(6, max(1, count // 2000))
    many = min(60, max(2, count // 150))
    specs: list[Spec] = []
    for i in range(count):
        r = rng.random()
        if r < 0.08:
            sender = ""
        elif r < 0.12:
            sender = f"{rng.choice(_UTF8_LOCALS)}@{rng.choice(SENDER_DOMAINS)}"
        elif r < 0.13:
            sender = f"{_QUOTED}@example.org"
        else:
            sender = f"{rng.choice(_LOCALS)}{rng.randrange(100)}@{rng.choice(SENDER_DOMAINS)}"
        if i < len(kinds):  # every kind at least once, with a non-null sender
            domains = [rng.choice(DOMAINS[kinds[i]])]
            sender = sender or f"alice@{SENDER_DOMAINS[0]}"
        elif i < len(kinds) + tarpit:
            domains = DOMAINS["tarpit"]
        else:
            n = 1 if rng.random() < 0.7 else rng.randint(2, 4)
            domains = [_pick_domain(rng, kinds, weights) for _ in range(n)]
        rcpts = []
        for domain in domains:
            q = rng.random()
            if q < 0.04:
                local = rng.choice(_UTF8_LOCALS)
            elif q < 0.05:
                local = _QUOTED
            else:
                local = f"{rng.choice(_LOCALS)}{rng.randrange(1000)}"
            rcpts.append(f"{local}@{domain}")
        if len(kinds) + tarpit <= i < len(kinds) + tarpit + many:
            domain = _pick_domain(rng, kinds[:5], weights[:5])
            rcpts = [f"member{k}@{domain}" for k in range(rng.randint(100, 400))]
        s = rng.random()
        if i % max(1, count // big) == count // big // 2 and i >= len(kinds) + tarpit:
            size = rng.randint(1_000_000, 5_000_000)
        elif s < 0.6:
            size = rng.randint(300, 4000)
        elif s < 0.97:
            size = rng.randint(4000, 60000)
        else:
            size = rng.randint(60000, 600000)
        subject = f"{rng.choice(_SUBJECTS)} #{i}"
        hold = i >= len(kinds) + tarpit and rng.random() < hold_ratio
        specs.append(Spec(sender, list(dict.fromkeys(rcpts)), size, subject, hold))
    return specs


def _message(spec: Spec) -> bytes:
    sender = spec.sender or "MAILER-DAEMON@sandbox.example.test"
    head = (
        f"From: <{sender}>\r\nTo: <{spec.recipients[0]}>\r\nSubject: {spec.subject}\r\n"
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode()
    need = max(0, spec.size - len(head))
    body = _FILLER * (need // len(_FILLER) + 1)
    body = body[:need]
    cut = body.rfind(b"\r\n")
    body = body[: cut + 2] if cut >= 0 else b""
    return head + body


class _Client:
    """A minimal pipelining SMTP client (one socket, several messages)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.file = self.sock.makefile("rb")
        self._reply()
        self.sock.sendall(b"EHLO populate.example.test\r\n")
        self._reply()

    def _reply(self) -> tuple[int, str]:
        lines = []
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("SMTP server closed the connection")
            lines.append(line.decode("utf-8", "replace").rstrip())
            if line[3:4] != b"-":
                return int(line[:3]), lines[-1]

    def send(self, spec: Spec) -> Optional[str]:
        """Send one message; its queue id, or None if smtpd refused it."""
        utf8 = not (spec.sender + "".join(spec.recipients)).isascii()
        opts = " SMTPUTF8" if utf8 else ""
        cmds = [f"MAIL FROM:<{spec.sender}> BODY=8BITMIME{opts}"]
        cmds += [f"RCPT TO:<{r}>" for r in spec.recipients]
        cmds.append("DATA")
        self.sock.sendall(("\r\n".join(cmds) + "\r\n").encode("utf-8"))
        replies = [self._reply() for _ in cmds]
        if replies[-1][0] != 354:
            if replies[-1][0] < 400:
                self.sock.sendall(b".\r\n")
                self._reply()
            self.sock.sendall(b"RSET\r\n")
            self._reply()
            return None
        self.sock.sendall(_message(spec) + b".\r\n")
        code, text = self._reply()
        if code != 250:
            return None
        return text.rsplit(" ", 1)[-1]

    def close(self) -> None:
        try:
            self.sock.sendall(b"QUIT\r\n")
            self._reply()
        except OSError:
            pass
        self.sock.close()


def inject(
    port: int,
    specs: Sequence[Spec],
    *,
    connections: int = 12,
    per_connection: int = 500,
    progress: Optional[Callable[[int], None]] = None,
) -> list[Optional[str]]:
    """Send ``specs`` to 127.0.0.1:``port`` over parallel pipelined SMTP connections; queue ids
    in the order of ``specs`` (None where smtpd refused a message).

    ``progress(1)`` is called from the sending threads after each message. An interrupt
    (Ctrl+C: KeyboardInterrupt in the waiting main thread) stops every sender before its next
    message and is re-raised once they have all closed their connections, so nothing is still
    sending when the caller tears the instance down.
    """
    ids: list[Optional[str]] = [None] * len(specs)
    errors: list[BaseException] = []
    stop = threading.Event()

    def worker(k: int) -> None:
        client: Optional[_Client] = None
        sent = 0
        try:
            for idx in range(k, len(specs), connections):
                if stop.is_set():
                    break
                if client is None or sent >= per_connection:
                    if client is not None:
                        client.close()
                    client, sent = _Client(port), 0
                ids[idx] = client.send(specs[idx])
                sent += 1
                if progress is not None:
                    progress(1)
        except BaseException as exc:
            errors.append(exc)
        finally:
            if client is not None:
                client.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except BaseException:
        stop.set()
        for t in threads:
            t.join()
        raise
    if errors:
        raise SandboxError(f"injection failed: {errors[0]!r}")
    return ids


def wait_settled(sandbox: Sandbox, *, in_active: int = 0, timeout: float = 900) -> dict[str, int]:
    """Wait until nothing is in maildrop/incoming and at most ``in_active`` messages (the
    tarpit ones) are in active, twice in a row; returns the final per-queue file counts."""
    deadline = time.monotonic() + timeout
    calm = 0
    while True:
        counts = sandbox.queue_counts()
        if counts["maildrop"] == 0 and counts["incoming"] == 0 and counts["active"] <= in_active:
            calm += 1
            if calm >= 2:
                return counts
        else:
            calm = 0
        if time.monotonic() > deadline:
            raise SandboxError(f"queue did not settle in {timeout:.0f}s: {counts}")
        time.sleep(0.5)


def populate(
    sandbox: Sandbox,
    count: int,
    seed: int = 1,
    *,
    connections: int = 12,
    hold_ratio: float = 0.03,
    settle: bool = True,
    settle_timeout: float = 1800,
    progress: Optional[Callable[[int], None]] = None,
) -> PopulateResult:
    """Inject ``count`` scenario messages into a started sandbox, hold some, wait to settle.

    The sandbox must route like :func:`scenario_sandbox` (with an :class:`Upstream` running)
    for the reasons to appear. Deterministic for a given ``count`` and ``seed`` (queue ids and
    times aside). ``progress`` is passed to :func:`inject`.
    """
    result = PopulateResult()
    specs = plan(count, seed, hold_ratio=hold_ratio)
    t0 = time.monotonic()
    ids = inject(sandbox.smtp_port, specs, connections=connections, progress=progress)
    hold_ids = [qid for qid, spec in zip(ids, specs) if qid and spec.hold]
    if hold_ids:
        res = sandbox.postsuper("-h", "-", input="".join(f"{q}\n" for q in hold_ids))
        if res.returncode != 0:
            raise SandboxError(f"postsuper -h failed: {res.stderr}")
    result.inject_seconds = time.monotonic() - t0
    result.queue_ids = [q for q in ids if q]
    result.injected = len(result.queue_ids)
    result.held = len(hold_ids)
    result.recipients = sum(len(s.recipients) for s in specs)
    result.tarpit = sum(1 for s in specs if s.recipients[0].endswith(tuple(DOMAINS["tarpit"])))
    if settle:
        t1 = time.monotonic()
        result.counts = wait_settled(sandbox, in_active=result.tarpit, timeout=settle_timeout)
        result.settle_seconds = time.monotonic() - t1
    else:
        result.counts = sandbox.queue_counts()
    return result


# -- command line ------------------------------------------------------------------------


def stop_kept(config_dir: str) -> None:
    """Stop and remove a sandbox left running by ``--keep`` (and its upstream process)."""
    Sandbox.attach(config_dir).destroy()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m mailq_tui.sandbox.populate``: create, fill and time a sandbox."""
    ap = argparse.ArgumentParser(prog="python -m mailq_tui.sandbox.populate", description=__doc__)
    ap.add_argument("--count", type=int, default=1000, help="messages to inject")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--connections", type=int, default=12, help="parallel SMTP connections")
    ap.add_argument("--keep", action="store_true", help="leave the sandbox running")
    ap.add_argument("--stop", metavar="CONFIG_DIR", help="tear down a kept sandbox")
    args = ap.parse_args(argv)
    if args.stop:
        stop_kept(args.stop)
        print(f"stopped and removed {Path(args.stop).resolve().parent}")
        return 0
    upstream = Upstream(upstream_rules())
    sandbox = scenario_sandbox(upstream)
    if args.keep:  # the upstream must outlive this process
        upstream.spawn(sandbox.root / "run")
    else:
        upstream.start()
    keep = False
    try:
        t0 = time.monotonic()
        sandbox.start()
        started = time.monotonic() - t0
        res = populate(sandbox, args.count, args.seed, connections=args.connections)
        t2 = time.monotonic()
        listed = len(sandbox.listing())
        list_seconds = time.monotonic() - t2
        report = {
            "count": args.count,
            "injected": res.injected,
            "held": res.held,
            "recipients": res.recipients,
            "start_s": round(started, 2),
            "inject_s": round(res.inject_seconds, 2),
            "settle_s": round(res.settle_seconds, 2),
            "total_s": round(time.monotonic() - t0, 2),
            "postqueue_j_s": round(list_seconds, 2),
            "listed": listed,
            "queues": res.counts,
        }
        print(json.dumps(report, indent=1))
        if args.keep:
            keep = True
            print(f"kept: mailq-tui -c {sandbox.config_dir}")
            print(f"stop: python -m mailq_tui.sandbox.populate --stop {sandbox.config_dir}")
    finally:
        if not keep:
            sandbox.destroy()
            upstream.stop()
    return 0


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("populate needs root (it runs its own Postfix instance)", file=sys.stderr)
        sys.exit(1)
    sys.exit(main())
