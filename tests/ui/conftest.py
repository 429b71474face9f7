"""Fixtures for the UI tests: a recorded queue (from a real sandbox), a frozen clock, an app."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailq_tui.model.message import Message
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.backend import RecordedBackend

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


os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
