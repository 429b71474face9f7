"""A throwaway, isolated Postfix instance for the Postfix-layer tests (root on Debian only).

Used until the shared sandbox (mailq_tui/sandbox, tests/conftest.py) lands. Follows
POSTFIX-FACTS: own config dir, spool and maillog under a temp dir, smtpd on a 127.0.0.1 port,
every destination pinned to a closed 127.0.0.1 port (mail defers with "Connection refused"),
/etc/postfix and /var/spool/postfix untouched. ``run_as_prefix`` runs a tool as another user in
a private mount namespace where /etc/postfix/main.cf is a copy that authorizes the config dir.
"""

from __future__ import annotations

import os
import pwd
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest

from mailq_tui.model.message import Message

pytestmark = pytest.mark.sandbox

_DECODER = msgspec.json.Decoder(Message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Instance:
    root: Path
    config_dir: str
    smtp_port: int

    def postfix(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["/usr/sbin/postfix", "-c", self.config_dir, *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    def listing(self) -> list[Message]:
        out = subprocess.run(
            ["/usr/sbin/postqueue", "-c", self.config_dir, "-j"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        return _DECODER.decode_lines(out) if out.strip() else []

    def by_id(self) -> dict[str, Message]:
        return {m.queue_id: m for m in self.listing()}

    def send(self, sender: str, rcpts: list[str], n: int = 1, subject: str = "test") -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as s:
            for i in range(n):
                body = f"Subject: {subject} {i}\r\nFrom: <{sender}>\r\n\r\nbody {i}\r\n"
                s.sendmail(sender, rcpts, body.encode())

    def wait_deferred(self, count: int, timeout: float = 30) -> list[Message]:
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.listing()
            if sum(1 for m in msgs if m.queue_name == "deferred") >= count:
                return msgs
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(msgs)} queued: {msgs!r}")
            time.sleep(0.2)

    def clear(self) -> None:
        subprocess.run(
            ["/usr/sbin/postsuper", "-c", self.config_dir, "-d", "ALL"],
            capture_output=True,
            timeout=60,
        )


def _make_instance(root: Path) -> Instance:
    etc, spool, data = root / "etc", root / "spool", root / "data"
    for d in (etc, spool, data):
        d.mkdir(parents=True)
    os.chmod(root, 0o755)
    shutil.chown(data, "postfix")
    log = Path("/var/tmp") / f"mqt-test-{root.name}.log"
    log.touch()
    shutil.chown(log, "postfix")
    smtp_port, dead_port = _free_port(), _free_port()
    master = Path("/etc/postfix/master.cf.proto")
    text = (master if master.exists() else Path("/etc/postfix/master.cf")).read_text()
    lines = [ln for ln in text.splitlines() if not ln.startswith("smtp      inet")]
    lines.append(f"127.0.0.1:{smtp_port} inet n - y - - smtpd")
    (etc / "master.cf").write_text("\n".join(lines) + "\n")
    (etc / "transport").write_text(f"* smtp:[127.0.0.1]:{dead_port}\n")
    (etc / "main.cf").write_text(
        f"""compatibility_level = 3.6
queue_directory = {spool}
data_directory = {data}
maillog_file = {log}
maillog_file_prefixes = /var, /dev/stdout
myhostname = sandbox.example.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
relayhost =
transport_maps = texthash:{etc}/transport
mynetworks = 127.0.0.0/8
in_flow_delay = 0
alias_maps =
alias_database =
smtputf8_enable = yes
"""
    )
    inst = Instance(root, str(etc), smtp_port)
    check = inst.postfix("check")
    assert check.returncode == 0, check.stderr
    start = inst.postfix("start")
    assert start.returncode == 0, start.stderr
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", smtp_port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    return inst


@pytest.fixture(scope="session")
def pf_instance() -> Iterator[Instance]:
    if os.geteuid() != 0 or not Path("/usr/sbin/postfix").exists():
        pytest.skip("needs root and Postfix")
    root = Path(tempfile.mkdtemp(prefix="mqt-pf-", dir="/tmp"))
    inst = _make_instance(root)
    try:
        yield inst
    finally:
        inst.postfix("stop")
        shutil.rmtree(root, ignore_errors=True)
        (Path("/var/tmp") / f"mqt-test-{root.name}.log").unlink(missing_ok=True)


@pytest.fixture
def pf(pf_instance: Instance) -> Iterator[Instance]:
    """The instance with an empty queue (emptied again afterwards)."""
    if pf_instance.postfix("status").returncode != 0:
        pf_instance.postfix("start")
    pf_instance.clear()
    yield pf_instance
    pf_instance.clear()


@pytest.fixture(scope="session")
def unprivileged_user() -> Iterator[pwd.struct_passwd]:
    """A real non-root user created for the test session (removed afterwards)."""
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("needs root and useradd")
    name = f"mqt{os.getpid() % 100000}"
    subprocess.run(
        ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True
    )
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", name], check=False)


def run_as_prefix(user: pwd.struct_passwd, config_dir: str, tmp: Path) -> list[str]:
    """argv prefix running a command as ``user`` in a private mount namespace where the default
    /etc/postfix/main.cf also lists ``config_dir`` in alternate_config_directories."""
    main_cf = tmp / f"main.cf.{user.pw_name}"
    main_cf.write_text(
        Path("/etc/postfix/main.cf").read_text()
        + f"\nalternate_config_directories = {config_dir}\n"
    )
    os.chmod(main_cf, 0o644)
    os.chmod(tmp, 0o755)
    script = 'mount --bind "$0" /etc/postfix/main.cf && exec setpriv "$@"'
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        str(main_cf),
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--init-groups",
        "--",
    ]
