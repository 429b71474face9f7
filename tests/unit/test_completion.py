"""``mailq-tui completion bash|zsh`` prints scripts that real shells load and complete with:
subcommands, options, query field names, sort keys, queue names and directories, all taken
from the parser and the model (never a copied list)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from mailq_tui.cli import build_parser, main
from mailq_tui.config import CONFIG_ENV
from mailq_tui.model.grouping import GROUP_BY
from mailq_tui.model.index import SORT_KEYS
from mailq_tui.model.message import QUEUE_NAMES
from mailq_tui.model.query import FIELDS

ZSH_DRIVER = Path(__file__).parent / "zsh_complete.zsh"

# Calls the function `complete -p mailq-tui` names (what bash itself would call) with the
# words given, and prints the replies, then "nospace" if the function asked for no space.
# compopt is replaced by a function: outside a real TAB the builtin refuses to run.
BASH_DRIVER = r"""
source "$1"; shift
compopt() { [[ " $* " == *" -o nospace "* ]] && nospace=1; return 0; }
spec=$(complete -p mailq-tui) || exit 1
function=${spec#* -F }; function=${function%% *}
COMP_WORDS=(mailq-tui "$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMPREPLY=(); nospace=0
"$function"
printf '%s\n' "${COMPREPLY[@]}"
(( nospace )) && echo nospace
exit 0
"""


def script(capsys: pytest.CaptureFixture[str], shell: str, tmp_path: Path) -> Path:
    assert main(["completion", shell]) == 0
    path = tmp_path / ("mailq-tui" if shell == "bash" else "_mailq-tui")
    path.write_text(capsys.readouterr().out)
    return path


@pytest.fixture
def bash_script(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    return script(capsys, "bash", tmp_path)


def bash_complete(path: Path, *words: str, cwd: Path | None = None) -> list[str]:
    """What bash completes for the command line ``mailq-tui WORDS`` (the last word is the one
    being completed), plus ``nospace`` when no space would follow."""
    res = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", BASH_DRIVER, "bash", str(path), *words],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )
    assert res.returncode == 0 and not res.stderr, (res.returncode, res.stderr)
    return [line for line in res.stdout.splitlines() if line]


def subcommands() -> list[str]:
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return list(sub.choices)


def test_bash_completes_the_subcommands(bash_script: Path) -> None:
    assert sorted(bash_complete(bash_script, "")) == sorted(subcommands())
    assert "completion" in subcommands()
    assert bash_complete(bash_script, "gr") == ["groups"]


def test_bash_completes_help_topics_and_commands(bash_script: Path) -> None:
    assert bash_complete(bash_script, "help", "q") == ["query"]
    assert bash_complete(bash_script, "help", "ex") == ["exit-codes"]
    assert bash_complete(bash_script, "help", "comp") == ["completion"]


def test_bash_completes_options(bash_script: Path) -> None:
    assert bash_complete(bash_script, "ls", "--so") == ["--sort"]
    assert bash_complete(bash_script, "hold", "--dr") == ["--dry-run"]


def test_bash_completes_a_query_word_to_a_field_name_with_no_space_after_it(
    bash_script: Path,
) -> None:
    assert bash_complete(bash_script, "ls", "dom") == ["domain:", "nospace"]
    assert bash_complete(bash_script, "hold", "from:x", "rea") == ["reason:", "nospace"]


@pytest.mark.parametrize("command", ["ls", "reasons", "groups", "shape", "delete", "hold"])
def test_bash_offers_every_query_field(bash_script: Path, command: str) -> None:
    offered = bash_complete(bash_script, command, "")
    assert offered == [*(f"{name}:" for name in FIELDS), "nospace"]


def test_bash_completes_negated_fields_only_where_a_query_is_read(bash_script: Path) -> None:
    assert bash_complete(bash_script, "ls", "-dom") == ["-domain:", "nospace"]
    negated_r = [f"-{name}:" for name in FIELDS if name.startswith("r")]
    assert len(negated_r) > 1
    assert bash_complete(bash_script, "ls", "-r") == [*negated_r, "nospace"]
    # flush reads no QUERY: "-r" is no query word there.
    assert bash_complete(bash_script, "flush", "-r") == []


def test_bash_completes_queue_names_after_a_queue_field(bash_script: Path) -> None:
    # bash splits at ":" (COMP_WORDBREAKS): "queue:de" arrives as "queue" ":" "de".
    assert bash_complete(bash_script, "ls", "queue", ":", "de") == ["deferred"]
    assert bash_complete(bash_script, "ls", "queue", ":") == [f":{q}" for q in QUEUE_NAMES]
    # Without ":" in COMP_WORDBREAKS it is one word.
    assert bash_complete(bash_script, "ls", "-q:h") == ["-q:hold"]


def test_bash_completes_sort_keys_from_the_index(bash_script: Path) -> None:
    assert bash_complete(bash_script, "ls", "--sort", "") == list(SORT_KEYS)


def test_bash_completes_group_keys_from_the_grouping(bash_script: Path) -> None:
    expected = [by.replace("_", "-") for by in GROUP_BY]
    assert bash_complete(bash_script, "groups", "--by", "") == expected


def test_bash_completes_queue_names_also_in_a_comma_list(bash_script: Path) -> None:
    assert bash_complete(bash_script, "shape", "--queue", "") == list(QUEUE_NAMES)
    assert bash_complete(bash_script, "shape", "--queue", "deferred,h") == ["deferred,hold"]


@pytest.mark.parametrize("where", [["-c"], ["ls", "-c"], ["ls", "--config-dir"]])
def test_bash_completes_directories_for_the_config_dir(
    bash_script: Path, tmp_path: Path, where: list[str]
) -> None:
    (tmp_path / "postfix-out").mkdir()
    (tmp_path / "postfix-notes.txt").write_text("")
    assert bash_complete(bash_script, *where, "postfix", cwd=tmp_path) == ["postfix-out"]


def test_the_sort_keys_are_the_parsers_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["ls", "--sort", "domain"]).sort == "domain"
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["ls", "--sort", "nonsense"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_an_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["completion", "fish"])
    assert exc.value.code == 2


def need_zsh() -> str:
    zsh = shutil.which("zsh")
    if zsh is None:
        pytest.skip("zsh is not installed (scripts/setup.sh --dev installs it)")
    return zsh


def test_zsh_parses_and_compinit_loads_the_script(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    zsh = need_zsh()
    path = script(capsys, "zsh", tmp_path)
    assert path.read_text().startswith("#compdef mailq-tui\n")
    syntax = subprocess.run([zsh, "-n", str(path)], capture_output=True, text=True, timeout=60)
    assert syntax.returncode == 0, syntax.stderr
    loaded = subprocess.run(
        [
            zsh,
            "-f",
            "-c",
            f"fpath=({tmp_path} $fpath); autoload -U compinit; compinit -u -D; "
            "print -r -- $_comps[mailq-tui]",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert loaded.stdout.strip() == "_mailq-tui" and not loaded.stderr, loaded


def test_zsh_completes_what_bash_does(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    zsh = need_zsh()
    fpath = tmp_path / "functions"
    fpath.mkdir()
    script(capsys, "zsh", fpath)
    (tmp_path / "postfix-out").mkdir()
    typed = {
        "mailq-tui gr": "mailq-tui groups ",
        "mailq-tui ls --rev": "mailq-tui ls --reverse ",
        "mailq-tui ls dom": "mailq-tui ls domain:",
        "mailq-tui ls from:x -dom": "mailq-tui ls from:x -domain:",
        "mailq-tui ls from:x q:ho": "mailq-tui ls from:x q:hold ",
        "mailq-tui ls --sort rea": "mailq-tui ls --sort reason ",
        "mailq-tui groups --by sender-": "mailq-tui groups --by sender-domain ",
        "mailq-tui shape --queue deferred,h": "mailq-tui shape --queue deferred,hold,",
        "mailq-tui ls -c postfix": "mailq-tui ls -c postfix-out/",
    }
    res = subprocess.run(
        [zsh, "-f", str(ZSH_DRIVER), str(fpath), *typed],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert dict(zip(typed, res.stdout.splitlines())) == typed


def test_completion_needs_no_readable_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The script is built from the parser alone: a broken config file must not break TAB
    (nor the install line in the README)."""
    bad = tmp_path / "config.toml"
    bad.write_text("sduo = true\n")
    monkeypatch.setenv(CONFIG_ENV, str(bad))
    assert main(["ls"]) == 2
    assert "config.toml:1" in capsys.readouterr().err
    assert main(["completion", "bash"]) == 0
    assert "mailq-tui" in capsys.readouterr().out
