"""Textual's terminal driver, made to survive the terminal going away.

When the terminal hangs up (ssh client killed, window closed), every write to it fails with
EIO. Textual's writer thread dies on the first failure; the app then blocks for ever on the
writer's full queue while trying to exit. :class:`HangupSafeDriver` writes through
:class:`TerminalOutput`, which drops output once the terminal is gone, so the app can still
stop its action cleanly, write the audit line and exit.
"""

from __future__ import annotations

from io import TextIOWrapper
from typing import IO, Any, Optional, cast

from textual.app import App
from textual.drivers.linux_driver import LinuxDriver


class TerminalOutput:
    """A text stream that forwards to ``file`` until a write or flush fails, then drops
    everything (there is nobody left to read it)."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        #: True once the terminal refused output.
        self.gone = False

    def write(self, text: str) -> int:
        """Write ``text`` (dropped once the terminal is gone)."""
        if not self.gone:
            try:
                return self._file.write(text)
            except OSError:
                self.gone = True
        return len(text)

    def flush(self) -> None:
        """Flush (nothing once the terminal is gone)."""
        if not self.gone:
            try:
                self._file.flush()
            except OSError:
                self.gone = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class HangupSafeDriver(LinuxDriver):
    """:class:`LinuxDriver` writing through :class:`TerminalOutput`."""

    def __init__(
        self,
        app: App[Any],
        *,
        debug: bool = False,
        mouse: bool = True,
        size: Optional[tuple[int, int]] = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        if self._file is not None:
            # Typed as the stream it replaces: Textual's writer thread only writes and
            # flushes it, which TerminalOutput does (and forwards everything else).
            self._file = cast(TextIOWrapper, TerminalOutput(self._file))
