"""The demo runner and the populate command line: everything is torn down afterwards, also on
Ctrl+C and SIGTERM; ``--keep`` leaves a working sandbox that ``--stop`` removes."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
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
