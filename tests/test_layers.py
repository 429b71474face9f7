"""The layers, checked with the tests: the import contracts in pyproject.toml
(``[tool.importlinter]``) hold for this checkout, and each one really breaks when a module
imports what its layer must not (a copy of the package with one bad import added)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from importlinter.cli import lint_imports

if sys.version_info >= (3, 11):
    import tomllib
else:  # import-linter brings tomli on older Pythons
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"


def contracts() -> dict[str, dict]:
    """The contracts by id, as pyproject.toml declares them."""
    table = tomllib.loads(CONFIG.read_text())["tool"]["importlinter"]["contracts"]
    return {c["id"]: c for c in table}


def test_the_import_contracts_hold(capsys: pytest.CaptureFixture[str]) -> None:
    code = lint_imports(config_filename=str(CONFIG), no_cache=True)
    assert code == 0, capsys.readouterr().out


def test_every_cli_module_is_named_in_the_contracts() -> None:
    """The contracts list the CLI modules by name (import-linter has no ``cli*``): a new
    ``mailq_tui/cli_*.py`` must be added to them."""
    cli_modules = {f"mailq_tui.{p.stem}" for p in (ROOT / "mailq_tui").glob("cli*.py")}
    for cid in ("model-without-postfix", "engine-without-textual", "ui-without-cli"):
        assert cli_modules <= set(contracts()[cid]["forbidden_modules"]), cid


#: (contract, file in the package, import line that breaks it).
VIOLATIONS = [
    ("core-without-textual", "model/selection.py", "import textual.widgets"),
    ("core-without-textual", "postfix/flush.py", "from rich.text import Text"),
    ("core-without-textual", "formatting.py", "from mailq_tui.ui.plans import plural"),
    ("core-without-textual", "config.py", "from mailq_tui.ui.themes import theme_names"),
    ("model-without-postfix", "model/recheck.py", "from mailq_tui.postfix import queue_ids"),
    ("model-without-postfix", "model/message.py", "from mailq_tui.engine import QueueEngine"),
    ("engine-without-textual", "engine.py", "from textual.app import App"),
    ("ui-without-cli", "ui/plans.py", "from mailq_tui.cli_output import csv_cell"),
    ("ui-through-engine", "ui/widgets/status.py", "from mailq_tui.postfix.health import Health"),
]


@pytest.mark.parametrize(("contract", "module", "line"), VIOLATIONS)
def test_a_bad_import_breaks_its_contract(
    contract: str, module: str, line: str, tmp_path: Path
) -> None:
    shutil.copytree(
        ROOT / "mailq_tui", tmp_path / "mailq_tui", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(CONFIG, tmp_path / "pyproject.toml")
    with (tmp_path / "mailq_tui" / module).open("a") as f:
        f.write(f"\n\ndef _bad() -> None:\n    {line}  # noqa\n")
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(limit_to_contracts=({contract!r},), no_cache=True))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "BROKEN" in run.stdout and "1 broken" in run.stdout, run.stdout
