"""A snapshot: every message of one queue listing, with when and how long it took."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailq_tui.model.message import Message


@dataclass
class Snapshot:
    """The result of one full queue listing."""

    messages: list[Message]
    #: Epoch seconds when the listing started.
    taken_at: float
    #: Seconds the listing took (command plus decoding).
    duration: float
    #: Warnings the listing command printed (e.g. "mail system is down" for root).
    warnings: list[str] = field(default_factory=list)
