"""``postqueue -j`` started before the CLI has imported what decodes it.

A one-shot command (``mailq-tui ls``, ``reasons``, ``shape``...) is the listing plus a little:
its wall time is ``postqueue -j``'s plus what runs before postqueue starts and after it ends.
Importing the decoder, the engine and asyncio took 0.15-0.25 s before postqueue even started;
:class:`EarlyListing` starts it first (this module imports only the standard library's
``os``, ``select`` and ``threading`` and :mod:`~mailq_tui.postfix.commands`), so the imports
overlap with showq's reading of the queue.

While the rest is imported, a thread drains postqueue's stdout (a pipe holds 64 KiB, 1 MiB
when Linux grants the larger size: 0.1 s of a fast listing) so postqueue never waits for us;
it holds at most :data:`BUFFER_LIMIT` bytes the decoder has not taken yet, then waits too, so
memory stays bounded however fast postqueue writes. stderr is drained by the same thread.

:meth:`EarlyListing.batches` then decodes the chunks exactly as
:func:`~mailq_tui.postfix.listing.iter_queue` does (its :class:`LineDecoder`, its malformed
line warnings, its stall timeout and its friendly errors). ``-j`` rejected with a usage error
before any output (Postfix < 3.1) raises :class:`JsonListingRejected`: the caller then lists
through the engine, which reads ``mail_version`` and falls back to the ``postqueue -p`` text.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Optional

from mailq_tui.postfix.commands import PostfixError, PostfixTools, friendly_error

if TYPE_CHECKING:
    from mailq_tui.model.message import Message

#: Bytes of stdout the drain holds that the decoder has not taken yet (~7,000 messages);
#: beyond it the drain stops reading until the decoder catches up.
BUFFER_LIMIT = 4 << 20
#: Pipe size asked for (Linux ``F_SETPIPE_SZ``; 1 MiB is the unprivileged maximum by default).
PIPE_SIZE = 1 << 20
#: Bytes per read.
READ_SIZE = 1 << 20


class JsonListingRejected(Exception):
    """``postqueue -j`` failed with a usage error before printing anything (no ``-j``)."""


class EarlyListing:
    """``postqueue -j`` of ``tools``' instance, started now; read it with :meth:`batches`
    (once), or :meth:`close` it (kills postqueue if it still runs)."""

    def __init__(self, tools: PostfixTools, limit: int = BUFFER_LIMIT) -> None:
        argv = tools.argv("postqueue", "-j")
        #: When the listing started (``time.time()``): the ``now`` its ages are measured from.
        self.started_at = time.time()
        self.timeout = tools.timeout
        self.returncode: Optional[int] = None
        self._limit = limit
        self._cond = threading.Condition()
        self._chunks: deque[bytes] = deque()
        self._held = 0
        self._stderr: list[bytes] = []
        self._done = self._closed = self._exiting = False
        self.pid, out, err = _spawn(argv)
        self._thread = threading.Thread(
            target=self._drain, args=(out, err), name="postqueue-drain", daemon=True
        )
        self._thread.start()

    def _drain(self, out: int, err: int) -> None:
        """Read stdout and stderr until both end, then reap postqueue (the drain thread)."""
        import select

        poller = select.poll()
        for fd in (out, err):
            poller.register(fd, select.POLLIN)
        alive = {out, err}
        while alive:
            for fd, _ in poller.poll():
                data = os.read(fd, READ_SIZE)
                if not data:
                    poller.unregister(fd)
                    alive.discard(fd)
                    os.close(fd)
                elif fd == err:
                    self._stderr.append(data)
                else:
                    self._hold(data)
        with self._cond:
            self._exiting = True  # both pipes closed: no kill from here on (the pid is reaped)
        _, status = os.waitpid(self.pid, 0)
        with self._cond:
            self.returncode = os.waitstatus_to_exitcode(status)
            self._done = True
            self._cond.notify_all()

    def _hold(self, data: bytes) -> None:
        with self._cond:
            self._chunks.append(data)
            self._held += len(data)
            self._cond.notify_all()
            while self._held > self._limit and not self._closed:
                self._cond.wait()

    def chunks(self) -> Iterator[bytes]:
        """postqueue's stdout as it arrives; :class:`PostfixError` when nothing came for
        ``tools.timeout`` seconds (postqueue is killed)."""
        while True:
            with self._cond:
                if not self._cond.wait_for(lambda: self._chunks or self._done, self.timeout):
                    self.close()
                    raise PostfixError(f"postqueue -j stalled for {self.timeout:g} s (killed)")
                if not self._chunks:
                    return
                chunk = self._chunks.popleft()
                self._held -= len(chunk)
                self._cond.notify_all()
            yield chunk

    def batches(self, warnings: list[str]) -> Iterator[list[Message]]:
        """The listing in decoded batches, as :func:`~mailq_tui.postfix.listing.iter_queue`
        yields them (an id listed twice comes twice); postqueue's warnings and skipped lines
        are appended to ``warnings``. Raises :class:`PostfixError` (friendly) when the listing
        is refused, :class:`JsonListingRejected` when ``-j`` is not known."""
        from mailq_tui.postfix.listing import LineDecoder
        from mailq_tui.postfix.listing import _is_usage_error as is_usage_error

        decoder = LineDecoder(warnings)
        got_any = False
        try:
            for chunk in self.chunks():
                got_any = True
                batch = decoder.feed(chunk)
                if batch:
                    yield batch
            batch = decoder.flush()
            if batch:
                yield batch
        finally:
            self.close()
        stderr = b"".join(self._stderr).decode("utf-8", "replace")
        if self.returncode != 0:
            if not got_any and is_usage_error(stderr):
                raise JsonListingRejected(stderr)
            raise PostfixError(
                friendly_error("postqueue", stderr, self.returncode),
                returncode=self.returncode,
                detail=stderr,
            )
        warnings.extend(line.strip() for line in stderr.splitlines() if line.strip())

    def close(self) -> None:
        """Stop: kill postqueue if it still runs, and let the drain thread end."""
        with self._cond:
            self._closed = True
            if not self._exiting:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, 9)
            self._cond.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(5)


def _spawn(argv: list[str]) -> tuple[int, int, int]:
    """Start ``argv`` (no shell; stdin from /dev/null); (pid, stdout fd, stderr fd)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(out_w, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or over /proc/sys/fs/pipe-max-size: the default pipe
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
    ]
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    except OSError as exc:
        os.close(out_r)
        os.close(err_r)
        what = "command not found" if isinstance(exc, FileNotFoundError) else "cannot execute"
        raise PostfixError(f"{argv[0]}: {what}") from exc
    finally:
        os.close(out_w)
        os.close(err_w)
    return pid, out_r, err_r
