"""``postqueue -j`` started before the CLI has imported what decodes it.

A one-shot command (``mailq-tui ls``, ``reasons``, ``shape``...) is the listing plus a little:
its wall time is ``postqueue -j``'s plus what runs before postqueue starts and after it ends.
Importing the decoder, the engine and asyncio took 0.15-0.25 s before postqueue even started;
:class:`EarlyListing` starts it first (this module imports only the standard library's
``os``, ``select`` and ``threading`` and :mod:`~mailq_tui.postfix.commands`), so the imports
overlap with showq's reading of the queue.

While the rest is imported, a thread drains postqueue's stdout and stderr (a pipe holds
64 KiB, 1 MiB when Linux grants the larger size: 0.1 s of a fast listing) so postqueue never
waits for us; it holds at most :data:`BUFFER_LIMIT` bytes, then stops reading, so memory stays
bounded however fast postqueue writes. When the decoder is ready the thread stops and the
decoder reads the pipes itself: a reading thread beside a decoding one handed the GIL back and
forth at every chunk, which made an unpaced 100k listing twice as slow.

:meth:`EarlyListing.batches` then decodes the chunks exactly as
:func:`~mailq_tui.postfix.listing.iter_queue` does (its :class:`LineDecoder`, its malformed
line warnings, its stall timeout and its friendly errors). ``-j`` rejected with a usage error
before any output (Postfix < 3.1) raises :class:`JsonListingRejected`: the caller then lists
through the engine, which reads ``mail_version`` and falls back to the ``postqueue -p`` text.
"""

from __future__ import annotations

import contextlib
import os
import select
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
        self._chunks: deque[bytes] = deque()
        self._held = 0
        self._stderr: list[bytes] = []
        self.pid, self._out, err = _spawn(argv)
        self._open = {self._out, err}
        self._poller = select.poll()
        for fd in self._open:
            self._poller.register(fd, select.POLLIN)
        self._wake_r, self._wake_w = os.pipe()
        self._poller.register(self._wake_r, select.POLLIN)
        self._thread = threading.Thread(target=self._drain, name="postqueue-drain", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        """Read postqueue's output until the reader takes over (:meth:`_take_over`), the
        buffer is full, or both pipes end (the drain thread)."""
        while self._open and self._held <= self._limit:
            events = self._poller.poll()
            if any(fd == self._wake_r for fd, _ in events):
                return
            for fd, _ in events:
                data = self._read(fd)
                if data:
                    self._chunks.append(data)
                    self._held += len(data)

    def _read(self, fd: int) -> bytes:
        """One read of ``fd``: stdout's bytes are returned, stderr's kept; at the end of a
        pipe it is closed."""
        data = os.read(fd, READ_SIZE)
        if not data:
            self._poller.unregister(fd)
            self._open.discard(fd)
            os.close(fd)
        elif fd != self._out:
            self._stderr.append(data)
            return b""
        return data

    def _take_over(self) -> None:
        """Stop the drain thread: from here on the reader reads the pipes itself (a thread
        reading while the reader decodes would hand the GIL back and forth at every chunk)."""
        if self._wake_w >= 0:
            os.write(self._wake_w, b"x")
            self._thread.join()
            self._poller.unregister(self._wake_r)
            for fd in (self._wake_r, self._wake_w):
                os.close(fd)
            self._wake_w = -1

    def chunks(self) -> Iterator[bytes]:
        """postqueue's stdout as it arrives; :class:`PostfixError` when nothing came for
        ``tools.timeout`` seconds (postqueue is killed)."""
        self._take_over()
        while self._chunks:
            yield self._chunks.popleft()
        self._held = 0
        while self._open:
            events = self._poller.poll(self.timeout * 1000)
            if not events:
                self.close()
                raise PostfixError(f"postqueue -j stalled for {self.timeout:g} s (killed)")
            for fd, _ in events:
                data = self._read(fd)
                if data:
                    yield data
        self._reap()

    def _reap(self) -> None:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)

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
        """Stop: kill postqueue if it still runs, reap it and close the pipes."""
        self._take_over()
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, 9)
            self._reap()
        for fd in list(self._open):
            self._poller.unregister(fd)
            os.close(fd)
        self._open.clear()


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
