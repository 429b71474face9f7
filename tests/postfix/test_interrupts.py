"""An interrupted bulk action is reported, never lost; the audit line's exit_code is the
process's. Real Postfix: a few thousand messages on hold, so postsuper is mid-batch when the
stop comes. Every step is gated on an event (a progress callback, a FIFO a test-only
``postsuper`` wrapper writes to, a line the CLI prints), never on a delay."""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailq_tui.engine import QueueEngine
from mailq_tui.report_text import report_summary
from mailq_tui.sandbox.instance import POSTSUPER, Sandbox
from mailq_tui.sandbox.populate import Spec, inject
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.confirm import ConfirmScreen
from tests.conftest import require_sandbox
from tests.postfix.pty_app import PtyApp

pytestmark = pytest.mark.sandbox

#: Messages put on hold: far more than the ~500 ids a stopped postsuper may still have read.
HELD = 3000
#: Failure bound for waits on events (never a delay that "should" be long enough).
BOUND = 300.0


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    """A sandbox whose mail can never leave (closed loopback port), HELD messages injected."""
    require_sandbox()
    sandbox = Sandbox()
    try:
        sandbox.start()
        specs = [
            Spec(f"s{i}@sender.test", [f"r{i}@remote.test"], 300, f"m{i}") for i in range(HELD)
        ]
        inject(sandbox.smtp_port, specs)
        yield sandbox
    finally:
        sandbox.destroy()


@pytest.fixture
def held(box: Sandbox) -> Sandbox:
    """The sandbox with every message on hold (earlier tests released some)."""
    box.postsuper("-h", "ALL")
    assert hold_count(box) >= HELD - 10
    return box


def hold_count(box: Sandbox) -> int:
    """Messages in the hold queue, from postqueue -j."""
    return sum(1 for m in box.listing() if m.queue_name == "hold")


def audit_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def cli(box: Sandbox, *args: str) -> list[str]:
    return [sys.executable, "-m", "mailq_tui.cli", "-c", box.config_dir, *args]


