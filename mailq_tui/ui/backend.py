"""What the app needs from a queue backend: the UI's view of the engine.

:class:`~mailq_tui.engine.QueueEngine` is the real backend; tests, screenshots and the TUI
benchmark use a recorded double (``tests/doubles.py``, outside the product) with the same
methods.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Optional, Protocol

from mailq_tui.engine import (
    ActionReport,
    Health,
    PostcatResult,
    PostfixSettings,
    ProgressCallback,
)
from mailq_tui.model.message import Message
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.reports import Privileges


class QueueBackend(Protocol):
    """The engine operations the UI uses (``QueueEngine`` implements them)."""

    async def snapshot(
        self,
        previous: Optional[Snapshot] = None,
        *,
        reusable: bool = False,
        on_batch: Optional[Callable[[list[Message]], None]] = None,
    ) -> Snapshot: ...

    async def privileges(self, refresh: bool = False) -> Privileges: ...

    async def settings(self, refresh: bool = False) -> PostfixSettings: ...

    async def act(
        self,
        action: str,
        targets: Sequence[Message],
        progress: Optional[ProgressCallback] = None,
        stop: Optional[asyncio.Event] = None,
    ) -> ActionReport: ...

    async def flush_all(self) -> ActionReport: ...

    async def flush_site(
        self,
        site: str,
        listing: Sequence[Message] = (),
        stop: Optional[asyncio.Event] = None,
    ) -> ActionReport: ...

    async def flush_ids(
        self,
        targets: Sequence[Message],
        progress: Optional[ProgressCallback] = None,
        stop: Optional[asyncio.Event] = None,
    ) -> ActionReport: ...

    async def postcat(self, queue_id: str, max_bytes: int = ...) -> PostcatResult: ...

    async def health(self) -> Health: ...
