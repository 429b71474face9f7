"""A snapshot: every message of one queue listing, with when and how long it took."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    #: What the next listing needs to decode only what changed (opaque here: the listing
    #: layer's ``ListingMemo``), or None.
    memo: Any = None
    #: True when the listing was byte for byte the previous one: ``messages`` is then the
    #: previous snapshot's list itself, and a view built on it still holds.
    same_as_previous: bool = False
