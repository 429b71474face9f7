"""Fixtures for the UI tests: a recorded queue (from a real sandbox), a frozen clock, an app."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from textual.pilot import Pilot

from mailq_tui.model.message import Message
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.postfix.health import Health
from mailq_tui.ui.app import MailqApp
from tests.doubles import RecordedBackend

DATA = Path(__file__).parent / "data"
QUEUE_FILE = DATA / "queue.jsonl"
#: One hour after the newest recorded arrival: every age in the snapshots is stable.
NOW = float(max(json.loads(line)["arrival_time"] for line in QUEUE_FILE.open())) + 3600


def frozen() -> float:
    """The frozen clock."""
    return NOW


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local times print as UTC, and NO_COLOR is not inherited from the caller."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NO_COLOR", raising=False)
    time.tzset()
    yield
    time.tzset()


def make_backend(**kwargs: Any) -> RecordedBackend:
    """A recorded backend over the recorded sandbox queue."""
    kwargs.setdefault("clock", frozen)
    return RecordedBackend.from_file(QUEUE_FILE, postcat_dir=DATA, **kwargs)


@pytest.fixture
def backend() -> RecordedBackend:
    """A fresh recorded backend (actions change only its own copy)."""
    return make_backend()


def make_app(backend: RecordedBackend, **kwargs: Any) -> MailqApp:
    """The app on ``backend``, no live refresh unless asked, frozen clock."""
    kwargs.setdefault("refresh_interval", 0)
    return MailqApp(backend, clock=frozen, **kwargs)


def hostile_message(queue_id: str = "ABCDEF1234") -> Message:
    """A message whose texts try escape sequences, markup and bidi overrides."""
    from mailq_tui.model.message import Recipient

    return Message(
        queue_name="deferred",
        queue_id=queue_id,
        arrival_time=int(NOW) - 7200,
        message_size=1234,
        sender="evil\x1b[31m[bold]red[/bold]@spam.example",
        recipients=[
            Recipient("victim@x.example", "host said: [/etc/postfix] \x1b]0;pwned\x07 \u202egnp"),
        ],
    )


#: Health of a machine whose Postfix is not running.
DOWN = Health(
    running=False,
    master_pid=None,
    started_at=None,
    services={},
    load=(3.5, 2.0, 1.0),
    checked_at=NOW,
    problem="no master.pid in /var/spool/postfix/pid: Postfix is not running",
)


#: Seconds after which a wait for an event fails the test instead of hanging the run (an app
#: that never does the thing). No test counts on anything happening within a time: each one
#: waits for the event itself, and this bound is only reached when the app is broken.
HANG_GUARD = 120.0


class ListingWatch:
    """Counts the listings ``backend`` serves and lets a test wait for one more (an event,
    not a time)."""

    def __init__(self, backend: RecordedBackend) -> None:
        self.count = 0
        self._served = asyncio.Event()
        inner = backend.snapshot

        async def snapshot(
            previous: Optional[Snapshot] = None, *, reusable: bool = False, on_batch: Any = None
        ) -> Snapshot:
            result = await inner(previous, reusable=reusable, on_batch=on_batch)
            self.count += 1
            self._served.set()
            return result

        backend.snapshot = snapshot  # type: ignore[method-assign]

    async def beyond(self, count: int) -> None:
        """Return once more than ``count`` listings were served."""
        while self.count <= count:
            self._served.clear()
            await asyncio.wait_for(self._served.wait(), HANG_GUARD)


async def until(pilot: Pilot, done: Callable[[], bool], what: str) -> None:
    """Let the app run until ``done()`` holds (checked after each idle point). Fails after
    :data:`HANG_GUARD` seconds: a hang guard, not a time the app is expected to need."""
    deadline = time.monotonic() + HANG_GUARD
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await pilot.pause(0.01)


os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
