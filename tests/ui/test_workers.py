"""Every Textual worker of the app names itself.

Without ``description=``, Textual's ``@work`` describes a worker by the ``repr`` of its
arguments, on the UI thread, when it starts: a listing of 500k messages handed to a worker froze
the screen for 2.6 s before the worker began (seen when indexing a listing, and it would hit a
bulk action on every message and each shape computation alike).
"""

from __future__ import annotations

import re
from pathlib import Path

import mailq_tui

PACKAGE = Path(mailq_tui.__file__).parent
WORK = re.compile(r"@work\((?P<args>[^)]*)\)")


def test_every_worker_has_a_description() -> None:
    found = []
    for path in PACKAGE.rglob("*.py"):
        for match in WORK.finditer(path.read_text()):
            found.append((path.name, "description=" in match.group("args")))
    assert len(found) >= 9
    assert [name for name, ok in found if not ok] == []


async def test_why_a_description_matters() -> None:
    """Textual's own behaviour, which the rule above works around: without a description,
    starting a worker costs the ``repr`` of its arguments; with one, nothing."""
    import time

    from textual import work
    from textual.app import App

    class Host(App[None]):
        @work(description="named")
        async def named(self, items: list[int]) -> int:
            return len(items)

        @work()
        async def unnamed(self, items: list[int]) -> int:
            return len(items)

    big = list(range(3_000_000))
    app = Host()
    async with app.run_test():
        timings = {}
        for method in (app.named, app.unnamed):
            start = time.perf_counter()
            worker = method(big)
            timings[method.__name__] = time.perf_counter() - start
            assert await worker.wait() == 3_000_000
    assert timings["named"] < 0.05 < timings["unnamed"]
