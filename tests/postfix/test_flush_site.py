"""A site flush on a real, isolated Postfix: the CLI and the app flush the same messages — the
deferred mail with a recipient at exactly the site — and say so before they do."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from mailq_tui.cli import main
from mailq_tui.engine import QueueEngine
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.confirm import ConfirmScreen
from tests.pilot import settle
from tests.postfix.conftest import Instance

pytestmark = pytest.mark.sandbox

COVERED = "3 deferred messages with a recipient at remote.test"


@pytest.fixture
def site_queue(pf: Instance) -> tuple[Instance, set[str]]:
    """Mail for remote.test, its subdomain, another site and on hold; and the ids a flush of
    remote.test covers."""
    pf.send("alice@sender.test", ["r@remote.test"], n=2)
    pf.send("alice@sender.test", ["r@other.test", "s@Remote.Test"])
    pf.send("alice@sender.test", ["r@sub.remote.test"])
    pf.send("alice@sender.test", ["h@remote.test"])
    listing = pf.wait_deferred(5)
    first = {m.recipients[0].address: m.queue_id for m in listing}
    pf.sandbox.postsuper("-h", first["h@remote.test"])
    covered = {m.queue_id for m in listing} - {first["h@remote.test"], first["r@sub.remote.test"]}
    return pf, covered


def audited_ids(path: Path) -> list[str]:
    (record,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert record["action"] == "flush-site" and record["site"] == "remote.test"
    return sorted(record["requested_ids"])


def test_cli_flush_site_covers_deferred_mail_at_exactly_the_site(
    site_queue: tuple[Instance, set[str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pf, covered = site_queue
    audit = tmp_path / "audit.log"
    monkeypatch.setenv("MAILQ_TUI_AUDIT_LOG", str(audit))
    code = main(["-c", pf.config_dir, "flush", "--site", "remote.test", "--dry-run"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0] == f"dry run: would flush remote.test (postqueue -s): {COVERED}"
    assert set(lines[1:]) == covered and not audit.exists()

    code = main(["-c", pf.config_dir, "flush", "--site", "remote.test"])
    said = capsys.readouterr()
    assert code == 0 and f"flush remote.test: {COVERED}" in said.err
    assert said.out.startswith(
        "Flushed 3 deferred messages for remote.test (queued for immediate delivery); fast "
        "flush is not configured for remote.test (postqueue -s refused), so its messages were "
        "flushed one by one with postqueue -i\n"
    )
    assert audited_ids(audit) == sorted(covered)
    assert sum(m.queue_name == "hold" for m in pf.listing()) == 1

    code = main(["-c", pf.config_dir, "flush", "--site", "remote.test;x"])
    assert code == 2 and "not a destination postqueue -s accepts" in capsys.readouterr().err


def test_cli_and_app_flush_the_same_messages(
    site_queue: tuple[Instance, set[str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    pf, covered = site_queue
    code = main(["-c", pf.config_dir, "flush", "--site", "remote.test", "--dry-run"])
    cli_ids = sorted(capsys.readouterr().out.splitlines()[1:])
    assert code == 0 and set(cli_ids) == covered

    audit = tmp_path / "app-audit.log"
    one = next(m for m in pf.listing() if m.recipients[0].address == "r@remote.test")
    asyncio.run(flush_site_in_the_app(QueueEngine(pf.config_dir, audit_log=audit), one.queue_id))
    assert audited_ids(audit) == cli_ids


async def flush_site_in_the_app(engine: QueueEngine, queue_id: str) -> None:
    """Filter the app down to ``queue_id`` (a message for remote.test), press ``t`` and confirm:
    the flush still covers the site's whole deferred mail, not just what the filter shows."""
    app = MailqApp(engine, refresh_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *queue_id, "enter")
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert COVERED in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("y")
        await settle(pilot)
