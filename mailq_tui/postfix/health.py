"""Postfix health for one instance: is its master process alive, since when, which services
have live processes, and the machine's load. Read with psutil and /proc; runs no command and
never imports Textual.

How the master is found (:func:`read_health`, which never raises):

1. ``<queue_directory>/pid/master.pid``: its first token is the master's pid. The process must
   exist, not be a zombie, be named ``master`` (or run a ``.../master`` executable) and, when
   its cwd is visible, sit in this queue directory (on Linux the master's cwd is the queue
   directory). Anything else is a stale pid file: Postfix is not running. No pid file: Postfix
   is not running.
2. The pid file cannot be read (Postfix 3.7 writes it ``0600 root``: an ordinary user gets
   EACCES) or holds garbage: the master holds an exclusive ``flock`` on that file for its whole
   life, and ``/proc/locks`` (world-readable) names the holder's pid with the file's inode,
   which anyone may ``stat``. A lock held by a live ``master`` process: running. No lock on
   the file at all: provably not running.
3. When even that fails (no /proc/locks, say): a scan of every process for a ``master`` whose
   cwd or command line points at the queue directory. An ordinary user cannot see other users'
   cwd (nor environ, where ``postfix -c`` puts ``MAIL_CONFIG``), and the master's command line
   is just ``master -w``, so this mostly helps root; failing it, the answer is "cannot read
   ...", with ``running=False`` and ``certain=False``.

Services: the master's direct children; a daemon's service name (its master.cf first column) is
the argument after ``-n`` on its command line (``smtp -n slow -t unix``), else its process name
(``qmgr -l -t unix -u`` is ``qmgr``). Children that exit meanwhile, or deny access, are skipped.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Optional

import psutil

from mailq_tui.glyphs import current as glyphs
from mailq_tui.model.trend import format_span

__all__ = ["PID_FILE", "Health", "not_configured", "read_health", "service_name"]

#: The master's pid file, relative to the queue directory.
PID_FILE = os.path.join("pid", "master.pid")
#: How every "provably down" problem ends (:meth:`Health.summary` drops it: it says so first).
NOT_RUNNING = ": Postfix is not running"
#: Where Linux lists every file lock with its holder's pid (readable by every user).
PROC_LOCKS = "/proc/locks"


@dataclass(frozen=True)
class Health:
    """What :func:`read_health` saw (times in epoch seconds)."""

    running: bool  # the master process of THIS instance is alive
    master_pid: Optional[int]
    started_at: Optional[float]  # when the master started (psutil create_time)
    services: dict[str, int]  # master.cf service name -> live processes, sorted by name
    load: tuple[float, float, float]  # os.getloadavg()
    checked_at: float
    #: "" when running; else one line: why Postfix is thought down, or why we cannot tell.
    problem: str = ""
    #: False when ``running=False`` is a guess (the pid file and the lock table could not be
    #: read): show "cannot tell" rather than "down".
    certain: bool = field(default=True)
    #: False when the instance has no main.cf (``problem`` says where it looked): it is not
    #: "down", there is no Postfix instance there to run (:func:`not_configured`).
    configured: bool = field(default=True)

    def uptime(self, now: Optional[float] = None) -> Optional[float]:
        """Seconds the master has been up; None when not running (or its start is unknown)."""
        if not self.running or self.started_at is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.started_at)

    def summary(self, now: Optional[float] = None) -> str:
        """One line: ``master 1234 up 3h 12m · cleanup 2 · qmgr 1 · smtp 5 · load 0.52 0.40
        0.31``, or ``Postfix is NOT running: <problem> — flush will not work``."""
        if not self.running:
            if not self.configured:
                return self.problem
            if not self.certain:
                return f"Postfix status unknown: {self.problem} {glyphs().dash} flush may not work"
            why = self.problem.removesuffix(NOT_RUNNING) or "unknown"
            return f"Postfix is NOT running: {why} {glyphs().dash} flush will not work"
        head = f"master {self.master_pid}"
        up = self.uptime(now)
        if up is not None:
            head += f" up {format_span(up)}"
        parts = [head, *(f"{name} {count}" for name, count in self.services.items())]
        parts.append("load " + " ".join(f"{x:.2f}" for x in self.load))
        return f" {glyphs().dot} ".join(parts)


def not_configured(problem: str, now: Optional[float] = None) -> Health:
    """The health of an instance without a main.cf: not running, and not "down" either
    (``problem`` is the friendly error, with Postfix's own words and what to do)."""
    checked_at = time.time() if now is None else now
    return Health(False, None, None, {}, _load(), checked_at, problem, False, configured=False)


def service_name(cmdline: list[str], process_name: str) -> str:
    """The master.cf service name of a Postfix daemon from its command line."""
    args = cmdline[1:]
    for i, arg in enumerate(args):
        if arg == "-n" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("-n") and len(arg) > 2:
            return arg[2:]
    return process_name or (os.path.basename(cmdline[0]) if cmdline else "?")


def read_health(queue_directory: str, now: Optional[float] = None) -> Health:
    """The health of the Postfix instance whose queue directory this is. Never raises."""
    checked_at = time.time() if now is None else now
    load = _load()
    try:
        proc, problem, certain = _find_master(queue_directory)
    except Exception as exc:  # never raise: an unforeseen error is "cannot tell"
        proc, problem, certain = None, f"cannot tell whether Postfix is running: {exc}", False
    if proc is None:
        return Health(False, None, None, {}, load, checked_at, problem or "unknown", certain)
    try:
        started_at: Optional[float] = proc.create_time()
    except (psutil.Error, OSError):
        started_at = None
    return Health(True, proc.pid, started_at, _services(proc), load, checked_at)


def _load() -> tuple[float, float, float]:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)
    return (one, five, fifteen)


