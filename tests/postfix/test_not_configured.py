"""An instance without main.cf (a Debian "No configuration" install, or a wrong ``-c DIR``):
every path says so with Postfix's own words and what to do, and nothing claims Postfix is
"down". Real Postfix tools on a ``-c`` naming an empty temp dir or a missing one; the
machine's default instance is never used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mailq_tui.cli import main
from mailq_tui.engine import QueueEngine
from mailq_tui.postfix.commands import PostfixError
from mailq_tui.ui.app import MailqApp
from mailq_tui.ui.screens.queue import QueueScreen
from mailq_tui.ui.widgets.status import StatusBar
from tests.conftest import require_sandbox
from tests.pilot import settle

pytestmark = pytest.mark.sandbox


@pytest.fixture(params=["empty", "missing"])
def config_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(a -c DIR without main.cf, the advice expected for it)."""
    require_sandbox()
    if request.param == "empty":
        yield str(tmp_path), f"Postfix is not configured in {tmp_path}"
    else:
        yield str(tmp_path / "no-such-dir"), f"no Postfix configuration directory {tmp_path}/"


def _postfix_words(config_dir: str) -> str:
    return f"open {config_dir}/main.cf: No such file or directory"


@pytest.mark.parametrize("command", [["ls"], ["hold", "queue:hold", "--dry-run"]])
def test_cli_says_why_and_what_to_do(
    config_dir: tuple[str, str], command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    directory, advice = config_dir
    assert main(["-c", directory, *command]) == 1
    err = capsys.readouterr().err
    assert advice in err and _postfix_words(directory) in err and "-c DIR" in err
    assert "could not find a file" not in err


def test_cli_privileges_and_flush_say_why(
    config_dir: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory, advice = config_dir
    assert main(["-c", directory, "privileges"]) == 0
    assert capsys.readouterr().out.count(advice) == 2  # list and flush
    assert main(["-c", directory, "flush"]) == 1
    assert advice in capsys.readouterr().out


async def test_engine_errors_and_health(config_dir: tuple[str, str], tmp_path: Path) -> None:
    directory, advice = config_dir
    engine = QueueEngine(directory, audit_log=tmp_path / "audit.log")
    with pytest.raises(PostfixError) as caught:
        await engine.snapshot()
    assert caught.value.not_configured and advice in caught.value.message
    assert _postfix_words(directory) in caught.value.message
    health = await engine.health()
    assert not health.configured and not health.running
    assert advice in health.summary() and "NOT running" not in health.summary()


async def test_the_app_shows_the_reason_not_a_permanent_reading_the_queue(
    config_dir: tuple[str, str], tmp_path: Path
) -> None:
    directory, advice = config_dir
    app = MailqApp(QueueEngine(directory, audit_log=tmp_path / "audit.log"), refresh_interval=0)
    async with app.run_test(size=(200, 30), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        status = str(screen.query_one(StatusBar).render())
        assert "reading the queue" not in status
        assert "POSTFIX NOT CONFIGURED" in status and "POSTFIX DOWN" not in status
        assert f"listing failed: postqueue: {advice}" in status
        toasts = [str(n.message) for n in app._notifications]
        assert any(_postfix_words(directory) in t and "-c DIR" in t for t in toasts)
