"""SIGTERM, SIGHUP, SIGINT and a vanished terminal end the app cleanly, never abruptly.

Killed by a signal, the app would leave the terminal in the alternate screen with the cursor
hidden and mouse reporting on, and a running postsuper batch unreported. While
:func:`clean_exit_on_signals` is active, those signals instead ask the app to stop any running
action cleanly (its report and audit line are written) and exit through Textual, which
restores the terminal; the exit status is 128 + the signal number.

A terminal can also go away without a SIGHUP reaching us (we are not its session leader and
nobody forwards it): :class:`HangupWatch` notices the hangup on the terminal itself and turns
it into the same SIGHUP path. Without it Textual's input thread would read EOF forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from mailq_tui.ui.app import MailqApp

#: Signals that end the app cleanly.
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)

#: poll() events that mean the terminal is gone (reported even when not asked for).
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


class HangupWatch:
    """A thread that calls ``on_hangup()`` once when the terminal on ``fd`` hangs up.

    It only polls ``fd`` for hangup (it never reads it: the keys are Textual's), plus a pipe of
    its own that :meth:`stop` writes to.
    """

    def __init__(self, fd: int, on_hangup: Callable[[], None]) -> None:
        self._fd = fd
        self._on_hangup = on_hangup
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="hangup-watch", daemon=True)

    def start(self) -> HangupWatch:
        """Start watching."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching and release the thread's pipe."""
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        self._thread.join()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._fd, 0)
        poller.register(self._wake_r, select.POLLIN)
        while True:
            for fd, events in poller.poll():
                if fd == self._wake_r:
                    return
                if events & _GONE:
                    self._on_hangup()
                    return


@contextlib.contextmanager
def clean_exit_on_signals(app: MailqApp, terminal_fd: int) -> Iterator[None]:
    """While the body (``app.run()``) runs, SIGTERM/SIGHUP/SIGINT and a hangup of the terminal
    on ``terminal_fd`` call :meth:`MailqApp.exit_cleanly` with 128 + the signal number."""

    def on_signal(signum: int, frame: Optional[FrameType]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # the app is not running (yet, or any more): just go
            raise SystemExit(128 + signum) from None
        loop.call_soon_threadsafe(app.call_later, app.exit_cleanly, 128 + signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in EXIT_SIGNALS}
    watch = HangupWatch(terminal_fd, lambda: os.kill(os.getpid(), signal.SIGHUP)).start()
    try:
        yield
    finally:
        watch.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
