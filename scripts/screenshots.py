"""Regenerate screenshots/*.svg: the app headless on the recorded sandbox queue.

.venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Callable

import msgspec
from textual.pilot import Pilot

ROOT = Path(__file__).resolve().parent.parent
# Run as a file, the script has scripts/ on sys.path, not the checkout: put the checkout first,
# so that this checkout's package is shown, with the recorded test double from its tests/ (the
# double is not part of the package).
sys.path.insert(0, str(ROOT))

# isort: split
from mailq_tui.model.message import Message  # noqa: E402
from mailq_tui.ui.app import MailqApp  # noqa: E402
from tests.doubles import ORDINARY_USER, RecordedBackend  # noqa: E402

DATA = ROOT / "tests" / "ui" / "data"
OUT = ROOT / "screenshots"
QUEUE = DATA / "queue.jsonl"
NOW = float(max(json.loads(line)["arrival_time"] for line in QUEUE.open())) + 3600


async def settle(pilot: Pilot) -> None:
    """Let workers finish and the screen repaint."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def spread(messages: list[Message]) -> list[Message]:
    """The recorded messages with ages spread from minutes to days (the recording has every
    message one hour old), so the shape heat map has something to show."""
    return [
        msgspec.structs.replace(m, arrival_time=int(NOW - 150 * 2 ** (i % 12) * (1 + i % 3)))
        for i, m in enumerate(messages)
    ]


async def shot(
    name: str,
    keys: Callable[[Pilot], Awaitable[None]],
    size: tuple[int, int] = (100, 30),
    ages: bool = False,
    **backend_kwargs: object,
) -> None:
    """Run the app, drive it with ``keys``, save ``screenshots/NAME.svg``."""
    backend = RecordedBackend.from_file(
        QUEUE, postcat_dir=DATA, clock=lambda: NOW, **backend_kwargs
    )
    if ages:
        backend.messages = spread(backend.messages)
    app = MailqApp(backend, refresh_interval=0, clock=lambda: NOW)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await keys(pilot)
        await pilot.pause(0.3)  # not settle(): the confirm dialog's worker waits for an answer
        app.save_screenshot(f"{name}.svg", path=str(OUT))
    print(f"screenshots/{name}.svg")


async def main() -> None:
    """Every screen the README shows."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    OUT.mkdir(exist_ok=True)

    async def queue(p: Pilot) -> None:
        await p.press("o", "o", "o")
        await settle(p)
        await p.press("down", "space", "space", "space")

    async def filtered(p: Pilot) -> None:
        await p.press("slash", *"gmail", "enter")
        await settle(p)
        await p.press("asterisk", "l")

    async def confirm(p: Pilot) -> None:
        await queue(p)
        await p.press("d")

    async def message(p: Pilot) -> None:
        await p.press("slash", *"6CBC820C09E", "enter")
        await settle(p)
        await p.press("enter")
        await settle(p)

    async def helpscreen(p: Pilot) -> None:
        await p.press("question_mark")

    async def nothing(p: Pilot) -> None:
        await p.press("o", "o", "o")

    async def reasons(p: Pilot) -> None:
        await p.press("R")
        await settle(p)
        await p.press("down")

    async def grouped(p: Pilot) -> None:
        await p.press("o", "o", "o")
        await settle(p)
        await p.press("b")
        await settle(p)
        await p.press("down", "enter")
        await settle(p)
        await p.press("down", "space")

    async def shape(p: Pilot) -> None:
        await p.press("s")
        await settle(p)
        await p.press("down", "right", "right", "right")

    async def health(p: Pilot) -> None:
        await p.press("o", "o", "o")
        await settle(p)
        await p.press("i")
        await settle(p)

    await shot("queue", queue)
    await shot("queue-80x24", queue, size=(80, 24))
    await shot("filter-marked-log", filtered)
    await shot("confirm-delete", confirm)
    await shot("message", message)
    await shot("help", helpscreen)
    await shot("ordinary-user", nothing, size=(80, 24), privileges=ORDINARY_USER)
    await shot("reasons", reasons)
    await shot("grouped", grouped)
    await shot("shape", shape, ages=True)
    await shot("shape-80x24", shape, size=(80, 24), ages=True)
    await shot("health", health)


if __name__ == "__main__":
    asyncio.run(main())
