"""The ``mailq-tui`` command: opens the app, or runs one scriptable subcommand.

Subcommands share the engine and the query language with the app::

    mailq-tui [-c DIR] [--sudo] [--refresh S]          open the app
    mailq-tui ls [QUERY] [--json|--ids|--csv] [--sort F] [--reverse]
    mailq-tui reasons [QUERY] [--json]
    mailq-tui groups --by domain|sender|sender-domain|queue|reason [QUERY]
    mailq-tui shape [--by rcpt|sender] [--queue Q] [-b N] [-t T] [-l] [QUERY]
    mailq-tui delete|hold|release|requeue [QUERY] [--all] [--dry-run] [--yes]
    mailq-tui flush [--site S | --id ID ...] [--dry-run]
    mailq-tui privileges
    mailq-tui demo [--count N]
    mailq-tui help [query|exit-codes|COMMAND]
    mailq-tui completion bash|zsh

The global options ``-c DIR``, ``--sudo`` and ``--refresh S`` are accepted before or after the
subcommand (``mailq-tui ls -c DIR`` is ``mailq-tui -c DIR ls``); given in both places, the one
after the subcommand wins.

Exit codes: :data:`mailq_tui.cli_help.EXIT_CODES`, shown by ``--help``, ``mailq-tui help
exit-codes`` and the man page. The query language: :mod:`mailq_tui.query_help`, shown by
``mailq-tui help query``.

The QUERY words are joined with single spaces and parsed like the filter bar's text: one
quoted shell word and several words mean the same query; ``@name`` is a saved filter of the
config file.

The config file (:mod:`mailq_tui.config`) is read once; its ``config_dir``, ``sudo`` and
``refresh`` are the defaults of the global options, which the command line overrides
(``--no-sudo`` undoes ``sudo = true``). A bad config file is a usage error (exit 2), one line
naming its file and line.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Optional, overload

from mailq_tui import __version__
from mailq_tui.cli_choices import GROUP_BY, SORT_KEYS
from mailq_tui.cli_completion import SHELLS, completion_script
from mailq_tui.cli_help import TOPICS, description, epilog, show_help
from mailq_tui.config import Config, ConfigError, load_config
from mailq_tui.postfix.commands import PostfixError, PostfixTools
from mailq_tui.reports import EXIT_FAILED, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from mailq_tui.postfix.early_listing import EarlyListing

#: Commands whose first step is a listing of the whole queue: ``main`` starts ``postqueue -j``
#: for them before importing the rest (see :mod:`mailq_tui.postfix.early_listing`).
LISTING_FIRST = frozenset(
    {"ls", "reasons", "groups", "shape", "delete", "hold", "release", "requeue"}
)

#: Commands that only read and print: as a program (``main()`` without ``argv``) they end
#: with :func:`_exit_now` once their answer is out. The bulk actions run the ordinary exit.
QUICK_EXIT = frozenset({"ls", "reasons", "groups", "shape"})


def _add_query(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "query",
        nargs="*",
        metavar="QUERY",
        help="filter, e.g. 'domain:example.com age:>2h -reason:greylisted': the words are "
        "joined with spaces and read like the filter bar (see: mailq-tui help query)",
    )


def _global_options(on_subcommand: bool) -> argparse.ArgumentParser:
    """The options every command accepts, as a parent parser.

    The same options are added to the top-level parser and to every subcommand, so that
    ``mailq-tui -c DIR ls`` and ``mailq-tui ls -c DIR`` both work. On a subcommand's copy
    the default is ``SUPPRESS``: argparse copies the subcommand's namespace over the
    top-level one, and a real default there would overwrite a value given before the
    subcommand. A value given after the subcommand therefore wins over one given before.
    """
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("global options (before or after the command)")

    def default(value: object) -> object:
        return argparse.SUPPRESS if on_subcommand else value

    group.add_argument(
        "-c",
        "--config-dir",
        metavar="DIR",
        default=default(None),
        help="Postfix configuration directory (like postqueue -c)",
    )
    group.add_argument(
        "--sudo",
        action=argparse.BooleanOptionalAction,
        default=default(False),
        help="run postsuper/postcat through 'sudo -n' (needs a sudoers rule); --no-sudo "
        "undoes the config file's sudo = true",
    )
    group.add_argument(
        "--refresh",
        type=float,
        default=default(3.0),
        metavar="S",
        help="app: seconds between live refreshes (default 3; backs off on huge queues)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``mailq-tui`` and every subcommand."""
    parser = argparse.ArgumentParser(
        prog="mailq-tui",
        description=description(),
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_global_options(on_subcommand=False)],
    )
    parser.add_argument("--version", action="version", version=f"mailq-tui {__version__}")
    sub = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    globals_for_subcommands = _global_options(on_subcommand=True)

    def add_command(name: str, summary: str) -> argparse.ArgumentParser:
        """A subcommand that also accepts the global options after its name."""
        return sub.add_parser(name, help=summary, parents=[globals_for_subcommands])

    ls = add_command("ls", "list messages matching QUERY")
    _add_query(ls)
    fmt = ls.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="JSON Lines, postqueue -j fields")
    fmt.add_argument("--ids", action="store_true", help="queue ids only, one per line")
    fmt.add_argument("--csv", action="store_true", help="CSV, one row per recipient")
    ls.add_argument("--sort", default="age", choices=SORT_KEYS, help="sort key (default: age)")
    ls.add_argument("--reverse", action="store_true", help="reverse the sort order")
    ls.add_argument("--limit", type=int, default=0, help="print at most N messages")

    reasons = add_command("reasons", "deferral reasons, normalised and counted")
    _add_query(reasons)
    reasons.add_argument("--json", action="store_true")

    groups = add_command("groups", "messages grouped by domain, sender, queue or reason")
    groups.add_argument(
        "--by",
        default="domain",
        choices=[by.replace("_", "-") for by in GROUP_BY],
    )
    _add_query(groups)
    groups.add_argument("--json", action="store_true")

    shape = add_command("shape", "qshape-style age buckets per domain")
    shape.add_argument("--by", choices=["rcpt", "sender"], default="rcpt")
    shape.add_argument(
        "--queue", default="", help="comma list of queues (default: all listed queues)"
    )
    shape.add_argument("-b", dest="buckets", type=int, default=10, help="number of age buckets")
    shape.add_argument("-t", dest="width", type=float, default=5, help="first bucket, minutes")
    shape.add_argument("-l", dest="linear", action="store_true", help="linear buckets")
    shape.add_argument("-n", dest="top", type=int, default=0, help="show the top N domains")
    _add_query(shape)

    for action, verb in (
        ("delete", "delete"),
        ("hold", "put on hold"),
        ("release", "release from hold"),
        ("requeue", "requeue"),
    ):
        p = add_command(action, f"{verb} every message matching QUERY")
        _add_query(p)
        p.add_argument(
            "--all",
            action="store_true",
            help="allow a selection of every message in the queue (with no QUERY: every "
            "message); never widens a QUERY",
        )
        p.add_argument("--dry-run", action="store_true", help="show what would be done")
        p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
        p.add_argument("--verbose", "-v", action="store_true", help="print each id's outcome")

    flush = add_command("flush", "attempt delivery now (all, one site, or ids)")
    target = flush.add_mutually_exclusive_group()
    target.add_argument(
        "--site", help="flush the deferred mail for one domain (postqueue -s, else -i each)"
    )
    target.add_argument("--id", dest="ids", action="append", metavar="ID", help="repeatable")
    flush.add_argument(
        "--dry-run", action="store_true", help="show which messages would be flushed"
    )

    add_command("privileges", "what this user may do, and why not")

    demo = add_command("demo", "open the app on a throwaway Postfix with stuck mail")
    demo.add_argument("--count", type=int, default=3000, help="messages to queue (default 3000)")

    completion = add_command("completion", "print a bash or zsh tab-completion script")
    completion.add_argument("shell", choices=SHELLS)

    # Last, so that its choices (which tab completion offers too) name every command.
    explain = sub.add_parser("help", help="the query language, the exit codes, or a command")
    explain.add_argument(
        "topic",
        nargs="?",
        metavar="TOPIC",
        choices=[*TOPICS, *sub.choices],
        help="query, exit-codes or a COMMAND (no TOPIC: list)",
    )
    return parser


