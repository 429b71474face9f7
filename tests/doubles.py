"""A recorded queue backend for tests, screenshots and the TUI benchmark: the app without Postfix.

:class:`RecordedBackend` serves a ``postqueue -j`` file recorded from a real instance and applies
actions to that in-memory listing. It never runs Postfix, but it decides like the engine: the
re-check (:mod:`mailq_tui.model.recheck`), the site flush's messages
(:func:`~mailq_tui.model.selection.site_flush_candidates`) and postsuper's outcome words are the
product's own, and ``tests/postfix/test_backend_contract.py`` runs one scenario on both the real
engine and this double so the two cannot drift apart. It lives outside the product: the
installed package does not carry it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable as BatchCallable
from collections.abc import Sequence
from pathlib import Path
from typing import Callable, Optional, Union

import msgspec

from mailq_tui.model.message import Message
from mailq_tui.model.recheck import recheck, screen_targets
from mailq_tui.model.selection import site_flush_candidates
from mailq_tui.model.snapshot import Snapshot
from mailq_tui.operations import Op
from mailq_tui.postfix.health import Health
from mailq_tui.postfix.postcat import PostcatResult, parse_postcat
from mailq_tui.postfix.postsuper import OUTCOME_WORDS
from mailq_tui.postfix.queue_ids import is_valid_queue_id
from mailq_tui.postfix.settings import PostfixSettings
from mailq_tui.reports import (
    POSTSUPER_ACTIONS,
    ActionReport,
    Capability,
    Privileges,
    ProgressCallback,
)

ALL_ALLOWED = Privileges(
    user="root",
    is_root=True,
    list=Capability(True),
    flush=Capability(True),
    postsuper=Capability(True),
    postcat=Capability(True),
)

#: What an ordinary user typically gets (postqueue is set-gid; postsuper/postcat are not).
ORDINARY_USER = Privileges(
    user="alice",
    is_root=False,
    list=Capability(True),
    flush=Capability(True),
    postsuper=Capability(False, "postsuper is reserved for the superuser (try --sudo)"),
    postcat=Capability(False, "postcat needs root or the mail owner (postfix)"),
)

_DECODER = msgspec.json.Decoder(Message)
#: Where postsuper moves a message (None: it is gone; requeued mail waits in maildrop).
_NEXT_QUEUE = {"delete": None, "hold": "hold", "release": "deferred", "requeue": "maildrop"}


class RecordedBackend:
    """A backend over a recorded ``postqueue -j`` listing (no Postfix involved).

    ``postcat_dir``: directory of recorded ``postcat-<ID>.txt`` files. ``listing_gate``: when
    given, each listing waits until this event is set (a test holds a listing in flight for as
    long as it needs, with no timing involved). ``clock``: what "now" is for
    ``Snapshot.taken_at``. ``health``: what :meth:`health` returns (default: a fixed running
    instance). Actions change the in-memory listing the way postsuper would.
    ``stream_gate``: when given, each listing hands its first ``first_batch`` messages to
    ``on_batch`` at once, then waits until this event is set before the rest (a listing half
    read, as when ``postqueue -j`` is still writing).
    """

    def __init__(
        self,
        messages: Sequence[Message],
        *,
        privileges: Privileges = ALL_ALLOWED,
        settings: Optional[PostfixSettings] = None,
        postcat_dir: Optional[Union[str, Path]] = None,
        listing_gate: Optional[asyncio.Event] = None,
        clock: Optional[Callable[[], float]] = None,
        health: Optional[Health] = None,
        stream_gate: Optional[asyncio.Event] = None,
        first_batch: int = 1,
    ) -> None:
        self.clock: Callable[[], float] = clock or time.time
        self.messages: list[Message] = list(messages)
        self._privileges = privileges
        self._settings = settings or PostfixSettings()
        self._postcat_dir = Path(postcat_dir) if postcat_dir else None
        self.listing_gate = listing_gate
        self.stream_gate = stream_gate
        self.first_batch = first_batch
        self.calls: list[tuple[str, list[str]]] = []
        self.listings = 0
        self._health = health

    @classmethod
    def from_file(cls, path: Union[str, Path], **kwargs: object) -> RecordedBackend:
        """Load a ``postqueue -j`` recording (JSON lines)."""
        data = Path(path).read_bytes()
        messages = _DECODER.decode_lines(data) if data.strip() else []
        return cls(messages, **kwargs)  # type: ignore[arg-type]

    async def snapshot(
        self,
        previous: Optional[Snapshot] = None,
        *,
        reusable: bool = False,
        on_batch: Optional[BatchCallable[[list[Message]], None]] = None,
    ) -> Snapshot:
        """The current in-memory listing (a fresh one each time: ``previous`` and
        ``reusable`` change nothing here); with a ``stream_gate``, handed to ``on_batch`` in
        two batches, the second once the gate is set."""
        started = time.monotonic()
        if self.listing_gate is not None:
            await self.listing_gate.wait()
        messages = list(self.messages)  # actions replace structs, never change them
        if on_batch is not None and self.stream_gate is not None:
            cut = self.first_batch
            if messages[:cut]:
                on_batch(messages[:cut])
            await self.stream_gate.wait()
            if messages[cut:]:
                on_batch(messages[cut:])
        self.listings += 1
        return Snapshot(messages, self.clock(), time.monotonic() - started)

    async def privileges(self, refresh: bool = False) -> Privileges:
        """The privileges this backend was made with."""
        return self._privileges

    async def settings(self, refresh: bool = False) -> PostfixSettings:
        """Postfix's default settings (or the ones given)."""
        return self._settings

    async def health(self) -> Health:
        """The Postfix health given, else a fixed healthy instance (master 4242, up one hour
        by this backend's clock)."""
        if self._health is not None:
            return self._health
        now = self.clock()
        return Health(
            running=True,
            master_pid=4242,
            started_at=now - 3600.0,
            services={"cleanup": 1, "pickup": 1, "qmgr": 1, "smtp": 3, "smtpd": 1},
            load=(0.25, 0.2, 0.15),
            checked_at=now,
        )

    async def act(
        self,
        action: str,
        targets: Sequence[Message],
        progress: Optional[ProgressCallback] = None,
        stop: Optional[asyncio.Event] = None,
    ) -> ActionReport:
        """Apply ``action`` to the listing as postsuper would, after the engine's own checks
        (:func:`~mailq_tui.model.recheck.screen_targets`, then
        :func:`~mailq_tui.model.recheck.recheck` against this listing); when ``stop`` is set,
        the remaining survivors are left alone (``interrupted``)."""
        if action not in POSTSUPER_ACTIONS:
            raise ValueError(f"unknown action {action!r}; one of {sorted(POSTSUPER_ACTIONS)}")
        self.calls.append((action, [m.queue_id for m in targets]))
        report = ActionReport(action=action, requested=len(targets))
        seen = screen_targets(report, targets, is_valid_queue_id)
        if not seen:
            return report
        if not self._privileges.postsuper.allowed:
            report.errors.append(self._privileges.postsuper.reason)
            return report
        current = {m.queue_id: m for m in self.messages}
        checked = recheck(action, seen, current)
        report.skipped.extend(checked.skipped)
        for n, (qid, now) in enumerate(checked.survivors.items(), 1):
            if stop is not None and stop.is_set():
                break
            target_queue = _NEXT_QUEUE[action]
            if target_queue is None:
                del current[qid]
            else:  # a new struct: listings already handed out stay as they were
                current[qid] = msgspec.structs.replace(now, queue_name=target_queue)
            report.outcomes[qid] = OUTCOME_WORDS[action]
            report.done += 1
            if progress is not None:
                progress(n, len(checked.survivors))
        if stop is not None and stop.is_set():
            report.interrupted = True
        self.messages = [current[m.queue_id] for m in self.messages if m.queue_id in current]
        return report

    async def flush_all(self) -> ActionReport:
        """Pretend ``postqueue -f`` was accepted."""
        self.calls.append((Op.FLUSH_ALL.value, []))
        return self._flush(Op.FLUSH_ALL, 1)

    async def flush_site(
        self,
        site: str,
        listing: Sequence[Message] = (),
        stop: Optional[asyncio.Event] = None,
    ) -> ActionReport:
        """Pretend ``postqueue -s SITE`` was accepted; the call records the messages the engine
        would flush one by one (:func:`~mailq_tui.model.selection.site_flush_candidates`)."""
        candidates = site_flush_candidates(listing, site)
        self.calls.append(("flush-site:" + site, [m.queue_id for m in candidates]))
        report = self._flush(Op.FLUSH_SITE, 1)
        report.site, report.covers = site, len(candidates)
        return report

    async def flush_ids(
        self,
        targets: Sequence[Message],
        progress: Optional[ProgressCallback] = None,
        stop: Optional[asyncio.Event] = None,
    ) -> ActionReport:
        """Pretend ``postqueue -i`` was accepted for each id."""
        self.calls.append((Op.FLUSH_IDS.value, [m.queue_id for m in targets]))
        if progress is not None:
            progress(len(targets), len(targets))
        return self._flush(Op.FLUSH_IDS, len(targets))

    def _flush(self, op: Op, count: int) -> ActionReport:
        report = ActionReport(action=op.value, requested=count)
        if self._privileges.flush.allowed:
            report.done = count
        else:
            report.errors.append(self._privileges.flush.reason)
        return report

    async def postcat(self, queue_id: str, max_bytes: int = 8 << 20) -> PostcatResult:
        """A recorded ``postcat -q`` output, when there is one for ``queue_id``."""
        if not self._privileges.postcat.allowed:
            return PostcatResult(queue_id=queue_id, error=self._privileges.postcat.reason)
        path = self._postcat_dir / f"postcat-{queue_id}.txt" if self._postcat_dir else None
        if path is None or not path.is_file():
            return PostcatResult(queue_id=queue_id, error="no recorded postcat output")
        text = path.read_text(errors="replace")
        result = parse_postcat(text, queue_id)
        result.bytes_read = len(text.encode())
        return result
