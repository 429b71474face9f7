"""Global options (``-c``, ``--sudo``, ``--refresh``) are read the same before or after the
subcommand, as postmasters type them (``mailq-tui ls -c /etc/postfix-out``)."""

from __future__ import annotations

import argparse

import pytest

from mailq_tui import __version__
from mailq_tui.cli import build_parser

# Every subcommand with the fewest arguments it needs.
COMMANDS = [
    ["ls"],
    ["reasons"],
    ["groups"],
    ["shape"],
    ["delete"],
    ["hold"],
    ["release"],
    ["requeue"],
    ["flush"],
    ["privileges"],
    ["demo"],
]


def parse(*words: str) -> argparse.Namespace:
    return build_parser().parse_args(list(words))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(
    "option",
    [["-c", "/etc/postfix-out"], ["--config-dir", "/etc/postfix-out"], ["--sudo"]],
    ids=lambda o: o[0],
)
def test_a_global_option_reads_the_same_before_or_after_the_command(
    command: list[str], option: list[str]
) -> None:
    before = parse(*option, *command)
    after = parse(*command, *option)
    assert vars(before) == vars(after)
    if option[0] == "--sudo":
        assert after.sudo is True and after.config_dir is None
    else:
        assert after.config_dir == "/etc/postfix-out" and after.sudo is False


def test_all_global_options_after_the_command_with_its_own_options() -> None:
    args = parse("ls", "--ids", "domain:example.com", "-c", "/srv/pf", "--sudo", "--refresh", "9")
    assert (args.command, args.ids, args.query) == ("ls", True, ["domain:example.com"])
    assert (args.config_dir, args.sudo, args.refresh) == ("/srv/pf", True, 9.0)


def test_a_global_option_before_the_command_is_not_reset_by_the_command() -> None:
    args = parse("-c", "/srv/pf", "--sudo", "--refresh", "7", "hold", "--dry-run", "to:x")
    assert (args.config_dir, args.sudo, args.refresh) == ("/srv/pf", True, 7.0)


def test_the_value_after_the_command_wins() -> None:
    args = parse(
        "-c", "/srv/before", "--refresh", "1", "demo", "-c", "/srv/after", "--refresh", "2"
    )
    assert (args.config_dir, args.refresh) == ("/srv/after", 2.0)


@pytest.mark.parametrize("command", [[], *COMMANDS], ids=lambda c: c[0] if c else "app")
def test_defaults_are_unchanged_without_global_options(command: list[str]) -> None:
    args = parse(*command)
    assert (args.config_dir, args.sudo, args.refresh) == (None, False, 3.0)


def test_the_command_s_own_options_still_parse() -> None:
    args = parse("shape", "-b", "4", "-t", "2", "-l", "-c", "/srv/pf", "--queue", "deferred")
    assert (args.buckets, args.width, args.linear, args.queue) == (4, 2.0, True, "deferred")
    assert args.config_dir == "/srv/pf"


def test_version_still_works(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse("--version")
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"mailq-tui {__version__}"


def test_an_unknown_option_after_the_command_is_still_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse("ls", "--no-such-option")
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_the_command_s_help_lists_the_global_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse("ls", "--help")
    out = capsys.readouterr().out
    assert "--config-dir DIR" in out and "--sudo" in out and "--refresh S" in out


def test_the_parser_s_choices_are_the_model_s() -> None:
    """The parser offers the index's sort keys and the grouping's groupings, written out in
    :mod:`mailq_tui.cli_choices` so that parsing imports neither."""
    from mailq_tui.cli_choices import GROUP_BY, SORT_KEYS
    from mailq_tui.model.compact import SORT_KEYS as COMPACT_SORT_KEYS
    from mailq_tui.model.grouping import GROUP_BY as MODEL_GROUP_BY
    from mailq_tui.model.index import SORT_KEYS as INDEX_SORT_KEYS

    assert SORT_KEYS == INDEX_SORT_KEYS == COMPACT_SORT_KEYS
    assert GROUP_BY == MODEL_GROUP_BY
