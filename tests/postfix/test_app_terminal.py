"""The app as a process on a terminal: it refuses to start without one, exits on hangup
(the terminal closed, or SIGHUP), and SIGTERM leaves the terminal restored. The app runs
under a real pseudo-terminal on the session sandbox; every wait is for an event (output, the
process's exit) with a generous bound, never a delay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from mailq_tui.sandbox.instance import Sandbox
from tests.postfix.pty_app import BOUND, PtyApp

pytestmark = pytest.mark.sandbox

ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
CURSOR_SHOWN, MOUSE_OFF = b"\x1b[?25h", b"\x1b[?1000l"


def app_argv(box: Sandbox) -> list[str]:
    return [sys.executable, "-m", "mailq_tui.cli", "-c", box.config_dir, "--refresh", "0"]


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
