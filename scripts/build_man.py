"""Build the man page ``man/mailq-tui.1`` from the command's own parser (argparse-manpage).

.venv/bin/python scripts/build_man.py            # (re)write man/mailq-tui.1
.venv/bin/python scripts/build_man.py --check    # exit 1 when the committed page is stale
.venv/bin/python scripts/build_man.py -o FILE    # write elsewhere

The options and commands come from ``mailq_tui.cli.build_parser``; the query language, the
exit status and what no command does come from the same texts ``mailq-tui help`` prints
(mailq_tui.query_help, mailq_tui.cli_help), so nothing here is written twice. The page is
committed (a test fails when it is stale) and the wheel installs it as
share/man/man1/mailq-tui.1, where pipx and pip put man pages.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a file, the script has scripts/ on sys.path: document this checkout's package.
sys.path.insert(0, str(ROOT))
# argparse wraps usage and help lines to the terminal width; roff fills them itself. A width
# no line reaches leaves the filling to roff and keeps the page the same on every terminal.
os.environ["COLUMNS"] = "10000"

# isort: split
from argparse_manpage.manpage import Manpage  # noqa: E402

from mailq_tui import __version__  # noqa: E402
from mailq_tui.cli import build_parser  # noqa: E402
from mailq_tui.cli_help import EXIT_CODES  # noqa: E402
from mailq_tui.config import CONFIG_ENV, SITE_CONFIG  # noqa: E402
from mailq_tui.query_help import Entry, Section, as_roff, sections  # noqa: E402

PAGE = ROOT / "man" / "mailq-tui.1"

#: The config files (mailq_tui.config), in the order they are read.
FILES = (
    Entry(str(SITE_CONFIG), "Site defaults."),
    Entry(
        "$XDG_CONFIG_HOME/mailq-tui/config.toml",
        "The user's settings and saved filters (~/.config/mailq-tui/config.toml when "
        "XDG_CONFIG_HOME is unset); they override the site's, and the command line overrides "
        f"both. {CONFIG_ENV}=FILE reads only FILE instead.",
    ),
)

SEE_ALSO = ("postqueue", "1"), ("postsuper", "1"), ("postcat", "1"), ("qshape", "1")


def manpage() -> str:
    """The whole man page, as roff text."""
    parser = build_parser()
    # The epilog (the exit codes as --help shows them) becomes its own EXIT STATUS section.
    parser.epilog = None
    _global_options_once(parser)
    page = Manpage(parser, format="single-commands-section")
    page.description = "browse and operate a Postfix mail queue"
    page.source = f"mailq-tui {__version__}"
    page.manual = "User Commands"
    # No build date: the committed page must not go stale with the calendar.
    page.date = ""
    page.add_section("QUERY LANGUAGE", ">", as_roff(sections()))
    page.add_section("EXIT STATUS", ">", as_roff((Section("", (EXIT_CODES,)),)))
    page.add_section("FILES", ">", as_roff((Section("", (FILES,)),)))
    page.add_section(
        "SEE ALSO",
        ">",
        ",\n".join(f".BR {name} ({section})" for name, section in SEE_ALSO),
    )
    head, rest = str(page).split("\n", 1)
    # No hyphenation and a ragged right edge: commands and terms are copied as they are
    # printed, and domain:ex-ample.com would not work.
    return "\n".join([head, ".nh", ".ad l", rest])


def _global_options_once(parser: argparse.ArgumentParser) -> None:
    """Document the global options once, at the top: argparse shows them again in every
    command's help (they are accepted there too), which would repeat them 13 times."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                command._action_groups = [
                    group
                    for group in command._action_groups
                    if not (group.title or "").startswith("global options")
                ]


def main() -> int:
    """Write the page, or with ``--check`` say whether the committed one is current."""
    cli = argparse.ArgumentParser(description="Build man/mailq-tui.1 from the parser.")
    cli.add_argument("-o", "--output", type=Path, default=PAGE, help="where to write it")
    cli.add_argument("--check", action="store_true", help="exit 1 when OUTPUT is stale")
    args = cli.parse_args()
    text = manpage()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run scripts/build_man.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
