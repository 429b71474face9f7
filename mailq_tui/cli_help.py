"""Help where the user is: ``mailq-tui help [TOPIC]``, and the texts ``mailq-tui --help``
starts with (what no command does) and ends with (the exit codes), also used by the man page.

The exit codes are written here once (:data:`EXIT_CODES`): ``--help`` shows them in its
epilog, ``mailq-tui help exit-codes`` on its own and the man page as its EXIT STATUS section.
The query language lives in :mod:`mailq_tui.query_help`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import Callable, Optional

from mailq_tui import query_help
from mailq_tui.query_help import Entry, Section
from mailq_tui.reports import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

#: What running without a command does, and where the rest of the help is.
NO_COMMAND = (
    "With no COMMAND, mailq-tui opens the interactive app on the queue (it needs a terminal: "
    "use ssh -t). The query language: mailq-tui help query. All help topics: mailq-tui help."
)

#: Every exit status of ``mailq-tui``, with what it means.
EXIT_CODES: tuple[Entry, ...] = (
    Entry(
        str(EXIT_OK),
        "Everything asked for was done, or was already in the state asked for (a hold of "
        "mail already on hold, a release of mail not on hold: reported, not a failure).",
    ),
    Entry(
        str(EXIT_FAILED),
        "Something failed or was skipped (an id vanished, was reused or is invalid).",
    ),
    Entry(
        str(EXIT_USAGE),
        "The command line, the query or a config file is wrong, or a destructive action was "
        "not confirmed, or would act on the whole queue without --all, or the app was started "
        "without a terminal.",
    ),
    Entry(
        str(EXIT_INTERRUPTED),
        "An action was interrupted (Ctrl+C, SIGTERM, hangup) and stopped cleanly: the report "
        "says how many messages were done. The audit line records the same status.",
    ),
)

#: Help topics other than the commands: name -> (summary, the sections to print).
TOPICS: dict[str, tuple[str, Callable[[], tuple[Section, ...]]]] = {
    "query": (
        "the query language: fields, negation, regexes, ages and sizes, examples",
        query_help.sections,
    ),
    "exit-codes": (
        "what each exit status means",
        lambda: (Section("Exit status", (EXIT_CODES,)),),
    ),
}

#: Width of the epilog: argparse prints it as it is (RawDescriptionHelpFormatter).
_EPILOG_WIDTH = 78


def description() -> str:
    """The start of ``mailq-tui --help``: what the tool is, and what no command does."""
    return "Browse and operate a Postfix mail queue.\n\n" + "\n".join(
        query_help.wrap(NO_COMMAND, _EPILOG_WIDTH)
    )


def epilog() -> str:
    """The end of ``mailq-tui --help``: the exit codes."""
    return query_help.as_text((Section("Exit status", (EXIT_CODES,)),), _EPILOG_WIDTH)


def _commands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    """The parser's subcommands (argparse has no public accessor for them)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise ValueError("the parser has no subcommands")


def topic_list(parser: argparse.ArgumentParser) -> str:
    """What ``mailq-tui help`` prints: the topics, then the commands with their summaries."""
    commands = _commands(parser)
    summaries = {choice.dest: choice.help or "" for choice in commands._choices_actions}
    names = [*TOPICS, *summaries]
    column = max(map(len, names)) + 2
    lines = ["Help topics (mailq-tui help TOPIC):"]
    lines += [f"  {name:<{column}}{summary}" for name, (summary, _) in TOPICS.items()]
    lines += ["", "Commands (mailq-tui help COMMAND is mailq-tui COMMAND --help):"]
    lines += [f"  {name:<{column}}{summary}" for name, summary in summaries.items()]
    lines += ["", *query_help.wrap(NO_COMMAND, _EPILOG_WIDTH)]
    return "\n".join(lines) + "\n"


def show_help(parser: argparse.ArgumentParser, topic: Optional[str]) -> int:
    """``mailq-tui help [TOPIC]``: the topic list, a topic, or a command's ``--help``."""
    commands = _commands(parser)
    if topic is None:
        sys.stdout.write(topic_list(parser))
        return EXIT_OK
    if topic in TOPICS:
        width = min(shutil.get_terminal_size().columns, 100)
        sys.stdout.write(query_help.as_text(TOPICS[topic][1](), width))
        return EXIT_OK
    if topic in commands.choices:
        commands.choices[topic].print_help()
        return EXIT_OK
    known = ", ".join([*TOPICS, *commands.choices])
    print(f"mailq-tui: no help topic {topic!r}: one of {known}", file=sys.stderr)
    return EXIT_USAGE