def _has_terminal() -> bool:
    """True when both stdin and stdout are a terminal (the app reads keys and draws)."""
    return sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()


class _AppColumns(Sequence[str]):
    """The app's optional column names (:data:`mailq_tui.ui.columns.OPTIONAL_COLUMNS`),
    imported when a config file names columns: importing the app's list code costs a command
    ~0.05 s, before ``postqueue -j`` could start."""

    def _names(self) -> tuple[str, ...]:
        from mailq_tui.ui.columns import OPTIONAL_COLUMNS

        return OPTIONAL_COLUMNS

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


def read_config() -> Config:
    """The config files' settings (see :mod:`mailq_tui.config`), checked against the app's
    columns and themes; raises :class:`ConfigError`."""

    def themes() -> frozenset[str]:
        from mailq_tui.ui.themes import theme_names

        return theme_names()

    return load_config(os.environ, themes=themes, columns=_AppColumns())


def parse_with_config(
    argv: Optional[list[str]], parser: Optional[argparse.ArgumentParser] = None
) -> argparse.Namespace:
    """The command line read over the config file's settings; raises :class:`ConfigError`.

    The command line is read first without the config, so ``--help``, ``--version`` and a
    usage error need no readable config. Then it is read again over a namespace that
    already holds the config's values: argparse only sets a default where the namespace has
    no value, and an option given on the command line (before or after the command) replaces
    it, so the command line wins over the user file, which wins over the site file, which
    wins over the built-in default. The settings no option has (``saved_filters``,
    ``theme``, ``columns``; None: the app's default) are added to the namespace.
    """
    parser = parser or build_parser()
    parser.parse_args(argv)
    config = read_config()
    args = parser.parse_args(argv, namespace=argparse.Namespace(**config.option_defaults()))
    args.saved_filters = config.filters
    args.theme = config.theme
    args.columns = config.columns
    return args


