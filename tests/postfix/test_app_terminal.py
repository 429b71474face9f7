"""The app as a process on a terminal: it refuses to start without one, exits on hangup
(the terminal closed, or SIGHUP), and SIGTERM leaves the terminal restored. The app runs
under a real pseudo-terminal on the session sandbox; every wait is for an event (output, the
process's exit) with a generous bound, never a delay."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator

import pytest

from mailq_tui.sandbox.instance import Sandbox

pytestmark = pytest.mark.sandbox

#: Failure bound for every wait (the app on a loaded 2-core machine can be slow to start).
BOUND = 120.0
ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
CURSOR_SHOWN, MOUSE_OFF = b"\x1b[?25h", b"\x1b[?1000l"


def app_argv(box: Sandbox) -> list[str]:
    return [sys.executable, "-m", "mailq_tui.cli", "-c", box.config_dir, "--refresh", "0"]


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

    def wait_for(self, needle: bytes) -> None:
        """Wait until the app has written ``needle`` (fails after BOUND or at its exit)."""
        with self._changed:
            ok = self._changed.wait_for(lambda: needle in self.output or self.eof, BOUND)
        assert ok and needle in self.output, f"{needle!r} never came: {bytes(self.output[-300:])!r}"

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


@pytest.fixture
def pty_app(sandbox: Sandbox, tmp_path: object) -> Iterator[PtyApp]:
    env = dict(os.environ, TERM="xterm-256color", MAILQ_TUI_AUDIT_LOG=f"{tmp_path}/audit.log")
    app = PtyApp(app_argv(sandbox), env)
    try:
        app.wait_for(ALT_SCREEN_ON)
        yield app
    finally:
        app.kill()


@pytest.mark.parametrize(
    "stdin_tty,stdout_tty", [(False, False), (False, True), (True, False)], ids=str
)
def test_without_a_terminal_the_app_refuses(
    sandbox: Sandbox, stdin_tty: bool, stdout_tty: bool
) -> None:
    """``ssh host mailq-tui`` (no -t): a clear message and exit 2, not a UI that never ends."""
    master, slave = os.openpty()
    try:
        res = subprocess.run(
            app_argv(sandbox),
            stdin=slave if stdin_tty else subprocess.DEVNULL,
            stdout=slave if stdout_tty else subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=BOUND,
        )
    finally:
        os.close(master)
        os.close(slave)
    assert res.returncode == 2
    assert res.stderr.decode() == (
        "mailq-tui: the app needs a terminal (use ssh -t), or use a subcommand such as "
        "`mailq-tui ls`\n"
    )


def _restored(output: bytes) -> bool:
    tail = output[output.rindex(ALT_SCREEN_ON) :]
    return ALT_SCREEN_OFF in tail and CURSOR_SHOWN in tail and MOUSE_OFF in tail


def test_sigterm_exits_and_restores_the_terminal(pty_app: PtyApp) -> None:
    pty_app.proc.send_signal(signal.SIGTERM)
    assert pty_app.wait_exit() == 128 + signal.SIGTERM
    assert _restored(bytes(pty_app.output))


def test_sighup_exits(pty_app: PtyApp) -> None:
    pty_app.proc.send_signal(signal.SIGHUP)
    assert pty_app.wait_exit() == 128 + signal.SIGHUP
    assert _restored(bytes(pty_app.output))


def test_terminal_hangup_exits(pty_app: PtyApp) -> None:
    """The client goes away: the pty closes under the app, which must exit, not spin."""
    pty_app.close_master()
    assert pty_app.wait_exit() == 128 + signal.SIGHUP
