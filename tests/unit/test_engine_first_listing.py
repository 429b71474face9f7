"""The engine's first listing starts ``postqueue -j`` at once, without waiting for
``postconf`` (what the settings say about ``-j``), and an old Postfix without ``-j`` is still
listed, with ``-p``, on that first try. Stand-in ``postqueue`` and ``postconf`` scripts."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from mailq_tui.engine import QueueEngine
from mailq_tui.postfix.commands import PostfixTools

FIX = Path(__file__).parent / "fixtures"
#: Fails the test instead of hanging it when the listing waits for the blocked postconf.
GUARD_SECONDS = 60


def _tools(tmp_path: Path, postqueue: str, postconf: str) -> PostfixTools:
    paths = {}
    for name, body in (("postqueue", postqueue), ("postconf", postconf)):
        tool = tmp_path / name
        tool.write_text("#!/bin/sh\n" + body)
        tool.chmod(0o755)
        paths[name] = str(tool)
    return PostfixTools(search_dirs=[str(tmp_path)], _paths=paths)


def test_the_first_listing_does_not_wait_for_postconf(tmp_path: Path) -> None:
    """postconf blocks on a FIFO that is opened for writing only once the listing is in:
    had the listing waited for the settings, neither would ever finish."""
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    listing = FIX / "queue-longids.jsonl"
    tools = _tools(
        tmp_path,
        postqueue=f'[ "$1" = -j ] && exec cat {listing}\nexit 64\n',
        postconf=f"read line < {gate}\nexit 1\n",
    )
    engine = QueueEngine(tools=tools)

    async def scenario() -> None:
        settings = asyncio.ensure_future(engine.settings())
        await asyncio.sleep(0)  # the settings are being read (postconf started) ...
        snapshot = await asyncio.wait_for(engine.snapshot(), GUARD_SECONDS)  # ... meanwhile
        assert not settings.done()
        assert len(snapshot.messages) == len(listing.read_text().splitlines())
        with open(gate, "w") as writer:  # now let postconf end
            writer.write("go\n")
        await asyncio.gather(settings, return_exceptions=True)

    asyncio.run(scenario())


def test_a_postqueue_without_j_is_listed_with_p_on_the_first_try(tmp_path: Path) -> None:
    """Postfix < 3.1: ``-j`` is a usage error before any output; the same listing comes
    from ``postqueue -p`` (the engine has not read the settings)."""
    text = FIX / "queue-longids.mailq.txt"
    tools = _tools(
        tmp_path,
        postqueue=(
            f'[ "$1" = -p ] && exec cat {text}\n'
            "echo 'postqueue: fatal: usage: postqueue -f | postqueue -p' >&2\nexit 64\n"
        ),
        postconf="exit 1\n",
    )
    snapshot = asyncio.run(QueueEngine(tools=tools).snapshot())
    records = (FIX / "queue-longids.jsonl").read_text().splitlines()
    expected = [line.split('"queue_id": "')[1].split('"')[0] for line in records]
    assert [m.queue_id for m in snapshot.messages] == expected
