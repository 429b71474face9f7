"""The demo runner and the populate command line: everything is torn down afterwards, also on
Ctrl+C and SIGTERM; ``--keep`` leaves a working sandbox that ``--stop`` removes."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from mailq_tui import cli_commands
from mailq_tui.postfix.audit import ENV_VAR
from mailq_tui.sandbox import demo
from mailq_tui.sandbox.demo import DemoError, run_demo
from mailq_tui.sandbox.instance import Sandbox
from mailq_tui.ui.app import MailqApp

from ..conftest import require_sandbox
from ..postfix.pty_app import PtyApp

pytestmark = pytest.mark.sandbox


def _leftovers(root: Path) -> list[int]:
    found = []
    for proc in psutil.process_iter(["cwd", "cmdline"]):
        if (proc.info.get("cwd") or "").startswith(str(root)) or str(root) in " ".join(
            proc.info.get("cmdline") or []
        ):
            found.append(proc.pid)
    return found


def test_demo_refuses_clearly_without_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "is_root", lambda: False)
    with pytest.raises(DemoError, match="needs root"):
        run_demo(count=1, open_app=lambda d, a: None)
    monkeypatch.setattr(demo, "is_root", lambda: True)
    monkeypatch.setattr(demo, "postfix_installed", lambda: False)
    with pytest.raises(DemoError, match="apt-get install"):
        run_demo(count=1, open_app=lambda d, a: None)


def test_demo_opens_the_app_on_a_populated_sandbox_then_tears_down() -> None:
    require_sandbox()
    seen: dict[str, int] = {}

    def open_app(config_dir: str, audit_log: Path) -> None:
        seen[config_dir] = len(Sandbox.attach(config_dir).listing())
        raise KeyboardInterrupt  # Ctrl+C inside the app still tears down

    run_demo(count=40, open_app=open_app)
    [(config_dir, count)] = seen.items()
    assert count >= 40
    root = Path(config_dir).parent
    assert not root.exists() and not _leftovers(root)


def test_demo_actions_are_audited_inside_the_sandbox_not_on_the_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``mailq-tui demo`` (cli_commands.run_demo -> run_app -> the engine): an action taken in
    the demo app is audited in the sandbox's directory, never at the default path."""
    require_sandbox()
    default = tmp_path / "host-audit.log"
    monkeypatch.setenv(ENV_VAR, str(default))  # the default path of a non-demo run
    host_log = Path("/var/log/mailq-tui/audit.log")
    host_before = host_log.stat().st_size if host_log.exists() else None
    seen: dict[str, object] = {}

    def act_instead_of_running(app: MailqApp) -> None:  # the app's engine, no terminal
        engine = app.backend
        snapshot = asyncio.run(engine.snapshot())
        asyncio.run(engine.act("hold", snapshot.messages[:1]))
        seen["config_dir"] = engine.config_dir
        seen["audit"] = engine.audit_log_path
        seen["lines"] = engine.audit_log_path.read_text().splitlines()

    monkeypatch.setattr(MailqApp, "run", act_instead_of_running)
    # run_app watches its terminal for a hangup: give it a real file as stdin (pytest's has none).
    stdin = open(os.devnull)  # noqa: SIM115 - closed below
    monkeypatch.setattr(sys, "stdin", stdin)
    assert cli_commands.run_demo(argparse.Namespace(count=5, refresh=0.0)) == 0
    sandbox_root = Path(str(seen["config_dir"])).parent
    audit = Path(str(seen["audit"]))
    assert sandbox_root in audit.parents
    lines = seen["lines"]
    assert isinstance(lines, list) and len(lines) == 1
    assert json.loads(lines[0])["action"] == "hold"
    assert not default.exists()
    assert (host_log.stat().st_size if host_log.exists() else None) == host_before
    assert not sandbox_root.exists()  # the demo's audit log went with its sandbox
    stdin.close()