def _escape_what_the_terminal_cannot_show() -> None:
    """Print characters the output's encoding cannot hold as backslash escapes (``\\u65e5``)
    instead of dying with UnicodeEncodeError halfway through a listing: mail text is any
    Unicode, a terminal may be ISO-8859-1. UTF-8 output is unchanged."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the ``mailq-tui`` console script."""
    _escape_what_the_terminal_cannot_show()
    parser = build_parser()
    plain = parser.parse_args(argv)
    if plain.command == "help":
        # Like --help, help needs no readable config file.
        return show_help(parser, plain.topic)
    if plain.command == "completion":
        # The script depends on the parser only; a broken config must not break TAB.
        print(completion_script(parser, plain.shell), end="")
        return EXIT_OK
    try:
        args = parse_with_config(argv, parser)
    except ConfigError as exc:
        print(f"mailq-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.command in (None, "demo") and not _has_terminal():
        print(
            "mailq-tui: the app needs a terminal (use ssh -t), or use a subcommand such as "
            "`mailq-tui ls`",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.command is None:
        from mailq_tui.ui.app import run_app

        return run_app(
            args.config_dir,
            use_sudo=args.sudo,
            refresh=args.refresh,
            theme=args.theme,
            columns=args.columns,
            saved_filters=args.saved_filters,
        )
    if args.command == "demo":
        from mailq_tui.cli_commands import run_demo

        return run_demo(args)
    tools = PostfixTools(config_dir=args.config_dir, use_sudo=args.sudo)
    try:
        args.early_listing = start_listing(tools) if args.command in LISTING_FIRST else None
    except PostfixError as exc:
        print(f"mailq-tui: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    try:
        code = _run_command(tools, args)
    finally:
        if args.early_listing is not None:
            args.early_listing.close()
    if argv is None and args.command in QUICK_EXIT:
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """End the process with ``code`` now, its output flushed: without the interpreter's
    teardown (freeing every module and object one by one: 0.03-0.06 s after the answer is
    printed, ~1% of a command that waits 5 s for postqueue). Returns when the output cannot
    be flushed: the ordinary exit then reports it as usual."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def start_listing(tools: PostfixTools) -> EarlyListing:
    """``postqueue -j`` started now, before the decoder, the engine and asyncio are imported
    (0.1-0.2 s that then overlap with postqueue's own run)."""
    from mailq_tui.postfix.early_listing import EarlyListing

    return EarlyListing(tools)


def _run_command(tools: PostfixTools, args: argparse.Namespace) -> int:
    """Run the subcommand ``args.command`` on the instance of ``tools``."""
    import asyncio

    from mailq_tui.cli_commands import COMMANDS, CliError
    from mailq_tui.engine import QueueEngine

    engine = QueueEngine(tools=tools)
    try:
        return asyncio.run(COMMANDS[args.command](engine, args))
    except CliError as exc:
        print(f"mailq-tui: {exc}", file=sys.stderr)
        return exc.exit_code
    except PostfixError as exc:
        print(f"mailq-tui: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``mailq-tui ls | head``): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
