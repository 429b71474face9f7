"""Shell completion scripts for ``mailq-tui``, generated from the argument parser by shtab.

``mailq-tui completion bash|zsh`` prints a static script: a TAB runs shell code only, never
Python, so completing stays instant on a loaded mail server, and the script matches the
installed version because that version prints it. The parser gives the subcommands, options
and ``choices`` (sort keys, ``groups --by``); this module adds what argparse cannot say:

- QUERY words complete to the query field names (``dom`` -> ``domain:``, ``-dom`` ->
  ``-domain:``), taken from :data:`mailq_tui.model.query.FIELDS`, and ``queue:`` values;
- ``--queue`` completes queue names, also after a comma (``deferred,ho`` -> ``deferred,hold``);
- ``-c``/``--config-dir`` completes directories.

shtab's documented mechanism is used: an action's ``complete`` attribute names a shell function
per shell, defined in a preamble (see :func:`completion_script`). The bash script also gets a
wrapper around shtab's completion function, because shtab runs custom functions in a subshell
where ``compopt -o nospace`` cannot reach bash: without it, ``domain:`` would be followed by a
space. Queries name messages by field only; a later saved-filter feature (``@name``) can add its
names to the words :func:`query_words` returns.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from typing import Any

from mailq_tui.model.query import FIELDS
from mailq_tui.model.queues import QUEUE_NAMES

#: Shells ``mailq-tui completion`` writes a script for (the ones the tests load).
SHELLS = ("bash", "zsh")

#: Shell function names (prefixed ``_mailq_tui`` so they cannot clash with other scripts).
_QUERY_FUNCTION = "_mailq_tui_query"
_QUEUES_FUNCTION = "_mailq_tui_queues"
_BASH_WRAPPER = "_mailq_tui_complete"
#: The function shtab names after the program (``_shtab_`` + prog with non-word chars as ``_``).
BASH_SHTAB_FUNCTION = "_shtab_mailq_tui"

#: shtab's directory completion per shell (``shtab.DIRECTORY``, repeated so that building the
#: parser for a normal command never imports shtab).
_DIRECTORY = {"bash": "_shtab_compgen_dirs", "zsh": "_files -/"}


def query_words() -> list[str]:
    """What a QUERY word completes to: every field name with its colon, in FIELDS order."""
    return [f"{name}:" for name in FIELDS]


def _queue_fields() -> str:
    """The field names that mean ``queue`` (``queue``, ``q``), as a shell pattern."""
    return "|".join(name for name, field in FIELDS.items() if field == "queue")


def _bash_preamble(parser: argparse.ArgumentParser) -> str:
    fields = " ".join(query_words())
    negated = " ".join(f"-{word}" for word in query_words())
    queues = " ".join(QUEUE_NAMES)
    queue_fields = _queue_fields()
    return f"""\
# QUERY: field names, or queue names after a queue field. bash splits "queue:de" at the colon
# (the default COMP_WORDBREAKS) into "queue" ":" "de", and "queue:" into "queue" ":" (then the
# word completed is the colon itself and the replies keep it); without the colon in
# COMP_WORDBREAKS, "queue:de" is one word.
{_QUERY_FUNCTION}() {{
  local cur="$1" field="" keep=""
  if [[ $cur == ":" ]]; then
    field="${{COMP_WORDS[COMP_CWORD-1]-}}" cur="" keep=":"
  elif [[ ${{COMP_WORDS[COMP_CWORD-1]-}} == ":" ]]; then
    field="${{COMP_WORDS[COMP_CWORD-2]-}}"
  elif [[ $cur == *:* ]]; then
    field="${{cur%%:*}}" keep="${{cur%%:*}}:" cur="${{cur#*:}}"
  fi
  case "${{field#-}}" in
    {queue_fields}) compgen -P "$keep" -W "{queues}" -- "$cur" ;;
    "") compgen -W "{fields}" -- "$cur" ;;
  esac
}}

# --queue: a comma list of queue names.
{_QUEUES_FUNCTION}() {{
  local done=""
  [[ $1 == *,* ]] && done="${{1%,*}},"
  compgen -P "$done" -W "{queues}" -- "${{1##*,}}"
}}

