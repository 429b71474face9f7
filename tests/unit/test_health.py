"""read_health on temp queue directories (no Postfix): missing, garbage and stale pid files,
the lock table fallback, service names and the summary texts. Real processes, no mocks."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable, Optional

import psutil
import pytest

from mailq_tui.postfix.health import Health, read_health, service_name


def queue_dir(tmp_path: Path, pid_text: Optional[str] = None) -> Path:
    qdir = tmp_path / "spool"
    (qdir / "pid").mkdir(parents=True)
    if pid_text is not None:
        (qdir / "pid" / "master.pid").write_text(pid_text)
    return qdir


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not psutil.pid_exists(proc.pid)
    return proc.pid


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    proc.kill()
    proc.wait()


FAKE_MASTER = """
import fcntl, os, subprocess, sys, time
bindir, cwd, lock = sys.argv[1], sys.argv[2], sys.argv[3]
os.chdir(cwd)
if lock != "-":
    held = open(lock, "rb")
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
sleep = "import time; time.sleep(60)"
kids = [
    subprocess.Popen([os.path.join(bindir, "smtp"), "-c", sleep, "-n", "slow", "-t", "unix"]),
    subprocess.Popen([os.path.join(bindir, "smtp"), "-c", sleep, "-n", "slow", "-t", "unix"]),
    subprocess.Popen([os.path.join(bindir, "qmgr"), "-c", sleep, "-l", "-t", "unix"]),
    subprocess.Popen([os.path.join(bindir, "smtp"), "-c", "pass", "-n", "gone"]),
]
kids[-1].wait()  # exited and reaped: must not be counted
zombie = subprocess.Popen([os.path.join(bindir, "smtp"), "-c", "pass", "-n", "zombie"])
while True:  # exited, not reaped: a zombie child, must not be counted either
    with open(f"/proc/{zombie.pid}/stat") as fh:
        if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
            break
    time.sleep(0.01)
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture
def fake_master(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start a Python process named ``master`` (comm is the basename of the executed path)
    with children named ``smtp`` (``-n slow``) and ``qmgr``, in ``cwd``, optionally holding an
    flock on ``lock`` like Postfix's master does on master.pid."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("master", "smtp", "qmgr"):
        (bindir / name).symlink_to(os.path.realpath(sys.executable))
    started: list[subprocess.Popen[str]] = []

    def start(cwd: Path, lock: Optional[Path] = None) -> subprocess.Popen[str]:
        argv = [str(bindir / "master"), "-c", FAKE_MASTER, str(bindir), str(cwd), str(lock or "-")]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, start_new_session=True)
        started.append(proc)
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        return proc

    yield start
    for proc in started:
        os.killpg(proc.pid, 9)
        proc.wait()


def test_fake_master_running(
    tmp_path: Path, fake_master: Callable[..., subprocess.Popen[str]]
) -> None:
    qdir = queue_dir(tmp_path)
    master = fake_master(qdir)
    (qdir / "pid" / "master.pid").write_text(f"{master.pid:>16}\n")
    h = read_health(str(qdir))
    assert h.running and h.certain and h.problem == ""
    assert h.master_pid == master.pid
    assert h.services == {"qmgr": 1, "slow": 2}
    assert list(h.services) == sorted(h.services)
    assert h.started_at == pytest.approx(psutil.Process(master.pid).create_time())
    up = h.uptime()
    assert up is not None and 0 <= up < 60
    assert h.summary().startswith(f"master {master.pid} up ")
    assert " · qmgr 1 · slow 2 · load " in h.summary()


def test_master_of_another_queue_directory_is_stale(
    tmp_path: Path, fake_master: Callable[..., subprocess.Popen[str]]
) -> None:
    qdir = queue_dir(tmp_path)
    master = fake_master(tmp_path)  # its cwd is not qdir
    (qdir / "pid" / "master.pid").write_text(f"{master.pid}\n")
    h = read_health(str(qdir))
    assert not h.running and h.certain
    assert h.problem == (
        f"stale {qdir}/pid/master.pid: pid {master.pid} is the master of another queue"
        f" directory ({tmp_path}): Postfix is not running"
    )


def test_unusable_pid_file_falls_back_to_the_lock(
    tmp_path: Path, fake_master: Callable[..., subprocess.Popen[str]]
) -> None:
    """The pid file holds garbage (as root we cannot make it unreadable; a non-root user meets
    the same path with EACCES): the master's flock in /proc/locks still names it."""
    qdir = queue_dir(tmp_path, "garbage\n")
    master = fake_master(qdir, lock=qdir / "pid" / "master.pid")
    h = read_health(str(qdir))
    assert h.running and h.master_pid == master.pid and h.problem == ""
    assert h.services == {"qmgr": 1, "slow": 2}


def test_missing_pid_file(tmp_path: Path) -> None:
    qdir = queue_dir(tmp_path)
    h = read_health(str(qdir), now=1000.0)
    assert not h.running and h.certain
    assert h.master_pid is None and h.started_at is None and h.services == {}
    assert h.problem == f"no master.pid in {qdir}/pid: Postfix is not running"
    assert h.checked_at == 1000.0
    assert h.uptime(2000.0) is None
    assert h.summary() == (
        f"Postfix is NOT running: no master.pid in {qdir}/pid — flush will not work"
    )


def test_missing_queue_directory(tmp_path: Path) -> None:
    h = read_health(str(tmp_path / "nope"))
    assert not h.running and h.certain
    assert h.problem == f"no queue directory {tmp_path / 'nope'}: Postfix is not running"


