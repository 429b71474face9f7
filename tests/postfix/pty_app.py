"""The app under a real pseudo-terminal, for tests of how it starts, exits and hangs up."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import threading

#: Failure bound for every wait (the app on a loaded 2-core machine can be slow to start).
BOUND = 120.0


class PtyApp:
    """The app in a new session whose controlling terminal is a fresh pty (as sshd runs a
    command under ``ssh -t``); a thread collects everything it writes."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.output = bytearray()
        self._changed = threading.Condition()
        # The reader must not sit in read(master) when the test closes the master: the
        # terminal would only hang up once that read returned.
        self._wake_r, self._wake_w = os.pipe()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self.master, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: every slave side is closed (the app exited)
                data = b""
            with self._changed:
                if not data:
                    self.eof = True
                    self._changed.notify_all()
                    return
                self.output += data
                self._changed.notify_all()

    eof = False

    def mark(self) -> int:
        """How much output there is now (for :meth:`wait_for`'s ``since``)."""
        with self._changed:
            return len(self.output)

    def wait_for(self, needle: bytes, since: int = 0) -> None:
        """Wait until the app has written ``needle`` after offset ``since`` (fails after
        BOUND or at its exit)."""

        def seen() -> bool:
            return self.output.find(needle, since) >= 0

        with self._changed:
            self._changed.wait_for(lambda: seen() or self.eof, BOUND)
            assert seen(), f"{needle!r} never came: {bytes(self.output[-300:])!r}"

    def type(self, keys: bytes) -> None:
        """Type ``keys`` on the terminal."""
        os.write(self.master, keys)

    def close_master(self) -> None:
        """Hang up the terminal, as sshd does when the client goes away."""
        os.write(self._wake_w, b"x")
        self._reader.join(BOUND)
        os.close(self.master)
        self.eof = True

    def wait_exit(self) -> int:
        """The app's exit status (fails if it is still running after BOUND)."""
        code = self.proc.wait(timeout=BOUND)
        self._reader.join(BOUND)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.eof:
            self.close_master()
        os.close(self._wake_r)
        os.close(self._wake_w)
