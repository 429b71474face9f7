"""Fixtures for the Postfix-layer, CLI and real-Postfix UI tests: one plain isolated
:class:`~mailq_tui.sandbox.instance.Sandbox` (no upstream: every destination is a closed
loopback port, so mail defers with "Connection refused"), emptied around each test, and a real
non-root user (``Instance.run_as_prefix`` reaches the sandbox as that user without editing
/etc/postfix)."""

from __future__ import annotations

import pwd
import smtplib
import subprocess
import time
from collections.abc import Iterator

import pytest

from mailq_tui.model.message import Message
from mailq_tui.postfix.listing import drop_superseded
from mailq_tui.sandbox.instance import Sandbox, create_system_user, remove_system_user
from tests.conftest import require_sandbox

pytestmark = pytest.mark.sandbox


class Instance:
    """A :class:`Sandbox` with the helpers these tests use: send mail, wait, empty the queue.

    Unrouted mail goes to a closed loopback port, so everything defers with
    ``Connection refused``.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.root = sandbox.root
        self.config_dir = sandbox.config_dir
        self.smtp_port = sandbox.smtp_port

    def postfix(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.sandbox.postfix(*args, timeout=60)

    def listing(self) -> list[Message]:
        """The queue, one entry per message: showq lists a message that moves during its
        scan twice (active, then deferred after a retry), and a test picking targets and
        bystanders from the raw listing could then hold one message on both sides."""
        return drop_superseded(self.sandbox.listing())

    def by_id(self) -> dict[str, Message]:
        return {m.queue_id: m for m in self.listing()}

    def by_id_with(self, ids: set[str], listings: int = 5) -> dict[str, Message]:
        """:meth:`by_id` from the first of up to ``listings`` listings that shows every id in
        ``ids``. showq scans the queues one after the other, so a message that qmgr moves
        from deferred to active after the active queue was scanned is missing from that one
        listing; it is not gone. Returns the last listing if an id never shows."""
        listed = self.by_id()
        for _ in range(listings - 1):
            if ids <= listed.keys():
                break
            listed = self.by_id()
        return listed

    def run_as_prefix(self, user: pwd.struct_passwd) -> list[str]:
        return self.sandbox.run_as_prefix(user)

    def send(self, sender: str, rcpts: list[str], n: int = 1, subject: str = "test") -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as s:
            for i in range(n):
                body = f"Subject: {subject} {i}\r\nFrom: <{sender}>\r\n\r\nbody {i}\r\n"
                s.sendmail(sender, rcpts, body.encode())

    def wait_deferred(self, count: int, timeout: float = 30) -> list[Message]:
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.listing()
            if sum(1 for m in msgs if m.queue_name == "deferred") >= count:
                return msgs
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(msgs)} queued: {msgs!r}")
            time.sleep(0.2)

    def clear(self, timeout: float = 20) -> None:
        """Delete everything, until the queue stays empty: a message requeued by an earlier
        test may be re-created by pickup (with a new id) just after ``postsuper -d ALL``."""
        deadline = time.monotonic() + timeout
        while True:
            self.sandbox.postsuper("-d", "ALL")
            time.sleep(0.3)
            if not self.listing():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"queue not empty after clear: {self.listing()!r}")


@pytest.fixture(scope="session")
def pf_instance() -> Iterator[Instance]:
    require_sandbox()
    box = Sandbox()
    try:
        box.start()
        yield Instance(box)
    finally:
        box.destroy()


@pytest.fixture
def pf(pf_instance: Instance) -> Iterator[Instance]:
    """The instance with an empty queue (emptied again afterwards)."""
    pf_instance.sandbox.start()
    pf_instance.clear()
    yield pf_instance
    pf_instance.clear()


@pytest.fixture(scope="session")
def unprivileged_user() -> Iterator[pwd.struct_passwd]:
    """A real non-root user created for the test session (removed afterwards)."""
    require_sandbox()
    user = create_system_user()
    try:
        yield user
    finally:
        remove_system_user(user.pw_name)


@pytest.fixture
def filled(pf: Instance) -> Instance:
    """4 messages to gmail.com, 3 to yahoo.com, all deferred."""
    pf.send("alice@example.org", ["a@gmail.com"], n=4)
    pf.send("bob@example.net", ["b@yahoo.com"], n=3)
    pf.wait_deferred(7)
    return pf


def qshape_rows(text: str) -> dict[str, list[int]]:
    """qshape's (or ``mailq-tui shape``'s) table as domain -> counts (header skipped)."""
    rows = {}
    for line in text.splitlines()[1:]:
        name, *counts = line.split()
        rows[name] = [int(c) for c in counts]
    return rows
