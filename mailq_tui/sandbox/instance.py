"""A throwaway, isolated Postfix instance (root on Debian).

:class:`Sandbox` builds its own ``config_directory``, ``queue_directory``, ``data_directory``
and maillog under one temp dir, starts its own master with ``postfix -c DIR start``, and on
:meth:`Sandbox.stop` makes sure no process of that instance survives. It never touches
``/etc/postfix``, ``/var/spool/postfix`` or the default instance: every destination is pinned by
``transport_maps`` to a ``smtp:[127.0.0.1]:PORT`` literal, DNS is disabled, smtpd listens on a
free 127.0.0.1 port only.

Non-root access (:meth:`Sandbox.run_as`): Postfix lets a non-root user name a non-default
config dir only if the *default* instance's main.cf lists it in
``alternate_config_directories``. Instead of editing /etc/postfix/main.cf, the command runs in a
private mount namespace (``unshare --mount --propagation private``) where a copy of the default
main.cf plus that one line is bind-mounted over /etc/postfix/main.cf, then drops to the user
with ``setpriv``. Nothing outside that namespace sees the change and it vanishes with the
process.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Optional, Union

import msgspec
import psutil

from mailq_tui.model.message import Message

POSTFIX = "/usr/sbin/postfix"
POSTQUEUE = "/usr/sbin/postqueue"
POSTSUPER = "/usr/sbin/postsuper"
MAIL_OWNER = "postfix"

#: The transport named in ``defer_transports`` (its mail waits with "deferred transport").
DEFERRED_TRANSPORT = "slowlane"

_DECODER = msgspec.json.Decoder(Message)

# Service lines of the sandbox master.cf; chroot is off everywhere so every daemon's cwd is
# the sandbox queue directory (used to find leftovers) and no chroot files are needed.
_MASTER_SERVICES = """\
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
proxywrite unix - - n -     1 proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
local     unix  - n n -     - local
virtual   unix  - n n -     - virtual
lmtp      unix  - - n -     - lmtp
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


class SandboxError(Exception):
    """A sandbox could not be created, started or stopped."""


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (nothing listens on it right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postfix_installed() -> bool:
    """True when the Postfix programs this module drives are installed."""
    return all(Path(p).exists() for p in (POSTFIX, POSTQUEUE, POSTSUPER))


def is_root() -> bool:
    """True when running with effective uid 0."""
    return os.geteuid() == 0


def create_system_user(name: Optional[str] = None) -> pwd.struct_passwd:
    """Create a throwaway non-root system user (no home, nologin shell) and return it."""
    name = name or f"mqt{os.getpid() % 100000}x{int(time.time() * 1000) % 1000}"
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(name)


def remove_system_user(name: str) -> None:
    """Remove a user created by :func:`create_system_user` (no error if already gone).

    ``userdel`` refuses while the user has a process (a command a test ran as the user that
    is still exiting), which used to leave throwaway users behind until the system uid range
    ran out: the user's processes are killed first, and a refusal is an error.
    """
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    for _attempt in range(5):
        owned = [
            p for p in psutil.process_iter(["uids"]) if p.info["uids"] and uid in p.info["uids"]
        ]
        for proc in owned:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(owned, timeout=10)
        done = subprocess.run(["userdel", name], check=False, capture_output=True, text=True)
        if done.returncode == 0:
            return
        if "currently used by process" not in done.stderr:
            break
        # A process became the user after the scan (a setpriv between fork and setuid).
    raise SandboxError(f"userdel {name} failed: {done.stderr.strip()}")


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)


