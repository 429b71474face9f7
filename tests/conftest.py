"""Shared fixtures: a real, isolated, populated Postfix sandbox (root on Debian).

``sandbox`` (session): a started :class:`~mailq_tui.sandbox.instance.Sandbox` routed through a
fake upstream and filled with ~300 messages of every reason kind. ``make_sandbox``: a factory
for tests that need their own small instance (destructive tests). Without root or Postfix
these skip with the reason, except on CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Callable

import pytest

from mailq_tui.sandbox.instance import Sandbox, is_root, postfix_installed
from mailq_tui.sandbox.populate import (
    PopulateResult,
    populate,
    scenario_sandbox,
    upstream_rules,
)
from mailq_tui.sandbox.upstream import Upstream

#: Messages in the shared session sandbox.
SANDBOX_COUNT = 300


@pytest.fixture(autouse=True)
def no_real_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the machine's /etc/mailq-tui or ~/.config/mailq-tui: the config file
    is /dev/null (no settings), for ``main()`` here and for every ``mailq-tui`` a test runs
    (they inherit the environment). Config tests set their own file."""
    monkeypatch.setenv("MAILQ_TUI_CONFIG", os.devnull)


def require_sandbox() -> None:
    """Skip (or fail on CI) unless a sandbox can run here."""
    missing = []
    if not is_root():
        missing.append("root")
    if not postfix_installed():
        missing.append("Postfix (apt-get install postfix)")
    if missing:
        why = "a real Postfix sandbox needs " + " and ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(why + " (CI=true: not skipping)")
        pytest.skip(why)


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    """The fake upstream SMTP server (background thread) shared by every sandbox."""
    require_sandbox()
    up = Upstream(upstream_rules()).start()
    yield up
    up.stop()


@pytest.fixture(scope="session")
def sandbox_populated(upstream: Upstream) -> Iterator[tuple[Sandbox, PopulateResult]]:
    """The session sandbox and what populate reported about it."""
    box = scenario_sandbox(upstream)
    try:
        box.start()
        result = populate(box, SANDBOX_COUNT, seed=1)
        yield box, result
    finally:
        box.destroy()


@pytest.fixture(scope="session")
def sandbox(sandbox_populated: tuple[Sandbox, PopulateResult]) -> Sandbox:
    """A started sandbox with ~300 stuck messages of every kind (do not destroy it)."""
    return sandbox_populated[0]


@pytest.fixture
def make_sandbox(upstream: Upstream) -> Iterator[Callable[..., Sandbox]]:
    """Factory: ``make_sandbox(count=0, **populate_kwargs)`` -> a started scenario sandbox of
    its own, populated with ``count`` messages; all are destroyed after the test."""
    made: list[Sandbox] = []

    def factory(count: int = 0, **kwargs: object) -> Sandbox:
        box = scenario_sandbox(upstream)
        made.append(box)
        box.start()
        if count:
            populate(box, count, **kwargs)  # type: ignore[arg-type]
        return box

    yield factory
    for box in made:
        box.destroy()
