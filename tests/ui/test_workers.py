"""Every Textual worker of the app names itself.

Without ``description=``, Textual's ``@work`` describes a worker by the ``repr`` of its
arguments, on the UI thread, when it starts: a listing of 500k messages handed to a worker
freezes the screen for seconds before the worker begins, and so would a bulk action on every
message or a shape computation.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import mailq_tui.ui

UI = Path(mailq_tui.ui.__file__).parent
#: Callables that start a worker: the ``work`` decorator (bare or called) and ``run_worker``.
STARTERS = {"work", "run_worker"}


def _called_name(node: ast.expr) -> str:
    """``work`` for ``work``, ``textual.work`` and ``self.run_worker``-like ``x.work``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def worker_starts(source: str) -> Iterator[tuple[int, bool]]:
    """(line, has ``description=``) of each place in ``source`` that starts a worker."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _called_name(node.func) in STARTERS:
            yield node.lineno, any(k.arg == "description" for k in node.keywords)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:  # a bare ``@work``: not a call
                if not isinstance(decorator, ast.Call) and _called_name(decorator) in STARTERS:
                    yield decorator.lineno, False


def test_every_worker_has_a_description() -> None:
    found = [
        (f"{path.relative_to(UI)}:{line}", named)
        for path in sorted(UI.rglob("*.py"))
        for line, named in worker_starts(path.read_text())
    ]
    assert len(found) >= 5  # the walk reaches the screens (a wrong path would find none)
    assert [where for where, named in found if not named] == []


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("@work\nasync def f(self): ...", False),
        ("@work()\nasync def f(self): ...", False),
        ("@textual.work(exclusive=True, group='g')\nasync def f(self): ...", False),
        ("self.run_worker(self.f, exclusive=True)", False),
        ("self.x = work(thread=True)(f)", False),
        ("@work(group='g', description='listing')\nasync def f(self): ...", True),
        ("self.app.run_worker(f, description='exit')", True),
    ],
)
def test_the_guard_sees_every_way_to_start_a_worker(source: str, named: bool) -> None:
    assert [has for _, has in worker_starts(source)] == [named]


async def test_why_a_description_matters() -> None:
    """Textual's own behaviour, which the rule above works around: without a description,
    starting a worker calls ``repr`` on its arguments (a listing: seconds); with one, never."""
    from textual import work
    from textual.app import App

    reprs: list[str] = []

    class Listing:
        def __repr__(self) -> str:
            reprs.append("repr")
            return "Listing()"

    class Host(App[None]):
        @work(description="named")
        async def named(self, listing: Listing) -> Listing:
            return listing

        @work()
        async def unnamed(self, listing: Listing) -> Listing:
            return listing

    listing = Listing()
    app = Host()
    async with app.run_test():
        assert await app.named(listing).wait() is listing
        assert reprs == []
        assert await app.unnamed(listing).wait() is listing
        assert reprs != []
