"""Any terminal: ASCII glyphs where Unicode ones would show as garbage, and a 60x20 terminal
that still reads (the shape screen's domains stay distinct, the reasons screen shows reasons,
the status bar drops whole parts instead of cutting one mid-word)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot

from mailq_tui import glyphs
from mailq_tui.ui.screens.help import help_table
from mailq_tui.ui.screens.message import MessageScreen
from mailq_tui.ui.screens.reasons import ReasonsScreen
from mailq_tui.ui.screens.shape import ShapeScreen
from mailq_tui.ui.widgets.health import TrendLine, sparkline_rows
from mailq_tui.ui.widgets.heatmap import domain_labels
from mailq_tui.ui.widgets.status import StatusBar
from tests.pilot import open_screen, screen_text, settle, sort_by

from .conftest import make_app, make_backend

NARROW = (60, 20)

#: Textual's own drawing (borders, scrollbars, the footer's separator): its business, not ours.
TEXTUAL_CHROME = {chr(c) for c in range(0x2500, 0x25A0)}


@pytest.fixture
def ascii_glyphs() -> Iterator[None]:
    """The app as on ``LANG=C`` or ``TERM=linux``."""
    glyphs.use(glyphs.ASCII)
    yield
    glyphs.use(glyphs.UNICODE)


def not_ascii(text: str) -> set[str]:
    """Characters of ``text`` that are neither ASCII nor Textual's chrome."""
    return {c for c in text if not c.isascii() and c not in TEXTUAL_CHROME}


def test_domains_that_share_their_end_stay_distinct() -> None:
    names = ["mx1.mail.example.org", "mx2.mail.example.org", "example.org", "TOTAL"]
    labels = domain_labels(names, 14)
    assert len(set(labels)) == len(labels), labels
    assert labels[0].startswith("mx1") and labels[1].startswith("mx2")
    assert labels[2:] == ["example.org", "TOTAL"]  # what fits is left alone
    assert all(len(label) <= 14 for label in labels)


def test_domains_that_differ_past_the_middle_cut_are_cut_elsewhere() -> None:
    names = ["a-long-shared-prefix-x.example.org", "a-long-shared-prefix-y.example.org"]
    labels = domain_labels(names, 16)
    assert len(set(labels)) == 2, labels
    assert all(len(label) == 16 for label in labels)


def test_ascii_sparkline_scales_like_textuals() -> None:
    assert sparkline_rows([1, 5, 9], 3, 1, "_.-=+*#@") == ["_=@"]
    assert sparkline_rows([0, 10], 2, 2, "_.-=+*#@") == [" @", "_@"]
    assert sparkline_rows([], 4, 1, "_.-=+*#@") == ["____"]


async def test_reasons_screen_at_60_columns_shows_the_reasons() -> None:
    app = make_app(make_backend())
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await open_screen(pilot, "R", ReasonsScreen)
        text = screen_text(app)
    assert "host <hos" not in text
    assert "421 4.7.0 [TSS04]" in text
    assert "450 4.2.0 mailbox busy" in text


async def test_status_bar_at_60_columns_ends_with_a_whole_part() -> None:
    app = make_app(make_backend())
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        status = str(app.screen.query_one(StatusBar).render()).rstrip()
    assert status.endswith("marked 0"), status
    assert "…" not in status


async def visit_every_screen(pilot: Pilot[Any]) -> list[str]:
    """The text of the queue (marked, grouped, health panel), reasons, shape, message, help
    and palette screens."""
    texts = []
    await settle(pilot)
    await sort_by(pilot, "id", reverse=True)
    await pilot.press("space", "i")
    await settle(pilot)
    texts.append(screen_text(pilot.app))
    trend = pilot.app.screen.query_one(TrendLine)
    texts.append(
        "\n".join("".join(s.text for s in line) for line in trend.render_lines(trend.region))
    )
    await pilot.press("b")
    await settle(pilot)
    texts.append(screen_text(pilot.app))
    await pilot.press("b", "b", "b", "b")  # grouping off again
    await settle(pilot)
    await open_screen(pilot, "R", ReasonsScreen)
    texts.append(screen_text(pilot.app))
    await pilot.press("escape")
    await open_screen(pilot, "s", ShapeScreen)
    texts.append(screen_text(pilot.app))
    await pilot.press("escape")
    await open_screen(pilot, "enter", MessageScreen)
    texts.append(screen_text(pilot.app))
    await pilot.press("escape")
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)
    texts.append(screen_text(pilot.app))
    await pilot.press("escape", "ctrl+p")
    await settle(pilot)
    texts.append(screen_text(pilot.app))
    return texts


@pytest.mark.usefixtures("ascii_glyphs")
@pytest.mark.parametrize("size", [NARROW, (100, 30)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_ascii_terminal_gets_no_glyph_of_ours(size: tuple[int, int]) -> None:
    app = make_app(make_backend())
    async with app.run_test(size=size) as pilot:
        texts = await visit_every_screen(pilot)
    for text in texts:
        assert not not_ascii(text), (not_ascii(text), text)
    assert "*" in texts[0]  # the mark
    assert "Enter" in texts[3]  # the footer's key, not its arrow glyph


async def test_unicode_terminal_gets_the_glyphs() -> None:
    """The check above can fail: on a Unicode terminal the same visit draws our glyphs."""
    app = make_app(make_backend())
    async with app.run_test(size=NARROW) as pilot:
        texts = await visit_every_screen(pilot)
    assert set().union(*map(not_ascii, texts)) >= {"●", "⏎", "✓", "…"}


def test_ascii_snapshot_at_60x20(snap_compare: Any, ascii_glyphs: None) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await sort_by(pilot, "id", reverse=True)
        await pilot.press("down", "space", "space", "down")

    assert snap_compare(make_app(make_backend()), terminal_size=NARROW, run_before=run_before)


def test_help_keys_spell_out_the_arrows_on_an_ascii_terminal(ascii_glyphs: None) -> None:
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(help_table(show_ids=True))
    text = console.export_text()
    assert "Up/k Down/j" in text
    assert text.isascii(), not_ascii(text)
