"""Every key, from the same command table that builds the bindings and the palette, then the
query language, from the same text as ``mailq-tui help query`` and the man page."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mailq_tui.query_help import sections
from mailq_tui.ui.commands import LIST_KEYS, QUEUE_COMMANDS, key_label

#: Terminal width from which the help shows each key's binding id (for keymaps); below it
#: the id column would squeeze what the keys do onto two or three lines each.
IDS_FROM_WIDTH = 110


def help_table(show_ids: bool = True) -> Table:
    """Key, what it does, and (``show_ids``) the binding id, for keymaps."""
    table = Table(box=None, expand=True, show_header=True, header_style="bold")
    table.add_column("Key", no_wrap=True)
    table.add_column("Does")
    if show_ids:
        table.add_column("Id", no_wrap=True, style="dim")
    for cmd in QUEUE_COMMANDS:
        ids = [Text(cmd.id)] if show_ids else []
        table.add_row(Text(key_label(cmd.key)), Text(cmd.help), *ids)
    for key, what in LIST_KEYS:
        table.add_row(Text(key), Text(what), *([Text("")] if show_ids else []))
    return table


def query_help() -> Group:
    """The query language as rich renderables: bold titles, indented paragraphs, and each
    term in bold over its meaning (the layout of ``mailq-tui help query``, wrapped to fit)."""
    parts: list[RenderableType] = [
        Text("The query language (/ filter bar; mailq-tui help query)", style="bold")
    ]
    for section in sections():
        parts += [Text(""), Text(section.title, style="bold")]
        for number, block in enumerate(section.blocks):
            if isinstance(block, str):
                if number:
                    parts.append(Text(""))
                parts.append(Padding(Text(block), (0, 0, 0, 2)))
                continue
            if number:
                parts.append(Text(""))
            for entry in block:
                parts.append(Padding(Text(entry.term, style="bold"), (0, 0, 0, 2)))
                parts.append(Padding(Text(entry.meaning), (0, 0, 0, 6)))
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """The key table and the query language; Esc, q or ? closes it."""

    BINDINGS = [
        Binding(
            "escape,q,question_mark", "close", "Close", tooltip="Close the help", id="help.close"
        ),
    ]

    def compose(self) -> ComposeResult:
        """Title, key table and query language in a scrollable box."""
        with VerticalScroll(id="help-dialog"):
            yield Static(
                Text("mailq-tui keys; the query language follows (PgDn, End)"), id="help-title"
            )
            yield Static(help_table(self._show_ids()), id="help-table")
            yield Static(
                Text(
                    "Actions apply to the marked messages, or to the one under the cursor "
                    "when nothing is marked. Every action asks first. Binding ids (for "
                    f"keymaps) are shown from {IDS_FROM_WIDTH} columns on. The query "
                    "language follows below."
                ),
                id="help-note",
            )
            yield Static(query_help(), id="help-query")

    def _show_ids(self) -> bool:
        return self.app.size.width >= IDS_FROM_WIDTH

    def on_resize(self) -> None:
        """Binding ids come and go with the room for them."""
        self.query_one("#help-table", Static).update(help_table(self._show_ids()))

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
