"""A wheel install finds its styles: build the wheel, install it in a fresh venv, start the app
headless from another directory and check the stylesheet really applied. The recorded test
double is loaded from this checkout by file path: the wheel must not carry it."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import mailq_tui

ROOT = Path(__file__).resolve().parent.parent
RECORDING = ROOT / "tests" / "ui" / "data" / "queue.jsonl"
DOUBLES = ROOT / "tests" / "doubles.py"

SCRIPT = textwrap.dedent(
    """
    import asyncio, importlib.util, sys
    import mailq_tui
    from mailq_tui.ui import styles_dir
    from mailq_tui.ui.app import MailqApp
    from mailq_tui.ui.widgets.queue_list import QueueList

    spec = importlib.util.spec_from_file_location("doubles", sys.argv[2])
    doubles = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(doubles)
    RecordedBackend = doubles.RecordedBackend

    assert mailq_tui.__file__.startswith(sys.prefix), mailq_tui.__file__
    assert str(styles_dir()).startswith(sys.prefix), styles_dir()

    async def main():
        app = MailqApp(RecordedBackend.from_file(sys.argv[1]), refresh_interval=0)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            header = app.screen.query_one("#list-header")
            assert header.styles.height.value == 1, header.styles.height
            assert "bold" in str(header.styles.text_style), header.styles.text_style
            assert app.screen.query_one(QueueList).styles.scrollbar_size_vertical == 1
        print("styles ok from", styles_dir())

    asyncio.run(main())
    """
)


def _build_wheel(dist: Path) -> Path:
    """Build this checkout's wheel into ``dist``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return next(dist.glob("mailq_tui-*.whl"))


def test_wheel_install_finds_its_styles(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Install the wheel's files; the dependencies come from this test's environment, appended
    # after the fresh site-packages (its editable mailq_tui hook is not processed from there).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--target",
            site,
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    assert (Path(site) / "mailq_tui" / "styles" / "app.tcss").is_file()
    assert not (Path(site) / "tests").exists()
    carried = [
        p for p in (Path(site) / "mailq_tui").rglob("*.py") if "RecordedBackend" in p.read_text()
    ]
    assert carried == [], carried
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run(
        [str(python), "-c", SCRIPT, str(RECORDING), str(DOUBLES)],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "styles ok from " + site in run.stdout


def _wheel_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist() if ".dist-info/" in name}


def test_the_wheel_carries_its_license_man_page_and_one_version(tmp_path: Path) -> None:
    """The MIT text and the man page travel with the wheel (the page as data that pip and
    pipx install under share/man/man1), and the version is the package's own, the one
    ``--version`` prints (pyproject.toml reads it from mailq_tui/__init__.py)."""
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        pages = [n for n in archive.namelist() if n.endswith("/share/man/man1/mailq-tui.1")]
        assert pages == [f"mailq_tui-{mailq_tui.__version__}.data/data/share/man/man1/mailq-tui.1"]
        assert archive.read(pages[0]) == (ROOT / "man" / "mailq-tui.1").read_bytes()
    files = _wheel_files(wheel)
    licence = next(body for name, body in files.items() if name.endswith("licenses/LICENSE"))
    assert licence == (ROOT / "LICENSE").read_bytes() and b"MIT License" in licence
    metadata = next(body for name, body in files.items() if name.endswith("/METADATA"))
    assert f"\nVersion: {mailq_tui.__version__}\n".encode() in metadata
    assert b"License-Expression: MIT" in metadata
    assert wheel.name.startswith(f"mailq_tui-{mailq_tui.__version__}-")
    shown = subprocess.run(
        [sys.executable, "-c", "from mailq_tui.cli import main; main(['--version'])"],
        capture_output=True,
        text=True,
    )
    assert shown.stdout == f"mailq-tui {mailq_tui.__version__}\n"