def _spawn(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_demo_tears_down_on_sigterm() -> None:
    require_sandbox()
    code = (
        "import time\n"
        "from mailq_tui.sandbox.demo import run_demo\n"
        "def app(d, a):\n"
        "    print(d, flush=True)\n"
        "    time.sleep(120)\n"
        "run_demo(count=10, open_app=app)\n"
        "print('clean exit', flush=True)\n"
    )
    proc = _spawn(code)
    assert proc.stdout is not None
    config_dir = proc.stdout.readline().strip()
    assert Path(config_dir, "main.cf").exists()
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert "clean exit" in out
    root = Path(config_dir).parent
    assert not root.exists() and not _leftovers(root)


def test_populate_cli_keep_then_stop() -> None:
    require_sandbox()
    cmd = [sys.executable, "-m", "mailq_tui.sandbox.populate"]
    res = subprocess.run([*cmd, "--count", "25", "--keep"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert '"inject_s"' in res.stdout and '"settle_s"' in res.stdout
    config_dir = res.stdout.rsplit("--stop ", 1)[1].strip()
    box = Sandbox.attach(config_dir)
    try:
        deadline = time.monotonic() + 60  # a hang guard: the state itself is waited for
        while not (box.is_running() and len(box.listing()) >= 25):
            assert time.monotonic() < deadline, "the kept sandbox never listed its 25 messages"
            time.sleep(0.1)
        upstream_pid = int(Path(box.root, "run", "upstream.pid").read_text())
        assert psutil.pid_exists(upstream_pid)
    finally:
        res = subprocess.run([*cmd, "--stop", config_dir], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert not box.root.exists() and not _leftovers(box.root)
    # gone, or a zombie waiting for an init that does not reap
    with contextlib.suppress(psutil.NoSuchProcess):
        assert psutil.Process(upstream_pid).status() == psutil.STATUS_ZOMBIE


#: A plain progress line: count, share, rate and time left.
PLAIN_LINE = re.compile(
    r"Queueing: (\d+) of 30 messages \((\d+)%\), [\d,]+ msg/s, ETA \d+:\d\d", re.ASCII
)

DEMO_SCRIPT = (
    "from mailq_tui.sandbox.demo import run_demo\n"
    "run_demo(count=30, open_app=lambda d, a: print('app on', d, flush=True))\n"
)


def test_demo_shows_plain_progress_lines_when_stderr_is_not_a_terminal() -> None:
    require_sandbox()
    res = subprocess.run(
        [sys.executable, "-c", DEMO_SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    lines = res.stderr.splitlines()
    progress = [PLAIN_LINE.fullmatch(line) for line in lines if line.startswith("Queueing: ")]
    assert all(progress), lines
    assert [(m.group(1), m.group(2)) for m in progress if m] == [
        (str(n), str(n * 100 // 30)) for n in range(3, 31, 3)
    ]
    assert "\x1b" not in res.stderr
    config_dir = res.stdout.split("app on ", 1)[1].strip()
    assert lines[0] == f"Queueing 30 messages in a throwaway Postfix ({config_dir})"
    assert not Path(config_dir).parent.exists()


def test_demo_draws_a_progress_bar_on_a_terminal() -> None:
    require_sandbox()
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", DEMO_SCRIPT],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=dict(os.environ, TERM="xterm-256color", COLUMNS="100"),
        text=True,
    )
    os.close(slave)
    drawn = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal (it exited)
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    text = drawn.decode("utf-8", "replace")
    assert "Queueing" in text and "30/30" in text and "msg/s" in text and "ETA" in text, text
    assert "━" in text and "\x1b[" in text  # a bar, redrawn in place
    assert not Path(out.split("app on ", 1)[1].strip()).parent.exists()


def test_ctrl_c_while_queueing_exits_130_and_removes_the_demo() -> None:
    """`mailq-tui demo` on a terminal: Ctrl+C once the bar shows is an interrupt (130), not a
    normal end, and leaves no Postfix instance behind."""
    require_sandbox()
    env = dict(os.environ, TERM="xterm-256color")
    demo_app = PtyApp([sys.executable, "-m", "mailq_tui", "demo", "--count", "3000"], env)
    root = None
    try:
        demo_app.wait_for(b"/etc)")
        match = re.search(rb"throwaway Postfix \((/\S+/etc)\)", bytes(demo_app.output))
        assert match, bytes(demo_app.output)
        root = Path(match.group(1).decode()).parent
        demo_app.wait_for(b"msg/s")
        demo_app.type(b"\x03")
        assert demo_app.wait_exit() == 130
    finally:
        demo_app.kill()
        left_behind = root is not None and root.exists()
        if left_behind:  # a failing run must not leave its Postfix running
            Sandbox.attach(Path(str(root), "etc")).destroy()
    assert root is not None and not left_behind
    said = bytes(demo_app.output).decode("utf-8", "replace")
    assert re.search(
        r"mailq-tui demo: interrupted while queueing \([\d,]+ of 3,000 queued\); "
        r"the demo Postfix was stopped and removed",
        said,
    ), said[-500:]
    assert not root.exists() and not _leftovers(root)
