"""What the app says after each operation, in its notification and its log panel: the plain
English summary of the report (never ``flush-ids: 1 of 1 done``), under a title that names
the operation as the footer does."""

from __future__ import annotations

import re

import pytest

from mailq_tui.ui.screens.confirm import ConfirmScreen
from tests.pilot import notifications, queue_screen, settle

from .conftest import make_app, make_backend, until

#: Record names, unfinished plurals, Python reprs and bare ``None`` a postmaster must not read.
JARGON = re.compile(r"flush-(ids|site|all)|operate\(|\(s\)|\b1 messages\b|\bNone\b|'[^' ]*'")


@pytest.mark.parametrize(
    ("key", "title", "said"),
    [
        ("d", "Delete", r"Deleted 1 message"),
        ("h", "Hold", r"Held 1 message"),
        ("H", "Release", r"Nothing released: 1 message was not on hold"),
        ("r", "Requeue", r"Requeued 1 message"),
        ("f", "Flush", r"Flushed 1 message \(queued for immediate delivery\)"),
        ("t", "Flush site", r"Flush of [\w.-]+: \d+ deferred messages? queued for delivery"),
        ("F", "Flush all", r"Flush of the whole queue requested"),
    ],
)
async def test_each_operation_reports_in_words(
    key: str, title: str, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(make_backend())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        shown = notifications(app, monkeypatch)
        await pilot.press(key)
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await settle(pilot)
        (note,) = shown
        assert note["title"] == title
        assert re.fullmatch(said, note["message"].split("\n")[0]), note["message"]
        log = list(queue_screen(app).query_one("#action-log").lines)
        assert any(re.search(said, line) for line in log), log
        for text in [note["message"], note["title"], *log]:
            assert not JARGON.search(text), text