def wrapper_dir(tmp_path: Path, body: str) -> Path:
    """A directory holding a test-only ``postsuper`` script that runs ``body`` then execs the
    real one; put first on PATH, the engine finds it (PostfixTools looks on PATH first)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "postsuper"
    script.write_text(f'#!/bin/sh\n{body}\nexec {POSTSUPER} "$@"\n')
    script.chmod(0o755)
    return bindir


def wait_readable(fd: int) -> None:
    """Wait until ``fd`` has data (fails after BOUND)."""
    ready, _, _ = select.select([fd], [], [], BOUND)
    assert ready, f"nothing on fd {fd} within {BOUND} s"


def gate(tmp_path: Path) -> tuple[Path, Path, Path]:
    """FIFOs ``started`` and ``go``, and a directory whose test-only ``postsuper`` waits until
    ids are on its stdin (so the engine has given it some), writes to ``started``, waits for a
    line on ``go``, then execs the real postsuper on that same stdin."""
    started, go = tmp_path / "started", tmp_path / "go"
    os.mkfifo(started)
    os.mkfifo(go)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "postsuper"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, select, sys\n"
        "select.select([0], [], [])\n"
        f"open({str(started)!r}, 'w').write('started\\n')\n"
        f"open({str(go)!r}).readline()\n"
        f"os.execv({POSTSUPER!r}, [{POSTSUPER!r}, *sys.argv[1:]])\n"
    )
    script.chmod(0o755)
    return started, go, bindir


def open_gate(go: Path) -> None:
    """Let the gated postsuper run (blocks until the wrapper reads the FIFO)."""
    with open(go, "w") as fifo:
        fifo.write("go\n")


async def test_engine_stop_ends_the_batch_and_counts_what_postsuper_did(
    held: Sandbox, tmp_path: Path
) -> None:
    before = [m for m in held.listing() if m.queue_name == "hold"]
    engine = QueueEngine(held.config_dir, audit_log=tmp_path / "audit.log")
    stop = asyncio.Event()

    def progress(done: int, total: int) -> None:
        if done:  # postsuper has released its first messages: stop now
            stop.set()

    report = await engine.act("release", before, progress=progress, stop=stop)
    released = len(before) - hold_count(held)
    assert report.interrupted and not report.errors
    assert 0 < report.done < len(before)
    assert report.done == released == len(report.outcomes)
    assert report_summary(report).startswith(
        f"Stopped after releasing {released:,} of {len(before):,} messages; "
        f"{len(before) - released:,} were not touched"
    )
    (line,) = audit_lines(tmp_path / "audit.log")
    assert line["done"] == released and line["interrupted"] is True
    assert line["exit_code"] == 130 and line["postfix_exit_code"] == 0


async def test_engine_stop_ends_a_per_id_flush(held: Sandbox, tmp_path: Path) -> None:
    targets = held.listing()[:60]
    engine = QueueEngine(held.config_dir, audit_log=tmp_path / "audit.log")
    stop = asyncio.Event()
    report = await engine.flush_ids(targets, progress=lambda done, total: stop.set(), stop=stop)
    assert report.interrupted and 0 < report.done < len(targets)
    assert any(re.fullmatch(r"[\d,]+ flush requests? not made", n) for n in report.notes)
    (line,) = audit_lines(tmp_path / "audit.log")
    assert line["done"] == report.done and line["exit_code"] == 130


def test_cli_sigint_mid_batch_reports_and_audits(held: Sandbox, tmp_path: Path) -> None:
    """Ctrl+C (SIGINT to the whole foreground process group, as a terminal sends it) while
    postsuper works: the CLI prints how many were released, exits 130, and the audit agrees."""
    started, go, bindir = gate(tmp_path)
    audit = tmp_path / "audit.log"
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", MAILQ_TUI_AUDIT_LOG=str(audit))
    before = hold_count(held)
    started_fd = os.open(started, os.O_RDONLY | os.O_NONBLOCK)
    proc = subprocess.Popen(
        cli(held, "release", "queue:hold", "--all", "--yes"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_readable(started_fd)  # postsuper has been started with ids on its stdin
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.stderr is not None
        line = proc.stderr.readline().decode()
        while line.startswith(("Query: ", "Selects ")):  # how the query was read, first
            line = proc.stderr.readline().decode()
        assert "SIGINT: stopping release" in line
        os.killpg(proc.pid, signal.SIGINT)  # a second Ctrl+C must not lose the report
        line = proc.stderr.readline().decode()
        assert "already stopping release" in line
        open_gate(go)  # let the real postsuper run now
        out, err = proc.communicate(timeout=BOUND)
    finally:
        os.close(started_fd)
        if proc.poll() is None:
            proc.kill()
    released = before - hold_count(held)
    assert proc.returncode == 130, err
    assert 0 < released < before
    assert f"Stopped after releasing {released:,} of {before:,} messages; " in out.decode()
    (record,) = audit_lines(audit)
    assert record["done"] == released and record["interrupted"] is True
    assert record["exit_code"] == proc.returncode and record["postfix_exit_code"] == 0


@pytest.mark.parametrize(("case", "status"), [("already-held", 0), ("vanished", 1)])
def test_cli_audit_exit_code_is_the_process_exit_status(
    held: Sandbox, tmp_path: Path, case: str, status: int
) -> None:
    """The audit line's exit_code is the CLI's exit status: 0 when every id is skipped because
    it is already on hold (postsuper never ran; already in the state asked for is no failure),
    1 when postsuper ran and exited 0 but one id had vanished just before."""
    audit = tmp_path / "audit.log"
    env = dict(os.environ, MAILQ_TUI_AUDIT_LOG=str(audit))
    if case == "already-held":
        args = cli(held, "hold", "queue:hold", "--all", "--yes")
    else:
        victim = next(m.queue_id for m in held.listing() if m.queue_name == "hold")
        body = f"{POSTSUPER} -c {held.config_dir} -d {victim} 2>/dev/null"
        env["PATH"] = f"{wrapper_dir(tmp_path, body)}:{os.environ['PATH']}"
        args = cli(held, "release", "queue:hold", "--all", "--yes")
    res = subprocess.run(args, env=env, capture_output=True, text=True, timeout=BOUND)
    assert res.returncode == status, res.stdout + res.stderr
    (record,) = audit_lines(audit)
    assert record["exit_code"] == res.returncode
    if case == "already-held":
        assert record["done"] == 0 and len(record["skipped"]) == record["requested"]
    else:
        assert record["postfix_exit_code"] == 0 and record["done"] == record["requested"] - 1


@pytest.mark.parametrize("quit_key", ["ctrl+q", "q"])
async def test_tui_quit_during_bulk_hold_asks_then_stops_cleanly(
    box: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quit_key: str
) -> None:
    """Ctrl+Q (or q on the queue screen) while a bulk hold runs: the app asks; yes stops
    postsuper cleanly, the audit line says exactly how many were held, then the app exits."""
    box.postsuper("-H", "ALL")
    targets = len(box.listing())
    assert hold_count(box) == 0 and targets >= HELD - 10
    started, go, bindir = gate(tmp_path)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    audit = tmp_path / "audit.log"
    app = MailqApp(QueueEngine(box.config_dir, audit_log=audit), refresh_interval=0)
    started_fd = os.open(started, os.O_RDONLY | os.O_NONBLOCK)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            await pilot.press("asterisk", "h")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press(*"all", "enter")  # every message in the queue: typed, not "y"
            await asyncio.to_thread(wait_readable, started_fd)  # postsuper has started
            await pilot.press(quit_key)
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            title = str(app.screen.query_one("#confirm-title").render())
            assert title == f"Quit while hold of {targets:,} messages runs?"
            await pilot.press("y")
            await pilot.pause()
            await pilot.press("ctrl+q")  # again, while stopping: no second question
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen) and app.running_actions()
            await asyncio.to_thread(open_gate, go)
            await app.workers.wait_for_complete()
    finally:
        os.close(started_fd)
    assert app.return_code == 0
    held_now = hold_count(box)
    (record,) = audit_lines(audit)
    assert record["action"] == "hold" and record["interrupted"] is True
    assert 0 < record["done"] == held_now < targets
    assert record["exit_code"] == 130


def test_tui_hangup_during_bulk_release_stops_cleanly(held: Sandbox, tmp_path: Path) -> None:
    """The terminal goes away (ssh client killed) while the app releases every held message:
    the app stops postsuper cleanly, writes the audit line, and exits."""
    before = hold_count(held)
    started, go, bindir = gate(tmp_path)
    audit = tmp_path / "audit.log"
    env = dict(
        os.environ,
        PATH=f"{bindir}:{os.environ['PATH']}",
        MAILQ_TUI_AUDIT_LOG=str(audit),
        TERM="xterm-256color",
    )
    started_fd = os.open(started, os.O_RDONLY | os.O_NONBLOCK)
    app = PtyApp([*cli(held), "--refresh", "0"], env)
    try:
        app.wait_for(f"{before:,} msgs".encode())
        since = app.mark()
        app.type(b"*")
        app.wait_for(f"marked {before:,}".encode(), since)
        since = app.mark()
        app.type(b"H")
        app.wait_for(b" Yes ", since)  # the confirm dialog's button
        app.type(b"all\r")  # every held message is the whole queue: typed, not "y"
        wait_readable(started_fd)  # postsuper has started
        app.close_master()
        open_gate(go)
        assert app.wait_exit() == 128 + signal.SIGHUP
    finally:
        os.close(started_fd)
        app.kill()
    released = before - hold_count(held)
    (record,) = audit_lines(audit)
    assert record["action"] == "release" and record["interrupted"] is True, record
    assert 0 < record["done"] == released < before, (record["notes"], record["errors"])
    assert record["exit_code"] == 130
