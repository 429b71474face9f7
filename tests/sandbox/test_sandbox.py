"""The sandbox itself: a real isolated Postfix with every kind of stuck mail, non-root access
through the private mount namespace, and a teardown that leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
import pwd
import smtplib
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import psutil
import pytest

from mailq_tui.model.message import Message
from mailq_tui.sandbox.instance import (
    POSTQUEUE,
    POSTSUPER,
    Sandbox,
    create_system_user,
    remove_system_user,
)
from mailq_tui.sandbox.populate import DOMAINS, REASON_TEXT, SENDER_DOMAINS, PopulateResult
from mailq_tui.sandbox.upstream import Upstream
from tests.conftest import require_sandbox

pytestmark = pytest.mark.sandbox


def _domain(address: str) -> str:
    return address.rpartition("@")[2]


@pytest.fixture(scope="module")
def listing(sandbox: Sandbox) -> list[Message]:
    return sandbox.listing()


@pytest.mark.parametrize("kind", sorted(REASON_TEXT))
def test_every_reason_kind_is_really_queued(listing: list[Message], kind: str) -> None:
    domains = set(DOMAINS[kind])
    reasons = [
        r.delay_reason
        for m in listing
        for r in m.recipients
        if _domain(r.address) in domains and r.delay_reason
    ]
    assert reasons, f"no {kind} recipient with a reason"
    assert any(REASON_TEXT[kind] in reason for reason in reasons), reasons[:5]


def test_reason_texts_are_the_upstream_ones(listing: list[Message]) -> None:
    reasons = {r.delay_reason for m in listing for r in m.recipients}
    joined = "\n".join(reasons)
    assert "Recipient address rejected: too many connections from your IP" in joined
    assert "421 4.7.0 mx.example.net Service unavailable - try again later" in joined
    assert "451 4.7.1 Greylisted, please try again in 300 seconds" in joined
    assert "Connection refused" in joined
    assert "deferred transport" in reasons


def test_bounces_from_the_null_sender_stay_queued(listing: list[Message]) -> None:
    bounces = [
        m
        for m in listing
        if m.is_null_sender and all(_domain(r.address) in SENDER_DOMAINS for r in m.recipients)
    ]
    assert bounces, "no bounce (null sender to a sender's domain) queued"
    assert any("Greylisted" in m.first_reason for m in bounces)


def test_hold_utf8_quoted_sizes_and_big_recipient_lists(
    listing: list[Message], sandbox_populated: tuple[Sandbox, PopulateResult]
) -> None:
    result = sandbox_populated[1]
    assert result.injected == 300
    held = [m for m in listing if m.queue_name == "hold"]
    assert held and len(held) <= result.held
    assert any(not m.sender.isascii() for m in listing), "no UTF-8 sender"
    assert any(not r.address.isascii() for m in listing for r in m.recipients)
    assert any('"john doe"@' in m.sender for m in listing), "no quoted local part sender"
    assert any('"john doe"@' in r.address for m in listing for r in m.recipients)
    assert any(m.sender == "MAILER-DAEMON" for m in listing)
    sizes = [m.message_size for m in listing]
    assert min(sizes) < 1000 and max(sizes) > 1_000_000
    assert any(len(m.recipients) >= 100 for m in listing)


def test_some_mail_is_in_active(listing: list[Message]) -> None:
    active = [m for m in listing if m.queue_name in ("active", "incoming")]
    assert active, "nothing in active/incoming"
    assert any(_domain(r.address) in DOMAINS["tarpit"] for m in active for r in m.recipients)


def test_transport_map_pins_every_destination_to_loopback(sandbox: Sandbox) -> None:
    transport = Path(sandbox.config_dir, "transport").read_text().splitlines()
    assert transport and all(":[127.0.0.1]:" in line for line in transport)
    assert any(line.startswith("* ") for line in transport)
    res = subprocess.run(
        ["postconf", "-c", sandbox.config_dir, "-h", "inet_interfaces", "mydestination"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert res.stdout.split("\n")[:2] == ["loopback-only", ""]
    master = Path(sandbox.config_dir, "master.cf").read_text()
    assert f"127.0.0.1:{sandbox.smtp_port} inet" in master
    assert "\nsmtp      inet" not in master and sandbox.smtp_port != 25


def test_upstream_answers_per_domain(upstream: Upstream) -> None:
    with smtplib.SMTP("127.0.0.1", upstream.ports["rules"], timeout=10) as s:
        s.ehlo()
        assert s.has_extn("smtputf8") and s.has_extn("pipelining")
        s.mail("a@shop.example")
        code, text = s.rcpt("x@bigmail.example.com")
        assert code == 450 and b"too many connections" in text
        code, text = s.rcpt("x@gone.example.org")
        assert code == 550 and b"user unknown" in text
        code, text = s.rcpt("x@grey.example.org")
        assert code == 451 and b"Greylisted" in text
    with pytest.raises(smtplib.SMTPConnectError) as exc:
        smtplib.SMTP("127.0.0.1", upstream.ports["greet421"], timeout=10)
    assert exc.value.smtp_code == 421


@pytest.fixture
def plain_user() -> Iterator[str]:
    user = create_system_user()
    try:
        yield user.pw_name
    finally:
        remove_system_user(user.pw_name)


def _sha(path: str) -> str:
    """The file's digest, or "absent": a Debian install with "No configuration" has no
    /etc/postfix/main.cf, and the sandbox must not create one either."""
    file = Path(path)
    return hashlib.sha256(file.read_bytes()).hexdigest() if file.exists() else "absent"


def test_run_as_non_root_lists_but_postsuper_is_refused(
    sandbox: Sandbox, listing: list[Message], plain_user: str
) -> None:
    before = _sha("/etc/postfix/main.cf")
    # Without the private namespace the non-default config dir is not authorized (it must be
    # listed in the default main.cf, which a "No configuration" install does not even have).
    res = subprocess.run(
        [
            *("setpriv", f"--reuid={plain_user}", f"--regid={plain_user}", "--init-groups"),
            *("--", POSTQUEUE, "-c", sandbox.config_dir, "-j"),
        ],
        capture_output=True,
        text=True,
    )
    refused = ("unauthorized", "open file /etc/postfix/main.cf: No such file")
    assert res.returncode != 0 and any(why in res.stderr for why in refused), res.stderr
    res = sandbox.run_as(plain_user, [POSTQUEUE, "-c", sandbox.config_dir, "-j"])
    assert res.returncode == 0, res.stderr
    assert len(res.stdout.splitlines()) >= len(listing) - 50
    res = sandbox.run_as(plain_user, ["id", "-u"])
    assert res.stdout.strip() != "0"
    res = sandbox.run_as(plain_user, [POSTSUPER, "-c", sandbox.config_dir, "-d", "ALL"])
    assert res.returncode == 1 and "reserved for the superuser" in res.stderr
    assert _sha("/etc/postfix/main.cf") == before
    assert len(sandbox.listing()) >= len(listing) - 50


def _processes_under(root: Path) -> list[int]:
    found = []
    for proc in psutil.process_iter(["pid", "cwd", "cmdline"]):
        cwd = proc.info.get("cwd") or ""
        cmd = " ".join(proc.info.get("cmdline") or [])
        if cwd.startswith(str(root)) or str(root) in cmd:
            found.append(proc.pid)
    return found


def test_stop_leaves_no_process_and_destroy_removes_everything(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    box = make_sandbox(count=30)
    procs = box.processes()
    names = {p.name() for p in procs}
    assert {"master", "qmgr", "pickup"} <= names, names
    pids = [p.pid for p in procs]
    assert set(pids) <= set(_processes_under(box.root)) | {pids[0]}
    box.stop()
    assert not [pid for pid in pids if psutil.pid_exists(pid) and _alive(pid)]
    assert not box.processes() and not _processes_under(box.root)
    box.stop()  # idempotent
    box.destroy()
    assert not box.root.exists()
    box.destroy()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_stop_kills_leftovers_of_a_dead_master(make_sandbox: Callable[..., Sandbox]) -> None:
    box = make_sandbox()
    master = psutil.Process(int(Path(box.queue_dir, "pid", "master.pid").read_text().split()[0]))
    children = master.children()
    assert children
    os.kill(master.pid, 9)  # children are orphaned but still run in the queue dir
    psutil.wait_procs([master], timeout=5)
    box.stop()
    assert not [c.pid for c in children if _alive(c.pid)]
    assert not _processes_under(box.root)


def test_context_manager_and_default_instance_untouched(upstream: Upstream) -> None:
    before = _sha("/etc/postfix/main.cf")
    spool = os.stat("/var/spool/postfix").st_mtime if os.path.exists("/var/spool/postfix") else 0
    with Sandbox() as box:
        with smtplib.SMTP("127.0.0.1", box.smtp_port, timeout=10) as s:
            s.sendmail("a@shop.example", ["b@acme-corp.example"], b"Subject: x\r\n\r\nx\r\n")
        root = box.root
        assert Path(box.maillog).stat().st_uid != 0
    assert not root.exists() and not _processes_under(root)
    assert _sha("/etc/postfix/main.cf") == before
    if spool:
        assert os.stat("/var/spool/postfix").st_mtime == spool


def test_a_throwaway_user_is_removed_even_with_a_process_left() -> None:
    """userdel refuses while the user runs something: the user's processes go first, so no
    throwaway user is left behind (they used to pile up until the system uids ran out)."""
    require_sandbox()
    user = create_system_user()
    sleeper = subprocess.Popen(
        [
            "setpriv",
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--clear-groups",
            "sh",
            "-c",
            "echo ready; exec sleep 600",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sleeper.stdout is not None
    assert sleeper.stdout.readline() == "ready\n"  # it runs as the user now
    try:
        remove_system_user(user.pw_name)
        sleeper.wait(timeout=30)  # killed (psutil may have reaped it: no status to check)
        assert not any(proc.uids().real == user.pw_uid for proc in psutil.process_iter())
        with pytest.raises(KeyError):
            pwd.getpwnam(user.pw_name)
        remove_system_user(user.pw_name)  # already gone: no error
    finally:
        sleeper.kill()
