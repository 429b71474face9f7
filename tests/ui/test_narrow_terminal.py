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
from textual.widgets._footer import FooterKey

from mailq_tui import glyphs
from mailq_tui.ui.screens.help import help_table
from mailq_tui.ui.screens.message import MessageScreen
from mailq_tui.ui.screens.reasons import ReasonsScreen
from mailq_tui.ui.screens.shape import ShapeScreen
from mailq_tui.ui.widgets.footer import Footer
from mailq_tui.ui.widgets.health import TrendLine, sparkline_rows
from mailq_tui.ui.widgets.heatmap import domain_labels
from mailq_tui.ui.widgets.status import StatusBar
from tests.doubles import ORDINARY_USER
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


def footer_line(app: Any) -> str:
    """The footer row as drawn (the last line of the screen)."""
    return screen_text(app).splitlines()[-1]


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (100, 30), (200, 30)])
async def test_the_footer_shows_whole_keys_and_always_the_help(size: tuple[int, int]) -> None:
    """No key is cut mid-word (Textual's footer scrolls sideways: `H Rel`, `d D`); the help key,
    which lists every key, and the palette key stay whatever the width."""
    app = make_app(make_backend())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.pause()
        line = footer_line(app)
        shown = [k for k in app.screen.query(FooterKey) if k.display]
        labels = [f"{k.key_display} {k.description}".strip() for k in shown]
        hidden = [k for k in app.screen.query(FooterKey) if not k.display]
    assert "? Help" in line, line
    assert "^p palette" in line, line
    for label in labels:
        assert label in line, (label, line)
    # The filter, marking and the operations come before the views.
    assert "/ Filter" in line and "space Mark" in line and "d Delete" in line, line
    if size[0] >= 200:  # room for every key: nothing is hidden
        assert not hidden, line


async def test_an_ordinary_user_keeps_the_flushes_in_an_80_column_footer() -> None:
    """The flushes are an ordinary user's only actions: they outrank marking all."""
    app = make_app(make_backend(privileges=ORDINARY_USER))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause()
        line = footer_line(app)
    assert "Flush id/site/all" in line and "? Help" in line, line
    assert "d Delete" not in line, line


async def test_the_footer_shows_hidden_keys_again_when_the_terminal_widens() -> None:
    app = make_app(make_backend())
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        await pilot.pause()
        assert "R Reasons" not in footer_line(app)
        await pilot.resize_terminal(160, 30)
        await settle(pilot)
        await pilot.pause()
        line = footer_line(app)
    assert "d Delete" in line and "R Reasons" in line and "? Help" in line, line


async def test_the_footer_under_a_dialog_stays_fitted() -> None:
    """Opening the help rebuilds the queue screen's footer while the screen is under the
    dialog (its keys not laid out yet): it must still show whole keys only."""
    app = make_app(make_backend())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        queue = app.screen
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.pause()
        assert queue is not app.screen
        shown = [k for k in queue.query(FooterKey) if k.display]
        total = sum(k.outer_size.width for k in shown)
        footer_width = queue.query_one(Footer).size.width
    assert total <= footer_width, [(k.key, k.outer_size.width) for k in shown]
