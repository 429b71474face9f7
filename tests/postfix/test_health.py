"""read_health and QueueEngine.health against real, isolated Postfix instances (root), also as
a real non-root user. Never touches the default instance (/etc/postfix, /var/spool/postfix):
every queue directory here is a sandbox's."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import sysconfig
import time
from typing import Callable, Optional

import pytest

from mailq_tui.engine import QueueEngine
from mailq_tui.postfix.health import Health, read_health
from mailq_tui.sandbox.instance import Sandbox
from tests.postfix.conftest import Instance

pytestmark = pytest.mark.sandbox

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: Prints read_health(argv[1]) as JSON (run as another user).
AS_JSON = (
    "import dataclasses, json, sys; from mailq_tui.postfix.health import read_health; "
    "print(json.dumps(dataclasses.asdict(read_health(sys.argv[1]))))"
)


def assert_running(h: Health, box: Sandbox) -> None:
    assert h.running and h.certain and h.problem == "", h
    assert h.master_pid is not None and h.master_pid == box._master_pid()
    assert {"qmgr", "pickup"} <= set(h.services), h.services
    assert all(n >= 1 for n in h.services.values())
    assert list(h.services) == sorted(h.services)
    up = h.uptime()
    assert up is not None and up > 0
    assert h.summary().startswith(f"master {h.master_pid} up ")


def test_running_sandbox(pf: Instance) -> None:
    started = time.perf_counter()
    h = read_health(pf.sandbox.queue_dir)
    elapsed = time.perf_counter() - started
    assert_running(h, pf.sandbox)
    assert elapsed < 0.5  # the pid file path: no scan of every process
    # The sandbox's smtpd service is named after its listen address in master.cf.
    assert h.services.get(f"127.0.0.1:{pf.smtp_port}", 0) >= 1


async def test_engine_health_agrees(pf: Instance) -> None:
    h = await QueueEngine(config_dir=pf.config_dir).health()
    assert_running(h, pf.sandbox)
    assert h.master_pid == read_health(pf.sandbox.queue_dir).master_pid


def _python_for(prefix: list[str]) -> Optional[tuple[list[str], dict[str, str]]]:
    """A Python command the user behind ``prefix`` can run with this package importable: the
    venv's own interpreter when its files are readable to them, else the system python3 of the
    same version with the venv's site-packages and the repository on PYTHONPATH."""
    env = dict(os.environ)
    site = sysconfig.get_paths()["purelib"]
    candidates: list[tuple[list[str], dict[str, str]]] = [
        ([sys.executable], env),
        (["/usr/bin/python3"], {**env, "PYTHONPATH": f"{site}:{REPO}"}),
    ]
    for argv, cand_env in candidates:
        probe = subprocess.run(
            [
                *prefix,
                *argv,
                "-c",
                "import sys, mailq_tui.postfix.health; print(sys.version_info[:2])",
            ],
            capture_output=True,
            text=True,
            env=cand_env,
            cwd="/",
            timeout=60,
        )
        if probe.returncode == 0 and probe.stdout.strip() == str(sys.version_info[:2]):
            return argv, cand_env
    return None


def read_health_as(
    box: Sandbox, prefix: list[str], python: tuple[list[str], dict[str, str]]
) -> Health:
    argv, env = python
    res = subprocess.run(
        [*prefix, *argv, "-c", AS_JSON, box.queue_dir],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    data["load"] = tuple(data["load"])
    return Health(**data)


@pytest.fixture
def as_user(
    pf_instance: Instance, unprivileged_user: pwd.struct_passwd
) -> tuple[list[str], tuple[list[str], dict[str, str]]]:
    prefix = pf_instance.run_as_prefix(unprivileged_user)
    python = _python_for(prefix)
    if python is None:
        pytest.skip(f"{unprivileged_user.pw_name} cannot run a Python that imports mailq_tui")
    return prefix, python


def test_running_sandbox_as_unprivileged_user(
    pf: Instance, as_user: tuple[list[str], tuple[list[str], dict[str, str]]]
) -> None:
    """master.pid is 0600 root, so a non-root user cannot read it; the master's lock on it in
    /proc/locks still names the master, and its children's command lines are readable."""
    prefix, python = as_user
    pid_file = os.path.join(pf.sandbox.queue_dir, "pid", "master.pid")
    assert os.stat(pid_file).st_mode & 0o077 == 0  # what makes this test interesting
    h = read_health_as(pf.sandbox, prefix, python)
    assert_running(h, pf.sandbox)
    assert h.services == read_health(pf.sandbox.queue_dir).services


async def test_stopped_instance(
    make_sandbox: Callable[..., Sandbox],
    unprivileged_user: pwd.struct_passwd,
) -> None:
    """An instance of its own (the shared ones stay up): running, stopped, started again."""
    box = make_sandbox()
    assert_running(read_health(box.queue_dir), box)
    first_pid = box._master_pid()
    prefix = box.run_as_prefix(unprivileged_user)
    python = _python_for(prefix)

    box.stop()
    assert not box.is_running()
    h = read_health(box.queue_dir)
    assert not h.running and h.certain and h.master_pid is None and h.services == {}
    assert h.problem.endswith(": Postfix is not running"), h.problem
    assert h.summary().startswith("Postfix is NOT running: ")
    assert h.summary().endswith(" — flush will not work")
    engine = await QueueEngine(config_dir=box.config_dir).health()
    assert not engine.running and engine.problem == h.problem
    if python is not None:  # None: see test_running_sandbox_as_unprivileged_user's skip
        # Non-root: the pid file (if Postfix left it) is unreadable, but nothing holds its lock.
        as_h = read_health_as(box, prefix, python)
        assert not as_h.running and as_h.certain, as_h
        assert as_h.problem.endswith(": Postfix is not running"), as_h.problem

    box.start()
    h = read_health(box.queue_dir)
    assert_running(h, box)
    assert h.master_pid != first_pid
