"""The config file on the command line: its values are the global options' defaults, in the
order command line > user file > site file > built-in default, and a bad file is a one-line
usage error (exit 2) for every command and for the app, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailq_tui import config as config_module
from mailq_tui.cli import main, parse_with_config

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(site file, user file), both in tmp_path, read as the real ones would be."""
    site = tmp_path / "etc" / "config.toml"
    user = tmp_path / "xdg" / "mailq-tui" / "config.toml"
    site.parent.mkdir(parents=True)
    user.parent.mkdir(parents=True)
    monkeypatch.setattr(config_module, "SITE_CONFIG", site)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MAILQ_TUI_CONFIG")
    return site, user


def globals_of(*argv: str) -> tuple[object, object, object]:
    args = parse_with_config(list(argv))
    return args.config_dir, args.sudo, args.refresh


@pytest.mark.parametrize("command", [[], ["ls"], ["hold", "to:x"]], ids=["app", "ls", "hold"])
def test_each_step_of_the_precedence(files: tuple[Path, Path], command: list[str]) -> None:
    site, user = files
    # Built-in defaults.
    assert globals_of(*command) == (None, False, 3.0)
    # The site file.
    site.write_text('config_dir = "/srv/site"\nsudo = true\nrefresh = 7\n')
    assert globals_of(*command) == ("/srv/site", True, 7.0)
    # The user file, key by key over the site file.
    user.write_text('config_dir = "/srv/user"\nrefresh = 5\n')
    assert globals_of(*command) == ("/srv/user", True, 5.0)
    # The command line, before the command...
    before = ["-c", "/srv/cli", "--no-sudo", "--refresh", "2"]
    assert globals_of(*before, *command) == ("/srv/cli", False, 2.0)
    # ... or after it; after wins over before.
    assert globals_of(*command, *before) == ("/srv/cli", False, 2.0)
    assert globals_of("--refresh", "1", *command, "--refresh", "9") == ("/srv/user", True, 9.0)
    # Only what is given on the command line replaces the files' values.
    assert globals_of(*command, "--refresh", "4") == ("/srv/user", True, 4.0)


def test_sudo_from_the_command_line_over_a_file_saying_false(files: tuple[Path, Path]) -> None:
    site, user = files
    site.write_text("sudo = true\n")
    user.write_text("sudo = false\n")
    assert globals_of("ls")[1] is False
    assert globals_of("ls", "--sudo")[1] is True


def test_the_settings_without_an_option_reach_the_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.toml"
    path.write_text('theme = "nord"\ncolumns = ["age"]\n[filters]\nold = "age:>1d"\n')
    monkeypatch.setenv("MAILQ_TUI_CONFIG", str(path))
    args = parse_with_config(["ls", "@old"])
    assert (args.theme, args.columns, dict(args.saved_filters)) == (
        "nord",
        ("age",),
        {"old": "age:>1d"},
    )
    bare = tmp_path / "bare.toml"
    bare.write_text("")
    monkeypatch.setenv("MAILQ_TUI_CONFIG", str(bare))
    args = parse_with_config([])
    assert (args.theme, args.columns, dict(args.saved_filters)) == (None, None, {})


BAD = 'sudo = true\n\n[filters]\nstuck = "age:>2h"\nbroken = "domain:"\n'


@pytest.fixture
def bad_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(BAD)
    monkeypatch.setenv("MAILQ_TUI_CONFIG", str(path))
    return path


EXPECTED = "filters: broken: domain: expected a value after the colon (at column 8 of the query)"


@pytest.mark.parametrize(
    "argv", [[], ["ls"], ["delete", "--all", "--yes"], ["demo"], ["flush", "--dry-run"]]
)
def test_a_bad_config_is_a_usage_error_with_file_and_line(
    bad_config: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"mailq-tui: {bad_config}:5: {EXPECTED}\n"
    assert captured.out == ""


def test_help_and_version_need_no_readable_config(
    bad_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["--help"], ["ls", "--help"], ["--version"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 0
    assert "mailq-tui" in capsys.readouterr().out


def run_module(*args: str, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailq_tui", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), "MAILQ_TUI_CONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("argv", [[], ["ls"]], ids=["app", "ls"])
def test_a_toml_syntax_error_is_one_line_without_a_traceback(
    tmp_path: Path, argv: list[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('sudo = true\nrefresh = 3\n\n[filters]\nstuck = "age:>2h\n')
    done = run_module(*argv, config=path)
    assert done.returncode == 2
    assert done.stderr == (
        f"mailq-tui: {path}:5: TOML syntax: Illegal character '\\n' (column 17)\n"
    )
    assert done.stdout == ""
