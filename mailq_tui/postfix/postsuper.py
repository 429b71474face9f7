"""Bulk actions: ONE ``postsuper [-c DIR] -d|-h|-H|-r - QUEUE...`` per batch, ids on stdin.

postsuper writes everything to stderr and exits 0 for every per-id outcome::

    postsuper: A52F720C1C2: placed on hold
    postsuper: warning: invalid mail queue id: BADID!
    postsuper: Placed on hold: 2 messages

A queue id it does not find is simply absent from the output. Queue names after ``-`` restrict
where it looks (several may be given); a bogus one is ``fatal: invalid directory name``. Counts
reported to the user come from postsuper's own lines, never from the number requested.

A stop request (an :class:`asyncio.Event`) ends the batch cleanly: no more ids are written,
stdin is closed, postsuper finishes the ids it has read and prints its total, and that output
is still parsed — so an interrupted batch reports exactly what was done.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import re
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Optional, Union

from mailq_tui.model.message import QUEUE_NAMES
from mailq_tui.postfix.commands import (
    PostfixError,
    PostfixTools,
    fatal_lines,
    friendly_error,
    kill_quietly,
    spawn,
)
from mailq_tui.postfix.queue_ids import is_valid_queue_id
from mailq_tui.reports import POSTSUPER_ACTIONS, ProgressCallback

#: Ids written to postsuper per chunk (a stop request is checked between chunks).
CHUNK_IDS = 256
#: Size asked for the pipe to postsuper's stdin (Linux; the smallest a pipe can be).
PIPE_BYTES = 4096

#: What postsuper's stdin gets: ids, or a stream of batches of ids (see :func:`run_postsuper`).
IdSource = Union[Sequence[str], AsyncIterator[Sequence[str]]]

#: Per-id outcome words postsuper prints, per action.
OUTCOME_WORDS = {
    "delete": "removed",
    "hold": "placed on hold",
    "release": "released from hold",
    "requeue": "requeued",
}
_OUTCOME_RE = re.compile(
    r"^postsuper: (?P<id>[0-9A-Za-z]+): "
    r"(?P<what>removed|placed on hold|released from hold|requeued|expired)\s*$"
)
_TOTAL_RE = re.compile(
    r"^postsuper: (?P<what>Deleted|Placed on hold|Released from hold|Requeued|Force-expired): "
    r"(?P<n>\d+) messages?\s*$"
)
_WARNING_RE = re.compile(r"^postsuper: warning: (?P<text>.*)$")


@dataclass
class PostsuperResult:
    """What one postsuper run said."""

    action: str
    #: queue id -> outcome word, in the order postsuper printed them.
    outcomes: dict[str, str] = field(default_factory=dict)
    #: The total postsuper printed (``Deleted: N messages``), None if it printed none.
    total: Optional[int] = None
    warnings: list[str] = field(default_factory=list)
    #: Friendly error when postsuper failed (fatal, not allowed, missing).
    error: Optional[str] = None
    #: stderr lines that matched nothing above (kept for the log).
    other: list[str] = field(default_factory=list)
    exit_code: Optional[int] = None
    #: Ids written to postsuper's stdin (fewer than asked when a stop was requested).
    sent: int = 0

    @property
    def done(self) -> int:
        """Messages postsuper says it acted on: its total line, else its per-id lines."""
        return self.total if self.total is not None else len(self.outcomes)


class StderrParser:
    """Feeds postsuper stderr lines one at a time into a :class:`PostsuperResult`."""

    def __init__(self, result: PostsuperResult) -> None:
        self.result = result

    def feed(self, line: str) -> bool:
        """Parse one line; True when it was a per-id outcome."""
        line = line.rstrip("\r\n")
        if not line.strip():
            return False
        m = _OUTCOME_RE.match(line)
        if m:
            self.result.outcomes[m.group("id")] = m.group("what")
            return True
        m = _TOTAL_RE.match(line)
        if m:
            self.result.total = (self.result.total or 0) + int(m.group("n"))
            return False
        m = _WARNING_RE.match(line)
        if m:
            self.result.warnings.append(m.group("text"))
            return False
        if fatal_lines(line):
            return False  # collected by the caller from the whole stderr
        self.result.other.append(line)
        return False


def parse_postsuper_stderr(
    action: str, stderr: str, exit_code: Optional[int] = 0
) -> PostsuperResult:
    """Parse a complete postsuper stderr text (for recorded output and tests)."""
    result = PostsuperResult(action=action, exit_code=exit_code)
    parser = StderrParser(result)
    for line in stderr.splitlines():
        parser.feed(line)
    if exit_code not in (0, None) or fatal_lines(stderr):
        result.error = friendly_error("postsuper", stderr, exit_code)
    return result


async def _first(chunks: AsyncIterator[Sequence[str]]) -> Optional[Sequence[str]]:
    """The next chunk, None at the end."""
    try:
        return await chunks.__anext__()
    except StopAsyncIteration:
        return None


def postsuper_args(action: str, queues: Sequence[str]) -> list[str]:
    """postsuper arguments for ``action`` reading ids from stdin, restricted to ``queues``."""
    if action not in POSTSUPER_ACTIONS:
        raise ValueError(f"unknown postsuper action: {action!r}")
    bad = [q for q in queues if q not in QUEUE_NAMES]
    if bad:
        raise ValueError(f"unknown queue name(s): {bad!r}")
    return [POSTSUPER_ACTIONS[action], "-", *queues]


def postsuper_queues(action: str) -> list[str]:
    """The queues postsuper looks in for ids the re-check confirmed: release only in hold, hold
    everywhere but hold, delete and requeue everywhere. The re-check has already matched each id
    to the message the user saw (a queue id names one file in one queue at a time); a message
    that moves to another queue before postsuper reaches it is still the one asked for."""
    if action not in POSTSUPER_ACTIONS:
        raise ValueError(f"unknown postsuper action: {action!r}")
    if action == "release":
        return ["hold"]
    if action == "hold":
        return [q for q in QUEUE_NAMES if q != "hold"]
    return list(QUEUE_NAMES)


def _shrink_pipe(writer: asyncio.StreamWriter) -> None:
    """Make the kernel pipe to postsuper as small as Linux allows (one page), so a stop
    leaves postsuper only a few hundred ids to finish, not a 64 KiB pipe full (~5000 ids).
    Elsewhere (or on failure) the default pipe stays: a stop is then just less prompt."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", 1031 if sys.platform.startswith("linux") else None)
    pipe = writer.transport.get_extra_info("pipe")
    if setpipe is None or pipe is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe.fileno(), setpipe, PIPE_BYTES)


