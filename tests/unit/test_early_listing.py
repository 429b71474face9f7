"""``postqueue -j`` started before the CLI's imports (:mod:`mailq_tui.postfix.early_listing`):
the same batches, warnings and errors as the engine's listing, against stand-in postqueues."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mailq_tui.postfix.commands import PostfixError, PostfixTools
from mailq_tui.postfix.early_listing import EarlyListing, JsonListingRejected


def _record(n: int) -> str:
    return json.dumps(
        {
            "queue_name": "deferred",
            "queue_id": f"4F{n:05X}",
            "arrival_time": 1_700_000_000 + n,
            "message_size": 100 + n,
            "sender": "a@example.org",
            "recipients": [{"address": f"u{n}@example.com", "delay_reason": "refused"}],
        }
    )


def _stand_in(tmp_path: Path, body: str) -> PostfixTools:
    """Tools whose ``postqueue`` is a shell script with ``body``."""
    tool = tmp_path / "postqueue"
    tool.write_text("#!/bin/sh\n" + body)
    tool.chmod(0o755)
    return PostfixTools(search_dirs=[str(tmp_path)], _paths={"postqueue": str(tool)})


def _listing(tmp_path: Path, count: int, extra: str = "") -> Path:
    path = tmp_path / "listing.jsonl"
    path.write_text("".join(_record(n) + "\n" for n in range(count)) + extra)
    return path


def test_batches_decode_every_line_and_warn_about_a_malformed_one(tmp_path: Path) -> None:
    listing = _listing(tmp_path, 3, '{"queue_id": \n')
    tools = _stand_in(tmp_path, f"cat {listing}\necho 'postqueue: warning: odd' >&2\n")
    warnings: list[str] = []
    messages = [m for batch in EarlyListing(tools).batches(warnings) for m in batch]
    assert [m.queue_id for m in messages] == ["4F00000", "4F00001", "4F00002"]
    assert any("malformed" in w for w in warnings)
    assert "postqueue: warning: odd" in warnings


def test_a_listing_larger_than_the_drain_buffer_arrives_whole(tmp_path: Path) -> None:
    listing = _listing(tmp_path, 3000)
    tools = _stand_in(tmp_path, f"cat {listing}\n")
    early = EarlyListing(tools, limit=4096)  # the drain waits for the reader again and again
    ids = [m.queue_id for batch in early.batches([]) for m in batch]
    assert ids == [f"4F{n:05X}" for n in range(3000)]
    assert early.returncode == 0


def test_a_refusal_is_a_friendly_error(tmp_path: Path) -> None:
    tools = _stand_in(
        tmp_path,
        "echo 'postqueue: fatal: Queue report unavailable - mail system is down' >&2\nexit 69\n",
    )
    with pytest.raises(PostfixError, match="Postfix is not running") as caught:
        list(EarlyListing(tools).batches([]))
    assert caught.value.returncode == 69


def test_no_json_option_asks_the_caller_to_list_otherwise(tmp_path: Path) -> None:
    tools = _stand_in(tmp_path, "echo 'postqueue: fatal: usage: postqueue -f | -p' >&2\nexit 64\n")
    with pytest.raises(JsonListingRejected):
        list(EarlyListing(tools).batches([]))


def test_closing_early_kills_postqueue(tmp_path: Path) -> None:
    fifo = tmp_path / "never"
    subprocess.run(["mkfifo", str(fifo)], check=True)
    tools = _stand_in(tmp_path, f"exec cat {fifo}\n")  # blocks until the fifo gets a writer
    early = EarlyListing(tools)
    early.close()
    early._thread.join()
    assert early.returncode == -9


def test_a_missing_postqueue_is_a_friendly_error(tmp_path: Path) -> None:
    tools = PostfixTools(_paths={"postqueue": str(tmp_path / "nowhere" / "postqueue")})
    with pytest.raises(PostfixError, match="command not found"):
        EarlyListing(tools)


def test_the_cli_starts_postqueue_before_importing_the_decoder(tmp_path: Path) -> None:
    """``mailq-tui ls --ids`` runs postqueue before msgspec, asyncio, the engine and Textual
    are imported, and prints what the listing held."""
    listing = _listing(tmp_path, 5)
    _stand_in(tmp_path, f"cat {listing}\n")
    script = (
        "import sys\n"
        "import mailq_tui.cli as cli\n"
        "start = cli.start_listing\n"
        "def spy(tools):\n"
        "    heavy = ['msgspec', 'asyncio', 'mailq_tui.engine', 'textual', 'rich', 'humanize']\n"
        "    print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
        "    return start(tools)\n"
        "cli.start_listing = spy\n"
        "sys.exit(cli.main(['ls', '--ids']))\n"
    )
    done = _run_python(tmp_path, script)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"
    assert done.stdout.split() == [f"4F{n:05X}" for n in reversed(range(5))]  # youngest first


@pytest.mark.parametrize(
    ("argv", "code", "lines"),
    [
        (["ls", "--ids"], 0, 3000),  # more than one pipe buffer: flushed before the exit
        (["reasons"], 0, 3),
        (["ls", "--sort", "nothing"], 2, 0),
    ],
)
def test_the_program_ends_with_its_answer_flushed_and_its_exit_code(
    tmp_path: Path, argv: list[str], code: int, lines: int
) -> None:
    """As a program (``main()`` without argv), a read-only command ends without the
    interpreter's teardown: everything it printed still arrives, and its exit code is kept."""
    listing = _listing(tmp_path, 3000)
    _stand_in(tmp_path, f"cat {listing}\n")
    script = (
        "import atexit, sys\n"
        "import mailq_tui.cli as cli\n"
        "atexit.register(lambda: print('teardown', file=sys.stderr))\n"
        f"sys.argv = ['mailq-tui', *{argv!r}]\n"
        "sys.exit(cli.main())\n"
    )
    done = _run_python(tmp_path, script)
    assert done.returncode == code
    assert len(done.stdout.splitlines()) == lines
    assert ("teardown" in done.stderr) == (code != 0)  # a usage error exits as before


def _run_python(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter from the repository, with the stand-ins in
    ``tmp_path`` first on PATH and a ``postconf`` there that fails (so the CLI lists with -j)."""
    (tmp_path / "postconf").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "postconf").chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "MAILQ_TUI_CONFIG": "/dev/null"}
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
