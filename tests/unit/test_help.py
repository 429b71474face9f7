"""Help where the user is: ``mailq-tui help query`` explains every field of the parser,
``mailq-tui help`` lists the topics and commands, and ``--help`` says what no command does,
lists the exit codes and sends nobody to a README that is not installed."""

from __future__ import annotations

import argparse
import shlex
import subprocess
from pathlib import Path

import pytest

from mailq_tui import query_help
from mailq_tui.cli import build_parser, main
from mailq_tui.cli_commands import read_query
from mailq_tui.config import CONFIG_ENV
from mailq_tui.model.query import FIELDS, RECIPIENT_FIELDS, REGEX_FIELDS
from mailq_tui.reports import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def _printed(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_help_query_explains_every_field_and_alias(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _printed(capsys, "help", "query")
    assert code == EXIT_OK
    for alias in FIELDS:
        assert f"\n  {alias}:" in out or f", {alias}:" in out, alias
    fields = {entry.term.split(":")[0]: entry for entry in query_help.field_entries()}
    assert set(fields) == set(FIELDS.values())
    for name, entry in fields.items():
        assert ("/regex/" in entry.meaning) == (name in REGEX_FIELDS), name
        assert ("per recipient" in entry.meaning) == (name in RECIPIENT_FIELDS), name
    for words in ("RECIPIENTS", "same recipient", "--all", "joined with single spaces", "-term"):
        assert words in out, words


def test_a_field_without_a_description_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new field in the parser cannot slip past the help."""
    monkeypatch.setitem(FIELDS, "header", "header")
    with pytest.raises(KeyError, match="header"):
        query_help.field_entries()


@pytest.mark.parametrize("command", [c for c, _ in query_help.EXAMPLES])
def test_every_example_is_one_the_shell_and_the_parser_read_as_written(command: str) -> None:
    """An unquoted ``age:>2h`` would be a redirection in the shell: every example's words
    reach the program as the help shows them, and its query parses."""
    words = shlex.split(command)
    shell = subprocess.run(
        ["bash", "-c", "printf '%s\\0' " + command.split(" ", 1)[1]],
        capture_output=True,
        text=True,
        cwd="/",  # a redirection would try to write here and fail loudly
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.split("\0")[:-1] == words[1:]
    args = build_parser().parse_args(words[1:])
    read_query(getattr(args, "query", []))


def test_help_alone_lists_the_topics_and_every_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _printed(capsys, "help")
    assert code == EXIT_OK
    for name in ["query", "exit-codes", *_commands()]:
        assert f"\n  {name} " in out, name


def test_help_command_is_the_command_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _printed(capsys, "help", "shape")
    assert code == EXIT_OK
    assert out == _commands()["shape"].format_help()


def test_an_unknown_help_topic_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["help", "queries"])
    assert exit_.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "invalid choice" in err
    assert all(topic in err for topic in ("query", "exit-codes", "ls", "completion")), err


def test_help_says_no_command_opens_the_app_and_lists_the_exit_codes() -> None:
    text = build_parser().format_help()
    assert "With no COMMAND, mailq-tui opens the interactive app" in text
    status = text[text.index("EXIT STATUS") :]
    for code in (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED):
        assert f"\n  {code} " in status, code
    assert "mailq-tui help query" in text


def test_no_help_points_at_the_readme() -> None:
    """The README is not installed; the help says where the help is instead."""
    helps = [build_parser().format_help()] + [p.format_help() for p in _commands().values()]
    assert not [h for h in helps if "README" in h]
    assert "mailq-tui help query" in " ".join(_commands()["ls"].format_help().split())


def test_plain_text_fits_the_width_asked_for() -> None:
    for width in (60, 80, 100):
        text = query_help.as_text(query_help.sections(), width)
        too_long = [line for line in text.splitlines() if len(line) > width]
        # Only an example command longer than the width may stick out (it is never split).
        assert all(line.strip().startswith("mailq-tui ") for line in too_long), too_long


def test_help_needs_no_readable_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like --help, help works when the config file is broken (it is how one finds out how
    to write it)."""
    bad = tmp_path / "config.toml"
    bad.write_text("sduo = true\n")
    monkeypatch.setenv(CONFIG_ENV, str(bad))
    assert main(["ls"]) == EXIT_USAGE
    assert "config.toml:1" in capsys.readouterr().err
    assert main(["help", "query"]) == EXIT_OK
    assert "RECIPIENTS" in capsys.readouterr().out
