"""A small fake upstream SMTP server on 127.0.0.1 that never accepts mail (stdlib asyncio).

It listens on one port per *mode* and gives a sandbox's smtp client realistic temporary
failures, so queued mail waits with real Postfix delay reasons:

``rules``
    Answers each ``RCPT TO`` by the recipient's domain (:data:`REPLIES`): ``too_many``
    (450 too many connections), ``greylist`` (451 greylisted, also the default) or ``unknown``
    (550 user unknown: Postfix bounces, so mail from the null sender exists); ``hostile`` and
    ``lookalike`` (451 with a bidi override, markup and an ESC) serve tests of untrusted text.
``greet421``
    Greets with ``421 4.7.0 ... try again later`` and hangs up.
``mail421``
    Greets normally, answers ``MAIL FROM`` with that 421 and hangs up.
``tarpit``
    Accepts the connection and never says anything (mail stays in the active queue for as long
    as the client's greeting timeout).

:class:`Upstream` runs the server in a background thread (tests, demo);
``python -m mailq_tui.sandbox.upstream CONFIG.json`` runs it in the foreground (a kept sandbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional, Union

from mailq_tui.sandbox.instance import free_port

MODES = ("rules", "greet421", "mail421", "tarpit")

#: RCPT replies of the ``rules`` mode, by kind; ``{rcpt}`` is the recipient address.
REPLIES = {
    "too_many": "450 4.7.1 <{rcpt}>: Recipient address rejected: too many connections from your IP",
    "greylist": "451 4.7.1 Greylisted, please try again in 300 seconds",
    "unknown": "550 5.1.1 <{rcpt}>: user unknown",
    # Text from a hostile server: a bidi override, Rich markup and an ESC (postqueue -j shows
    # the ESC as "?" and passes the rest through), for tests of what reaches the screen.
    "hostile": "451 4.7.1 <{rcpt}>: \u202egnp.exe [bold red]x[/] \x1b[2J try later",
    # The same text as postqueue -j would show it without the override: another cluster.
    "lookalike": "451 4.7.1 <{rcpt}>: ?gnp.exe [bold red]x[/] ?[2J try later",
}
TRY_LATER = "421 4.7.0 mx.example.net Service unavailable - try again later"
HOSTNAME = "mx.example.net"


def _address(arg: str) -> str:
    """The address inside ``<...>`` of a MAIL/RCPT argument (the whole rest if unbracketed)."""
    start, end = arg.find("<"), arg.rfind(">")
    if start != -1 and end > start:
        return arg[start + 1 : end]
    return arg.split(" ", 1)[0].split(":", 1)[-1]


class Upstream:
    """The fake upstream: ``rules`` maps a recipient domain to a kind of :data:`REPLIES`;
    ``ports`` (mode -> port) default to free ports. Start with :meth:`start` or ``with``."""

    def __init__(
        self,
        rules: Optional[Mapping[str, str]] = None,
        *,
        default: str = "greylist",
        ports: Optional[Mapping[str, int]] = None,
        modes: Sequence[str] = MODES,
    ) -> None:
        self.rules = {k.lower(): v for k, v in (rules or {}).items()}
        self.default = default
        self.ports = dict(ports) if ports else {mode: free_port() for mode in modes}
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._servers: list[asyncio.AbstractServer] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._stopped: Optional[asyncio.Event] = None
        self.sessions = 0

    def nexthop(self, mode: str, transport: str = "smtp") -> str:
        """``transport:[127.0.0.1]:PORT`` for one mode, for a sandbox's transport map."""
        return f"{transport}:[127.0.0.1]:{self.ports[mode]}"

    def reply_for(self, rcpt: str) -> str:
        """The RCPT reply the ``rules`` mode gives for this recipient."""
        domain = rcpt.rpartition("@")[2].lower()
        kind = self.rules.get(domain, self.default)
        return REPLIES[kind].format(rcpt=rcpt)

    # -- protocol --------------------------------------------------------------------------

    async def _handle(
        self, mode: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.sessions += 1
        self._writers.add(writer)
        try:
            await self._session(mode, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _session(
        self, mode: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        def send(line: str) -> None:
            writer.write(line.encode("utf-8") + b"\r\n")

        if mode == "tarpit":
            while await reader.read(65536):
                pass
            return
        if mode == "greet421":
            send(TRY_LATER)
            await writer.drain()
            return
        send(f"220 {HOSTNAME} ESMTP")
        while True:
            await writer.drain()
            raw = await reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                if verb == "EHLO":
                    send(f"250-{HOSTNAME}")
                    for ext in ("PIPELINING", "SIZE 50000000", "8BITMIME"):
                        send(f"250-{ext}")
                    send("250 SMTPUTF8")
                else:
                    send(f"250 {HOSTNAME}")
            elif verb == "MAIL":
                if mode == "mail421":
                    send(TRY_LATER)
                    await writer.drain()
                    return
                send("250 2.1.0 Ok")
            elif verb == "RCPT":
                send(self.reply_for(_address(arg)))
            elif verb == "DATA":
                send("554 5.5.1 Error: no valid recipients")  # no RCPT is ever accepted
            elif verb == "RSET" or verb == "NOOP":
                send("250 2.0.0 Ok")
            elif verb == "QUIT":
                send("221 2.0.0 Bye")
                await writer.drain()
                return
            else:
                send("502 5.5.2 Error: command not recognized")

    # -- lifecycle -------------------------------------------------------------------------

    async def serve(self) -> None:
        """Listen on every port until :meth:`stop` (or forever, in the foreground)."""
        self._stopped = asyncio.Event()
        for mode, port in self.ports.items():

            async def handler(
                r: asyncio.StreamReader, w: asyncio.StreamWriter, m: str = mode
            ) -> None:
                await self._handle(m, r, w)

            server = await asyncio.start_server(
                handler, "127.0.0.1", port, limit=1 << 20, reuse_address=True
            )
            self._servers.append(server)
        try:
            await self._stopped.wait()
        finally:
            for srv in self._servers:
                srv.close()
            for writer in list(self._writers):
                with contextlib.suppress(Exception):
                    writer.close()
            for srv in self._servers:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(srv.wait_closed(), 2)

    def start(self) -> Upstream:
        """Serve in a daemon thread; returns once every port listens."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def main() -> None:
                task = asyncio.ensure_future(self.serve())
                while not self._servers or len(self._servers) < len(self.ports):
                    if task.done():
                        break
                    await asyncio.sleep(0.01)
                ready.set()
                await task

            try:
                loop.run_until_complete(main())
            except BaseException as exc:
                errors.append(exc)
            finally:
                ready.set()
                loop.close()

        self._thread = threading.Thread(target=run, name="mqt-upstream", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        """Close the listeners and every open connection; join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._stopped is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._stopped.set)
        thread.join(10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> Upstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def spawn(self, run_dir: Union[str, Path]) -> int:
        """Serve in a detached process instead (outlives this one); writes ``upstream.json``,
        ``upstream.pid`` and ``upstream.log`` into ``run_dir`` and returns the pid once every
        port listens. A :class:`~mailq_tui.sandbox.instance.Sandbox` whose ``root/run`` holds
        the pid file kills it on stop."""
        run = Path(run_dir)
        run.mkdir(parents=True, exist_ok=True)
        cfg = run / "upstream.json"
        cfg.write_text(self.to_json())
        with open(run / "upstream.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "mailq_tui.sandbox.upstream", str(cfg)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
                cwd="/",
            )
        (run / "upstream.pid").write_text(f"{proc.pid}\n")
        deadline = time.monotonic() + 15
        for port in self.ports.values():
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"upstream process did not start (see {run})") from None
                    time.sleep(0.05)
        return proc.pid

    def to_json(self) -> str:
        """The configuration for ``python -m mailq_tui.sandbox.upstream``."""
        return json.dumps({"ports": self.ports, "rules": self.rules, "default": self.default})


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run an upstream in the foreground from a JSON config (see :meth:`Upstream.to_json`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m mailq_tui.sandbox.upstream CONFIG.json", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as fh:
        cfg = json.load(fh)
    up = Upstream(cfg["rules"], default=cfg["default"], ports=cfg["ports"])
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(up.serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