async def _chunks(queue_ids: IdSource) -> AsyncGenerator[Sequence[str], None]:
    """``queue_ids`` in chunks of at most :data:`CHUNK_IDS`; a stream's ids are validated
    chunk by chunk (ValueError on an invalid one, before it is written)."""
    if isinstance(queue_ids, Sequence):
        for start in range(0, len(queue_ids), CHUNK_IDS):
            yield queue_ids[start : start + CHUNK_IDS]
        return
    async for batch in queue_ids:
        for start in range(0, len(batch), CHUNK_IDS):
            chunk = batch[start : start + CHUNK_IDS]
            _refuse_invalid(chunk)
            yield chunk


def _refuse_invalid(queue_ids: Sequence[str]) -> None:
    bad = [qid for qid in queue_ids if not is_valid_queue_id(qid)]
    if bad:
        raise ValueError(f"refusing invalid queue id(s): {bad[:3]!r}")


async def run_postsuper(
    tools: PostfixTools,
    action: str,
    queue_ids: IdSource,
    queues: Sequence[str] = (),
    progress: Optional[ProgressCallback] = None,
    progress_interval: float = 0.1,
    stop: Optional[asyncio.Event] = None,
    total: Optional[int] = None,
) -> PostsuperResult:
    """Run ONE postsuper for ``action`` on ``queue_ids`` (stdin), restricted to ``queues``.

    Every id must be valid (ValueError otherwise: nothing else may reach postsuper). stdin is
    written while stderr is read, so any batch size streams. ``queue_ids`` may be a stream of
    batches (an async iterator, e.g. ids confirmed as a listing arrives): postsuper is started
    with its first batch, not at all when there is none (or ``stop`` is set first), and each
    batch is written as it comes. ``progress(done, total)`` is called from the event loop as
    outcome lines arrive (at most every ``progress_interval`` seconds, and once at the end);
    ``total`` defaults to the number of ids given (a stream: the ids written so far). A failure
    (not root, Postfix fatal) is returned in ``result.error``.

    ``stop``: when it is set, no more ids are written; postsuper's stdin is closed, it finishes
    the ids it has already read, prints its total and exits, and its stderr is read to the end,
    so ``result.done`` is still exactly what it did (``result.sent`` says how many ids it got).
    postsuper runs in a session of its own: the terminal's Ctrl+C or hangup never kills it
    between moving a file and saying so.
    """
    if isinstance(queue_ids, Sequence):
        _refuse_invalid(queue_ids)
    args = postsuper_args(action, queues)
    result = PostsuperResult(action=action)
    chunks = _chunks(queue_ids)
    first: Optional[Sequence[str]] = None
    if stop is None or not stop.is_set():
        first = await _first(chunks)
    if not first or (stop is not None and stop.is_set()):
        await chunks.aclose()
        result.total = 0
        return result
    try:
        proc = await spawn(tools.argv("postsuper", *args), stdin=True, new_session=True)
    except PostfixError as exc:
        await chunks.aclose()
        result.error = exc.message
        return result
    assert proc.stdin is not None and proc.stderr is not None
    _shrink_pipe(proc.stdin)
    # drain() returns only once a chunk is in the pipe: nothing waits in our buffer after a
    # stop, and the pipe only ever holds whole lines (a cut id could name another message).
    proc.stdin.transport.set_write_buffer_limits(0)

    def of_total() -> int:
        if total is not None:
            return total
        return len(queue_ids) if isinstance(queue_ids, Sequence) else result.sent

    # True while the writer waits for the stream's next ids (postsuper then has nothing to do:
    # its silence is no stall).
    idle = False

    async def write_ids() -> None:
        nonlocal idle
        assert proc.stdin is not None
        chunk: Optional[Sequence[str]] = first
        try:
            while chunk is not None:
                if stop is not None and stop.is_set():
                    break
                proc.stdin.write(("\n".join(chunk) + "\n").encode("ascii"))
                await proc.stdin.drain()
                result.sent += len(chunk)
                idle = True
                chunk = await _first(chunks)
                idle = False
        except (BrokenPipeError, ConnectionResetError):
            pass  # postsuper exited early (fatal); its stderr says why
        finally:
            proc.stdin.close()
            await chunks.aclose()

    parser = StderrParser(result)
    stderr_parts: list[str] = []
    writer = asyncio.ensure_future(write_ids())
    last = 0.0
    pending = b""

    def feed(raw: bytes) -> None:
        nonlocal last
        line = raw.decode("utf-8", "replace")
        stderr_parts.append(line + "\n")
        if parser.feed(line) and progress is not None:
            now = time.monotonic()
            if now - last >= progress_interval:
                last = now
                progress(len(result.outcomes), of_total())

    try:
        # Read in chunks, not line by line: one await per 64 KiB instead of one per id
        # (a per-line wait_for costs more than postsuper itself at 50k ids).
        while True:
            try:
                chunk = await asyncio.wait_for(proc.stderr.read(1 << 16), tools.timeout)
            except asyncio.TimeoutError:
                if idle and not writer.done():
                    continue
                raise
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for raw in lines:
                feed(raw)
        if pending:
            feed(pending)
        await writer
        result.exit_code = await asyncio.wait_for(proc.wait(), tools.timeout)
    except asyncio.TimeoutError:
        result.error = f"postsuper stalled for {tools.timeout:g} s (killed)"
    finally:
        writer.cancel()
        await kill_quietly(proc)
    if progress is not None:
        progress(len(result.outcomes), of_total())
    stderr = "".join(stderr_parts)
    if result.error is None and (result.exit_code != 0 or fatal_lines(stderr)):
        result.error = friendly_error("postsuper", stderr, result.exit_code)
    return result