def test_stale_pid_of_another_program(tmp_path: Path) -> None:
    me = os.getpid()
    qdir = queue_dir(tmp_path, f"{me:>16}\n")
    h = read_health(str(qdir))
    assert not h.running and h.master_pid is None and h.certain
    name = psutil.Process(me).name()
    assert h.problem == (
        f"stale {qdir}/pid/master.pid: pid {me} is now {name!r}, not Postfix's master"
        ": Postfix is not running"
    )
    assert h.summary().startswith(f"Postfix is NOT running: stale {qdir}/pid/master.pid: pid")
    assert h.summary().endswith("not Postfix's master — flush will not work")


def test_stale_pid_of_a_dead_process(tmp_path: Path, dead_pid: int) -> None:
    qdir = queue_dir(tmp_path, f"{dead_pid}\n")
    h = read_health(str(qdir))
    assert not h.running and h.certain
    assert h.problem == (
        f"stale {qdir}/pid/master.pid: no process {dead_pid}: Postfix is not running"
    )


@pytest.mark.parametrize("text", ["", "   \n", "garbage\n", "-5\n", "0\n", "12ab\n"])
def test_garbage_pid_file_without_lock(tmp_path: Path, text: str) -> None:
    qdir = queue_dir(tmp_path, text)
    h = read_health(str(qdir))
    # Nothing holds a lock on the file (checked in /proc/locks): provably down.
    assert not h.running and h.certain
    assert h.problem.startswith(f"{qdir}/pid/master.pid holds no pid (")
    assert h.problem.endswith(", and nothing holds its lock: Postfix is not running")


def test_garbage_pid_file_locked_by_a_non_master_cannot_tell(tmp_path: Path) -> None:
    """A lock held by something that is not a master proves nothing either way."""
    qdir = queue_dir(tmp_path, "garbage\n")
    with open(qdir / "pid" / "master.pid", "rb") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        h = read_health(str(qdir))
    assert not h.running and not h.certain
    assert h.problem == f"{qdir}/pid/master.pid holds no pid ('garbage')"
    assert h.summary() == (
        f"Postfix status unknown: {qdir}/pid/master.pid holds no pid ('garbage')"
        " — flush may not work"
    )


def test_read_health_never_raises(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    h = read_health(str(tmp_path / "file"))  # a file where a directory should be
    assert not h.running and h.problem
    h = read_health("\0bad")
    assert not h.running and h.problem


def test_load_is_the_machine_load(tmp_path: Path) -> None:
    h = read_health(str(queue_dir(tmp_path)))
    assert len(h.load) == 3 and all(x >= 0 for x in h.load)


def test_fast_without_scanning_processes(tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    qdir = queue_dir(tmp_path, f"{sleeper.pid}\n")
    started = time.perf_counter()
    for _ in range(100):
        read_health(str(qdir))
    assert (time.perf_counter() - started) / 100 < 0.01


@pytest.mark.parametrize(
    ("cmdline", "name", "service"),
    [
        (["smtp", "-n", "smtp", "-t", "unix", "-u"], "smtp", "smtp"),
        (["smtp", "-n", "slow", "-t", "unix"], "smtp", "slow"),
        (["pickup", "-l", "-t", "unix", "-u"], "pickup", "pickup"),
        (["qmgr", "-l", "-t", "unix", "-u"], "qmgr", "qmgr"),
        (["trivial-rewrite", "-n", "rewrite", "-t", "unix", "-u"], "trivial-rewrite", "rewrite"),
        (["smtpd", "-n", "127.0.0.1:2525", "-t", "inet", "-u"], "smtpd", "127.0.0.1:2525"),
        (["cleanup", "-z", "-t", "unix", "-u"], "cleanup", "cleanup"),
        (["smtp", "-nrelay", "-t", "unix"], "smtp", "relay"),
        (["smtp", "-t", "unix", "-n"], "smtp", "smtp"),  # dangling -n
        ([], "anvil", "anvil"),
        (["/usr/lib/postfix/sbin/local"], "", "local"),
    ],
)
def test_service_name(cmdline: list[str], name: str, service: str) -> None:
    assert service_name(cmdline, name) == service


def running(**kw: object) -> Health:
    base: dict[str, object] = {
        "running": True,
        "master_pid": 1234,
        "started_at": 10_000.0,
        "services": {"cleanup": 2, "qmgr": 1, "smtp": 5},
        "load": (0.52, 0.4, 0.31),
        "checked_at": 20_000.0,
    }
    base.update(kw)
    return Health(**base)  # type: ignore[arg-type]


def test_summary_running() -> None:
    h = running()
    assert h.uptime(10_000.0 + 3 * 3600 + 12 * 60 + 7) == pytest.approx(11527.0)
    assert h.summary(now=10_000.0 + 3 * 3600 + 12 * 60 + 7) == (
        "master 1234 up 3h 12m · cleanup 2 · qmgr 1 · smtp 5 · load 0.52 0.40 0.31"
    )
    assert h.uptime(5_000.0) == 0.0  # a clock before the start is not negative
    assert running(started_at=None).summary() == (
        "master 1234 · cleanup 2 · qmgr 1 · smtp 5 · load 0.52 0.40 0.31"
    )
    assert running(started_at=None).uptime() is None
    assert running(services={}).summary(now=10_045.0) == "master 1234 up 45s · load 0.52 0.40 0.31"


def test_summary_not_running() -> None:
    h = Health(False, None, None, {}, (0.0, 0.0, 0.0), 1.0, "whatever went wrong")
    assert h.summary() == "Postfix is NOT running: whatever went wrong — flush will not work"
    assert h.uptime() is None
    assert Health(False, 7, 5.0, {}, (0.0, 0.0, 0.0), 1.0, "x").uptime(10.0) is None