def _services(master: psutil.Process) -> dict[str, int]:
    counts: dict[str, int] = {}
    try:
        children = master.children(recursive=False)
    except (psutil.Error, OSError):
        return counts
    for child in children:
        try:
            with child.oneshot():
                if child.status() == psutil.STATUS_ZOMBIE:
                    continue
                name = service_name(child.cmdline(), child.name())
        except (psutil.Error, OSError):
            continue
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def _find_master(qdir: str) -> tuple[Optional[psutil.Process], str, bool]:
    """(master process or None, problem, certain)."""
    pid_path = os.path.join(qdir, PID_FILE)
    try:
        with open(pid_path, "rb") as fh:
            text = fh.read(256).decode("ascii", "replace")
    except FileNotFoundError:
        if not os.path.isdir(qdir):
            return None, f"no queue directory {qdir}{NOT_RUNNING}", True
        return None, f"no master.pid in {os.path.dirname(pid_path)}{NOT_RUNNING}", True
    except OSError as exc:
        return _without_pid_file(qdir, pid_path, f"cannot read {pid_path}: {_reason(exc)}")
    tokens = text.split()
    if not tokens or not tokens[0].isdigit() or int(tokens[0]) <= 0:
        shown = text.strip()[:20]
        return _without_pid_file(qdir, pid_path, f"{pid_path} holds no pid ({shown!r})")
    pid = int(tokens[0])
    proc, why = _check_master(pid, qdir)
    if proc is not None:
        return proc, "", True
    if why is None:  # could not look at the process: try the other ways
        return _without_pid_file(qdir, pid_path, f"cannot inspect process {pid}")
    return None, f"stale {pid_path}: {why}{NOT_RUNNING}", True


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _check_master(pid: int, qdir: Optional[str]) -> tuple[Optional[psutil.Process], Optional[str]]:
    """(the process when ``pid`` is a live master of ``qdir``, else None and why not; why=None
    when the process could not be examined)."""
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None, f"process {pid} is a zombie"
            name = proc.name()
            if name != "master":
                try:
                    exe = proc.exe()
                except (psutil.AccessDenied, OSError):
                    exe = ""
                if not exe.endswith("/master"):
                    return None, f"pid {pid} is now {name!r}, not Postfix's master"
            if qdir is not None:
                try:
                    cwd = proc.cwd()
                except (psutil.AccessDenied, OSError):
                    cwd = ""  # an ordinary user cannot see another user's cwd
                if cwd and not _same_dir(cwd, qdir):
                    return None, f"pid {pid} is the master of another queue directory ({cwd})"
        return proc, ""
    except psutil.NoSuchProcess:
        return None, f"no process {pid}"
    except (psutil.Error, OSError):
        return None, None


def _same_dir(a: str, b: str) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except OSError:
        return a == b


def _without_pid_file(
    qdir: str, pid_path: str, why: str
) -> tuple[Optional[psutil.Process], str, bool]:
    """The master when its pid file cannot be used: the lock on it, then a process scan."""
    locked, holders = _lock_holders(pid_path)
    for pid in holders:
        proc, _ = _check_master(pid, qdir)
        if proc is not None:
            return proc, "", True
    if locked is False:
        return None, f"{why}, and nothing holds its lock{NOT_RUNNING}", True
    proc = _scan(qdir)
    if proc is not None:
        return proc, "", True
    return None, why, False


def _lock_holders(pid_path: str) -> tuple[Optional[bool], list[int]]:
    """(whether ``pid_path`` is locked: True/False, None when that cannot be told; the pids
    /proc/locks names as holders)."""
    try:
        st = os.stat(pid_path)
        with open(PROC_LOCKS, encoding="ascii", errors="replace") as fh:
            table = fh.read()
    except OSError:
        return None, []
    dev = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    same_dev: list[int] = []
    same_ino: list[int] = []
    for line in table.splitlines():
        # "3: FLOCK  ADVISORY  WRITE 6604 fe:00:2147250 0 EOF" (blocked waiters: "3: -> FLOCK")
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->":
            continue
        try:
            pid = int(fields[4])
        except ValueError:
            continue
        where = fields[5]
        if where == dev:
            same_dev.append(pid)
        elif where.rsplit(":", 1)[-1] == str(st.st_ino):
            same_ino.append(pid)  # overlay/bind mounts may report another device number
    holders = [p for p in same_dev + same_ino if p > 0]
    return bool(same_dev or same_ino), holders


def _scan(qdir: str) -> Optional[psutil.Process]:
    """A ``master`` process whose cwd or command line points at ``qdir`` (slow: every process)."""
    real = os.path.realpath(qdir)
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            if proc.info.get("name") != "master":
                continue
            cmdline = proc.info.get("cmdline") or []
            if any(real in arg or qdir in arg for arg in cmdline[1:]):
                return proc
            try:
                if _same_dir(proc.cwd(), real):
                    return proc
            except (psutil.AccessDenied, OSError):
                continue
        except (psutil.Error, OSError):
            continue
    return None
