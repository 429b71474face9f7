"""Saved filters of the config file against a real Postfix: ``ls @name`` selects what the
expanded query selects, an action on ``@name`` obeys the whole-queue ``--all`` rule, an
unknown ``@name`` acts on nothing; and a bad config stops the app on a real terminal with
one line, exit 2, no traceback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from mailq_tui.cli import main
from mailq_tui.sandbox.instance import Sandbox
from tests.postfix.conftest import Instance
from tests.postfix.pty_app import PtyApp

pytestmark = pytest.mark.sandbox

CONFIG = """\
[filters]
grey = "reason:/greylist/"
grey-org = "@grey domain:example.org"
gmail = "domain:gmail.com"
"""


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("MAILQ_TUI_CONFIG", str(path))
    monkeypatch.setenv("MAILQ_TUI_AUDIT_LOG", str(tmp_path / "audit.log"))
    return path


def ids(capsys: pytest.CaptureFixture[str], config_dir: str, *query: str) -> set[str]:
    assert main(["ls", "-c", config_dir, "--ids", *query]) == 0
    return set(capsys.readouterr().out.split())


def test_ls_at_name_selects_what_the_expanded_query_selects(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    every = ids(capsys, sandbox.config_dir)
    saved = ids(capsys, sandbox.config_dir, "--", "@grey-org", "-from:<>")
    typed = ids(capsys, sandbox.config_dir, "reason:/greylist/ domain:example.org -from:<>")
    assert saved == typed
    assert 0 < len(saved) < len(every)
    # One shell word or several, as for any query.
    assert ids(capsys, sandbox.config_dir, "@grey-org -from:<>") == saved


def test_an_unknown_name_is_an_error_naming_the_saved_filters(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ls", "-c", sandbox.config_dir, "@gery"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unknown saved filter @gery (saved: @gmail, @grey, @grey-org;" in captured.err


def test_an_action_on_at_name_follows_the_all_rule(
    pf: Instance, capsys: pytest.CaptureFixture[str]
) -> None:
    pf.send("alice@example.org", ["u1@gmail.com"], n=3)
    pf.wait_deferred(3)
    # @gmail selects the whole queue: refused without --all, nothing held.
    assert main(["hold", "-c", pf.config_dir, "--yes", "@gmail"]) == 2
    captured = capsys.readouterr()
    assert "Query: domain:gmail.com\n" in captured.err  # how @gmail was read
    assert "pass --all if you mean the whole queue" in captured.err
    assert not [m for m in pf.listing() if m.queue_name == "hold"]
    # An unknown name acts on nothing, even with --all.
    assert main(["hold", "-c", pf.config_dir, "--yes", "--all", "@gmial"]) == 2
    assert not [m for m in pf.listing() if m.queue_name == "hold"]
    # With --all it acts.
    assert main(["hold", "-c", pf.config_dir, "--yes", "--all", "@gmail"]) == 0
    assert [m.queue_name for m in pf.listing()] == ["hold"] * 3


def test_a_bad_config_stops_the_app_on_a_terminal_with_one_line(config: Path) -> None:
    config.write_text('sudo = true\ntheme = "no-such-theme"\n')
    env = dict(os.environ, TERM="xterm-256color")
    app = PtyApp([sys.executable, "-m", "mailq_tui", "--refresh", "0"], env)
    try:
        assert app.wait_exit() == 2
    finally:
        app.kill()
    output = bytes(app.output).decode()
    assert output.startswith(f"mailq-tui: {config}:2: theme: expected one of ")
    assert "got 'no-such-theme'" in output and "textual-dark" in output
    assert output.count("\n") == 1 and "Traceback" not in output
