"""Progress of queueing the demo's messages, on stderr: count, rate and time left.

On a terminal a rich progress bar redraws in place; otherwise (a log, a pipe, CI) plain lines
are printed at every tenth of the way, so a reader of the log sees the same numbers without
the bar's control sequences. :class:`QueueingProgress` is fed from the injection's worker
threads (:func:`~mailq_tui.sandbox.populate.inject` calls :meth:`QueueingProgress.advance`
once per message accepted or refused), so every update takes a lock.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from types import TracebackType
from typing import Optional, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

#: Plain (non-terminal) output prints a line each time this fraction more is done.
PLAIN_STEP = 0.1


class _RateColumn(ProgressColumn):
    """Messages per second, as measured by rich over the last updates."""

    def render(self, task: Task) -> Text:
        """``123 msg/s`` (``- msg/s`` until there is a measurement)."""
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} msg/s" if speed else "- msg/s", style="progress.data.speed")


def _clock(seconds: float) -> str:
    """``0:42`` or ``1:02:03``: how long, the way rich shows time left."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class QueueingProgress:
    """Counts queued messages and shows it (a context manager around the injection).

    ``stream`` is where it writes (stderr by default); ``terminal`` forces the bar (True) or
    the plain lines (False) instead of asking the stream.
    """

    def __init__(
        self, total: int, stream: Optional[TextIO] = None, terminal: Optional[bool] = None
    ) -> None:
        self.total = total
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        is_tty = getattr(self._stream, "isatty", lambda: False)()
        self._terminal = is_tty if terminal is None else terminal
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._next_line = 0
        self._bar: Optional[Progress] = None
        self._task: Optional[TaskID] = None

    def __enter__(self) -> QueueingProgress:
        try:
            self.start()
        except BaseException:  # Ctrl+C while the bar starts: no redraw thread may outlive it
            self.stop()
            raise
        return self

    def start(self) -> None:
        """Show the bar (on a terminal) or get ready for the plain lines."""
        self._started = time.monotonic()
        if self._terminal:
            console = Console(file=self._stream, force_terminal=True)
            self._bar = Progress(
                TextColumn("Queueing"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
                transient=False,
                # Other output (the demo's messages) must not go through the bar's redraws.
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("queueing", total=self.total)
        else:
            self._next_line = self._step()

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop redrawing the bar, leaving its last state on screen (idempotent)."""
        if self._bar is not None:
            self._bar.stop()

    def _step(self) -> int:
        return max(1, math.ceil(self.total * PLAIN_STEP))

    def advance(self, n: int = 1) -> None:
        """``n`` more messages went through (called from any thread)."""
        with self._lock:
            self.done += n
            if self._bar is not None and self._task is not None:
                self._bar.update(self._task, completed=self.done)
            elif self.done >= self._next_line or self.done >= self.total:
                while self._next_line <= self.done:
                    self._next_line += self._step()
                self._print_line()

    def _print_line(self) -> None:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        percent = 100 * self.done // max(1, self.total)
        print(
            f"Queueing: {self.done:,} of {self.total:,} messages ({percent}%), "
            f"{rate:,.0f} msg/s, ETA {_clock(left)}",
            file=self._stream,
            flush=True,
        )