# shtab completes a word starting with "-" as an option: add the negated fields ("-domain:",
# "-queue:hold") where a QUERY is read, and keep the cursor after a colon or comma (no space)
# so that a value can follow.
{_BASH_WRAPPER}() {{
  {BASH_SHTAB_FUNCTION} "$@"
  local cur="${{COMP_WORDS[COMP_CWORD]}}" word
  if [[ $cur == -[a-z]* ]]; then
    for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
      case "$word" in
        {"|".join(_query_commands(parser))})
          while IFS= read -r word; do COMPREPLY+=("$word"); done < <(
            if [[ $cur == *:* ]]; then {_QUERY_FUNCTION} "$cur"
            else compgen -W "{negated}" -- "$cur"; fi)
          break ;;
      esac
    done
  fi
  for word in "${{COMPREPLY[@]}}"; do
    [[ $word == *[:,] ]] && compopt -o nospace 2>/dev/null
  done
  return 0
}}
"""


def _zsh_preamble(parser: argparse.ArgumentParser) -> str:
    words = " ".join(query_words())
    negated = " ".join(f"-{word}" for word in query_words())
    queues = " ".join(QUEUE_NAMES)
    queue_fields = _queue_fields()
    return f"""\
# QUERY: field names (no space after the colon), or queue names after a queue field.
{_QUERY_FUNCTION}() {{
  if [[ $PREFIX == (-|)({queue_fields}):* ]]; then
    compset -P '*:'
    compadd -- {queues}
  else
    local -a fields=({words}) negated=({negated})
    compadd -S '' -a fields
    [[ $PREFIX == -* ]] && compadd -S '' -a negated
  fi
}}

# --queue: a comma list of queue names.
{_QUEUES_FUNCTION}() {{
  _values -s , queue {queues}
}}
"""


_PREAMBLES = {"bash": _bash_preamble, "zsh": _zsh_preamble}


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Each subcommand's name and parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def _query_commands(parser: argparse.ArgumentParser) -> list[str]:
    """The subcommands that read a QUERY (where ``-domain:`` is a query word, not an option)."""
    return [
        name for name, sub in _subparsers(parser) if any(a.dest == "query" for a in sub._actions)
    ]


def attach_completions(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Mark the actions whose words a shell should complete (shtab's ``complete`` attribute).

    Actions are found by their ``dest``; one that is missing raises ``LookupError``, so that
    renaming an option in the parser cannot silently drop its completion.
    """
    query: dict[str, Any] = {"bash": _QUERY_FUNCTION, "zsh": _QUERY_FUNCTION}
    queues: dict[str, Any] = {"bash": _QUEUES_FUNCTION, "zsh": _QUEUES_FUNCTION}
    wanted = {"query": query, "config_dir": _DIRECTORY}
    found = set()
    parsers = [("", parser), *_subparsers(parser)]
    for name, sub in parsers:
        for action in sub._actions:
            complete = wanted.get(action.dest)
            if name == "shape" and action.dest == "queue":
                complete = queues
            if complete is not None:
                action.complete = complete  # type: ignore[attr-defined]
                found.add(action.dest)
    missing = {*wanted, "queue"} - found
    if missing:
        raise LookupError(f"no argument for completion of {', '.join(sorted(missing))}")
    return parser


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`), from ``parser``."""
    import shtab

    script: str = shtab.complete(
        attach_completions(parser), shell=shell, preamble=_PREAMBLES[shell](parser)
    )
    if shell == "bash":
        # Registered after shtab's own ``complete`` line, so the wrapper is what bash calls.
        script += f"\ncomplete -o bashdefault -F {_BASH_WRAPPER} {parser.prog}\n"
    if shell == "zsh":
        script = _zsh_every_query_word(script, len(_query_commands(parser)))
    return script


#: shtab's zsh spec for an ``nargs="*"`` positional, ``"(*)::HELP:ACTION"``, is ONE optional
#: argument: only the first QUERY word would complete. ``"*:HELP:ACTION"`` is every word.
_ZSH_QUERY_SPEC = re.compile(r'"\(\*\)::((?:[^"\\]|\\.)*):' + _QUERY_FUNCTION + '"')


def _zsh_every_query_word(script: str, commands: int) -> str:
    """``script`` with the QUERY of each of ``commands`` subcommands completed at every word."""
    script, done = _ZSH_QUERY_SPEC.subn(r'"*:\1:' + _QUERY_FUNCTION + '"', script)
    if done != commands:
        raise LookupError(f"{done} zsh QUERY specs rewritten, {commands} expected (shtab changed?)")
    return script
