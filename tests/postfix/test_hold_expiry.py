"""Held mail does not expire until released (postsuper(1)); released past its queue lifetime,
it expires at once. Checked on a real sandbox with a 1-second maximal_queue_lifetime, where mail
to hold.test is put on hold as it arrives (an access map's HOLD action), and through the CLI
that must warn before such a release."""

from __future__ import annotations

import smtplib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailq_tui.cli import main
from mailq_tui.model.message import Message
from mailq_tui.sandbox.instance import Sandbox
from tests.conftest import require_sandbox

pytestmark = pytest.mark.sandbox


@pytest.fixture
def short_lived(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A sandbox whose queue lifetimes are 1 s and which holds mail for hold.test on arrival."""
    require_sandbox()
    monkeypatch.setenv("MAILQ_TUI_AUDIT_LOG", str(tmp_path / "audit.log"))
    box = Sandbox(
        main_cf={
            "maximal_queue_lifetime": "1s",
            "bounce_queue_lifetime": "1s",
            "smtpd_recipient_restrictions": (
                "check_recipient_access texthash:${config_directory}/held, "
                "permit_mynetworks, reject"
            ),
        }
    )
    try:
        box.create()
        Path(box.config_dir, "held").write_text("hold.test HOLD\n")
        box.start()
        yield box
    finally:
        box.destroy()


def _held_past_lifetime(box: Sandbox, count: int) -> list[Message]:
    with smtplib.SMTP("127.0.0.1", box.smtp_port, timeout=30) as smtp:
        for i in range(count):
            smtp.sendmail("alice@sender.test", [f"u{i}@hold.test"], b"Subject: x\r\n\r\nx\r\n")
    deadline = time.monotonic() + 30
    while True:
        held = [m for m in box.listing() if m.queue_name == "hold"]
        if len(held) == count:
            break
        assert time.monotonic() < deadline, box.listing()
        time.sleep(0.1)
    # Arrival times are whole seconds: wait for the lifetime (1 s) to be over for all.
    while time.time() < max(m.arrival_time for m in held) + 1:
        time.sleep(0.1)
    return held


def test_release_dry_run_warns_that_held_mail_past_its_lifetime_expires_at_once(
    short_lived: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    held = _held_past_lifetime(short_lived, 2)
    # Every message of this queue is held: selecting them all needs --all.
    code = main(["-c", short_lived.config_dir, "release", "queue:hold", "--all", "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0 and "would release 2 messages" in out
    assert "both messages have been queued longer than maximal_queue_lifetime (1s)" in err
    assert "requeue instead of releasing (postsuper -r)" in err
    assert set(out.split()) >= {m.queue_id for m in held}  # the ids stay clean on stdout
    code = main(["-c", short_lived.config_dir, "requeue", "queue:hold", "--all", "--dry-run"])
    assert code == 0 and "queued longer" not in capsys.readouterr().err


def test_released_held_mail_past_its_lifetime_really_expires_at_once(
    short_lived: Sandbox,
) -> None:
    """What the warning claims, on Postfix itself: released, the message is tried once and
    returned to the sender (a bounce from MAILER-DAEMON takes its place)."""
    (msg,) = _held_past_lifetime(short_lived, 1)
    assert "released from hold" in short_lived.postsuper("-H", msg.queue_id).stderr
    subprocess.run(
        ["postqueue", "-c", short_lived.config_dir, "-i", msg.queue_id], check=True, timeout=30
    )
    deadline = time.monotonic() + 60
    while any(m.queue_id == msg.queue_id for m in short_lived.listing()):
        assert time.monotonic() < deadline, short_lived.listing()
        time.sleep(0.2)
    log = Path(short_lived.maillog).read_text()
    assert f"{msg.queue_id}: from=<alice@sender.test>, status=expired, returned to sender" in log
