"""Install as on a real server, then use it as an ordinary user (the slow install test).

The wheel built from this checkout is installed with a real ``pip install`` into a fresh venv
on the SYSTEM Python (``/usr/bin/python3 -m venv``: the development venv is built from a Python
under /root, which an ordinary user cannot execute), and with ``pipx`` by the ordinary user
themself. A throwaway user then runs ``mailq-tui`` from their own directory against a real
Postfix sandbox, with the administrator's settings the README documents:
``alternate_config_directories`` (the sandbox's private-namespace main.cf, see
:meth:`~mailq_tui.sandbox.instance.Sandbox.run_as_prefix`), ``authorized_mailq_users`` and the
sudoers rule for ``--sudo``.

Everything lives in a 0755 temp dir under /tmp (pytest's tmp_path is under a 0700 dir an
ordinary user cannot enter). Dependencies come from PyPI (pip's cache keeps it quick).
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import psutil
import pytest

import mailq_tui
from mailq_tui.sandbox.instance import (
    Sandbox,
    create_system_user,
    remove_system_user,
)

from .conftest import require_sandbox
from .test_wheel import DOUBLES, RECORDING, SCRIPT, _build_wheel

pytestmark = [pytest.mark.sandbox, pytest.mark.install]

SYSTEM_PYTHON = "/usr/bin/python3"

#: The sudoers rule the README gives for ``--sudo`` (GROUP is the administrators' group).
#: mailq-tui runs exactly these two programs through ``sudo -n`` (PRIVILEGED_TOOLS); their
#: arguments cannot usefully be pinned: the ids arrive on stdin, ``-c DIR`` and the queue names
#: vary, and ``sudo -n -l /usr/sbin/postsuper`` (how --sudo checks the rule) matches only a
#: rule that allows the command with any arguments.
SUDOERS_RULE = "%{group} ALL=(root) NOPASSWD: /usr/sbin/postsuper, /usr/sbin/postcat\n"


@dataclass
class Installed:
    """The wheel and the venv it was pip-installed into, both readable by everyone."""

    root: Path
    wheel: Path
    venv: Path

    @property
    def command(self) -> str:
        """The installed console script."""
        return str(self.venv / "bin" / "mailq-tui")


def _run(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run a setup step as root; it must succeed."""
    res = subprocess.run(list(argv), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, (argv, res.stdout, res.stderr)
    return res


@pytest.fixture(scope="module")
def installed() -> Iterator[Installed]:
    """Build the wheel and ``pip install`` it (with its dependencies) into a fresh venv on
    the system Python, as root, in a 0755 directory an ordinary user can read."""
    require_sandbox()
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.fail(f"{SYSTEM_PYTHON} is missing: scripts/setup.sh installs python3-venv")
    root = Path(tempfile.mkdtemp(prefix="mqt-install-"))
    try:
        os.chmod(root, 0o755)
        wheel = _build_wheel(root / "dist")
        venv = root / "venv"
        _run([SYSTEM_PYTHON, "-m", "venv", str(venv)])
        _run([str(venv / "bin" / "pip"), "install", "-q", "--no-input", str(wheel)])
        yield Installed(root, wheel, venv)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class User:
    """A throwaway ordinary user with a home directory of their own."""

    name: str
    group: str
    home: Path

    def env(self, **extra: str) -> list[str]:
        """``env -i ...``: the minimal environment of a login on a server (no /usr/sbin on
        PATH, HOME and XDG dirs the user's own)."""
        base = {"HOME": str(self.home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        return ["env", "-i", *(f"{k}={v}" for k, v in {**base, **extra}.items())]


def _end_processes_of(uid: int) -> None:
    """Wait for the test user's last processes (a sudo, a mail it sends) to end, and end
    those that do not, so that ``userdel`` can remove the user."""
    mine = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and uid in p.info["uids"]]
    _gone, alive = psutil.wait_procs(mine, timeout=10)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=10)


@pytest.fixture
def user(installed: Installed) -> Iterator[User]:
    """An ordinary user (no root, no mail owner) who is a member of a fresh administrators'
    group (for the sudoers rule); their home is inside the install's temp dir."""
    group = f"mqtg{os.getpid() % 100000}"
    subprocess.run(["groupadd", "--system", group], check=True, capture_output=True)
    pw = create_system_user()
    try:
        subprocess.run(["usermod", "-a", "-G", group, pw.pw_name], check=True)
        home = installed.root / f"home-{pw.pw_name}"
        home.mkdir()
        os.chown(home, pw.pw_uid, pw.pw_gid)
        yield User(pw.pw_name, group, home)
    finally:
        _end_processes_of(pw.pw_uid)
        remove_system_user(pw.pw_name)
        assert pw.pw_name not in {p.pw_name for p in pwd.getpwall()}, "userdel failed"
        subprocess.run(["groupdel", group], check=False, capture_output=True)


def _as_user(
    box: Sandbox, user: User, argv: Sequence[str], **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` as ``user`` from their home, with ``box`` authorized for them the way an
    administrator does it (alternate_config_directories in the default main.cf)."""
    return subprocess.run(
        [*box.run_as_prefix(user.name), *user.env(**env), *argv],
        cwd=user.home,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_venv_is_on_the_system_python_and_the_user_sees_the_queue(
    installed: Installed, user: User, make_sandbox: Callable[..., Sandbox]
) -> None:
    box = make_sandbox(count=12)
    python = installed.venv / "bin" / "python"
    assert os.path.realpath(python).startswith("/usr/bin/python3"), os.path.realpath(python)
    cmd = installed.command

    res = _as_user(box, user, [cmd, "--version"])
    assert (res.returncode, res.stdout) == (0, f"mailq-tui {mailq_tui.__version__}\n"), res
    res = _as_user(box, user, [cmd, "--help"])
    assert res.returncode == 0 and "usage: mailq-tui" in res.stdout, res
    res = _as_user(box, user, [str(python), "-c", "import mailq_tui; print(mailq_tui.__file__)"])
    assert res.stdout.startswith(str(installed.venv)), res  # the wheel's code, not the checkout

    res = _as_user(box, user, ["id", "-u"])
    assert res.stdout.strip() not in ("", "0")
    listed = _as_user(box, user, [cmd, "-c", box.config_dir, "ls", "--ids"])
    assert listed.returncode == 0, listed.stderr
    assert set(listed.stdout.split()) == {m.queue_id for m in box.listing()}
    assert len(listed.stdout.split()) >= 12

    privileges = _as_user(box, user, [cmd, "privileges", "-c", box.config_dir])
    assert privileges.returncode == 0, privileges.stderr
    lines = privileges.stdout.splitlines()
    assert lines[0] == f"user: {user.name}"
    assert any(line.split()[:2] == ["list", "yes"] for line in lines), lines
    assert any(line.split()[:2] == ["flush", "yes"] for line in lines), lines
    assert any(line.split()[:2] == ["postsuper", "no"] for line in lines), lines
    assert f"audit log: {user.home}/.local/state/mailq-tui/audit.log" in lines


def test_authorized_mailq_users_decides_who_lists(
    installed: Installed, user: User, make_sandbox: Callable[..., Sandbox]
) -> None:
    """The README's postconf line: only the users named may list (root always may)."""
    box = make_sandbox(count=2)
    ls = [installed.command, "-c", box.config_dir, "ls", "--ids"]
    _run(["postconf", "-c", box.config_dir, "-e", "authorized_mailq_users = root"])
    res = _as_user(box, user, ls)
    assert res.returncode == 1 and "not allowed to view the mail queue" in res.stderr, res
    _run(["postconf", "-c", box.config_dir, "-e", f"authorized_mailq_users = root, {user.name}"])
    res = _as_user(box, user, ls)
    assert res.returncode == 0 and len(res.stdout.split()) >= 2, res


def test_the_installed_app_finds_its_styles_as_the_user(
    installed: Installed, user: User, make_sandbox: Callable[..., Sandbox]
) -> None:
    """The app starts headless from the installed package, as the ordinary user, and its
    stylesheet (inside the wheel) applies."""
    box = make_sandbox()
    for source in (RECORDING, DOUBLES):
        shutil.copy(source, user.home / source.name)
    python = str(installed.venv / "bin" / "python")
    script = [python, "-c", SCRIPT, "queue.jsonl", "doubles.py"]
    res = _as_user(box, user, script)
    assert res.returncode == 0, res.stderr
    site = installed.venv / "lib"
    assert "styles ok from " + str(site) in res.stdout and "/mailq_tui/styles" in res.stdout


def test_pipx_install_by_the_ordinary_user(
    installed: Installed, user: User, make_sandbox: Callable[..., Sandbox]
) -> None:
    """``pipx install THE.whl`` by the user themself (PIPX_HOME and PIPX_BIN_DIR their own),
    on the system Python; pipx itself comes from PyPI into a root-owned venv."""
    box = make_sandbox(count=2)
    pipx_venv = installed.root / "pipx"
    if not pipx_venv.exists():
        _run([SYSTEM_PYTHON, "-m", "venv", str(pipx_venv)])
        _run([str(pipx_venv / "bin" / "pip"), "install", "-q", "--no-input", "pipx"])
    pipx_env = {"PIPX_HOME": str(user.home / "pipx"), "PIPX_BIN_DIR": str(user.home / "bin")}
    pipx = [str(pipx_venv / "bin" / "pipx"), "install", "--python", SYSTEM_PYTHON]
    res = _as_user(box, user, [*pipx, str(installed.wheel)], **pipx_env)
    assert res.returncode == 0, (res.stdout, res.stderr)
    cmd = str(user.home / "bin" / "mailq-tui")
    res = _as_user(box, user, [cmd, "--version"])
    assert res.stdout == f"mailq-tui {mailq_tui.__version__}\n", res
    res = _as_user(box, user, [cmd, "ls", "--ids", "-c", box.config_dir])
    assert res.returncode == 0 and len(res.stdout.split()) >= 2, res


#: sudo mails root through /usr/sbin/sendmail when it refuses someone: the refused attempt of
#: the test must not drop mail into the machine's default Postfix instance.
SUDO_NO_MAIL = "Defaults:{user} !mail_no_user, !mail_no_host, !mail_no_perms, !mail_badpass\n"

MAILDROP = Path("/var/spool/postfix/maildrop")


@contextlib.contextmanager
def _sudoers_d(name: str, text: str) -> Iterator[Path]:
    """``text`` as /etc/sudoers.d/NAME (checked by ``visudo -c -f`` before it goes there),
    removed afterwards."""
    staged = Path(tempfile.mkdtemp(prefix="mqt-sudoers-")) / name
    target = Path("/etc/sudoers.d") / name
    try:
        staged.write_text(text)
        _run(["visudo", "-c", "-f", str(staged)])
        shutil.copy(staged, target)
        os.chmod(target, 0o440)
        yield target
    finally:
        target.unlink(missing_ok=True)
        shutil.rmtree(staged.parent, ignore_errors=True)


@pytest.fixture
def sudo_for(user: User) -> Iterator[Callable[[str], object]]:
    """sudo set up for ``user``, with no mail about refusals; call it with a sudoers text
    (``{group}`` is the user's administrators' group) to install that as a rule file."""
    if shutil.which("sudo") is None or shutil.which("visudo", path="/usr/sbin:/sbin") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("sudo is not installed (scripts/setup.sh --dev installs it)")
        pytest.skip("sudo is not installed (scripts/setup.sh --dev installs it)")
    assert grp.getgrnam(user.group)
    dropped = set(MAILDROP.iterdir()) if MAILDROP.is_dir() else set()
    with contextlib.ExitStack() as files:
        files.enter_context(
            _sudoers_d(f"mailq-tui-test-{user.name}-nomail", SUDO_NO_MAIL.format(user=user.name))
        )

        def install_rule(text: str) -> object:
            return files.enter_context(
                _sudoers_d(f"mailq-tui-test-{user.name}", text.format(group=user.group))
            )

        yield install_rule
    if MAILDROP.is_dir():
        assert set(MAILDROP.iterdir()) == dropped, "sudo mailed the default Postfix instance"


def test_sudoers_rule_lets_the_user_hold_with_sudo(
    installed: Installed,
    user: User,
    make_sandbox: Callable[..., Sandbox],
    sudo_for: Callable[[str], object],
) -> None:
    """The README's sudoers rule (validated by ``visudo -c -f``) is what lets ``--sudo``
    hold a message: refused without it, done with it."""
    box = make_sandbox(count=3)
    cmd = installed.command
    [victim, *_] = sorted(m.queue_id for m in box.listing() if m.queue_name == "deferred")
    hold = [cmd, "-c", box.config_dir, "--sudo", "hold", "--yes", f"id:{victim}"]

    refused = _as_user(box, user, hold)  # no rule yet: sudo refuses, nothing is held
    assert refused.returncode != 0, refused
    assert {m.queue_id: m.queue_name for m in box.listing()}[victim] == "deferred"

    sudo_for(SUDOERS_RULE)
    privileges = _as_user(box, user, [cmd, "-c", box.config_dir, "--sudo", "privileges"])
    lines = privileges.stdout.splitlines()
    assert any(line.split()[:2] == ["postsuper", "yes"] for line in lines), privileges
    assert any(line.split()[:2] == ["postcat", "yes"] for line in lines), privileges
    res = _as_user(box, user, hold)
    assert res.returncode == 0, (res.stdout, res.stderr)
    assert {m.queue_id: m.queue_name for m in box.listing()}[victim] == "hold"
    audit = user.home / ".local" / "state" / "mailq-tui" / "audit.log"
    assert '"hold"' in audit.read_text() and victim in audit.read_text()