class Sandbox:
    """One isolated Postfix instance under ``root`` (a fresh temp dir by default).

    ``transport`` maps domains (or ``*``) to a transport:nexthop, e.g.
    ``{"greylist.example": "smtp:[127.0.0.1]:2525"}``; anything unmapped goes to
    ``smtp:[127.0.0.1]:closed_port`` where nothing listens (``Connection refused``).
    ``main_cf`` adds or overrides main.cf parameters, ``master_cf`` adds master.cf lines.
    Use as a context manager (start on enter, stop + destroy on exit); every method is
    idempotent.
    """

    def __init__(
        self,
        root: Union[str, Path, None] = None,
        *,
        transport: Optional[Mapping[str, str]] = None,
        defer_transports: Sequence[str] = (DEFERRED_TRANSPORT,),
        main_cf: Optional[Mapping[str, str]] = None,
        master_cf: Iterable[str] = (),
        smtp_port: Optional[int] = None,
        closed_port: Optional[int] = None,
    ) -> None:
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="mqt-sandbox-"))
        self.config_dir = str(self.root / "etc")
        self.queue_dir = str(self.root / "spool")
        self.data_dir = str(self.root / "data")
        self.maillog = str(self.root / "log" / "maillog")
        self.smtp_port = smtp_port or free_port()
        self.closed_port = closed_port or free_port()
        self.transport = dict(transport or {})
        self.defer_transports = list(defer_transports)
        self.main_cf = dict(main_cf or {})
        self.master_cf = list(master_cf)
        self._created = False

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def attach(cls, config_dir: Union[str, Path]) -> Sandbox:
        """A handle on an existing sandbox (e.g. one left running with ``--keep``)."""
        etc = Path(config_dir).resolve()
        if not (etc / "main.cf").exists() or not (etc / ".mqt-sandbox").exists():
            raise SandboxError(f"{etc} is not a mailq-tui sandbox config directory")
        port = int((etc / ".mqt-sandbox").read_text().split()[0])
        box = cls(etc.parent, smtp_port=port, closed_port=1)
        box._created = True
        return box

    @property
    def closed_nexthop(self) -> str:
        """The transport:nexthop where nothing listens (deliveries get Connection refused)."""
        return f"smtp:[127.0.0.1]:{self.closed_port}"

    def create(self) -> None:
        """Write the directories and configuration (done by :meth:`start` when needed)."""
        if self._created:
            return
        if not is_root():
            raise SandboxError("a Postfix sandbox needs root")
        if not postfix_installed():
            raise SandboxError("Postfix is not installed (apt-get install postfix)")
        root, etc = self.root, Path(self.config_dir)
        spool, data, logdir = Path(self.queue_dir), Path(self.data_dir), Path(self.maillog).parent
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o755)
        for d in (etc, spool, data, logdir):
            d.mkdir(exist_ok=True)
            os.chmod(d, 0o755)
        shutil.chown(data, MAIL_OWNER)
        shutil.chown(logdir, MAIL_OWNER)
        Path(self.maillog).touch()
        shutil.chown(self.maillog, MAIL_OWNER)
        os.chmod(self.maillog, 0o644)

        routes = dict(self.transport)
        routes.setdefault("*", self.closed_nexthop)
        _write(etc / "transport", "".join(f"{k} {v}\n" for k, v in routes.items()))
        master = [f"127.0.0.1:{self.smtp_port} inet n - n - - smtpd", _MASTER_SERVICES]
        master += [f"{name} unix - - n - - smtp" for name in self.defer_transports]
        master += self.master_cf
        _write(etc / "master.cf", "\n".join(master) + "\n")
        params = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue_dir,
            "data_directory": self.data_dir,
            "maillog_file": self.maillog,
            "maillog_file_prefixes": str(logdir),
            "myhostname": "sandbox.example.test",
            "mydomain": "example.test",
            "myorigin": "$myhostname",
            "mydestination": "",
            "relay_domains": "",
            "inet_interfaces": "loopback-only",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "relayhost": "",
            "smtp_dns_support_level": "disabled",
            "smtpd_peername_lookup": "no",
            "transport_maps": f"texthash:{etc}/transport",
            "default_transport": self.closed_nexthop,
            "relay_transport": self.closed_nexthop,
            "local_transport": self.closed_nexthop,
            "defer_transports": " ".join(self.defer_transports),
            "in_flow_delay": "0",
            "alias_maps": "",
            "alias_database": "",
            "smtputf8_enable": "yes",
            "message_size_limit": "20000000",
            "delay_warning_time": "0",
            "biff": "no",
        }
        params.update(self.main_cf)
        _write(etc / "main.cf", "".join(f"{k} = {v}\n" for k, v in params.items()))
        _write(etc / ".mqt-sandbox", f"{self.smtp_port}\n")
        self._created = True

    # -- running ---------------------------------------------------------------------------

    def postfix(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run ``postfix -c CONFIG_DIR ARGS`` (no check on the exit code)."""
        return subprocess.run(
            [POSTFIX, "-c", self.config_dir, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def is_running(self) -> bool:
        """True when this instance's master is alive."""
        return self._master_pid() is not None

    def start(self) -> None:
        """Create if needed, ``postfix check``, ``postfix start``, wait for smtpd to answer."""
        self.create()
        if self.is_running():
            return
        for step in ("check", "start"):
            res = self.postfix(step)
            if res.returncode != 0:
                raise SandboxError(f"postfix {step} failed: {res.stderr.strip() or res.stdout}")
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=2) as s:
                    if s.recv(512).startswith(b"220"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SandboxError(f"smtpd on 127.0.0.1:{self.smtp_port} did not answer")
            time.sleep(0.1)

    def _master_pid(self) -> Optional[int]:
        try:
            pid = int((Path(self.queue_dir) / "pid" / "master.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            proc = psutil.Process(pid)
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                return pid
        except psutil.Error:
            pass
        return None

    def _helper_processes(self) -> list[psutil.Process]:
        """Processes recorded in ``root/run/*.pid`` (e.g. a kept upstream server)."""
        procs = []
        for pidfile in (self.root / "run").glob("*.pid"):
            with contextlib.suppress(OSError, ValueError, IndexError, psutil.Error):
                procs.append(psutil.Process(int(pidfile.read_text().split()[0])))
        return procs

    def processes(self) -> list[psutil.Process]:
        """Every live process of this instance: the master, its children, any process whose
        cwd is the queue directory or whose command line / MAIL_CONFIG names the config dir,
        and a kept upstream server (pid file in the sandbox)."""
        found: dict[int, psutil.Process] = {}
        spool = os.path.realpath(self.queue_dir)
        etc = os.path.realpath(self.config_dir)
        master = self._master_pid()
        if master is not None:
            try:
                proc = psutil.Process(master)
                found[master] = proc
                for child in proc.children(recursive=True):
                    found[child.pid] = child
            except psutil.Error:
                pass
        for proc in self._helper_processes():
            found[proc.pid] = proc
        for proc in psutil.process_iter(["pid", "cwd", "cmdline"]):
            if proc.pid in found or proc.pid == os.getpid():
                continue
            info = proc.info
            cwd = info.get("cwd") or ""
            cmd = info.get("cmdline") or []
            if cwd == spool or cwd.startswith(spool + "/") or any(etc in a for a in cmd):
                found[proc.pid] = proc
                continue
            try:
                if proc.environ().get("MAIL_CONFIG") == etc:
                    found[proc.pid] = proc
            except psutil.Error:
                pass
        alive = []
        for proc in found.values():
            try:
                if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append(proc)
            except psutil.Error:
                pass
        return alive

    def stop(self, timeout: float = 15) -> None:
        """``postfix stop``, then wait for and kill anything of this instance still alive."""
        if not self.root.exists():
            return
        if self.is_running():
            self.postfix("stop", timeout=timeout)
        for helper in self._helper_processes():
            with contextlib.suppress(psutil.Error):
                helper.terminate()
        procs = self.processes()
        _gone, alive = psutil.wait_procs(procs, timeout=timeout)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not alive:
                break
            for proc in alive:
                with contextlib.suppress(psutil.Error):
                    proc.send_signal(sig)
            _gone, alive = psutil.wait_procs(alive, timeout=5)
        leftovers = self.processes()
        if leftovers:
            raise SandboxError(f"processes survived stop: {[p.pid for p in leftovers]}")

    def destroy(self) -> None:
        """Stop, then remove the whole sandbox directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        self._created = False

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()

    # -- tools -----------------------------------------------------------------------------

    def postqueue(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
        """Run ``postqueue -c CONFIG_DIR ARGS`` as the current user (bytes output)."""
        return subprocess.run(
            [POSTQUEUE, "-c", self.config_dir, *args], capture_output=True, timeout=timeout
        )

    def listing(self) -> list[Message]:
        """The queue as :class:`~mailq_tui.model.message.Message` records (``postqueue -j``)."""
        res = self.postqueue("-j")
        if res.returncode != 0:
            raise SandboxError(f"postqueue -j failed: {res.stderr.decode(errors='replace')}")
        return _DECODER.decode_lines(res.stdout) if res.stdout.strip() else []

    def postsuper(
        self, *args: str, input: Optional[str] = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run ``postsuper -c CONFIG_DIR ARGS`` (``input`` goes to stdin, e.g. ids for ``-``)."""
        return subprocess.run(
            [POSTSUPER, "-c", self.config_dir, *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def queue_counts(self) -> dict[str, int]:
        """Files per queue directory, counted directly (fast, root only; no postqueue)."""
        counts = {}
        for name in ("maildrop", "incoming", "active", "deferred", "hold"):
            n = 0
            for _dirpath, _dirs, files in os.walk(Path(self.queue_dir) / name):
                n += len(files)
            counts[name] = n
        return counts

    def run_as_prefix(self, user: Union[str, pwd.struct_passwd]) -> list[str]:
        """argv prefix that runs a command as ``user`` in a private mount namespace where
        /etc/postfix is a copy whose main.cf lists this config dir in
        alternate_config_directories (a whole-directory bind: a fresh "No configuration"
        install has no main.cf to bind a file over)."""
        pw = pwd.getpwnam(user) if isinstance(user, str) else user
        authdir = self.root / "auth"
        if not authdir.exists():
            default = Path("/etc/postfix")
            if default.is_dir():
                shutil.copytree(default, authdir, symlinks=True)
            else:
                authdir.mkdir()
            os.chmod(authdir, 0o755)
            main_cf = authdir / "main.cf"
            base = main_cf.read_text() if main_cf.exists() else ""
            _write(main_cf, base + f"\nalternate_config_directories = {self.config_dir}\n")
        script = 'mount --bind "$0" /etc/postfix && exec setpriv "$@"'
        return [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            str(authdir),
            f"--reuid={pw.pw_uid}",
            f"--regid={pw.pw_gid}",
            "--init-groups",
            "--",
        ]

    def run_as(
        self,
        user: Union[str, pwd.struct_passwd],
        argv: Sequence[str],
        *,
        input: Optional[str] = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` as ``user`` with this sandbox authorized for non-root Postfix tools."""
        return subprocess.run(
            [*self.run_as_prefix(user), *argv],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
